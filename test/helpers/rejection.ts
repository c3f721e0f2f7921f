// The error a promise is expected to reject with, to assert on its code, message and hint; a
// promise that resolves fails the test instead.
import type { PgkeepError } from '../../src/util/errors.js';

export async function rejection(p: Promise<unknown>): Promise<PgkeepError> {
  try {
    await p;
  } catch (e) {
    return e as PgkeepError;
  }
  throw new Error('expected a rejection');
}

// Filling in a lagging copy of a mirror: an object some copy holds is copied, streaming, from
// the first other copy whose bytes pass the caller's check (a SHA-256 from the manifest, a
// zstd frame check for WAL) to the copy that lacks it. A copy that fails the check is skipped
// and named; nothing unchecked is ever written (the check fails the put before it completes).
import { Transform, type Duplex, type TransformCallback } from 'node:stream';
import { PgkeepError } from '../util/errors.js';
import type { Store } from './store.js';

export interface CopyOutcome {
  key: string;
  to: string;
  /** The copy the bytes came from, when copied. */
  from?: string;
  bytes?: number;
  /** Why it could not be copied (every source failed, or the target refused). */
  error?: string;
  /** Sources skipped because their bytes failed the check. */
  badSources?: string[];
}

/**
 * Copy `key` to `to` from the first of `sources` that has it and whose bytes pass `check`
 * (a fresh Transform per attempt that fails at its end when the bytes are wrong).
 */
export async function copyToCopy(key: string, sources: Store[], to: Store, check?: () => Transform): Promise<CopyOutcome> {
  const bad: string[] = [];
  const errors: string[] = [];
  for (const src of sources) {
    let body;
    try {
      body = await src.get(key);
    } catch (e) {
      if (!(e instanceof PgkeepError && e.code === 'not-found')) errors.push(`${src.description}: ${(e as Error).message}`);
      continue;
    }
    const checked = check ? body.pipe(check()) : body;
    if (check) body.on('error', (e) => checked.destroy(e));
    // The check can fail before put() attaches its own listeners (it may open a file first):
    // the error stays on the stream (errored) and put's pipeline reports it, never uncaught.
    checked.on('error', () => undefined);
    try {
      // ifNoneMatch: a copy filled in meanwhile (wal-push running) keeps its own object.
      const r = await to.put(key, checked, { ifNoneMatch: true });
      return { key, to: to.description, from: src.description, bytes: r.bytes, ...(bad.length ? { badSources: bad } : {}) };
    } catch (e) {
      if (e instanceof PgkeepError && e.code === 'exists') return { key, to: to.description, from: 'already there', ...(bad.length ? { badSources: bad } : {}) };
      if (e instanceof PgkeepError && ['checksum-mismatch', 'corrupt-object', 'wal-corrupt'].includes(e.code)) {
        bad.push(src.description);
        errors.push(`${src.description}: ${e.message}`);
        continue;
      }
      return { key, to: to.description, error: (e as Error).message, ...(bad.length ? { badSources: bad } : {}) };
    }
  }
  return { key, to: to.description, error: errors.length ? errors.join('; ') : 'no other copy has it', ...(bad.length ? { badSources: bad } : {}) };
}

/**
 * Pass bytes through while also feeding them to `checker` (e.g. a zstd decompressor whose
 * output is discarded); the stream fails at its end if the checker fails.
 */
export function sideCheck(checker: Duplex, code: string, what: string): Transform {
  let failure: Error | undefined;
  checker.on('error', (e) => (failure ??= e));
  checker.resume();
  const ended = new Promise<void>((resolve) => {
    checker.once('end', resolve);
    checker.once('error', () => resolve());
    checker.once('close', resolve);
  });
  // Reported once: a destroyed stream must not emit a second error nobody listens for.
  let reported = false;
  const fail = (e: Error | undefined): PgkeepError | null => {
    if (!e || reported) return null;
    reported = true;
    return new PgkeepError(code, `${what} is corrupt (${e.message}).`, 'It was not copied; run pgkeep verify to see which copies are damaged.');
  };
  return new Transform({
    transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback) {
      if (failure) return cb(fail(failure));
      if (reported) return cb();
      if (checker.write(chunk)) cb(null, chunk);
      else {
        // A checker that fails never drains: its close releases the wait too.
        const go = () => {
          checker.off('drain', go);
          checker.off('close', go);
          // Torn down meanwhile (the pipeline failed elsewhere): an error now would have no listener.
          if (this.destroyed) return;
          const err = fail(failure);
          if (err) cb(err);
          else cb(null, failure ? undefined : chunk);
        };
        checker.on('drain', go);
        checker.on('close', go);
      }
    },
    flush(cb: TransformCallback) {
      checker.end();
      void ended.then(() => cb(fail(failure)));
    },
  });
}

import { describe, expect, it } from 'vitest';
import { redact, registerSecret } from '../../../src/util/redact.js';
import { describeError, PgkeepError } from '../../../src/util/errors.js';

describe('redact', () => {
  it('removes credentials from URLs and query strings', () => {
    expect(redact('postgres://app:s3cr3t@db:5432/core')).toBe('postgres://***@db:5432/core');
    expect(redact('https://x/?X-Amz-Signature=abcdef&a=1')).toBe('https://x/?X-Amz-Signature=***&a=1');
  });

  it('removes registered secrets wherever they appear', () => {
    registerSecret('hunter2-password');
    expect(redact('FATAL: password "hunter2-password" rejected')).not.toContain('hunter2-password');
  });
});

describe('errors', () => {
  it('describes a PgkeepError as message plus hint, without a stack', () => {
    const d = describeError(new PgkeepError('x', 'Backup "b" not found.', 'See pgkeep list.'));
    expect(d).toBe('Backup "b" not found. Hint: See pgkeep list.');
    expect(d).not.toMatch(/at .*\.ts/);
  });
});

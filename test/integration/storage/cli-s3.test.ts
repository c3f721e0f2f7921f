// The CLI over S3 as an operator meets it: a missing bucket, wrong credentials or a dead endpoint
// end with exit ≠ 0 and one paragraph naming the bucket/endpoint and what to do, never a stack
// trace or the secret key.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgkeep } from '../../helpers/cli.js';
import { startS3, type TestS3 } from '../../helpers/s3.js';

let s3: TestS3;
beforeAll(async () => {
  s3 = await startS3();
});
afterAll(async () => {
  await s3?.stop();
});

const SECRET = 'cliSECRETkey/Zq9+abc';

describe('pgkeep over S3, when the bucket cannot be used', () => {
  it.each(['list', 'status', 'verify'])('%s names a missing bucket and says to create it', async (cmd) => {
    const r = await pgkeep([cmd], { ...s3.env, PGKEEP_REPO: 's3://pgkeep-cli-missing/prod', PGKEEP_S3_MAX_ATTEMPTS: '1' });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('"pgkeep-cli-missing"');
    expect(r.stderr).toMatch(/does not exist/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('wrong credentials: access denied, secret never printed', async () => {
    const bucket = await s3.bucket('cli');
    const env = { ...s3.env, AWS_ACCESS_KEY_ID: 'NOSUCHKEY', AWS_SECRET_ACCESS_KEY: SECRET, PGKEEP_REPO: `s3://${bucket}/prod`, PGKEEP_S3_MAX_ATTEMPTS: '1' };
    const r = await pgkeep(['list', '--json'], env);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(new RegExp(`access to bucket "${bucket}" was denied`));
    expect(r.stdout + r.stderr).not.toContain(SECRET);
    expect(r.stdout + r.stderr).not.toContain('Zq9');
  });

  it('a dead endpoint is named, with the variable to fix', async () => {
    const env = { ...s3.env, AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9', AWS_SECRET_ACCESS_KEY: SECRET, PGKEEP_REPO: 's3://pgkeep-cli/prod', PGKEEP_S3_MAX_ATTEMPTS: '1' };
    const r = await pgkeep(['list'], env);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('http://127.0.0.1:9 is unreachable (ECONNREFUSED)');
    expect(r.stderr).toContain('AWS_ENDPOINT_URL_S3');
    expect(r.stdout + r.stderr).not.toContain(SECRET);
  });
});

// An S3 endpoint URL with user:password@ would travel into restore_command (postgresql.auto.conf,
// the restored server's process list) percent-encoded, where redaction cannot recognise it:
// refused like credentials in PGKEEP_REPO, without echoing them.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/config.js';
import { PgkeepError } from '../../../src/util/errors.js';

const PW = 'EndpointPw-Planted-1234';
const refusal = (env: Record<string, string>): PgkeepError => {
  try {
    loadConfig(env);
  } catch (e) {
    return e as PgkeepError;
  }
  throw new Error('loadConfig accepted credentials in an S3 endpoint');
};

describe('S3 endpoint with credentials', () => {
  it.each(['AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL'])('%s with user:password@ is refused, naming the variable', (name) => {
    const e = refusal({ PGKEEP_REPO: 's3://bucket/p', [name]: `http://user:${PW}@127.0.0.1:9000` });
    expect(e.code).toBe('bad-config');
    expect(e.message).toContain(name);
    expect(e.message).toContain('must not carry credentials');
    expect(`${e.message} ${e.hint}`).not.toContain(PW);
  });

  it('the endpoint= option of a PGKEEP_REPO copy, percent-encoded, is refused too', () => {
    const endpoint = encodeURIComponent(`http://user:${PW}@127.0.0.1:9000`);
    const e = refusal({ PGKEEP_REPO: `s3://bucket/p?endpoint=${endpoint}` });
    expect(e.code).toBe('bad-config');
    expect(e.message).toContain('endpoint must not carry credentials');
    expect(`${e.message} ${e.hint}`).not.toContain(PW);
  });

  it('an endpoint without credentials is accepted', () => {
    expect(loadConfig({ PGKEEP_REPO: 's3://bucket/p?endpoint=http%3A%2F%2F127.0.0.1%3A9000', AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9000' }).s3.endpoint).toBe('http://127.0.0.1:9000');
  });
});

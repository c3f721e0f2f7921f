import { describe, expect, it } from 'vitest';
import { secretValues } from '../../../src/actions/mask-secrets.js';
import { withCliPath } from '../../../src/actions/action-runner.js';

describe('secret values to mask', () => {
  it('finds passwords, keys, tokens, webhook inputs and every URL that carries credentials', () => {
    const v = secretValues({
      PGPASSWORD: 'pg-pass',
      DATABASE_URL: 'postgres://app:p%40ss%2Fword@db:5432/core',
      AWS_SECRET_ACCESS_KEY: 'aws/secret+key',
      AWS_SESSION_TOKEN: 'sess-token',
      'INPUT_GITHUB-TOKEN': 'ghs_abc123',
      'INPUT_WEBHOOK-URL': 'https://hooks.slack.com/services/T/B/xyz',
      PGKEEP_REPO: 'file:///x,s3://bucket/p',
      INPUT_REPO: 's3://bucket/p,https://user:repo-pass@minio:9000/b',
      PGHOST: 'db.internal',
      PGUSER: 'postgres',
    });
    expect(v).toEqual(
      expect.arrayContaining([
        'pg-pass',
        'postgres://app:p%40ss%2Fword@db:5432/core',
        'p%40ss%2Fword',
        'p@ss/word',
        'aws/secret+key',
        'sess-token',
        'ghs_abc123',
        'https://hooks.slack.com/services/T/B/xyz',
        'https://user:repo-pass@minio:9000/b',
        'repo-pass',
      ]),
    );
    expect(v).not.toContain('db.internal');
    expect(v).not.toContain('postgres');
    expect(v).not.toContain('file:///x,s3://bucket/p');
  });

  it('skips values that would mask ordinary output (empty, tiny, booleans)', () => {
    expect(secretValues({ PGPASSWORD: '', SOME_TOKEN: 'ab', USE_SECRET: 'true' })).toEqual([]);
  });
});

describe('restore_command CLI path for actions', () => {
  it('points at dist/cli/index.js beside the running action bundle unless PGKEEP_CLI_PATH is set', () => {
    expect(withCliPath({}, '/r/_actions/o/pgkeep/v1/dist/pg-restore/index.js').PGKEEP_CLI_PATH).toBe('/r/_actions/o/pgkeep/v1/dist/cli/index.js');
    expect(withCliPath({ PGKEEP_CLI_PATH: '/opt/pgkeep.js' }, '/x/dist/pg-verify/index.js').PGKEEP_CLI_PATH).toBe('/opt/pgkeep.js');
  });
});

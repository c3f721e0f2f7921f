// Test S3: a real S3-protocol server for a test file.
//
//   const s3 = await startS3();            // s3rver on 127.0.0.1:<free port>, temp dir, silent
//   const bucket = await s3.bucket('wal');  // creates a bucket; returns its (unique) name
//   loadConfig({ ...s3.env, PGKEEP_REPO: `s3://${bucket}/prod` })  // or pgkeep(args, { ...s3.env, … })
//   new S3Store(parseRepoUrl(`s3://${bucket}/p`) as S3RepoLocation, s3.settings)
//   await s3.stop();                        // in afterAll
//
// With PGKEEP_TEST_S3_ENDPOINT set (GitHub CI: MinIO/SeaweedFS), that server is used instead, with
// PGKEEP_TEST_S3_ACCESS_KEY / PGKEEP_TEST_S3_SECRET_KEY / PGKEEP_TEST_S3_REGION (else AWS_ACCESS_KEY_ID /
// AWS_SECRET_ACCESS_KEY / AWS_REGION, else MinIO's defaults); buckets then get
// a random suffix so parallel test files never collide. `env` holds the AWS_* variables
// (AWS_ENDPOINT_URL_S3 included) and PGKEEP_S3_FORCE_PATH_STYLE=true, exactly what a user sets.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { loadConfig, type S3Settings } from '../../src/config/config.js';

// s3rver runs in its own Node process: it makes ListObjectsV2 continuation tokens with DES, which
// Node 24's OpenSSL only offers under --openssl-legacy-provider (and the server's CPU stays out
// of the test process). It exits when its stdin closes, so it never outlives the test run.
const S3RVER_MAIN = createRequire(import.meta.url).resolve('s3rver');
const SERVER_SCRIPT = `
const S3rver = require(process.argv[1]);
const s = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: process.argv[2] });
s.run().then((a) => process.stdout.write(JSON.stringify({ port: a.port }) + '\\n'), (e) => { console.error(e); process.exit(1); });
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
`;

async function spawnS3rver(dir: string): Promise<{ port: number; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--openssl-legacy-provider', '-e', SERVER_SCRIPT, S3RVER_MAIN, dir], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (c) => (err += c));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c) => {
      out += c;
      const line = out.split('\n')[0];
      if (out.includes('\n')) resolve((JSON.parse(line) as { port: number }).port);
    });
    child.once('exit', (code) => reject(new Error(`s3rver exited (${code}): ${err}`)));
  });
  return { port, child };
}

export interface TestS3 {
  /** http://127.0.0.1:PORT (or the external endpoint). */
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** True when this is the local s3rver (some S3 features are missing there: no conditional PUT, no multipart abort). */
  local: boolean;
  /** s3rver's data directory (local only), for tests that inspect what the server kept. */
  dir?: string;
  /** AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, AWS_ENDPOINT_URL_S3, PGKEEP_S3_FORCE_PATH_STYLE. */
  env: Record<string, string>;
  /** S3Settings as loadConfig builds them from `env` (plus overrides such as { maxAttempts: 1 }). */
  settings(over?: Partial<S3Settings>): S3Settings;
  /** A raw SDK client for assertions on what the server stored. */
  client: S3Client;
  /** Create a bucket; returns its name (`name` plus a random suffix). */
  bucket(name?: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startS3(): Promise<TestS3> {
  const ext = process.env.PGKEEP_TEST_S3_ENDPOINT;
  let server: ChildProcess | undefined;
  let dir: string | undefined;
  let endpoint: string;
  let accessKeyId = 'S3RVER';
  let secretAccessKey = 'S3RVER';
  let region = 'us-east-1';
  if (ext) {
    endpoint = ext;
    // CI may give the keys as the plain AWS variables; MinIO's defaults last.
    accessKeyId = process.env.PGKEEP_TEST_S3_ACCESS_KEY || process.env.AWS_ACCESS_KEY_ID || 'minioadmin';
    secretAccessKey = process.env.PGKEEP_TEST_S3_SECRET_KEY || process.env.AWS_SECRET_ACCESS_KEY || 'minioadmin';
    region = process.env.PGKEEP_TEST_S3_REGION || process.env.AWS_REGION || region;
  } else {
    dir = await mkdtemp(path.join(os.tmpdir(), 'pgkeep-s3rver-'));
    const started = await spawnS3rver(dir);
    server = started.child;
    endpoint = `http://127.0.0.1:${started.port}`;
  }
  const env: Record<string, string> = {
    AWS_ACCESS_KEY_ID: accessKeyId,
    AWS_SECRET_ACCESS_KEY: secretAccessKey,
    AWS_REGION: region,
    AWS_ENDPOINT_URL_S3: endpoint,
    PGKEEP_S3_FORCE_PATH_STYLE: 'true',
  };
  const client = new S3Client({
    region,
    endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId, secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return {
    endpoint,
    region,
    accessKeyId,
    secretAccessKey,
    local: !ext,
    dir,
    env,
    client,
    settings: (over = {}) => ({ ...loadConfig({ ...env, PGKEEP_REPO: 'file:///unused' }).s3, ...over }),
    async bucket(name = 'pgkeep') {
      const b = `${name}-${randomBytes(4).toString('hex')}`.toLowerCase();
      await client.send(new CreateBucketCommand({ Bucket: b }));
      return b;
    },
    async stop() {
      client.destroy();
      if (server && server.exitCode === null) {
        const exited = once(server, 'exit');
        server.stdin!.end();
        await exited;
      }
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };
}

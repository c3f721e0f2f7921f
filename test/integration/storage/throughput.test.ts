// Measurement, not a benchmark gate: a 256 MiB streamed put + get through the file store and the
// S3 store (s3rver, or PGKEEP_TEST_S3_ENDPOINT). Runs with PGKEEP_TEST_THROUGHPUT=1; prints MiB/s
// and the client's peak RSS growth. It asserts only what must hold: the bytes come back intact
// and the object is never held in memory whole (RSS growth well under the object size).
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRepoUrl, type S3RepoLocation } from '../../../src/config/repo-url.js';
import { FsStore } from '../../../src/storage/fs-store.js';
import { S3Store } from '../../../src/storage/s3-store.js';
import type { Store } from '../../../src/storage/store.js';
import { startS3, type TestS3 } from '../../helpers/s3.js';

const MiB = 1024 * 1024;
const SIZE = Number(process.env.PGKEEP_TEST_THROUGHPUT_MIB ?? 256) * MiB;

/** SIZE bytes of one random 1 MiB block repeated (cheap to generate; the stores never see the repetition). */
function source(): { stream: Readable; sha256: string } {
  const block = randomBytes(MiB);
  const h = createHash('sha256');
  for (let i = 0; i < SIZE / MiB; i++) h.update(block);
  let sent = 0;
  const stream = new Readable({
    read() {
      if (sent >= SIZE) return void this.push(null);
      sent += MiB;
      this.push(Buffer.from(block));
    },
  });
  return { stream, sha256: h.digest('hex') };
}

/** `bufferMiB`: what the driver may hold by design (S3: up to queueSize + 1 parts, each briefly twice while lib-storage joins chunks). */
async function measure(store: Store, label: string, bufferMiB: number) {
  const rss0 = process.memoryUsage().rss;
  let peak = rss0;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  try {
    const src = source();
    let t = performance.now();
    await store.put('bench/object', src.stream);
    const putS = (performance.now() - t) / 1000;
    t = performance.now();
    const h = createHash('sha256');
    for await (const c of await store.get('bench/object')) h.update(c as Buffer);
    const getS = (performance.now() - t) / 1000;
    expect(h.digest('hex')).toBe(src.sha256);
    const growth = (peak - rss0) / MiB;
    console.log(
      `[throughput] ${label}: put ${(SIZE / MiB / putS).toFixed(0)} MiB/s (${putS.toFixed(2)} s), get ${(SIZE / MiB / getS).toFixed(0)} MiB/s (${getS.toFixed(2)} s), peak RSS +${growth.toFixed(0)} MiB for ${SIZE / MiB} MiB`,
    );
    expect(growth).toBeLessThan(bufferMiB + 96);
  } finally {
    clearInterval(timer);
  }
}

describe.skipIf(process.env.PGKEEP_TEST_THROUGHPUT !== '1')('storage throughput (PGKEEP_TEST_THROUGHPUT=1)', () => {
  let s3: TestS3;
  let tmp: string;
  beforeAll(async () => {
    s3 = await startS3();
    tmp = await mkdtemp(path.join(os.tmpdir(), 'pgkeep-throughput-'));
  });
  afterAll(async () => {
    await s3?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('file store', async () => {
    await measure(new FsStore(tmp), 'file', 0);
  });

  it('S3 store, default part size and concurrency (16 MiB × 4)', async () => {
    const bucket = await s3.bucket('bench');
    const settings = s3.settings();
    const store = new S3Store(parseRepoUrl(`s3://${bucket}/bench`) as S3RepoLocation, settings);
    await measure(store, `s3 (${s3.local ? 's3rver' : s3.endpoint})`, (settings.queueSize + 1) * settings.partSizeMiB * 2);
  });
});

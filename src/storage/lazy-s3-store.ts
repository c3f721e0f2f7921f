// The AWS SDK's module evaluation is a large part of the CLI's start-up, and `wal-push` and
// `wal-fetch` start once per WAL segment: S3 code is evaluated only when an S3 copy is first
// used, and it is a chunk file of its own beside the bundle (dist/<name>/<n>.index.js) that a
// file-repository push never even reads. Measured, evaluation alone: `pgkeep --version` 0.12 s /
// 90 MB RSS before, 0.08 s / 73 MB after; the chunk: docs/wal.md (per-call cost).
import type { Readable } from 'node:stream';
import type { S3Settings } from '../config/config.js';
import type { S3RepoLocation } from '../config/repo-url.js';
import type { ObjectInfo, PutOptions, Store } from './store.js';

export class LazyS3Store implements Store {
  readonly description: string;
  private inner?: Promise<Store>;

  constructor(
    private readonly loc: S3RepoLocation,
    private readonly settings: S3Settings,
  ) {
    this.description = `s3://${loc.bucket}${loc.prefix ? `/${loc.prefix}` : ''}`;
  }

  private store(): Promise<Store> {
    this.inner ??= import('./s3-store.js').then((m) => new m.S3Store(this.loc, this.settings));
    return this.inner;
  }

  async put(key: string, body: Readable, opts?: PutOptions): Promise<{ bytes: number }> {
    return (await this.store()).put(key, body, opts);
  }
  async get(key: string): Promise<Readable> {
    return (await this.store()).get(key);
  }
  async readTail(key: string, bytes: number): Promise<Buffer> {
    const s = await this.store();
    return s.readTail ? s.readTail(key, bytes) : Promise.reject(new Error('readTail unsupported'));
  }
  async head(key: string): Promise<ObjectInfo | null> {
    return (await this.store()).head(key);
  }
  async list(prefix: string): Promise<ObjectInfo[]> {
    return (await this.store()).list(prefix);
  }
  async delete(key: string): Promise<void> {
    return (await this.store()).delete(key);
  }
  async check(): Promise<void> {
    return (await this.store()).check();
  }
}

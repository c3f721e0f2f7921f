// PLACEHOLDER until the S3 driver lands (issue 3): keeps the build green.
import type { Readable } from 'node:stream';
import type { S3Settings } from '../config/config.js';
import type { S3RepoLocation } from '../config/repo-url.js';
import { PgkeepError } from '../util/errors.js';
import type { ObjectInfo, Store } from './store.js';

export class S3Store implements Store {
  readonly description: string;
  constructor(readonly loc: S3RepoLocation, readonly settings: S3Settings) {
    this.description = `s3://${loc.bucket}/${loc.prefix}`;
  }
  private nope(): never {
    throw new PgkeepError('not-implemented', 'S3 storage is not built yet.');
  }
  async put(_k: string, _b: Readable): Promise<{ bytes: number }> { return this.nope(); }
  async get(_k: string): Promise<Readable> { return this.nope(); }
  async head(_k: string): Promise<ObjectInfo | null> { return this.nope(); }
  async list(_p: string): Promise<ObjectInfo[]> { return this.nope(); }
  async delete(_k: string): Promise<void> { return this.nope(); }
  async check(): Promise<void> { return this.nope(); }
}

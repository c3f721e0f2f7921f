// A store seen through a held lock: once the lock is lost, every write and delete fails with
// the lock's error and an upload in flight is cut, so a command whose lease was taken over
// stops instead of writing or deleting beside the new holder. Reads pass through.
import type { Readable } from 'node:stream';
import { MirrorStore } from '../storage/mirror-store.js';
import type { ObjectInfo, PutOptions, Store } from '../storage/store.js';

class GuardedStore implements Store {
  readonly description: string;
  constructor(
    private readonly inner: Store,
    private readonly signal: AbortSignal,
    private readonly assertHeld: () => void,
  ) {
    this.description = inner.description;
  }

  async put(key: string, body: Readable, opts?: PutOptions): Promise<{ bytes: number }> {
    try {
      this.assertHeld();
    } catch (e) {
      body.destroy();
      throw e;
    }
    const cut = () => body.destroy(this.signal.reason as Error);
    this.signal.addEventListener('abort', cut, { once: true });
    try {
      const r = await this.inner.put(key, body, opts);
      // A write that completed after the loss still must not count as done under the lock.
      this.assertHeld();
      return r;
    } catch (e) {
      if (this.signal.aborted) throw this.signal.reason;
      throw e;
    } finally {
      this.signal.removeEventListener('abort', cut);
    }
  }

  get(key: string): Promise<Readable> {
    return this.inner.get(key);
  }

  head(key: string): Promise<ObjectInfo | null> {
    return this.inner.head(key);
  }

  list(prefix: string): Promise<ObjectInfo[]> {
    return this.inner.list(prefix);
  }

  async delete(key: string): Promise<void> {
    this.assertHeld();
    await this.inner.delete(key);
  }

  check(): Promise<void> {
    return this.inner.check();
  }
}

export function guardStore<S extends Store>(store: S, signal: AbortSignal, assertHeld: () => void): S {
  if (store instanceof MirrorStore) {
    // Still a MirrorStore (callers look for its copies, e.g. retention applies per copy), with
    // every copy guarded; cloned from the instance so any other settings it carries stay.
    const m = Object.create(Object.getPrototypeOf(store) as object) as MirrorStore;
    Object.assign(m, store, { copies: store.copies.map((c) => new GuardedStore(c, signal, assertHeld)) });
    // The loss is the error to report, not the mirror's "a copy failed" around it.
    const lossFirst =
      <A extends unknown[], R>(fn: (...a: A) => Promise<R>) =>
      async (...a: A): Promise<R> => {
        try {
          assertHeld();
          return await fn.apply(m, a);
        } catch (e) {
          if (signal.aborted) throw signal.reason;
          throw e;
        }
      };
    m.put = lossFirst(MirrorStore.prototype.put);
    m.delete = lossFirst(MirrorStore.prototype.delete);
    return m as unknown as S;
  }
  return new GuardedStore(store, signal, assertHeld) as unknown as S;
}

// Several copies (e.g. local MinIO + AWS offsite): every write goes to all of them, reads come
// from the first copy that has the object. A failed copy is named in the error.
// With `relaxed` (PGKEEP_WAL_REQUIRED_COPIES for WAL keys), a write succeeds once the first N
// copies hold the object; the other copies' failures are logged and remembered in `missed`,
// and `pgkeep verify --repair` / the next backup fills them in (copy-repair.ts).
import { PassThrough, type Readable } from 'node:stream';
import { PgkeepError } from '../util/errors.js';
import { log } from '../util/log.js';
import type { ObjectInfo, PutOptions, Store } from './store.js';

export interface MirrorOptions {
  /** Writes of keys under `prefix` need only the first `copies` copies to succeed. */
  relaxed?: { prefix: string; copies: number };
}

export class MirrorStore implements Store {
  readonly description: string;
  /** Writes that succeeded without some copies (relaxed keys): what those copies now lack. */
  readonly missed: { key: string; copy: string; error: string }[] = [];
  constructor(
    readonly copies: Store[],
    readonly options: MirrorOptions = {},
  ) {
    this.description = copies.map((c) => c.description).join(' + ');
  }

  /** How many leading copies must take a write of `key`. */
  requiredFor(key: string): number {
    const r = this.options.relaxed;
    return r && key.startsWith(r.prefix) ? Math.max(1, Math.min(r.copies, this.copies.length)) : this.copies.length;
  }

  /** The same copies, read in another order (the fallback after a corrupt read); writes unchanged. */
  preferring(first: number): MirrorStore {
    const order = [...this.copies.slice(first), ...this.copies.slice(0, first)];
    return new MirrorStore(order, this.options);
  }

  async put(key: string, body: Readable, opts?: PutOptions): Promise<{ bytes: number }> {
    // Tee with back-pressure: the source pauses until every copy has taken the chunk.
    const branches = this.copies.map(() => new PassThrough({ highWaterMark: 1 << 20 }));
    const results = this.copies.map((c, i) => c.put(key, branches[i], opts));
    const pump = (async () => {
      try {
        for await (const chunk of body) {
          const waits: Promise<void>[] = [];
          for (const b of branches) {
            if (b.destroyed) continue;
            if (!b.write(chunk))
              waits.push(
                new Promise<void>((r) => {
                  // Remove both listeners once either fires: a long upload must not pile them up.
                  const done = () => {
                    b.off('drain', done);
                    b.off('close', done);
                    r();
                  };
                  b.on('drain', done);
                  b.on('close', done);
                }),
              );
          }
          await Promise.all(waits);
        }
        for (const b of branches) b.end();
      } catch (e) {
        for (const b of branches) b.destroy(e as Error);
        throw e;
      }
    })();
    // A copy that fails must not stall the others: destroy its branch so writes skip it.
    results.forEach((p, i) => p.catch(() => branches[i].destroy()));
    const settled = await Promise.allSettled([pump, ...results]);
    if (settled[0].status === 'rejected') throw settled[0].reason;
    let failed = settled.slice(1).map((s, i) => ({ s, c: this.copies[i], i })).filter((x) => x.s.status === 'rejected');
    const required = this.requiredFor(key);
    const reason = (f: (typeof failed)[number]) => (f.s as PromiseRejectedResult).reason as Error & { code?: string };
    // Copies beyond the required ones may fail (not with `exists`: that one needs comparing).
    const tolerated = required < this.copies.length ? failed.filter((f) => f.i >= required && reason(f)?.code !== 'exists') : [];
    if (tolerated.length && failed.length === tolerated.length) {
      for (const f of tolerated) {
        this.missed.push({ key, copy: f.c.description, error: reason(f)?.message ?? String(reason(f)) });
        log.warn(
          `${key} was not written to ${f.c.description} (${reason(f)?.message ?? reason(f)}); the first ${required} cop${required === 1 ? 'y holds' : 'ies hold'} it (PGKEEP_WAL_REQUIRED_COPIES=${required}), so this succeeds; that copy lags until pgkeep verify --repair or the next backup fills it in`,
        );
      }
      failed = [];
    }
    if (failed.length) {
      const first = (failed[0].s as PromiseRejectedResult).reason;
      // The existing-object case keeps its code so idempotent writers (WAL push) can handle it.
      if (failed.every((f) => (f.s as PromiseRejectedResult).reason?.code === 'exists')) throw first;
      throw new PgkeepError(
        'mirror-failed',
        `Writing ${key} failed on ${failed.map((f) => f.c.description).join(', ')}: ${(first as Error).message}`,
        `The other ${this.copies.length - failed.length} cop${this.copies.length - failed.length === 1 ? 'y was' : 'ies were'} written; fix the failing copy and run again.`,
      );
    }
    const firstOk = settled.slice(1).find((x) => x.status === 'fulfilled') as PromiseFulfilledResult<{ bytes: number }> | undefined;
    return firstOk?.value ?? { bytes: 0 };
  }

  /**
   * The first copy that has the object. `not-found` only when EVERY copy answered "no such
   * object": a copy that failed otherwise (denied, unreachable) may hold it, and restore_command
   * reads not-found as "the archive ends here".
   */
  async get(key: string): Promise<Readable> {
    const errors: string[] = [];
    let allMissing = true;
    for (const c of this.copies) {
      try {
        return await c.get(key);
      } catch (e) {
        errors.push(`${c.description}: ${(e as Error).message}`);
        if (!(e instanceof PgkeepError && e.code === 'not-found')) allMissing = false;
      }
    }
    if (allMissing) throw new PgkeepError('not-found', `Object ${key} not found in any copy (${errors.join('; ')}).`);
    throw new PgkeepError('repo-unreachable', `Object ${key} could not be read from any copy (${errors.join('; ')}).`, 'A copy that failed may hold it: fix that copy (or remove it from PGKEEP_REPO) and run again.');
  }

  /** From the first copy that has the object, in get()'s order; the first error when none answers. */
  async readTail(key: string, bytes: number): Promise<Buffer> {
    let failure: unknown;
    for (const c of this.copies) {
      try {
        if (!c.readTail) throw new PgkeepError('unsupported', `${c.description} cannot read part of an object.`);
        return await c.readTail(key, bytes);
      } catch (e) {
        failure ??= e;
      }
    }
    throw failure;
  }

  /** The first copy's answer that has the object; null only when every copy answered "absent". */
  async head(key: string): Promise<ObjectInfo | null> {
    let failure: unknown;
    for (const c of this.copies) {
      try {
        const h = await c.head(key);
        if (h) return h;
      } catch (e) {
        failure ??= e;
      }
    }
    if (failure) throw failure;
    return null;
  }

  /** The union of every reachable copy's listing (a copy that cannot be listed is skipped if another answers). */
  async list(prefix: string): Promise<ObjectInfo[]> {
    const settled = await Promise.allSettled(this.copies.map((c) => c.list(prefix)));
    const ok = settled.filter((s): s is PromiseFulfilledResult<ObjectInfo[]> => s.status === 'fulfilled');
    if (!ok.length) throw (settled[0] as PromiseRejectedResult).reason;
    const byKey = new Map<string, ObjectInfo>();
    for (const s of ok) for (const o of s.value) if (!byKey.has(o.key)) byKey.set(o.key, o);
    return [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(key: string): Promise<void> {
    const settled = await Promise.allSettled(this.copies.map((c) => c.delete(key)));
    const bad = settled.map((s, i) => ({ s, c: this.copies[i] })).filter((x) => x.s.status === 'rejected');
    if (bad.length)
      throw new PgkeepError('mirror-failed', `Deleting ${key} failed on ${bad.map((b) => b.c.description).join(', ')}.`);
  }

  async check(): Promise<void> {
    const settled = await Promise.allSettled(this.copies.map((c) => c.check()));
    const bad = settled.map((s, i) => ({ s, c: this.copies[i] })).filter((x) => x.s.status === 'rejected');
    if (bad.length)
      throw new PgkeepError(
        'repo-unreachable',
        `Repository cop${bad.length > 1 ? 'ies' : 'y'} ${bad.map((b) => b.c.description).join(', ')} unusable: ${bad.map((b) => ((b.s as PromiseRejectedResult).reason as Error).message).join(' ')}`,
        'Every copy in PGKEEP_REPO is written on each run; fix or remove the failing one.',
      );
  }
}

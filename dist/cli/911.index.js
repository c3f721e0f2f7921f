export const id = 911;
export const ids = [911,439,551];
export const modules = {

/***/ 4911:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  COMMANDS: () => (/* binding */ COMMANDS)
});

;// CONCATENATED MODULE: ./src/cli/command.ts
function str(flags, name) {
    const v = flags[name];
    return typeof v === 'string' ? v : undefined;
}

// EXTERNAL MODULE: ./src/util/errors.ts
var util_errors = __webpack_require__(17);
// EXTERNAL MODULE: ./src/util/log.ts
var log = __webpack_require__(9906);
// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __webpack_require__(8161);
var external_node_os_default = /*#__PURE__*/__webpack_require__.n(external_node_os_);
// EXTERNAL MODULE: ./src/postgres/client.ts + 1 modules
var postgres_client = __webpack_require__(2225);
// EXTERNAL MODULE: ./src/postgres/pg-tools.ts
var pg_tools = __webpack_require__(3152);
// EXTERNAL MODULE: ./src/repo/catalog.ts
var repo_catalog = __webpack_require__(1439);
// EXTERNAL MODULE: ./src/repo/layout.ts
var layout = __webpack_require__(6776);
// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
// EXTERNAL MODULE: ./src/storage/mirror-store.ts
var mirror_store = __webpack_require__(5530);
// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
;// CONCATENATED MODULE: ./src/repo/lock-holder.ts
// Who holds a repository lock, and whether that process still lives. A lock records its
// holder's host name, pid, the kernel's boot id, its pid namespace and the process start time
// (field 22 of /proc/PID/stat): on the same boot and pid namespace the pid can then be checked
// for certain, even after pid reuse or in a container that shares the host's name.


function readOr(fn) {
    try {
        return fn();
    }
    catch {
        return undefined;
    }
}
/** Parses /proc/PID/stat: the command name (field 2) may hold spaces and ')', so split after the last ')'. */
function parseProcStat(stat) {
    const rest = stat.slice(stat.lastIndexOf(')') + 2).trim().split(/\s+/);
    // rest[0] is field 3 (state); field 22 (starttime) is rest[19].
    return { state: rest[0] ?? '?', startTicks: rest[19] };
}
/**
 * /proc speaks for this process's pid namespace only when /proc/self is our own pid. A sandbox
 * that made a new pid namespace without mounting its own /proc (`unshare --pid --fork`) shows
 * the outer namespace's numbers there: /proc/<our pid> is then absent or another process, and
 * reading it would call a live holder dead. Such a /proc is not used; kill(pid, 0) is.
 */
function procMatchesPidNamespace() {
    return readOr(() => (0,external_node_fs_.readlinkSync)('/proc/self')) === String(process.pid) && readOr(() => (0,external_node_fs_.readFileSync)('/proc/self/stat', 'utf8')) !== undefined;
}
const hasProc = procMatchesPidNamespace();
/** This host's view of a pid. Without /proc (not Linux), kill(pid, 0) is all there is. */
const lock_holder_probeProcess = (pid) => {
    if (!Number.isInteger(pid) || pid <= 0)
        return null;
    if (hasProc) {
        try {
            return parseProcStat((0,external_node_fs_.readFileSync)(`/proc/${pid}/stat`, 'utf8'));
        }
        catch (e) {
            const code = e.code;
            if (code === 'ENOENT' || code === 'ESRCH')
                return null;
            return { state: '?' };
        }
    }
    try {
        process.kill(pid, 0);
        return { state: '?' };
    }
    catch (e) {
        return e.code === 'EPERM' ? { state: '?' } : null;
    }
};
let lock_holder_self;
/** The identity this process writes into its locks. */
function lock_holder_thisProcess() {
    if (lock_holder_self && lock_holder_self.pid === process.pid)
        return lock_holder_self;
    const bootId = readOr(() => (0,external_node_fs_.readFileSync)('/proc/sys/kernel/random/boot_id', 'utf8').trim());
    const pidNs = readOr(() => (0,external_node_fs_.readlinkSync)('/proc/self/ns/pid'));
    const startTicks = hasProc ? lock_holder_probeProcess(process.pid)?.startTicks : undefined;
    lock_holder_self = {
        host: external_node_os_default().hostname(),
        pid: process.pid,
        ...(bootId ? { bootId } : {}),
        ...(pidNs ? { pidNs } : {}),
        ...(startTicks ? { startTicks } : {}),
    };
    return lock_holder_self;
}
/**
 * Whether `holder`'s pid can be judged here: same host name, and the same boot and pid
 * namespace wherever both sides recorded them (a lock from before leases has only the name).
 */
function sameProcessSpace(holder, here) {
    if (holder.host !== here.host)
        return false;
    if (holder.bootId && here.bootId && holder.bootId !== here.bootId)
        return false;
    if (holder.pidNs && here.pidNs && holder.pidNs !== here.pidNs)
        return false;
    return true;
}

;// CONCATENATED MODULE: ./src/repo/lock-staleness.ts
// Pure: is a repository lock stale (its holder gone), given the clock, this process's identity
// and a probe of this host's processes? Rules, in order:
// 1. Same host (and boot, and pid namespace): the holder's pid is gone, a zombie (Z) or dead (X),
//    or now belongs to a process started at another time (pid reuse) → stale at once. A killed
//    Node process stays a zombie while its threads are torn down, and kill(pid, 0) succeeds on a
//    zombie: that is why the state is read, not just the pid's existence.
// 2. Anywhere: the lease ran out (the holder stopped renewing it) → stale. A lock written before
//    leases existed has no `expires`: it counts as held for LEGACY_LOCK_HOURS from `since`.
// 3. Otherwise it is held.

const LEGACY_LOCK_HOURS = 24;
function lock_staleness_lockStaleness(l, now, here, probe) {
    if (sameProcessSpace(l, here)) {
        const p = probe(l.pid);
        if (!p)
            return { stale: true, reason: `its process ${l.pid} on ${l.host} has exited` };
        if (p.state === 'Z' || p.state === 'X')
            return { stale: true, reason: `its process ${l.pid} on ${l.host} has exited (${p.state === 'Z' ? 'zombie' : 'dead'})` };
        if (l.startTicks && p.startTicks && l.startTicks !== p.startTicks)
            return { stale: true, reason: `its process ${l.pid} on ${l.host} has exited (the pid now belongs to another process)` };
    }
    const expires = l.expires ? Date.parse(l.expires) : Date.parse(l.since) + LEGACY_LOCK_HOURS * 3600_000;
    // An unreadable time cannot prove anything is held: treat it as run out.
    if (!Number.isFinite(expires))
        return { stale: true, reason: 'it carries no valid lease time' };
    if (now > expires)
        return { stale: true, reason: `its lease ran out at ${new Date(expires).toISOString()}` };
    return { stale: false, reason: `held until ${new Date(expires).toISOString()} unless renewed` };
}

;// CONCATENATED MODULE: ./src/repo/lock-guard.ts

class GuardedStore {
    inner;
    signal;
    assertHeld;
    description;
    constructor(inner, signal, assertHeld) {
        this.inner = inner;
        this.signal = signal;
        this.assertHeld = assertHeld;
        this.description = inner.description;
    }
    async put(key, body, opts) {
        try {
            this.assertHeld();
        }
        catch (e) {
            body.destroy();
            throw e;
        }
        const cut = () => body.destroy(this.signal.reason);
        this.signal.addEventListener('abort', cut, { once: true });
        try {
            const r = await this.inner.put(key, body, opts);
            // A write that completed after the loss still must not count as done under the lock.
            this.assertHeld();
            return r;
        }
        catch (e) {
            if (this.signal.aborted)
                throw this.signal.reason;
            throw e;
        }
        finally {
            this.signal.removeEventListener('abort', cut);
        }
    }
    get(key) {
        return this.inner.get(key);
    }
    head(key) {
        return this.inner.head(key);
    }
    list(prefix) {
        return this.inner.list(prefix);
    }
    async delete(key) {
        this.assertHeld();
        await this.inner.delete(key);
    }
    check() {
        return this.inner.check();
    }
}
function guardStore(store, signal, assertHeld) {
    if (store instanceof mirror_store/* MirrorStore */.$) {
        // Still a MirrorStore (callers look for its copies, e.g. retention applies per copy), with
        // every copy guarded; cloned from the instance so any other settings it carries stay.
        const m = Object.create(Object.getPrototypeOf(store));
        Object.assign(m, store, { copies: store.copies.map((c) => new GuardedStore(c, signal, assertHeld)) });
        // The loss is the error to report, not the mirror's "a copy failed" around it.
        const lossFirst = (fn) => async (...a) => {
            try {
                assertHeld();
                return await fn.apply(m, a);
            }
            catch (e) {
                if (signal.aborted)
                    throw signal.reason;
                throw e;
            }
        };
        m.put = lossFirst(mirror_store/* MirrorStore */.$.prototype.put);
        m.delete = lossFirst(mirror_store/* MirrorStore */.$.prototype.delete);
        return m;
    }
    return new GuardedStore(store, signal, assertHeld);
}

;// CONCATENATED MODULE: ./src/repo/lock.ts
// Writer locks kept in the repository itself (so they work across runners): a backup takes
// `backup-<type>`, expire takes `expire` and refuses while a live backup lock is held.
// Locks are leases: the holder renews its lock every REFRESH_SECONDS and a lock not renewed for
// LEASE_SECONDS is stale wherever it was taken (ephemeral runners never come back to remove
// their own); on the same host a holder that has exited is stale at once (rules and why in
// lock-staleness.ts). Every lock carries a random token: renewal, takeover and release act only
// on the lock they read, so a pgkeep never removes another's lock, and one that finds its own
// lock gone stops rather than carrying on unprotected.









/** A lock not renewed for this long is stale on any runner. */
const LEASE_SECONDS = 180;
/** How often the holder renews: several renewals fit in one lease, so one slow write is harmless. */
const REFRESH_SECONDS = 30;
const isLockKey = (key) => key.endsWith('.lock');
/** Judges a lock the way acquireLock does (this host, the real clock). */
function isStale(l, now = Date.now(), probe = probeProcess) {
    return lockStaleness(l, now, thisProcess(), probe).stale;
}
/** Every lock in the store (on a mirror: in every copy), takeover markers left out. */
async function listLocks(store) {
    const out = [];
    for (const copy of copiesOf(store)) {
        for (const o of (await copy.list(layout/* LOCKS_PREFIX */.kX)).filter((o) => isLockKey(o.key))) {
            const l = await readLock(copy, o.key).catch(() => null);
            if (l)
                out.push(l);
        }
    }
    return out;
}
function copiesOf(store) {
    // Each copy of a mirror is locked on its own, in order: a lock left on one copy only (a copy
    // failed mid-write) is then judged on that copy, stale or not, like any other.
    return store instanceof mirror_store/* MirrorStore */.$ ? store.copies : [store];
}
/**
 * The lock at `key`, null when absent. Some S3-protocol servers (s3rver) rewrite an object in
 * place, so a read during its holder's renewal can see half of it: read again before giving up.
 */
async function readLock(store, key) {
    for (let attempt = 0;; attempt++) {
        try {
            return (await (0,repo_catalog.readJson)(store, key));
        }
        catch (e) {
            if (e instanceof util_errors/* PgkeepError */.$Z && e.code === 'not-found')
                return null;
            if (!(e instanceof util_errors/* PgkeepError */.$Z && e.code === 'corrupt-repo') || attempt >= 4)
                throw e;
            await new Promise((r) => setTimeout(r, 25 * (attempt + 1)));
        }
    }
}
/** The lock's identity: its token, or for a lock from before tokens, a digest of its content. */
function fingerprint(l) {
    return l.token ?? (0,external_node_crypto_.createHash)('sha256').update(JSON.stringify(l)).digest('hex').slice(0, 32);
}
async function acquireLock(store, name, opts = {}) {
    const leaseMs = opts.leaseMs ?? LEASE_SECONDS * 1000;
    const refreshMs = opts.refreshMs ?? REFRESH_SECONDS * 1000;
    const probe = opts.probe ?? lock_holder_probeProcess;
    const key = (0,layout/* lockKey */.TL)(name);
    const now = new Date();
    const mine = { name, token: (0,external_node_crypto_.randomBytes)(16).toString('hex'), ...lock_holder_thisProcess(), since: now.toISOString(), leaseSeconds: leaseMs / 1000 };
    const stamp = () => {
        const t = Date.now();
        mine.renewed = new Date(t).toISOString();
        mine.expires = new Date(t + leaseMs).toISOString();
        return t + leaseMs;
    };
    const judge = (l) => lock_staleness_lockStaleness(l, Date.now(), lock_holder_thisProcess(), probe);
    const copies = copiesOf(store);
    const held = [];
    let validUntil = 0;
    const dropOwn = () => Promise.all(held.map((c) => removeIfMine(c, key, mine.token)));
    try {
        for (const copy of copies) {
            const until = await lockOne(copy, key, mine, stamp, judge, leaseMs);
            validUntil = validUntil ? Math.min(validUntil, until) : until;
            held.push(copy);
        }
        // Conflicts are checked after our own lock is written: of two conflicting commands that
        // start together, at least one then sees the other (at worst both refuse; neither runs unprotected).
        if (opts.conflictsWith) {
            for (const l of await listLocks(store)) {
                if (l.name === name || !opts.conflictsWith(l))
                    continue;
                if (!judge(l).stale)
                    throw busy(l, store);
            }
        }
    }
    catch (e) {
        await dropOwn();
        throw e;
    }
    const ctl = new AbortController();
    let lost;
    let released = false;
    const markLost = (copy, why) => {
        if (lost)
            return;
        lost = new util_errors/* PgkeepError */.$Z('lock-lost', `pgkeep lost its ${name} lock in ${copy.description} (${why}) and stopped rather than continue unprotected.`, `Another pgkeep may have taken over after this one stopped renewing its lease (${leaseMs / 1000} s); check what runs against the repository, then run again.`);
        log/* log */.Rm.warn(lost.message);
        clearInterval(timer);
        ctl.abort(lost);
    };
    let renewing;
    /** The last renewal's failure (undefined when it reached every copy). */
    let failure;
    const ranOut = () => `its lease ran out at ${new Date(validUntil).toISOString()} before it was renewed${failure ? `; the last renewal failed: ${failure.message}` : ''}`;
    const renew = () => {
        renewing ??= (async () => {
            // Stalled past its lease (suspended, event loop blocked): another pgkeep may rightly have
            // taken over, so give up rather than write over its lock.
            if (Date.now() >= validUntil)
                return markLost(copies[0], ranOut());
            const until = stamp();
            failure = undefined;
            for (const copy of copies) {
                try {
                    const cur = await readLock(copy, key);
                    if (!cur)
                        return markLost(copy, 'its lock object was removed');
                    if (cur.token !== mine.token)
                        return markLost(copy, `it was taken over by ${cur.host} pid ${cur.pid} at ${cur.since}`);
                    await (0,repo_catalog.writeJson)(copy, key, mine);
                }
                catch (e) {
                    failure ??= e;
                }
            }
            if (!failure)
                validUntil = until;
            else if (Date.now() >= validUntil)
                markLost(copies[0], ranOut());
            else
                log/* log */.Rm.warn(`could not renew the ${name} lock (${failure.message}); retrying until its lease runs out at ${new Date(validUntil).toISOString()}`);
        })().finally(() => (renewing = undefined));
        return renewing;
    };
    // unref'd: the lease must never keep a finished command's process alive.
    const timer = setInterval(() => void renew().catch(() => undefined), refreshMs);
    timer.unref();
    const assertHeld = () => {
        if (lost)
            throw lost;
        if (released)
            throw new util_errors/* PgkeepError */.$Z('lock-lost', `The ${name} lock was already released.`);
    };
    return {
        name,
        signal: ctl.signal,
        assertHeld,
        confirm: async () => {
            assertHeld();
            await renew();
            assertHeld();
            // A commit needs proof, not hope: a renewal that did not reach every copy is no proof.
            if (failure)
                throw new util_errors/* PgkeepError */.$Z('lock-unconfirmed', `pgkeep could not confirm it still holds its ${name} lock (${failure.message}), so it did not commit.`, 'Check that the repository is reachable and run again.');
        },
        guard: (s) => guardStore(s, ctl.signal, assertHeld),
        release: async () => {
            if (released)
                return;
            released = true;
            clearInterval(timer);
            await renewing?.catch(() => undefined);
            await Promise.all(copies.map((c) => removeIfMine(c, key, mine.token)));
        },
    };
}
/** Writes `mine` into one copy, taking over a stale lock; returns until when the lease holds. */
async function lockOne(store, key, mine, stamp, judge, leaseMs) {
    for (let attempt = 0; attempt < 4; attempt++) {
        const until = stamp();
        try {
            await (0,repo_catalog.writeJson)(store, key, mine, true);
            return until;
        }
        catch (e) {
            if (!(e instanceof util_errors/* PgkeepError */.$Z && e.code === 'exists'))
                throw e;
        }
        const held = await readLock(store, key).catch(() => null);
        if (!held)
            continue; // released between our write and our read: try again
        const verdict = judge(held);
        if (!verdict.stale)
            throw busy(held, store);
        await takeOver(store, key, held, verdict.reason, mine, leaseMs);
    }
    throw new util_errors/* PgkeepError */.$Z('locked', `Could not take lock ${mine.name} in ${store.description}: it kept changing hands.`, 'Another pgkeep is starting at the same time; run again.');
}
/**
 * Removes the stale lock `held`, and only it: of several pgkeeps that found it stale at once,
 * the one that creates the takeover marker (a create-if-absent write) removes it; the others
 * then find the winner's fresh lock. The marker is named after the stale lock's token, so a
 * marker left by a pgkeep killed mid-takeover blocks only that one stale lock, and only for a
 * lease.
 */
async function takeOver(store, key, held, reason, mine, leaseMs) {
    const marker = `${key}.takeover-${fingerprint(held)}`;
    try {
        await (0,repo_catalog.writeJson)(store, marker, { token: mine.token, host: mine.host, pid: mine.pid, since: new Date().toISOString() }, true);
    }
    catch (e) {
        if (!(e instanceof util_errors/* PgkeepError */.$Z && e.code === 'exists'))
            throw e;
        const m = (await (0,repo_catalog.readJson)(store, marker).catch(() => null));
        if (m?.since && Date.now() - Date.parse(m.since) < leaseMs)
            throw new util_errors/* PgkeepError */.$Z('locked', `Another pgkeep is taking over the stale ${held.name} lock in ${store.description} right now.`, 'Run again in a moment.');
        await store.delete(marker); // left by a pgkeep that died while taking over
        return;
    }
    try {
        const again = await readLock(store, key);
        if (again && fingerprint(again) === fingerprint(held)) {
            log/* log */.Rm.warn(`taking over the ${held.name} lock in ${store.description}: ${reason} (held by ${held.host} pid ${held.pid} since ${held.since})`);
            await store.delete(key);
        }
    }
    finally {
        await store.delete(marker).catch(() => undefined);
    }
}
/** Removes our own lock; a lock that is no longer ours is left to its holder. */
async function removeIfMine(store, key, token) {
    try {
        const cur = await readLock(store, key);
        if (!cur)
            return;
        if (cur.token !== token) {
            log/* log */.Rm.warn(`the ${cur.name} lock in ${store.description} is now held by ${cur.host} pid ${cur.pid}: left in place`);
            return;
        }
        await store.delete(key);
    }
    catch (e) {
        log/* log */.Rm.warn(`could not remove ${key} from ${store.description} (${e.message}); its lease runs out on its own`);
    }
}
function busy(l, store) {
    const until = l.expires ? `, lease renewed until ${l.expires}` : '';
    return new util_errors/* PgkeepError */.$Z('locked', `Another pgkeep ${l.name} is running on ${l.host} (pid ${l.pid}, since ${l.since}${until}) against ${store.description}.`, `Wait for it to finish. If it died, its lock goes stale on its own once its lease runs out (at once on the same host); remove ${(0,layout/* lockKey */.TL)(l.name)} by hand only if you are sure nothing runs.`);
}

// EXTERNAL MODULE: external "node:stream"
var external_node_stream_ = __webpack_require__(7075);
// EXTERNAL MODULE: external "node:stream/promises"
var promises_ = __webpack_require__(6466);
// EXTERNAL MODULE: ./src/util/streams.ts
var streams = __webpack_require__(4177);
// EXTERNAL MODULE: ./src/util/age.ts
var age = __webpack_require__(5667);
;// CONCATENATED MODULE: ./src/repo/object-io.ts
// Writing and reading repository objects: compress + hash on the way in, verify the
// SHA-256 on the way out. Everything streams; nothing is held whole.






/**
 * Stream `source` through optional compression and hashing into `store` at `key`.
 * `onRawBytes` sees uncompressed bytes (for progress). With `encryptFor` (age recipients) the
 * compressed bytes are encrypted before they are hashed and stored (zstd → age): the SHA-256
 * is over what the repository holds, so it is checked without the key.
 */
async function writeObject(store, key, source, compression, opts = {}) {
    // Raw bytes are counted, not hashed: the manifest's SHA-256 is of the stored bytes, and hashing
    // the raw stream too cost ~20% of a logical backup's CPU.
    const raw = new streams/* ByteCounter */.P$(opts.onRawBytes);
    const stored = new streams/* HashCounter */.Vf();
    // compressWith: a caller's own zstd compressor (the logical backup's parallel frames); it must
    // write a zstd stream, since the object is recorded as 'zstd'.
    const z = opts.precompressed ? null : compression.kind === 'zstd' && opts.compressWith ? opts.compressWith : (0,streams/* compressor */.e)(compression);
    const out = new external_node_stream_.PassThrough({ highWaterMark: 1 << 20 });
    const stages = [raw, ...(z ? [z] : []), ...(opts.encryptFor ? [(0,age/* ageEncryptStream */.FW)(opts.encryptFor)] : []), stored];
    // The producer pipeline and the store's consumer run together; either failing fails both.
    const produce = (0,promises_.pipeline)(source, ...stages, out);
    const consume = store.put(key, out, { ifNoneMatch: opts.ifNoneMatch });
    const [p, c] = await Promise.allSettled([produce, consume]);
    if (p.status === 'rejected') {
        out.destroy();
        await store.delete(key).catch(() => undefined);
        throw p.reason;
    }
    if (c.status === 'rejected')
        throw c.reason;
    return { bytes: stored.bytes, rawBytes: raw.bytes, sha256: stored.sha256, compression: z || opts.precompressed ? 'zstd' : 'none', ...(opts.encryptFor ? { encryption: 'age' } : {}) };
}
/** A transform that passes bytes through and fails at the end if size or SHA-256 differ. */
function verifyingStream(expected, what) {
    const h = (0,external_node_crypto_.createHash)('sha256');
    let n = 0;
    return new external_node_stream_.Transform({
        transform(chunk, _e, cb) {
            h.update(chunk);
            n += chunk.length;
            cb(null, chunk);
        },
        flush(cb) {
            const got = h.digest('hex');
            if (n !== expected.bytes || got !== expected.sha256) {
                cb(new util_errors/* PgkeepError */.$Z('checksum-mismatch', `${what} is corrupt: expected ${expected.bytes} bytes with SHA-256 ${expected.sha256.slice(0, 16)}…, found ${n} bytes with ${got.slice(0, 16)}….`, 'The stored copy was altered or truncated; restore from another copy or another backup.'));
            }
            else
                cb();
        },
    });
}
/**
 * Stream an object's original (decompressed) bytes, verifying its checksum as it goes.
 * The error surfaces at the end of the stream, so consumers that must not act on bad
 * data use `readVerifiedToSink` or check first with `verifyObject`.
 */
async function openObject(store, key, obj) {
    // A missing identity throws here, before anything is read or written.
    const decrypt = obj.encryption === 'age' ? (0,age/* ageDecryptStream */.n3)(key) : undefined;
    const src = await store.get(key);
    const v = verifyingStream(obj, key);
    const chain = [v];
    if (decrypt)
        chain.push(decrypt);
    if (obj.compression === 'zstd')
        chain.push((0,streams/* zstdDecompress */.v3)());
    const out = new external_node_stream_.PassThrough({ highWaterMark: 1 << 20 });
    (0,promises_.pipeline)(src, ...chain, out).catch((e) => out.destroy(e));
    return out;
}
/** Read a whole object only to check size and SHA-256 (no decompression). */
async function verifyObject(store, key, obj) {
    const src = await store.get(key);
    const sink = new external_node_stream_.PassThrough();
    sink.resume();
    await (0,promises_.pipeline)(src, verifyingStream(obj, key), sink);
}

// EXTERNAL MODULE: ./src/storage/open-store.ts + 2 modules
var open_store = __webpack_require__(2409);
// EXTERNAL MODULE: ./src/version.ts
var version = __webpack_require__(311);
// EXTERNAL MODULE: ./src/config/settings.ts
var config_settings = __webpack_require__(4661);
// EXTERNAL MODULE: external "node:zlib"
var external_node_zlib_ = __webpack_require__(8522);
var external_node_zlib_default = /*#__PURE__*/__webpack_require__.n(external_node_zlib_);
;// CONCATENATED MODULE: ./src/backup/parallel-zstd.ts
// Parallel zstd for the base backup stream. Node's zstd stream with ZSTD_c_nbWorkers fails
// ("stream.push() after EOF", Node 24.21), so instead the raw stream is cut into blocks that
// are compressed as independent zstd frames on libuv's thread pool (zlib.zstdCompress is
// async), up to `workers` at once, and emitted in order. Concatenated frames are one valid
// .zst file (zstd -d, node's decompressor and pg tools read it); each frame carries its
// checksum. Memory: ≤ (workers + 1) blocks in and out; 4 MiB blocks measured ~15 MB less peak
// RSS than 8 MiB on a 1 GB backup, at the same speed and size. A block whose frame is done is
// filled again instead of a new one allocated: a fresh 4 MiB per block is as many bytes of
// new external memory as the dump itself, which page-faults in and drives V8's major GCs.


const BLOCK_BYTES = 4 * 1024 * 1024;
function compressBlock(buf, level) {
    return new Promise((resolve, reject) => external_node_zlib_default().zstdCompress(buf, 
    // chunkSize 1 MiB: a block is one or a few thread-pool jobs (the default 16 KiB costs a
    // main-thread round trip per 16 KiB of output), and the result is concatenated to size.
    { chunkSize: 1 << 20, params: { [(external_node_zlib_default()).constants.ZSTD_c_compressionLevel]: level, [(external_node_zlib_default()).constants.ZSTD_c_checksumFlag]: 1 } }, (e, out) => (e ? reject(e) : resolve(out))));
}
class ParallelZstd extends external_node_stream_.Transform {
    level;
    workers;
    blockBytes;
    /** The block being filled: input is copied in (no list of chunks to concatenate). */
    block = Buffer.allocUnsafe(0);
    size = 0;
    inflight = [];
    /** Blocks whose compression has finished, ready to be filled again. */
    free = [];
    constructor(level, workers, blockBytes = BLOCK_BYTES) {
        super({ highWaterMark: 1 << 20 });
        this.level = level;
        this.workers = workers;
        this.blockBytes = blockBytes;
    }
    _transform(chunk, _e, cb) {
        let off = 0;
        const next = () => {
            while (off < chunk.length) {
                if (!this.block.length)
                    this.block = this.free.pop() ?? Buffer.allocUnsafe(this.blockBytes);
                const n = chunk.copy(this.block, this.size, off);
                off += n;
                this.size += n;
                if (this.size === this.blockBytes)
                    return void this.submit().then(next, cb);
            }
            cb();
        };
        next();
    }
    _flush(cb) {
        (async () => {
            if (this.size > 0 || this.inflight.length === 0)
                this.enqueue();
            while (this.inflight.length)
                this.push(await this.inflight.shift());
        })().then(() => cb(), cb);
    }
    enqueue() {
        const whole = this.block;
        const block = whole.subarray(0, this.size);
        this.block = Buffer.allocUnsafe(0);
        this.size = 0;
        // zstdCompress reads its input on the thread pool until it calls back; only then is it free.
        const p = compressBlock(block, this.level).then((out) => {
            if (whole.length === this.blockBytes && this.free.length <= this.workers)
                this.free.push(whole);
            return out;
        });
        p.catch(() => undefined);
        this.inflight.push(p);
    }
    /** Queue the current block; when `workers` are busy, wait for the oldest and emit it (order kept). */
    async submit() {
        this.enqueue();
        while (this.inflight.length > Math.max(1, this.workers))
            this.push(await this.inflight.shift());
    }
}

// EXTERNAL MODULE: external "node:child_process"
var external_node_child_process_ = __webpack_require__(1421);
// EXTERNAL MODULE: ./src/util/find-executable.ts
var find_executable = __webpack_require__(5414);
;// CONCATENATED MODULE: ./src/backup/zstd-cli-dump.ts
// A tool's output compressed by the zstd CLI with its stdin wired to the tool's stdout, so the raw
// dump never passes through this process: pgkeep reads only the compressed bytes (a fifth of the
// raw dump on the bench data) to hash, encrypt and store them. On 2 cores the logical backup is
// CPU-bound (server COPY, pg_dump, compression, and Node relaying raw bytes and framing them), and
// relaying plus in-process framing cost ~0.5 CPU s of the ~4.5 on the bench's 0.5 GB data set.
// The raw size for the manifest comes from zstd's own `-vv` summary, exact to the byte; a zstd whose
// summary cannot be read that way is not used (probeZstdCli), and the in-process path stays.




/** `(230000000 B => 47000000 B, …)`: zstd 1.4–1.5's -vv summary for a stream. */
const SUMMARY = /\(\s*(\d+) B =>\s*(\d+) B\b/;
let probed;
/**
 * The zstd CLI to compress dumps with, or undefined (not on PATH, disabled, or its summary is not
 * in the form SUMMARY reads). Checked once per process on three bytes (~5 ms).
 */
function probeZstdCli(disabled) {
    if (disabled)
        return undefined;
    if (probed === undefined) {
        const file = (0,find_executable/* findExecutable */.o)('zstd');
        probed = null;
        if (file) {
            const r = (0,external_node_child_process_.spawnSync)(file, ['-1', '-c', '-vv', '--no-progress'], { input: 'abc', timeout: 10_000 });
            const m = r.status === 0 ? SUMMARY.exec(String(r.stderr)) : null;
            if (m && Number(m[1]) === 3 && Number(m[2]) === r.stdout.length)
                probed = file;
        }
    }
    return probed ?? undefined;
}
/**
 * Start `tool` with its stdout going straight into `zstd -LEVEL` (one zstd frame with a content
 * checksum); the returned run's stdout is zstd's output. `done` settles when both exited: the
 * tool's own failure is reported first, then zstd's, and a summary that cannot be read fails too
 * (the manifest would have no true raw size).
 */
function startToolThroughZstd(zstdPath, level, binDir, tool, args, opts) {
    const dump = (0,pg_tools.startTool)(binDir, tool, args, opts);
    const what = opts.what ?? tool;
    let zstd;
    try {
        // --no-progress: the summary alone, not a status line every few MiB.
        zstd = (0,pg_tools.startTool)('', zstdPath, [`-${level}`, ...(level > 19 ? ['--ultra'] : []), '-c', '-vv', '--no-progress'], { stdin: dump.stdout, what: `zstd compressing ${what}` });
    }
    catch (e) {
        dump.kill();
        throw e;
    }
    // Both were spawned in this tick, before the tool wrote anything: this process never reads a
    // byte of the raw dump. Its own end of the pipe is closed, so zstd sees EOF when the tool exits.
    dump.stdout.destroy();
    let sizes;
    const zstdDone = zstd.done.then(() => {
        const m = SUMMARY.exec(zstd.stderr());
        if (!m)
            throw new util_errors/* PgkeepError */.$Z('tool-failed', `zstd compressing ${what} ended without its size summary, so the dump's raw size is unknown.`, 'Set PGKEEP_NO_ZSTD_CLI=1 to compress in-process.');
        sizes = { raw: Number(m[1]), compressed: Number(m[2]) };
    });
    const done = Promise.allSettled([dump.done, zstdDone]).then(([d, z]) => {
        // zstd failing first makes the tool fail on a broken pipe: then zstd's error is the cause.
        if (z.status === 'rejected' && (d.status === 'fulfilled' || /broken pipe|could not write/i.test(String(d.reason?.message))))
            throw z.reason;
        if (d.status === 'rejected')
            throw d.reason;
        if (z.status === 'rejected')
            throw z.reason;
    });
    return {
        child: dump.child,
        stdout: zstd.stdout,
        stdin: null,
        done,
        kill: () => {
            dump.kill();
            zstd.kill();
        },
        stderr: dump.stderr,
        sizes: () => {
            if (!sizes)
                throw new Error('zstd sizes read before it exited');
            return sizes;
        },
    };
}

;// CONCATENATED MODULE: ./src/backup/logical-backup.ts
// Logical backups: `pg_dumpall --globals-only` (roles, tablespaces) plus one `pg_dump -Fc -Z0`
// per database, each streamed through zstd and SHA-256 into the repository. The manifest is
// written last; on any failure the objects written so far are deleted and the lock released.
// Dumps are compressed as independent zstd frames on the thread pool (parallel-zstd.ts): one
// zstd stream compressing inline was the bottleneck (pg_dump itself is ~4x faster), and
// concatenated frames are still one .zst file that `zstd -dc` reads.
















const GLOBALS_KIND = 'globals';
const DUMP_KIND = 'dump';
const ext = (c, encrypted = false) => (c.kind === 'zstd' ? '.zst' : '') + (encrypted ? age/* AGE_SUFFIX */.kn : '');
/** `core` → `core.dump.zst` (`core.dump.zst.age` encrypted); names that are not plain file names are percent-encoded. */
function dumpObjectName(database, c, encrypted = false) {
    const safe = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(database) ? database : encodeURIComponent(database).replace(/\./g, '%2E');
    return `${safe}.dump${ext(c, encrypted)}`;
}
const globalsObjectName = (c, encrypted = false) => `globals.sql${ext(c, encrypted)}`;
/** The databases to dump: all that the server lists, or the requested ones (unknown → error). */
function selectDatabases(available, requested) {
    if (!requested?.length) {
        if (!available.length)
            throw new util_errors/* PgkeepError */.$Z('no-database', 'The server has no database that accepts connections to back up.');
        return refuseLineBreaks(available);
    }
    const unknown = requested.filter((d) => !available.includes(d));
    if (unknown.length) {
        // Names may hold commas, quotes and newlines: show each as a JSON string so the list is unambiguous.
        const q = (d) => JSON.stringify(d);
        const joined = requested.join(',');
        throw new util_errors/* PgkeepError */.$Z('unknown-database', `Database${unknown.length > 1 ? 's' : ''} ${unknown.map(q).join(', ')} not found on the server.`, available.includes(joined) && requested.length > 1
            ? `A comma separates names; for the database ${q(joined)} write the comma with a backslash: ${joined.replace(/[\\,]/g, '\\$&')}.`
            : `The server has: ${available.map(q).join(', ')}.`);
    }
    return refuseLineBreaks([...new Set(requested)]);
}
/**
 * PostgreSQL's own pg_restore (and pg_dumpall) refuse a database name holding a newline or
 * carriage return since 13.22/14.19/15.14/16.10/17.6 (CVE-2025-8714): such a dump is written
 * but cannot be restored. Refuse before writing anything rather than keep an unrestorable backup.
 */
function refuseLineBreaks(databases) {
    const bad = databases.filter((d) => /[\r\n]/.test(d));
    if (bad.length)
        throw new util_errors/* PgkeepError */.$Z('unsupported-database-name', `Database name${bad.length > 1 ? 's' : ''} ${bad.map((d) => JSON.stringify(d)).join(', ')} hold${bad.length > 1 ? '' : 's'} a line break, which PostgreSQL's pg_restore refuses to restore; nothing was backed up.`, 'Rename it (ALTER DATABASE … RENAME TO …), or back up the other databases with --databases.');
    return databases;
}
/** Pipe a running tool's stdout into an object; the tool's own failure wins over the writer's. */
async function toolToObject(run, store, key, compression, onRawBytes, encryptFor, zstdWorkers = 0) {
    // A run through the zstd CLI (zstd-cli-dump.ts) already writes zstd; otherwise zstdWorkers > 0:
    // parallel frames (then age, as for every object: compress before encrypting).
    const precompressed = 'sizes' in run;
    const compressWith = !precompressed && compression.kind === 'zstd' && zstdWorkers > 0 ? new ParallelZstd(compression.level, zstdWorkers) : undefined;
    const write = writeObject(store, key, run.stdout, compression, { onRawBytes, encryptFor, compressWith, precompressed });
    write.catch(() => run.kill());
    const [w, d] = await Promise.allSettled([write, run.done]);
    if (d.status === 'rejected') {
        await store.delete(key).catch(() => undefined);
        // A tool we killed because the store failed reports a signal; the store's error is the cause.
        if (w.status === 'rejected' && run.child.signalCode)
            throw w.reason;
        throw d.reason;
    }
    if (w.status === 'rejected')
        throw w.reason;
    if (!precompressed)
        return w.value;
    // What zstd says it wrote must be what was stored (before age): anything else is a lost byte.
    const { raw, compressed } = run.sizes();
    if (compressed !== w.value.rawBytes) {
        await store.delete(key).catch(() => undefined);
        throw new util_errors/* PgkeepError */.$Z('tool-failed', `zstd reported ${compressed} compressed bytes for ${key}, but ${w.value.rawBytes} arrived; nothing was kept.`);
    }
    return { ...w.value, rawBytes: raw };
}
async function logicalBackup(cfg, opts) {
    const started = Date.now();
    const store = (0,open_store/* openStore */.C)(cfg);
    // Everything that can be refused is checked before the first byte is written.
    const facts = await (0,postgres_client.serverFacts)(cfg.pgEnv);
    const databases = selectDatabases(facts.databases, opts.databases);
    const binDir = (0,pg_tools.resolveBinDir)(cfg.pgBinDir, facts.major);
    const recipients = (0,age/* ageRecipients */.o7)();
    await store.check();
    // expire removes incomplete backup directories: never run beside it.
    const lock = await acquireLock(store, 'backup-logical', { conflictsWith: (l) => l.name === 'expire' });
    let id;
    try {
        await (0,repo_catalog.ensureRepoInfo)(store, facts.systemIdentifier);
        const startTime = new Date();
        id = await (0,repo_catalog.freshBackupId)(store, startTime, 'logical');
        const backupId = id;
        log/* log */.Rm.info(`backup ${backupId}: ${databases.length} database(s) from PostgreSQL ${facts.version} into ${store.description}, ${cfg.parallel} in parallel`);
        const env = { ...cfg.pgEnv };
        const objects = [];
        const globalsArgs = ['--globals-only'];
        if (!facts.isSuperuser) {
            // pg_authid is readable by superusers only; without it pg_dumpall fails outright.
            globalsArgs.push('--no-role-passwords');
            log/* log */.Rm.warn('connected as a non-superuser: role passwords are not included in globals.sql');
        }
        const gName = globalsObjectName(cfg.compression, !!recipients);
        // Globals run beside the dumps (they take a fraction of a second, the dumps the rest).
        const globals = toolToObject((0,pg_tools.startTool)(binDir, 'pg_dumpall', globalsArgs, { env, what: 'pg_dumpall --globals-only' }), lock.guard(store), (0,layout/* backupObjectKey */.H)(backupId, gName), cfg.compression, undefined, recipients).then((g) => {
            log/* log */.Rm.info(`globals: ${(0,log/* formatBytes */.z3)(g.rawBytes)} → ${(0,log/* formatBytes */.z3)(g.bytes)}`);
            return g;
        });
        const compression = dumpCompression(cfg);
        // The zstd CLI, fed by pg_dump directly, when there is one (see zstd-cli-dump.ts); else
        // independent frames on the thread pool, every dump with the whole budget (the pool bounds
        // what really runs at once, and the big database, dumped last alone, still uses every worker).
        // PGKEEP_ZSTD_WORKERS=0: one zstd stream per dump, compressed inline (as before).
        const zstdCli = compression.kind === 'zstd' && cfg.settings.zstdWorkers !== 0 ? probeZstdCli(cfg.settings.noZstdCli) : undefined;
        const zstdWorkers = cfg.settings.zstdWorkers === 0 ? 0 : (0,config_settings/* zstdWorkersFor */.Co)(cfg.settings, 'client', external_node_os_default().availableParallelism());
        if (compression.kind === 'zstd')
            log/* log */.Rm.info(zstdCli ? `dumps: zstd level ${compression.level}, by ${zstdCli} reading pg_dump's output` : `dumps: zstd level ${compression.level}, up to ${zstdWorkers} frames at once per dump`);
        const order = await largestFirst(env, databases);
        const dumping = (0,streams/* mapLimit */.sf)(order, cfg.parallel, async (db) => {
            const name = dumpObjectName(db, compression, !!recipients);
            const toolOpts = { env: { ...env, PGDATABASE: db }, what: `pg_dump of database "${db}"` };
            const run = zstdCli && compression.kind === 'zstd'
                ? startToolThroughZstd(zstdCli, compression.level, binDir, 'pg_dump', ['-Fc', '-Z0'], toolOpts)
                : (0,pg_tools.startTool)(binDir, 'pg_dump', ['-Fc', '-Z0'], toolOpts);
            // Through the zstd CLI only the stored (compressed) bytes pass here: the progress counts those.
            const p = (0,log/* progress */.qB)(zstdCli ? `dump ${db} (compressed)` : `dump ${db}`);
            const w = await toolToObject(run, lock.guard(store), (0,layout/* backupObjectKey */.H)(backupId, name), compression, (n) => p.add(n), recipients, zstdWorkers);
            p.done();
            return { name, kind: DUMP_KIND, database: db, ...w };
        });
        // Both settle before either's error is thrown: the cleanup must not race a running writer.
        const [g, d] = await Promise.allSettled([globals, dumping]);
        if (g.status === 'rejected')
            throw g.reason;
        if (d.status === 'rejected')
            throw d.reason;
        const dumps = d.value;
        objects.push({ name: gName, kind: GLOBALS_KIND, ...g.value });
        // The manifest lists the dumps in the order of `databases`, whatever order they ran in.
        objects.push(...databases.map((db) => dumps[order.indexOf(db)]));
        const stopTime = new Date();
        const bytes = objects.reduce((s, o) => s + o.bytes, 0);
        const rawBytes = objects.reduce((s, o) => s + o.rawBytes, 0);
        const manifest = {
            format: layout/* FORMAT_VERSION */.Hp,
            id: backupId,
            type: 'logical',
            startTime: startTime.toISOString(),
            stopTime: stopTime.toISOString(),
            pgVersion: facts.version,
            pgVersionNum: facts.versionNum,
            systemIdentifier: facts.systemIdentifier,
            databases,
            bytes,
            rawBytes,
            objects,
            ...(recipients ? { encryption: { method: 'age', recipients } } : {}),
            tool: { name: 'pgkeep', version: version/* VERSION */.x },
            extra: { dumpFormat: 'custom', parallel: cfg.parallel, rolePasswords: facts.isSuperuser },
        };
        // The manifest makes the backup exist: written only while the lock is provably still ours.
        await lock.confirm();
        await (0,repo_catalog.writeJson)(lock.guard(store), (0,layout/* manifestKey */.Rn)(backupId), manifest, true);
        const durationSeconds = (Date.now() - started) / 1000;
        log/* log */.Rm.info(`backup ${backupId}: ${(0,log/* formatBytes */.z3)(rawBytes)} raw → ${(0,log/* formatBytes */.z3)(bytes)} stored in ${durationSeconds.toFixed(1)} s`);
        return {
            id: backupId,
            type: 'logical',
            startTime: manifest.startTime,
            stopTime: manifest.stopTime,
            bytes,
            rawBytes,
            durationSeconds,
            databases,
            objects: objects.map((o) => ({ name: o.name, bytes: o.bytes, rawBytes: o.rawBytes })),
        };
    }
    catch (e) {
        if (id)
            await deleteBackupObjects(store, id);
        throw e;
    }
    finally {
        await lock.release();
    }
}
/**
 * The databases, largest first: with fewer slots than databases, the longest dump starts at once
 * instead of last. Without the right to read a size (CONNECT), the given order.
 */
async function largestFirst(env, databases) {
    if (databases.length < 2)
        return databases;
    try {
        const r = await (0,postgres_client.withClient)(env, undefined, (c) => c.query('select datname, pg_database_size(oid)::text as size from pg_database where datname = any($1)', [databases]));
        const size = new Map(r.rows.map((x) => [x.datname, Number(x.size)]));
        return [...databases].sort((a, b) => (size.get(b) ?? 0) - (size.get(a) ?? 0));
    }
    catch {
        return databases;
    }
}
/**
 * The dumps' compression: PGKEEP_COMPRESS when given, else zstd level 1. Measured on the bench
 * data set's pg_dump -Fc -Z0 of core (183 MiB): level 1 took ~40% less CPU than level 3 and
 * stored 3.5% fewer bytes (zstd CLI 1.5.4 agrees: 39.4 vs 41.0 MB), so 3 buys nothing here.
 */
function dumpCompression(cfg) {
    return cfg.compressionGiven ? cfg.compression : { kind: 'zstd', level: DUMP_LEVEL_DEFAULT };
}
const DUMP_LEVEL_DEFAULT = 1;
/** Remove every object under backups/<id>/ (a failed backup leaves nothing behind). */
async function deleteBackupObjects(store, id) {
    try {
        const objs = await store.list((0,layout/* backupPrefix */.nY)(id));
        await (0,streams/* mapLimit */.sf)(objs, 8, (o) => store.delete(o.key));
    }
    catch (e) {
        log/* log */.Rm.warn(`could not remove the objects of failed backup ${id}: ${e.message}`);
    }
}

;// CONCATENATED MODULE: ./src/postgres/replication.ts


function quoteLiteral(s) {
    return `'${s.replace(/'/g, "''")}'`;
}
function baseBackupCommand(r) {
    // WAIT false: the server must not wait for archive_command itself. Its wait has no bound and
    // says nothing while archive_command fails (a scheduled backup hung until the runner killed it);
    // pgkeep waits instead, for the WAL in the repository (what a restore needs, a stronger fact
    // than "archived somewhere"), bounded by PGKEEP_WAL_WAIT_SECONDS and watching pg_stat_archiver
    // (src/backup/physical-backup.ts waitForWal). pg_basebackup too passes WAIT false whenever it
    // gets the WAL by other means (-X fetch/stream).
    const opts = [`LABEL ${quoteLiteral(r.label)}`, 'PROGRESS', `CHECKPOINT ${quoteLiteral(r.checkpoint)}`, 'WAIT false', "MANIFEST 'yes'", "MANIFEST_CHECKSUMS 'CRC32C'", 'TABLESPACE_MAP'];
    if (r.serverCompression) {
        opts.push("COMPRESSION 'zstd'");
        const detail = `level=${r.serverCompression.level}${r.serverCompression.workers > 0 ? `,workers=${r.serverCompression.workers}` : ''}`;
        opts.push(`COMPRESSION_DETAIL ${quoteLiteral(detail)}`);
    }
    if (r.incrementalManifest)
        opts.push('INCREMENTAL');
    if (r.maxRateKb)
        opts.push(`MAX_RATE ${Math.trunc(r.maxRateKb)}`);
    return `BASE_BACKUP ( ${opts.join(', ')} )`;
}
/**
 * A node-postgres "submittable": receives the raw protocol messages of one simple query.
 * Messages are queued and handled one at a time (sinks are async); the socket is paused
 * while the queue is long, so memory stays bounded whatever the backup's size.
 */
class BaseBackupQuery {
    text;
    req;
    resultSets = [];
    queue = [];
    pumping = false;
    paused = false;
    connection;
    current = null;
    failed = null;
    finishedCopy = false;
    settle;
    finished = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
    readyForQuery = false;
    estimated = 0;
    slab = Buffer.allocUnsafe(0);
    slabUsed = 0;
    /**
     * A copy of a message (it is a view of node-postgres's read buffer, which it reuses), carved
     * from 1 MiB slabs: one allocation per ~40 messages instead of one each (less GC, less RSS).
     */
    copy(chunk) {
        if (chunk.length > this.slab.length - this.slabUsed) {
            this.slab = Buffer.allocUnsafe(Math.max(1 << 20, chunk.length));
            this.slabUsed = 0;
        }
        const out = this.slab.subarray(this.slabUsed, this.slabUsed + chunk.length);
        chunk.copy(out);
        this.slabUsed += chunk.length;
        return out;
    }
    constructor(text, req) {
        this.text = text;
        this.req = req;
        this.finished.catch(() => undefined);
    }
    get estimatedBytes() {
        return this.estimated;
    }
    submit(connection) {
        this.connection = connection;
        connection.query(this.text);
    }
    handleRowDescription() {
        this.resultSets.push([]);
    }
    handleDataRow(msg) {
        this.resultSets[this.resultSets.length - 1]?.push(msg.fields);
        // The tablespace result set (oid, location, size kB) arrives before the copy starts.
        if (this.resultSets.length === 2)
            this.estimated += Number(msg.fields[2] ?? 0) * 1024;
    }
    handleCommandComplete() { }
    handleEmptyQuery() { }
    handlePortalSuspended() { }
    handleCopyInResponse() {
        this.fail(new Error('unexpected CopyIn during BASE_BACKUP'));
    }
    handleCopyData(msg) {
        if (this.failed)
            return;
        this.queue.push(this.copy(msg.chunk));
        if (this.queue.length > 64 && !this.paused) {
            this.paused = true;
            this.connection.stream.pause();
        }
        void this.pump();
    }
    handleError(err) {
        this.fail(err);
    }
    handleReadyForQuery() {
        this.readyForQuery = true;
        void this.pump();
    }
    fail(e) {
        if (!this.failed)
            this.failed = e;
        this.current?.stream.destroy(e);
        if (this.paused)
            this.connection?.stream.resume();
        this.settle.reject(e);
    }
    async closeCurrent() {
        const c = this.current;
        this.current = null;
        if (!c)
            return;
        c.stream.end();
        await c.done;
    }
    /** Why a sink can take no more: it was destroyed (its upload failed) or errored. */
    static dead(w) {
        if (!w.destroyed && !w.writableEnded)
            return null;
        return w.errored ?? new Error('the object being stored was closed before the backup finished');
    }
    async write(data) {
        const c = this.current;
        if (!c)
            throw new Error('BASE_BACKUP sent data before naming an archive');
        const dead = BaseBackupQuery.dead(c.stream);
        if (dead)
            throw dead;
        if (!c.stream.write(data)) {
            // 'drain', or the sink dies ('error'/'close'): never wait on a stream that cannot drain.
            await new Promise((resolve, reject) => {
                const done = (e) => {
                    c.stream.off('drain', onDrain);
                    c.stream.off('error', onErr);
                    c.stream.off('close', onClose);
                    if (e)
                        reject(e);
                    else
                        resolve();
                };
                const onDrain = () => done();
                const onErr = (e) => done(e);
                const onClose = () => done(BaseBackupQuery.dead(c.stream) ?? new Error('the object being stored was closed before the backup finished'));
                c.stream.once('drain', onDrain);
                c.stream.once('error', onErr);
                c.stream.once('close', onClose);
                const already = BaseBackupQuery.dead(c.stream);
                if (already)
                    done(already);
            });
        }
    }
    async handle(chunk) {
        const type = String.fromCharCode(chunk[0]);
        if (type === 'd')
            return this.write(chunk.subarray(1));
        if (type === 'p') {
            this.req.onProgress?.(Number(chunk.readBigInt64BE(1)), this.estimated);
            return;
        }
        if (type === 'n') {
            await this.closeCurrent();
            const nul1 = chunk.indexOf(0, 1);
            const name = chunk.subarray(1, nul1).toString('utf8');
            const nul2 = chunk.indexOf(0, nul1 + 1);
            const location = chunk.subarray(nul1 + 1, nul2 < 0 ? undefined : nul2).toString('utf8');
            const oid = /^(\d+)\.tar/.exec(name)?.[1];
            this.current = await this.req.openArchive({ name, location: location || undefined, tablespaceOid: location && oid ? Number(oid) : undefined });
            return;
        }
        if (type === 'm') {
            await this.closeCurrent();
            this.current = await this.req.openManifest();
            return;
        }
        throw new Error(`unknown BASE_BACKUP message type '${type}'`);
    }
    async pump() {
        if (this.pumping)
            return;
        this.pumping = true;
        try {
            while (!this.failed && this.queue.length) {
                const chunk = this.queue.shift();
                await this.handle(chunk);
                if (this.paused && this.queue.length < 16) {
                    this.paused = false;
                    this.connection.stream.resume();
                }
            }
            if (!this.failed && this.readyForQuery && !this.queue.length && !this.finishedCopy) {
                this.finishedCopy = true;
                await this.closeCurrent();
                this.settle.resolve();
            }
        }
        catch (e) {
            this.fail(e);
        }
        finally {
            this.pumping = false;
        }
    }
}
/** UPLOAD_MANIFEST: CopyIn of the parent's backup_manifest (PG >= 17). */
class UploadManifestQuery {
    manifest;
    settle;
    finished = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
    error = null;
    constructor(manifest) {
        this.manifest = manifest;
        this.finished.catch(() => undefined);
    }
    submit(connection) {
        connection.query('UPLOAD_MANIFEST');
    }
    handleCopyInResponse(connection) {
        for (let i = 0; i < this.manifest.length; i += 1 << 20)
            connection.sendCopyFromChunk(this.manifest.subarray(i, i + (1 << 20)));
        connection.endCopyFrom();
    }
    handleRowDescription() { }
    handleDataRow() { }
    handleCommandComplete() { }
    handleEmptyQuery() { }
    handlePortalSuspended() { }
    handleCopyData() { }
    handleError(err) {
        this.error = err;
    }
    handleReadyForQuery() {
        if (this.error)
            this.settle.reject(this.error);
        else
            this.settle.resolve();
    }
}
/** Run one BASE_BACKUP; every sink has been ended and its `done` awaited when this resolves. */
async function baseBackup(env, req) {
    // The same libpq rules (sslmode, certificates) as every other connection.
    const client = await (0,postgres_client.connectClient)(env, undefined, { replication: 'database' });
    try {
        if (req.incrementalManifest) {
            const up = new UploadManifestQuery(req.incrementalManifest);
            client.query(up);
            await up.finished.catch((e) => {
                throw new util_errors/* PgkeepError */.$Z('incremental-refused', `The server refused the parent backup's manifest for an incremental backup: ${e.message}.`, 'Check summarize_wal = on (PostgreSQL 17+), and that the parent backup is of this cluster; take a full backup otherwise.');
            });
        }
        const q = new BaseBackupQuery(baseBackupCommand(req), req);
        client.query(q);
        await q.finished;
        const [start, tbs, end] = [q.resultSets[0]?.[0], q.resultSets[1] ?? [], q.resultSets[q.resultSets.length - 1]?.[0]];
        if (!start || !end || q.resultSets.length < 3)
            throw new Error(`BASE_BACKUP returned ${q.resultSets.length} result sets, expected 3`);
        return {
            startLsn: String(start[0]),
            startTimeline: Number(start[1]),
            endLsn: String(end[0]),
            endTimeline: Number(end[1]),
            tablespaces: tbs.filter((r) => r[0] !== null).map((r) => ({ oid: Number(r[0]), location: String(r[1]), bytes: Number(r[2] ?? 0) * 1024 })),
            estimatedBytes: q.estimatedBytes,
        };
    }
    catch (e) {
        if (e instanceof util_errors/* PgkeepError */.$Z)
            throw e;
        const err = e;
        if (err.code && /^[0-9A-Z]{5}$/.test(err.code))
            throw new util_errors/* PgkeepError */.$Z('base-backup-failed', `The server ended the base backup with an error: ${err.message} (SQLSTATE ${err.code}).`, err.code.startsWith('57')
                ? 'Nothing was kept (no manifest). The server was shut down or the backup was cancelled; run the backup again.'
                : 'Nothing was kept (no manifest); see the server log. max_wal_senders = 0 or a missing pg_hba.conf replication line are common causes.');
        // The connection broke (server restarted, walsender terminated, network) or a sink failed.
        throw new util_errors/* PgkeepError */.$Z('base-backup-failed', `The base backup from ${(0,postgres_client.describeTarget)(env)} did not complete: ${err.message ?? String(e)}.`, 'Nothing was kept (no manifest). Check the server log and the repository, then run the backup again.');
    }
    finally {
        await client.end().catch(() => undefined);
    }
}

// EXTERNAL MODULE: ./src/wal/wal-pull.ts
var wal_pull = __webpack_require__(7334);
// EXTERNAL MODULE: ./src/wal/replication-slot.ts
var replication_slot = __webpack_require__(9139);
// EXTERNAL MODULE: ./src/wal/segment.ts
var segment = __webpack_require__(1993);
;// CONCATENATED MODULE: ./src/backup/archive-check.ts




async function readArchiver(pgEnv) {
    return (0,postgres_client.withClient)(pgEnv, undefined, async (c) => {
        const r = await c.query('select archived_count, last_archived_wal, last_archived_time, failed_count, last_failed_wal, last_failed_time from pg_stat_archiver');
        const a = r.rows[0];
        const iso = (d) => (d ? new Date(d).toISOString() : undefined);
        return {
            archivedCount: Number(a?.archived_count ?? 0),
            ...(a?.last_archived_wal ? { lastArchivedWal: a.last_archived_wal } : {}),
            ...(iso(a?.last_archived_time ?? null) ? { lastArchivedTime: iso(a.last_archived_time) } : {}),
            failedCount: Number(a?.failed_count ?? 0),
            ...(a?.last_failed_wal ? { lastFailedWal: a.last_failed_wal } : {}),
            ...(iso(a?.last_failed_time ?? null) ? { lastFailedTime: iso(a.last_failed_time) } : {}),
        };
    });
}
/** The archiver's last attempt failed (a later success would have moved last_archived_time past it). */
function archiverFailing(a) {
    if (!a.lastFailedTime)
        return false;
    return !a.lastArchivedTime || a.lastFailedTime >= a.lastArchivedTime;
}
/** archive_command visibly runs pgkeep (a wrapper script may too: the repository check decides). */
function archiveCommandRunsPgkeep(cmd) {
    return /pgkeep|wal-push/.test(cmd);
}
function describeArchiver(a) {
    const ok = a.lastArchivedWal ? `last archived ${a.lastArchivedWal} at ${a.lastArchivedTime}` : 'nothing archived since the statistics were reset';
    const bad = a.lastFailedWal ? `; last failure ${a.lastFailedWal} at ${a.lastFailedTime} (${a.failedCount} failures in all)` : '';
    return `pg_stat_archiver: ${ok}${bad}`;
}
/** How long a failing archiver may stay failing before a run gives up (PostgreSQL retries 3 times, 1 s apart). */
const ARCHIVE_FAIL_GRACE_MS = 5000;
/** Switch WAL and wait until the segment it completed is in the repository. */
async function checkArchiveFresh(o) {
    const upTo = await (0,postgres_client.withClient)(o.pgEnv, undefined, async (c) => (await c.query('select pg_switch_wal()::text as l')).rows[0].l);
    // pg_switch_wal() returns the end of the switched segment (or, with nothing to switch, where
    // the current one begins): the WAL written before the run ends in the segment before it.
    const lsn = (0,segment/* parseLsn */.l2)(upTo);
    const target = (0,segment/* segmentName */.Jc)(o.timeline, (0,segment/* segnoForLsn */.ty)(lsn > 0n ? lsn - 1n : 0n, o.segSize), o.segSize);
    const deadline = Date.now() + o.waitSeconds * 1000;
    const grace = o.failGraceMs ?? ARCHIVE_FAIL_GRACE_MS;
    let failingSince;
    for (;;) {
        if ((await o.store.head((0,layout/* walKey */.i1)(target))) || (await o.store.head((0,layout/* walKeyEncrypted */.u$)(target))))
            return { upTo, archivedThrough: target, archiver: await readArchiver(o.pgEnv) };
        const a = await readArchiver(o.pgEnv);
        if (archiverFailing(a)) {
            failingSince ??= Date.now();
            if (Date.now() - failingSince >= grace)
                throw new util_errors/* PgkeepError */.$Z('archiving-failing', `archive_command is failing, so WAL ${target} (written before this run) is not in ${o.store.description}: ${describeArchiver(a)}.`, 'Read the server log for the archive_command error and fix it (repository reachable, credentials, pgkeep on the server\'s PATH); WAL piles up in pg_wal until archiving succeeds.');
        }
        else
            failingSince = undefined;
        if (Date.now() >= deadline) {
            // The server says it archived the segment, yet the repository lacks it: archiving goes elsewhere.
            const elsewhere = a.lastArchivedWal !== undefined && a.lastArchivedWal.length === 24 && a.lastArchivedWal >= target;
            throw new util_errors/* PgkeepError */.$Z('archiving-stale', elsewhere
                ? `The server reports WAL ${target} archived, but it is not in ${o.store.description} after ${o.waitSeconds} s: archive_command stores WAL somewhere else (${describeArchiver(a)}).`
                : `WAL ${target} (written before this run) did not reach ${o.store.description} within ${o.waitSeconds} s: archiving is stale (${describeArchiver(a)}).`, elsewhere
                ? "Point archive_command at this repository (archive_command = 'pgkeep wal-push %p' with the same PGKEEP_REPO), or pull WAL over a replication slot with --wal-source slot."
                : 'Check archive_command and the server log; PGKEEP_WAL_WAIT_SECONDS raises the wait on a busy server.');
        }
        await new Promise((r) => setTimeout(r, o.pollMs ?? 1000));
    }
}

;// CONCATENATED MODULE: ./src/util/tar-header.ts
// Fields of a ustar/GNU tar header, shared by the backup's tar scanner and the restore's tar guard.
/** A NUL-terminated string field. */
function cstr(b, start, len) {
    const s = b.subarray(start, start + len);
    const z = s.indexOf(0);
    return s.subarray(0, z < 0 ? len : z).toString('utf8');
}
/** A numeric field: octal, or GNU base-256 when the high bit of the first byte is set. */
function tarNumber(f) {
    if (f[0] & 0x80) {
        let v = 0;
        for (let i = 1; i < f.length; i++)
            v = v * 256 + f[i];
        return v;
    }
    const s = cstr(f, 0, f.length).trim();
    return s ? parseInt(s, 8) : 0;
}

;// CONCATENATED MODULE: ./src/backup/tar-scan.ts
// A pass-through that reads tar headers as the bytes of a base backup stream by, so small
// members we want (backup_label) can be captured without staging or re-reading the archive.
// ustar only (what pg_basebackup writes); sizes in octal or GNU base-256.


class TarScan extends external_node_stream_.Transform {
    wanted;
    maxCapture;
    tails;
    /** Captured contents of wanted members (by path inside the tar). */
    captured = new Map();
    memberCount = 0;
    header = Buffer.alloc(0);
    /** Bytes left in the current member's data (+ padding) before the next header. */
    skip = 0;
    capturing = null;
    ended = false;
    /**
     * `wanted`: members to capture whole (up to maxCapture bytes); `tails`: members of which only
     * the last N bytes are kept (backup_manifest ends with its WAL-Ranges, whatever its size).
     */
    constructor(wanted, maxCapture = 1 << 20, tails = new Map()) {
        super();
        this.wanted = wanted;
        this.maxCapture = maxCapture;
        this.tails = tails;
    }
    _transform(chunk, _enc, cb) {
        if (!this.ended)
            this.scan(chunk);
        cb(null, chunk);
    }
    scan(chunk) {
        let off = 0;
        while (off < chunk.length && !this.ended) {
            if (this.skip > 0) {
                const n = Math.min(this.skip, chunk.length - off);
                if (this.capturing && this.capturing.left > 0) {
                    const take = Math.min(n, this.capturing.left);
                    this.capturing.parts.push(Buffer.from(chunk.subarray(off, off + take)));
                    this.capturing.left -= take;
                    if (this.capturing.tail > 0 && this.capturing.parts.length > 64) {
                        const joined = Buffer.concat(this.capturing.parts);
                        this.capturing.parts = [joined.subarray(Math.max(0, joined.length - this.capturing.tail))];
                    }
                    if (this.capturing.left === 0) {
                        const all = Buffer.concat(this.capturing.parts);
                        this.captured.set(this.capturing.name, this.capturing.tail > 0 ? all.subarray(Math.max(0, all.length - this.capturing.tail)) : all);
                        this.capturing = null;
                    }
                }
                this.skip -= n;
                off += n;
                continue;
            }
            const need = 512 - this.header.length;
            const take = Math.min(need, chunk.length - off);
            this.header = Buffer.concat([this.header, chunk.subarray(off, off + take)]);
            off += take;
            if (this.header.length < 512)
                break;
            const h = this.header;
            this.header = Buffer.alloc(0);
            if (h.every((b) => b === 0)) {
                this.ended = true;
                break;
            }
            this.memberCount++;
            const name = cstr(h, 0, 100);
            const prefix = h.subarray(257, 262).toString('latin1') === 'ustar' ? cstr(h, 345, 155) : '';
            const full = prefix ? `${prefix}/${name}` : name;
            const size = tarNumber(h.subarray(124, 136));
            this.skip = Math.ceil(size / 512) * 512;
            const tail = this.tails.get(full) ?? 0;
            if (size > 0 && (tail > 0 || (this.wanted.has(full) && size <= this.maxCapture)))
                this.capturing = { name: full, left: size, parts: [], tail };
            else if ((this.wanted.has(full) || tail > 0) && size === 0)
                this.captured.set(full, Buffer.alloc(0));
        }
    }
}
function parseBackupLabel(text) {
    const m = /START WAL LOCATION: ([0-9A-F]+\/[0-9A-F]+) \(file ([0-9A-F]{24})\)/.exec(text);
    if (!m)
        return null;
    const tl = /START TIMELINE: (\d+)/.exec(text);
    const cp = /CHECKPOINT LOCATION: ([0-9A-F]+\/[0-9A-F]+)/.exec(text);
    const st = /START TIME: (.+)/.exec(text);
    const lb = /LABEL: (.+)/.exec(text);
    return {
        startLsn: m[1],
        startWal: m[2],
        checkpointLsn: cp?.[1],
        timeline: tl ? Number(tl[1]) : parseInt(m[2].slice(0, 8), 16),
        startTime: st?.[1].trim(),
        label: lb?.[1].trim(),
    };
}
/** The WAL range from the end of a backup_manifest ("WAL-Ranges": [{Timeline, Start-LSN, End-LSN}]). */
function parseManifestWalRange(tail) {
    const all = [...tail.matchAll(/"Timeline":\s*(\d+),\s*"Start-LSN":\s*"([0-9A-F]+\/[0-9A-F]+)",\s*"End-LSN":\s*"([0-9A-F]+\/[0-9A-F]+)"/g)];
    if (!all.length)
        return null;
    // Ranges are listed newest timeline first; the backup ends on the first one.
    const newest = all[0];
    const oldest = all[all.length - 1];
    return { timeline: Number(newest[1]), startLsn: oldest[2], endLsn: newest[3] };
}

;// CONCATENATED MODULE: ./src/backup/physical-backup.ts
// Physical backups: one BASE_BACKUP over the replication protocol (src/postgres/replication.ts)
// streamed into the store, then the manifest, written last.
//
// Repository objects of a full or PG >= 17 incremental backup (format v1):
//   backups/<id>/base.tar.zst          kind "base": the server's tar of the data directory
//                                      (backup_label, tablespace_map; pg_wal/ empty), zstd frames.
//   backups/<id>/tblspc-<oid>.tar.zst  kind "tablespace" (tablespaceOid, tablespaceLocation).
//   backups/<id>/backup_manifest.zst   kind "backup-manifest": the server's backup_manifest.
//   backups/<id>/manifest.json         type "full"|"incr" (+ parent), timeline, startLsn, stopLsn,
//                                      startWal, stopWal, startTime/stopTime (the server's clock,
//                                      now() before/after), pgVersion(Num), systemIdentifier,
//                                      bytes/rawBytes; extra: { walSource, checkpoint, zstdLevel,
//                                      zstdWorkers, compressedOn, tablespaces }.
// Every WAL segment startWal..stopWal is in wal/<TLI>/ before the manifest is written.
// Restore = extract the objects (src/restore/extract.ts; a chain goes through pg_combinebackup,
// src/restore/combine.ts), recovery.signal + restore_command (`pgkeep wal-fetch %f %p`).
//
// Compression: in the walsender when the server is on this host and has zstd (PGKEEP_COMPRESS_AT
// auto, the default; compressAt), else on the runner (raw tar cut into 4 MiB blocks compressed as
// independent zstd frames on the thread pool, src/backup/parallel-zstd.ts); `client`/`server`
// force either. Level 1 unless PGKEEP_COMPRESS=zstd:N.
//
// WAL source: with archive_mode on, the server does not wait for archiving (WAIT false: its wait
// has no bound); pgkeep waits until the repository has every segment start..stop (bounded,
// PGKEEP_WAL_WAIT_SECONDS, default 120), watching pg_stat_archiver to fail early and say why
// when archive_command fails. With archive_mode off, the WAL comes from a pull over
// the `pgkeep` replication slot (created before the backup starts, so the server keeps the WAL)
// up to the stop LSN.
//
// Incremental (`--type incr`):
//  - PG >= 17: UPLOAD_MANIFEST with the newest full/incr backup's backup_manifest (of the same
//    system), then BASE_BACKUP ( INCREMENTAL ); manifest type "incr" with `parent`; objects as
//    for full. Needs summarize_wal = on.
//  - PG 15/16: an "incr" run guarantees every WAL up to the run's start is in wal/. By default
//    (PGKEEP_WAL_SOURCE=archive) archive_command stores it: pg_switch_wal(), then wait until the
//    switched segment is in the repository, failing loudly when archiving fails or is stale
//    (src/backup/archive-check.ts); no replication slot is created. Only with --wal-source slot
//    does it pull over the `pgkeep` slot (pg_receivewal up to the switch LSN). It writes NO
//    manifest (there is no restorable object; the planner only ever sees full backups there;
//    `list` is unchanged). The result's id is informational, `objects` lists nothing and `wal`
//    says what was proven; the action's job summary and status record carry the window.























const BASE_OBJECT = 'base.tar.zst';
const BASE_KIND = 'base';
const TABLESPACE_KIND = 'tablespace';
const BACKUP_MANIFEST_OBJECT = 'backup_manifest.zst';
const BACKUP_MANIFEST_KIND = 'backup-manifest';
async function preflight(env) {
    return (0,postgres_client.withClient)(env, undefined, async (c) => {
        const s = await c.query(`select name, setting from pg_settings where name in ('wal_level','archive_mode','archive_command','wal_segment_size')`);
        const get = (n) => s.rows.find((r) => r.name === n)?.setting ?? '';
        const ts = await c.query(`select spcname as name, pg_tablespace_location(oid) as location from pg_tablespace where spcname not in ('pg_default','pg_global') order by 1`);
        const size = await c.query(`select coalesce(sum(pg_database_size(oid)),0)::text as total from pg_database where datallowconn`);
        const role = await c.query(`select rolsuper or rolreplication as ok from pg_roles where rolname = current_user`);
        const rec = await c.query(`select pg_is_in_recovery() as r`);
        // The timeline being written now (pg_control_checkpoint lags behind a promotion until the next checkpoint).
        const tli = await c.query(`select case when pg_is_in_recovery() then (select timeline_id::text from pg_control_checkpoint()) else substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8) end as t`);
        return {
            walLevel: get('wal_level'),
            archiveMode: get('archive_mode'),
            archiveCommand: get('archive_command'),
            segSize: Number(get('wal_segment_size')) || 16 * 1024 * 1024,
            tablespaces: ts.rows,
            totalBytes: Number(size.rows[0]?.total ?? 0),
            canReplicate: !!role.rows[0]?.ok,
            inRecovery: !!rec.rows[0]?.r,
            timeline: parseTimeline(tli.rows[0]?.t),
        };
    });
}
/** Whether every host of a connection is this machine: a Unix socket directory or a loopback address. */
function isLocalConnection(env) {
    const hosts = (env.PGHOSTADDR || env.PGHOST || '/var/run/postgresql').split(',').map((h) => h.trim());
    return hosts.every((h) => h === '' || h.startsWith('/') || h.startsWith('@') || h === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(h) || h === '::1' || h === '[::1]');
}
/**
 * Where the base backup is compressed (PGKEEP_COMPRESS_AT). `auto`: in the walsender when the
 * server is on this host and built with zstd. There both share the same CPUs, and compressing
 * before the bytes leave the server spares sending the raw data through a socket and copying it
 * through this process: measured on the 1 GB bench cluster, 2.24–2.70 s against 2.89–3.16 s on
 * the runner (pgBackRest 4.46–4.85 s, same run). A server elsewhere keeps its CPU for its own
 * work, and compression runs on the runner, as before. pg_config tells whether the server has
 * zstd (PostgreSQL's embedded builds often lack it); it is readable by superusers and
 * pg_read_all_settings members, and when it cannot be read the runner compresses.
 */
async function compressAt(cfg) {
    const set = cfg.settings.compressAt;
    if (set !== 'auto')
        return { at: set };
    if (!isLocalConnection(cfg.pgEnv))
        return { at: 'client', why: 'the server is on another host' };
    const configure = await (0,postgres_client.withClient)(cfg.pgEnv, undefined, (c) => c.query("select setting as s from pg_config where name = 'CONFIGURE'")).then((r) => r.rows[0]?.s ?? '', () => undefined);
    if (configure === undefined)
        return { at: 'client', why: "pg_config is not readable to this role, so the server's zstd support is unknown" };
    if (!/--with-zstd\b|zstd=enabled/.test(configure))
        return { at: 'client', why: 'the server is built without zstd' };
    return { at: 'server', why: 'the server is on this host' };
}
function parseTimeline(t) {
    if (!t)
        return 1;
    return /^[0-9A-F]{8}$/.test(t) ? parseInt(t, 16) : Number(t) || 1;
}
/** Refuse what cannot produce a restorable backup, before anything is written. */
function checkPreflight(p) {
    if (p.walLevel === 'minimal')
        throw new util_errors/* PgkeepError */.$Z('wal-level-minimal', 'The server runs with wal_level = minimal, which cannot produce a physical backup.', "Set wal_level = replica (and archive_mode = on, archive_command = 'pgkeep wal-push %p'), then restart PostgreSQL.");
    if (!p.canReplicate)
        throw new util_errors/* PgkeepError */.$Z('no-replication-privilege', 'The backup user has neither SUPERUSER nor REPLICATION, which a base backup (BASE_BACKUP) needs.', 'ALTER ROLE <user> REPLICATION, and allow it in pg_hba.conf ("host replication <user> …").');
    const archiving = p.archiveMode === 'on' || p.archiveMode === 'always';
    if (archiving && p.inRecovery && p.archiveMode !== 'always')
        throw new util_errors/* PgkeepError */.$Z('standby-archive-mode', 'The server is a standby with archive_mode = on, so it does not archive WAL and a backup from it would wait forever.', 'Back up the primary, or set archive_mode = always on the standby.');
    if (archiving) {
        if (!p.archiveCommand.trim() || p.archiveCommand === '(disabled)')
            throw new util_errors/* PgkeepError */.$Z('no-archive-command', 'archive_mode is on but archive_command is empty, so the WAL a backup needs is never archived.', "Set archive_command = 'pgkeep wal-push %p' (or turn archive_mode off to let pgkeep pull WAL over a replication slot).");
        return 'archive';
    }
    return 'pull';
}
async function serverNow(env) {
    return (0,postgres_client.withClient)(env, undefined, async (c) => {
        const r = await c.query(`select to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as t`);
        return r.rows[0].t;
    });
}
/**
 * Wait until every segment start..stop is in the repository (bounded); return how many.
 *
 * Ends early when archiving visibly fails: pg_stat_archiver's last attempt failed, failed_count
 * rose since the backup began, and nothing was archived for `failGraceMs`. PostgreSQL archives
 * the oldest .ready file first and retries it 3 times, 1 s apart, before sleeping up to a
 * minute, so a failure that outlasts the grace holds back every segment behind it — ours
 * included, whatever last_failed_wal names. A transient failure is retried and succeeds within
 * the grace, which resets it.
 */
async function waitForWal(store, timeline, startWal, stopWal, segSize, o) {
    const startSeg = (0,segment/* parseSegmentName */.EU)(startWal, segSize).segno;
    const stopSeg = (0,segment/* parseSegmentName */.EU)(stopWal, segSize).segno;
    const need = [];
    for (let s = startSeg; s <= stopSeg; s++)
        need.push((0,segment/* segmentName */.Jc)(timeline, s, segSize));
    const deadline = Date.now() + o.timeoutSeconds * 1000;
    const grace = o.failGraceMs ?? ARCHIVE_FAIL_GRACE_MS;
    const baseline = o.archiver?.before;
    let missing = need;
    let archiver;
    let failing;
    const waited = () => `${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ` (+${missing.length - 3} more)` : ''}`;
    for (;;) {
        const have = new Set((await store.list(`${layout/* WAL_PREFIX */.iW}${need[0].slice(0, 8)}/`)).map((o) => o.key));
        missing = need.filter((n) => !have.has((0,layout/* walKey */.i1)(n)) && !have.has((0,layout/* walKeyEncrypted */.u$)(n)));
        if (!missing.length)
            return need.length;
        if (o.archiver) {
            // The view only informs: a failed read must not fail a backup whose WAL may still arrive.
            archiver = (await readArchiver(o.archiver.pgEnv).catch(() => undefined)) ?? archiver;
            const rose = archiver && baseline ? archiver.failedCount > baseline.failedCount : true;
            if (archiver && archiverFailing(archiver) && rose) {
                if (!failing || archiver.archivedCount !== failing.archivedCount)
                    failing = { since: Date.now(), archivedCount: archiver.archivedCount };
                else if (Date.now() - failing.since >= grace)
                    throw new util_errors/* PgkeepError */.$Z('archiving-failing', `archive_command is failing, so WAL ${waited()} that the backup needs (through ${stopWal}) is not in ${store.description} and the backup was abandoned without a manifest: ${describeArchiver(archiver)}.`, "Read the server log for the archive_command error (pg_stat_archiver.last_failed_wal names the file) and fix archive_command or the repository it writes to (reachable, writable, credentials, pgkeep on the server's PATH); WAL piles up in pg_wal until archiving succeeds. Then run the backup again.");
            }
            else
                failing = undefined;
        }
        if (Date.now() > deadline)
            break;
        await new Promise((r) => setTimeout(r, o.pollMs ?? 1000));
    }
    // The server says it archived the stop segment, yet the repository lacks WAL: archiving goes elsewhere.
    // (A backup history file, <segment>.<offset>.backup, counts as its segment; a .history file does not.)
    const lastSeg = /^[0-9A-F]{24}/.exec(archiver?.lastArchivedWal ?? '')?.[0];
    const elsewhere = lastSeg !== undefined && lastSeg >= stopWal;
    throw new util_errors/* PgkeepError */.$Z('wal-not-archived', `WAL ${waited()} needed by the backup (through ${stopWal}) did not reach ${store.description} within ${o.timeoutSeconds} s, so the backup was abandoned without a manifest` +
        (archiver
            ? `; ${elsewhere ? 'the server reports it archived, so archive_command stores WAL somewhere else' : archiverFailing(archiver) ? 'archive_command is failing' : 'archiving is stale or slow'} (${describeArchiver(archiver)})`
            : '') +
        '.', elsewhere
        ? "Point archive_command at this repository (archive_command = 'pgkeep wal-push %p' with the same PGKEEP_REPO)."
        : 'Read the server log for the archive_command error (pg_stat_archiver.last_failed_wal names the file) and check archive_command writes to this repository (pgkeep wal-push %p with the same PGKEEP_REPO); PGKEEP_WAL_WAIT_SECONDS raises the wait on a busy server.');
}
function zstdFrame(buf, level) {
    return external_node_zlib_default().zstdCompressSync(buf, { params: { [(external_node_zlib_default()).constants.ZSTD_c_compressionLevel]: level, [(external_node_zlib_default()).constants.ZSTD_c_checksumFlag]: 1 } });
}
/**
 * One BASE_BACKUP (src/postgres/replication.ts) into the repository: each archive becomes an
 * object (`base.tar.zst`, `tblspc-<oid>.tar.zst`: the server's tar, trailer included),
 * compressed here as parallel zstd frames or by the server. The backup_manifest arrives last
 * and becomes `backup_manifest.zst` (restore writes it into DIR, as pg_basebackup does; the
 * next PG 17 incremental uploads it without reading the whole base).
 */
async function streamNative(cfg, store, id, opts) {
    const prog = (0,log/* progress */.qB)(`backup ${id}`, opts.totalBytes);
    let reported = 0;
    const objects = [];
    const writes = [];
    let manifestBuf = null;
    const recipients = opts.recipients;
    const suffix = recipients ? age/* AGE_SUFFIX */.kn : '';
    /** Store one object: `body` chunks (already compressed) → [age] → SHA-256 → store.put. */
    const putObject = (name, body, meta, raw) => {
        const key = (0,layout/* backupObjectKey */.H)(id, name);
        const stored = new streams/* HashCounter */.Vf();
        const p = (async () => {
            const out = new external_node_stream_.PassThrough({ highWaterMark: 1 << 20 });
            // zstd → age: the SHA-256 is over the stored ciphertext, so verify needs no key.
            const enc = recipients ? [(0,age/* ageEncryptStream */.FW)(recipients)] : [];
            const [h, put] = await Promise.allSettled([(0,promises_.pipeline)(external_node_stream_.Readable.from(body), ...enc, stored, out), store.put(key, out)]);
            if (h.status === 'rejected' || put.status === 'rejected') {
                out.destroy();
                // The store's own error (mapped: no space, access denied) over the broken pipe it causes.
                if (put.status === 'rejected' && (put.reason instanceof util_errors/* PgkeepError */.$Z || h.status !== 'rejected'))
                    throw put.reason;
                throw h.reason;
            }
            objects.push({ name, kind: meta.kind ?? BASE_KIND, bytes: stored.bytes, sha256: stored.sha256, rawBytes: raw(), compression: 'zstd', ...(recipients ? { encryption: 'age' } : {}), ...meta });
        })();
        p.catch(() => undefined);
        writes.push(p);
        return p;
    };
    // Compressed by the server, an archive's raw size is not what arrives: it is the difference of
    // the server's PROGRESS counts (raw bytes, counted before compression), which it always sends
    // at the end of each archive, before announcing the next one (basebackup_copy.c).
    let progressDone = 0;
    let current;
    const openArchive = (a) => {
        const isBase = a.location === undefined;
        const name = (isBase ? BASE_OBJECT : `tblspc-${a.tablespaceOid}.tar.zst`) + suffix;
        const input = new external_node_stream_.PassThrough({ highWaterMark: 1 << 20 });
        const mark = { from: progressDone, end: progressDone };
        current = mark;
        let raw = 0;
        const counted = new external_node_stream_.Transform({
            transform(chunk, _e, cb) {
                raw += chunk.length;
                cb(null, chunk);
            },
        });
        const compressed = opts.at === 'client' ? new ParallelZstd(opts.level, opts.workers) : new external_node_stream_.PassThrough({ highWaterMark: 1 << 20 });
        // pipeline(): an error anywhere destroys every stage, so the reader below sees it.
        (0,promises_.pipeline)(input, counted, compressed).catch(() => undefined);
        async function* body() {
            for await (const c of compressed)
                yield c;
        }
        const meta = isBase ? { kind: BASE_KIND } : { kind: TABLESPACE_KIND, tablespaceOid: a.tablespaceOid, tablespaceLocation: a.location };
        const stored = putObject(name, body(), meta, () => (opts.at === 'server' ? mark.end - mark.from : raw));
        // A failed upload must stop the protocol side too, or it would wait for 'drain' forever.
        stored.catch((e) => input.destroy(e));
        return { stream: input, done: stored };
    };
    const openManifest = () => {
        const parts = [];
        const stream = new external_node_stream_.Writable({
            write(c, _e, cb) {
                parts.push(c);
                cb();
            },
            final(cb) {
                manifestBuf = Buffer.concat(parts);
                cb();
            },
        });
        return { stream, done: new Promise((res) => stream.once('finish', res)) };
    };
    let result;
    try {
        result = await baseBackup(cfg.pgEnv, {
            label: `pgkeep ${id}`,
            checkpoint: opts.checkpoint,
            serverCompression: opts.at === 'server' ? { level: opts.level, workers: opts.workers } : undefined,
            incrementalManifest: opts.incrementalManifest,
            maxRateKb: opts.maxRateKb,
            openArchive,
            openManifest,
            onProgress: (done, total) => {
                progressDone = done;
                if (current)
                    current.end = done;
                prog.setTotal(total);
                if (done > reported)
                    prog.add(done - reported);
                reported = Math.max(reported, done);
            },
        });
        if (!manifestBuf)
            throw new util_errors/* PgkeepError */.$Z('base-backup-failed', 'The server finished the base backup without sending its backup_manifest; the backup is unusable.');
        const m = manifestBuf;
        putObject(BACKUP_MANIFEST_OBJECT + suffix, (async function* () {
            yield zstdFrame(m, 3);
        })(), { kind: BACKUP_MANIFEST_KIND }, () => m.length);
        await Promise.all(writes);
    }
    catch (e) {
        // When an upload failed, the protocol side only saw its sink aborted: the store's own
        // error (no space, access denied, … already a PgkeepError) is the cause to report.
        const failed = (await Promise.allSettled(writes)).find((w) => w.status === 'rejected' && w.reason instanceof util_errors/* PgkeepError */.$Z);
        throw failed ? failed.reason : e;
    }
    prog.done();
    const order = (o) => (o.kind === BASE_KIND ? 0 : o.kind === TABLESPACE_KIND ? 1 : 2);
    objects.sort((a, b) => order(a) - order(b) || a.name.localeCompare(b.name));
    return {
        objects,
        backupManifest: manifestBuf,
        startLsn: result.startLsn,
        stopLsn: result.endLsn,
        timeline: result.startTimeline,
        rawBytes: objects.filter((o) => o.kind !== BACKUP_MANIFEST_KIND).reduce((a, o) => a + o.rawBytes, 0),
    };
}
/** A backup's backup_manifest (the parent of a PG 17 incremental): its own object, else from base.tar.zst. */
async function readBackupManifest(store, m) {
    const own = m.objects.find((o) => o.kind === BACKUP_MANIFEST_KIND);
    if (own) {
        // An encrypted parent: a PG 17 incremental needs PGKEEP_AGE_IDENTITY on the runner too.
        const decrypt = own.encryption === 'age' ? [(0,age/* ageDecryptStream */.n3)(`${own.name} of backup ${m.id}`)] : [];
        const out = new external_node_stream_.PassThrough();
        const done = (0,promises_.pipeline)(await store.get((0,layout/* backupObjectKey */.H)(m.id, own.name)), ...decrypt, (0,streams/* zstdDecompress */.v3)(), out);
        const [buf] = await Promise.all([(0,streams/* streamToBuffer */.GV)(out), done]);
        return buf;
    }
    const obj = m.objects.find((o) => o.kind === BASE_KIND);
    if (!obj)
        throw new util_errors/* PgkeepError */.$Z('no-parent-manifest', `Backup ${m.id} has no base object to build an incremental on.`);
    const scan = new TarScan(new Set(['backup_manifest']), 1 << 30);
    const sink = new external_node_stream_.Writable({ write: (_c, _e, cb) => cb() });
    await (0,promises_.pipeline)(await store.get((0,layout/* backupObjectKey */.H)(m.id, obj.name)), (0,streams/* zstdDecompress */.v3)(), scan, sink);
    const buf = scan.captured.get('backup_manifest');
    if (!buf)
        throw new util_errors/* PgkeepError */.$Z('no-parent-manifest', `Backup ${m.id} has no backup_manifest in ${obj.name}.`, 'Take a new full backup.');
    return buf;
}
async function physicalBackup(cfg, opts) {
    const started = Date.now();
    if (opts.type !== 'full' && opts.type !== 'incr')
        throw new util_errors/* PgkeepError */.$Z('bad-usage', `physicalBackup cannot take a ${opts.type} backup.`);
    const facts = await (0,postgres_client.serverFacts)(cfg.pgEnv);
    // Client tools are needed only to pull WAL (pg_receivewal): BASE_BACKUP needs none, so an
    // archiving server of any supported major is backed up without its version's tools.
    const binDir = () => (0,pg_tools.resolveBinDir)(cfg.pgBinDir, facts.major);
    const pre = await preflight(cfg.pgEnv);
    const walSource = checkPreflight(pre);
    const store = (0,open_store/* openStore */.C)(cfg);
    await (0,repo_catalog.ensureRepoInfo)(store, facts.systemIdentifier);
    if (opts.type === 'incr' && facts.major < 17)
        return incrWalRun(cfg, store, facts, binDir, pre, started);
    // A bad PGKEEP_AGE_RECIPIENTS is refused before the lock and the first byte.
    const recipients = (0,age/* ageRecipients */.o7)();
    const lock = await acquireLock(store, `backup-${opts.type}`);
    let id = '';
    try {
        let parent;
        let incrementalManifest;
        if (opts.type === 'incr') {
            const cat = await (0,repo_catalog.loadCatalog)(store);
            parent = [...cat.backups].reverse().find((b) => (b.type === 'full' || b.type === 'incr') && b.systemIdentifier === facts.systemIdentifier);
            if (!parent)
                throw new util_errors/* PgkeepError */.$Z('no-parent', 'An incremental backup needs a previous full backup of this cluster, and the repository has none.', 'Run pgkeep backup --type full first.');
            incrementalManifest = await readBackupManifest(store, parent);
        }
        if (walSource === 'pull')
            await (0,wal_pull.ensureSlot)(cfg.pgEnv, wal_pull.DEFAULT_SLOT);
        const startTime = await serverNow(cfg.pgEnv);
        id = await (0,repo_catalog.freshBackupId)(store, new Date(startTime), opts.type);
        const checkpoint = opts.checkpoint ?? 'spread';
        // Level 1 unless PGKEEP_COMPRESS sets one: on a 1 GB cluster level 3 costs ~35% more time
        // for ~5% smaller objects (bench/physical-backup.sh); backups are read rarely.
        const level = cfg.compressionGiven && cfg.compression.kind === 'zstd' ? cfg.compression.level : 1;
        const { at, why } = await compressAt(cfg);
        // Client side: frames compressed on libuv's thread pool, one per CPU (bench/physical-backup.sh).
        // Server side: libzstd threads in the walsender, 0 = inline; chosen by auto (same host, same
        // CPUs), as many as the runner would use.
        const cpus = external_node_os_default().availableParallelism();
        const workers = cfg.settings.compressAt === 'auto' && at === 'server' && cfg.settings.zstdWorkers === undefined ? Math.min(4, cpus) : (0,config_settings/* zstdWorkersFor */.Co)(cfg.settings, at, cpus);
        log/* log */.Rm.info(`backup ${id}: BASE_BACKUP (${checkpoint} checkpoint, zstd level ${level} on the ${at}${why ? ` (auto: ${why})` : ''}, ${workers} workers) of ~${(0,log/* formatBytes */.z3)(pre.totalBytes)}` +
            `${pre.tablespaces.length ? ` with ${pre.tablespaces.length} tablespace(s)` : ''}, WAL from ${walSource === 'archive' ? 'the archive' : `slot ${wal_pull.DEFAULT_SLOT}`}${parent ? `, incremental on ${parent.id}` : ''}`);
        // PGKEEP_MAX_RATE_KB: the server reads at most this many kB/s (like pg_basebackup --max-rate).
        const maxRateKb = cfg.settings.maxRateKb;
        // pg_stat_archiver before the backup: the wait for its WAL counts failures from here on.
        const archiverBefore = walSource === 'archive' ? await readArchiver(cfg.pgEnv).catch(() => undefined) : undefined;
        // Objects are written through the lock: once its lease is lost the upload is cut.
        const run = await streamNative(cfg, lock.guard(store), id, { checkpoint, level, workers, at, totalBytes: pre.totalBytes, incrementalManifest, maxRateKb, recipients });
        const waitSeconds = cfg.settings.walWaitSeconds;
        const startWal = (0,segment/* segmentName */.Jc)(run.timeline, (0,segment/* segnoForLsn */.ty)((0,segment/* parseLsn */.l2)(run.startLsn), pre.segSize), pre.segSize);
        const stopWal = (0,segment/* segmentName */.Jc)(run.timeline, (0,segment/* segnoForLsn */.ty)((0,segment/* parseLsn */.l2)(run.stopLsn) - 1n, pre.segSize), pre.segSize);
        if (walSource === 'pull') {
            const pulled = await (0,wal_pull.pullWalTo)({ store: lock.guard(store), pgEnv: cfg.pgEnv, binDir: binDir(), parallel: cfg.parallel }, (0,segment/* parseLsn */.l2)(run.stopLsn), pre.segSize, facts.systemIdentifier);
            log/* log */.Rm.info(`backup ${id}: pulled ${pulled.length} WAL file(s) over slot ${wal_pull.DEFAULT_SLOT}`);
        }
        const segs = await waitForWal(store, run.timeline, startWal, stopWal, pre.segSize, {
            timeoutSeconds: waitSeconds,
            ...(walSource === 'archive' ? { archiver: { pgEnv: cfg.pgEnv, before: archiverBefore } } : {}),
        });
        const stopTime = await serverNow(cfg.pgEnv);
        const bytes = run.objects.reduce((a, o) => a + o.bytes, 0);
        const manifest = {
            format: layout/* FORMAT_VERSION */.Hp,
            id,
            type: opts.type,
            startTime,
            stopTime,
            pgVersion: facts.version,
            pgVersionNum: facts.versionNum,
            systemIdentifier: facts.systemIdentifier,
            timeline: run.timeline,
            startLsn: run.startLsn,
            stopLsn: run.stopLsn,
            startWal,
            stopWal,
            ...(parent ? { parent: parent.id } : {}),
            bytes,
            rawBytes: run.rawBytes,
            objects: run.objects,
            ...(recipients ? { encryption: { method: 'age', recipients } } : {}),
            tool: { name: 'pgkeep', version: version/* VERSION */.x },
            extra: {
                walSource,
                checkpoint,
                zstdLevel: level,
                zstdWorkers: workers,
                compressedOn: at,
                walSegSize: pre.segSize,
                walSegments: segs,
                ...(pre.tablespaces.length ? { tablespaces: pre.tablespaces } : {}),
            },
        };
        // The manifest makes the backup exist: written only while the lock is provably still ours.
        await lock.confirm();
        await (0,repo_catalog.writeJson)(lock.guard(store), (0,layout/* manifestKey */.Rn)(id), manifest, true);
        const durationSeconds = (Date.now() - started) / 1000;
        log/* log */.Rm.info(`backup ${id}: done, ${(0,log/* formatBytes */.z3)(run.rawBytes)} → ${(0,log/* formatBytes */.z3)(bytes)}, WAL ${startWal}..${stopWal} archived, ${durationSeconds.toFixed(1)} s`);
        return {
            id,
            type: opts.type,
            startTime,
            stopTime,
            bytes,
            rawBytes: run.rawBytes,
            durationSeconds,
            objects: run.objects.map((o) => ({ name: o.name, bytes: o.bytes, rawBytes: o.rawBytes })),
        };
    }
    catch (e) {
        if (id) {
            for (const o of await store.list((0,layout/* backupPrefix */.nY)(id)).catch(() => []))
                await store.delete(o.key).catch(() => undefined);
        }
        throw e;
    }
    finally {
        await lock.release();
    }
}
/**
 * PG < 17 `incr`: make sure every WAL up to now is durable in the repository (see header).
 * By default (PGKEEP_WAL_SOURCE=archive) archive_command does it and the run only proves it;
 * the slot pull runs only when the operator asked for it (--wal-source slot).
 */
async function incrWalRun(cfg, store, facts, binDir, pre, started) {
    const lock = await acquireLock(store, 'backup-incr');
    try {
        const startTime = await serverNow(cfg.pgEnv);
        const wal = cfg.walSource === 'slot' ? await incrBySlot(cfg, lock.guard(store), facts, binDir(), pre) : await incrByArchive(cfg, store, facts, pre);
        await lock.confirm();
        const stopTime = await serverNow(cfg.pgEnv);
        const durationSeconds = (Date.now() - started) / 1000;
        log/* log */.Rm.info(wal.source === 'archive'
            ? `incr: archiving is fresh: every WAL up to ${wal.upTo} is in ${store.description} (through ${wal.archivedThrough}); no replication slot used (${durationSeconds.toFixed(1)} s)`
            : `incr: ${wal.pulled} WAL file(s) pushed; every WAL up to ${wal.upTo} is in ${store.description} (${durationSeconds.toFixed(1)} s)`);
        return {
            id: (0,layout/* makeBackupId */.KA)(new Date(startTime), 'incr'),
            type: 'incr',
            startTime,
            stopTime,
            bytes: 0,
            rawBytes: 0,
            durationSeconds,
            objects: [],
            wal,
            // Kept for scripts that read them (before `wal` existed).
            walUpTo: wal.upTo,
            ...(wal.pulled !== undefined ? { walPulled: wal.pulled } : {}),
        };
    }
    finally {
        await lock.release();
    }
}
/** The default: archive_command stores WAL; prove it reached the repository, pin nothing. */
async function incrByArchive(cfg, store, facts, pre) {
    const archiving = pre.archiveMode === 'on' || pre.archiveMode === 'always';
    if (!archiving || !pre.archiveCommand.trim() || pre.archiveCommand === '(disabled)') {
        const existing = (await (0,replication_slot/* readSlots */.wI)(cfg.pgEnv).catch(() => ({ slots: [] }))).slots.find((s) => s.name === wal_pull.DEFAULT_SLOT);
        throw new util_errors/* PgkeepError */.$Z('no-wal-archiving', `PostgreSQL ${facts.major} has no incremental backup, so the incr run makes sure WAL is archived, but archive_mode is ${pre.archiveMode}${archiving ? ' with an empty archive_command' : ''}; pgkeep does not create a replication slot unless asked, because a slot nobody reads keeps WAL until the primary's disk is full.` +
            (existing ? ` (Replication slot "${wal_pull.DEFAULT_SLOT}" exists and retains ${(0,log/* formatBytes */.z3)(existing.retainedBytes ?? 0)}.)` : ''), `Set archive_mode = on and archive_command = 'pgkeep wal-push %p' (restart), or opt into pulling WAL over the "${wal_pull.DEFAULT_SLOT}" slot with --wal-source slot / PGKEEP_WAL_SOURCE=slot (then also set max_slot_wal_keep_size).`);
    }
    const warnings = [];
    if (!archiveCommandRunsPgkeep(pre.archiveCommand)) {
        warnings.push(`archive_command does not mention pgkeep wal-push; checked that WAL reaches ${store.description} anyway.`);
        log/* log */.Rm.warn(warnings.at(-1));
    }
    const waitSeconds = cfg.settings.walWaitSeconds;
    log/* log */.Rm.info(`incr: PostgreSQL ${facts.major} has no incremental backup; switching WAL and checking that archive_command stored it in ${store.description}`);
    const r = await checkArchiveFresh({ store, pgEnv: cfg.pgEnv, segSize: pre.segSize, timeline: pre.timeline, waitSeconds });
    // A slot left from earlier (opt-in or a full backup without archiving) still pins WAL: say so.
    const slot = (await (0,replication_slot/* readSlots */.wI)(cfg.pgEnv).catch(() => ({ slots: [] }))).slots.find((s) => s.name === wal_pull.DEFAULT_SLOT && !s.active);
    if (slot) {
        warnings.push(`Replication slot "${wal_pull.DEFAULT_SLOT}" is not used by this run and retains ${(0,log/* formatBytes */.z3)(slot.retainedBytes ?? 0)} of WAL on the server; drop it with pgkeep slot drop if nothing reads it.`);
        log/* log */.Rm.warn(warnings.at(-1));
    }
    return { source: 'archive', upTo: (0,segment/* formatLsn */.rI)((0,segment/* parseLsn */.l2)(r.upTo)), archivedThrough: r.archivedThrough, archiver: r.archiver, warnings };
}
/** Opt-in (--wal-source slot): pull up to now over the slot (created if missing). */
async function incrBySlot(cfg, store, facts, binDir, pre) {
    const ensured = await (0,wal_pull.ensureSlot)(cfg.pgEnv, wal_pull.DEFAULT_SLOT);
    const switchLsn = await (0,postgres_client.withClient)(cfg.pgEnv, undefined, async (c) => (await c.query('select pg_switch_wal()::text as l')).rows[0].l);
    log/* log */.Rm.info(`incr: PostgreSQL ${facts.major} has no incremental backup; pulling WAL up to ${switchLsn} over slot ${wal_pull.DEFAULT_SLOT} (--wal-source slot)`);
    const pulled = await (0,wal_pull.pullWalTo)({ store, pgEnv: cfg.pgEnv, binDir, parallel: cfg.parallel }, (0,segment/* parseLsn */.l2)(switchLsn), pre.segSize, facts.systemIdentifier);
    const after = await (0,replication_slot/* readSlots */.wI)(cfg.pgEnv);
    const slot = after.slots.find((s) => s.name === wal_pull.DEFAULT_SLOT);
    return {
        source: 'slot',
        upTo: (0,segment/* formatLsn */.rI)((0,segment/* parseLsn */.l2)(switchLsn)),
        pulled: pulled.length,
        ...(slot?.retainedBytes !== undefined ? { slotRetainedBytes: slot.retainedBytes } : {}),
        warnings: ensured.warnings,
    };
}

;// CONCATENATED MODULE: ./src/repo/wal-catalog.ts


function walCatalogFromKeys(objs, segSize = segment/* DEFAULT_WAL_SEGMENT_SIZE */.Zk) {
    const cat = { segments: [], histories: [], other: [] };
    for (const o of objs) {
        const file = o.key.slice(o.key.lastIndexOf('/') + 1).replace(/\.zst(\.age)?$/, '');
        if ((0,segment/* isSegmentName */.Pb)(file)) {
            const id = (0,segment/* parseSegmentName */.EU)(file, segSize);
            cat.segments.push({ name: file, timeline: id.timeline, segno: id.segno, key: o.key, size: o.size, ...(o.modified ? { archivedAt: o.modified } : {}) });
        }
        else if ((0,segment/* isHistoryName */.Mf)(file)) {
            cat.histories.push({ name: file, timeline: (0,segment/* historyTimeline */.YF)(file), key: o.key, size: o.size });
        }
        else
            cat.other.push(o);
    }
    cat.segments.sort((a, b) => a.timeline - b.timeline || (a.segno < b.segno ? -1 : a.segno > b.segno ? 1 : 0));
    cat.histories.sort((a, b) => a.timeline - b.timeline);
    return cat;
}
async function loadWalCatalog(store, segSize = segment/* DEFAULT_WAL_SEGMENT_SIZE */.Zk) {
    return walCatalogFromKeys(await store.list(layout/* WAL_PREFIX */.iW), segSize);
}

// EXTERNAL MODULE: ./node_modules/zod/v4/classic/schemas.js + 17 modules
var schemas = __webpack_require__(8816);
;// CONCATENATED MODULE: ./src/repo/current-timeline.ts
// `timeline.json`: the repository's record that an explicit `restore --new-primary` made a
// restored cluster the new primary. It is the only thing that moves the repository's "current"
// timeline away from the timeline of the newest backup's cluster, so a copy restored for a look
// (which does not archive) or a stray promoted clone (which may publish a .history file) never
// changes what a later `restore --latest` brings back. Written only by --new-primary; absent in
// a repository where that never happened.



const CURRENT_TIMELINE_KEY = 'timeline.json';
const currentTimelineSchema = schemas/* object */.Ikc({
    format: schemas/* literal */.euz(1),
    /** The timeline the new primary runs on (predicted from the archive before it promotes, confirmed after with --start). */
    timeline: schemas/* number */.aig().int().positive(),
    /** The timeline it was restored along, and forked from. */
    parentTimeline: schemas/* number */.aig().int().positive(),
    /** When it was declared (ISO-8601 UTC): a backup that finishes later wins over it. */
    declaredAt: schemas/* string */.YjP(),
    /** The backup it was restored from. */
    backupId: schemas/* string */.YjP(),
    /** Where it forked (end of replay), when the restore saw the promotion (--start). */
    switchLsn: schemas/* string */.YjP().optional(),
    /** Whether the timeline number was seen after promotion ('promoted') or predicted ('predicted'). */
    confirmed: schemas/* enum */.k5n(['promoted', 'predicted']),
});
async function readCurrentTimeline(store) {
    if (!(await store.head(CURRENT_TIMELINE_KEY)))
        return undefined;
    const r = currentTimelineSchema.safeParse(await (0,repo_catalog.readJson)(store, CURRENT_TIMELINE_KEY));
    if (!r.success)
        throw new util_errors/* PgkeepError */.$Z('corrupt-repo', `${CURRENT_TIMELINE_KEY} in ${store.description} is not a valid current-timeline record (${r.error.issues[0]?.path.join('.')} ${r.error.issues[0]?.message}).`, 'Restore with an explicit --timeline N, or delete the file to follow the newest backup\'s timeline again.');
    return r.data;
}
async function writeCurrentTimeline(store, rec) {
    await (0,repo_catalog.writeJson)(store, CURRENT_TIMELINE_KEY, rec);
}

// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
var external_node_path_default = /*#__PURE__*/__webpack_require__.n(external_node_path_);
;// CONCATENATED MODULE: ./src/repo/backup-chain.ts
/**
 * Follow `parent` links from `b` back to a full backup. Every link must exist in the catalog,
 * be a physical backup of the same system, and (when `usable` is given) pass it; a cycle or a
 * missing `parent` field breaks the chain.
 */
function resolveChain(b, byId, usable) {
    const chain = [b];
    const seen = new Set([b.id]);
    let cur = b;
    while (cur.type === 'incr') {
        if (!cur.parent)
            return { ok: false, at: cur, why: `incremental backup ${cur.id} names no parent backup` };
        const p = byId.get(cur.parent);
        if (!p)
            return { ok: false, at: cur, parent: cur.parent, why: `its parent backup ${cur.parent} is not in the repository (expired or deleted)` };
        if (seen.has(p.id))
            return { ok: false, at: cur, parent: p.id, why: `its parent chain loops back to ${p.id}` };
        if (p.type !== 'full' && p.type !== 'incr')
            return { ok: false, at: cur, parent: p.id, why: `its parent ${p.id} is a ${p.type} backup, not a physical one` };
        if (p.systemIdentifier !== b.systemIdentifier)
            return { ok: false, at: cur, parent: p.id, why: `its parent ${p.id} is of another cluster (system identifier ${p.systemIdentifier}, not ${b.systemIdentifier})` };
        if (usable && !usable(p))
            return { ok: false, at: cur, parent: p.id, why: `its parent ${p.id} has no restorable base object or WAL positions` };
        seen.add(p.id);
        chain.unshift(p);
        cur = p;
    }
    return { ok: true, chain };
}

;// CONCATENATED MODULE: ./src/restore/target-time.ts
// Restore target times: strict ISO-8601 in, exact to the microsecond out. JavaScript's Date
// keeps only milliseconds, so the fields are parsed by hand and carried as bigint
// microseconds since the epoch. PostgreSQL rejects a trailing `Z` in recovery_target_time,
// so the server form is always `YYYY-MM-DD HH:MM:SS.ffffff+00` (UTC).

const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(Z|[+-]\d{2}:\d{2})$/;
const EXAMPLE = 'Use ISO-8601 with a zone, e.g. 2025-11-08T14:30:00Z, 2025-11-08T14:30:00.123456Z or 2025-11-08T16:30:00+02:00.';
function bad(value, why) {
    return new util_errors/* PgkeepError */.$Z('bad-time', `--time "${value}" is not a valid restore time: ${why}.`, EXAMPLE);
}
const isLeap = (y) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const daysIn = (y, m) => [31, isLeap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(y, m, d) {
    const yy = m <= 2 ? y - 1 : y;
    const era = Math.floor(yy / 400);
    const yoe = yy - era * 400;
    const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
    const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
    return era * 146097 + doe - 719468;
}
function civilFromDays(z0) {
    const z = z0 + 719468;
    const era = Math.floor(z / 146097);
    const doe = z - era * 146097;
    const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
    const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
    const mp = Math.floor((5 * doy + 2) / 153);
    const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
    const m = mp + (mp < 10 ? 3 : -9);
    return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}
const DAY_US = 86400000000n;
const p2 = (n) => String(n).padStart(2, '0');
function fields(micros) {
    let days = micros / DAY_US;
    let rem = micros % DAY_US;
    if (rem < 0n) {
        rem += DAY_US;
        days -= 1n;
    }
    const [y, m, d] = civilFromDays(Number(days));
    const secs = Number(rem / 1000000n);
    const frac = String(rem % 1000000n).padStart(6, '0');
    const date = `${String(y).padStart(4, '0')}-${p2(m)}-${p2(d)}`;
    const time = `${p2(Math.floor(secs / 3600))}:${p2(Math.floor(secs / 60) % 60)}:${p2(secs % 60)}`;
    return { date, time, frac };
}
/** `2025-11-08T14:30:00.123456Z` (always six fraction digits). */
function microsToIso(micros) {
    const f = fields(micros);
    return `${f.date}T${f.time}.${f.frac}Z`;
}
/** `2025-11-08 14:30:00.123456+00`: what recovery_target_time accepts, exact to the microsecond. */
function microsToPg(micros) {
    const f = fields(micros);
    return `${f.date} ${f.time}.${f.frac}+00`;
}
/** Parse a restore target time; throws a PgkeepError naming the value and showing an example. */
function parseTargetTime(input) {
    const s = input.trim();
    const m = ISO_RE.exec(s);
    if (!m) {
        if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(s))
            throw bad(input, 'it has no time zone (add Z for UTC or an offset like +02:00)');
        if (/\.\d{7,}/.test(s))
            throw bad(input, 'PostgreSQL keeps at most 6 fraction digits (microseconds)');
        throw bad(input, 'expected YYYY-MM-DDTHH:MM:SS[.ffffff] followed by Z or ±HH:MM');
    }
    const [y, mo, d, h, mi, se] = m.slice(1, 7).map(Number);
    if (y < 1970)
        throw bad(input, 'the year is before 1970');
    if (mo < 1 || mo > 12)
        throw bad(input, `month ${m[2]} does not exist`);
    if (d < 1 || d > daysIn(y, mo))
        throw bad(input, `day ${m[3]} does not exist in ${m[1]}-${m[2]}`);
    if (h > 23)
        throw bad(input, `hour ${m[4]} is out of range (00-23)`);
    if (mi > 59)
        throw bad(input, `minute ${m[5]} is out of range (00-59)`);
    if (se > 59)
        throw bad(input, `second ${m[6]} is out of range (00-59)`);
    const frac = BigInt((m[7] ?? '').padEnd(6, '0'));
    let offsetMin = 0;
    if (m[8] !== 'Z') {
        const oh = Number(m[8].slice(1, 3));
        const om = Number(m[8].slice(4, 6));
        if (oh > 15 || om > 59)
            throw bad(input, `offset ${m[8]} is out of range`);
        offsetMin = (m[8][0] === '-' ? -1 : 1) * (oh * 60 + om);
    }
    const localSecs = BigInt(daysFromCivil(y, mo, d)) * 86400n + BigInt(h * 3600 + mi * 60 + se);
    const micros = (localSecs - BigInt(offsetMin) * 60n) * 1000000n + frac;
    return { input, micros, pg: microsToPg(micros), iso: microsToIso(micros) };
}
/**
 * Timestamps written by pgkeep or PostgreSQL (manifest stopTime, `select now()`, server log
 * `2025-11-08 14:30:00.123456+00`) → microseconds. Accepts a space separator, a missing
 * fraction and `+HH`/`+HHMM`/`+HH:MM`/`Z`/` UTC` zones; throws on anything else.
 */
function timestampToMicros(value) {
    const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(\.\d{1,6})?\s*(Z|UTC|[+-]\d{2}(?::?\d{2})?)$/.exec(value.trim());
    if (!m)
        throw new util_errors/* PgkeepError */.$Z('bad-time', `"${value}" is not a timestamp pgkeep understands.`, EXAMPLE);
    let zone = m[4];
    if (zone === 'UTC')
        zone = 'Z';
    else if (zone !== 'Z') {
        const digits = zone.slice(1).replace(':', '');
        zone = `${zone[0]}${digits.slice(0, 2)}:${(digits.slice(2) || '00').padEnd(2, '0')}`;
    }
    return parseTargetTime(`${m[1]}T${m[2]}${m[3] ?? ''}${zone}`).micros;
}
/** Milliseconds since the epoch (e.g. Date.now()) → microseconds. */
const msToMicros = (ms) => BigInt(Math.round(ms)) * 1000n;

;// CONCATENATED MODULE: ./src/restore/plan.ts
// Point-in-time restore planning: target → backup + timeline path + WAL segments + steps.
// Pure: it takes the catalog, the WAL listing and the parsed timeline histories and touches
// nothing, so every refusal (target outside the window, unknown timeline, a gap in the WAL
// chain) happens before a single byte is written.
//
// Rules (documented in the README's restore section):
// - Timeline: the caller chooses it (plan-from-repo: `current` by default, see
//   timeline-choice.ts); without one, the newest timeline with archived WAL. Its
//   `.history` file (required for any timeline > 1) gives the path of ancestors and where each
//   one ended; a backup is usable only if it lies on that path (stopLsn not past the switch).
// - Backup: the newest usable full or incremental backup that ends (stopTime for a time,
//   stopLsn for an LSN) at or before the target; `--backup` must itself end at or before the
//   target. An incremental (PG17+) is usable only with its whole chain: `parent` links back to
//   a full backup, every link in the catalog, restorable and of the same system
//   (src/repo/backup-chain.ts). The chain's backups only provide data: the timeline rule and
//   the WAL range apply to the chosen (newest) backup alone, so an incr may sit on a later
//   timeline than its parent. A chain of more than one backup is combined by pg_combinebackup
//   (17+), which the caller probes for (`combineTool`) so the dry run can say whether it is there.
// - WAL: every segment from the backup's startWal to the end of the chain must be archived.
//   The end is the target LSN's segment (--lsn), the backup's stopWal (--immediate), or the
//   newest archived segment on the path (--latest and --time, where a segment's name says
//   nothing about the commit times inside it). At a timeline switch the segment holding the
//   switch point may come from either timeline (PostgreSQL tries the newer one first).
// - Time targets: PostgreSQL stops before the first transaction that committed after the
//   target, and since PostgreSQL 13 refuses to promote when the archive ends before it sees
//   one ("recovery ended before configured recovery target was reached"). Conservative
//   checks: the target must not be in the future; at least one segment must be archived after
//   the backup's stopWal (the stop segment ends at the backup, so without more WAL nothing
//   after the backup can be reached); when the store reports archive times, the target must
//   not be later than the newest archived segment's write time; and when the caller knows the
//   newest archived commit (pg_waldump over the last segments), the target must be before it.





/** Assumed rates for the estimate (measured on the reference runner: see bench/restore.sh). */
const DEFAULT_RATES = { fetchBytesPerSec: 150 * 1024 * 1024, replayBytesPerSec: 64 * 1024 * 1024 };
const plan_BASE_KIND = 'base';
const plan_TABLESPACE_KIND = 'tablespace';
const plan_BACKUP_MANIFEST_KIND = 'backup-manifest';
/** pg_combinebackup first shipped with PostgreSQL 17, with incremental backups. */
const COMBINE_MIN_MAJOR = 17;
function baseObjectOf(b) {
    return b.objects.find((o) => o.kind === plan_BASE_KIND) ?? b.objects.find((o) => o.name === 'base.tar.zst');
}
/** What a restore fetches of a backup: its base object, then tablespace objects and the backup_manifest. */
function restoreObjectsOf(b) {
    const base = baseObjectOf(b);
    return base ? [base, ...b.objects.filter((o) => (o.kind === plan_TABLESPACE_KIND || o.kind === plan_BACKUP_MANIFEST_KIND) && o !== base)] : [];
}
function isRestorablePhysical(b) {
    return (b.type === 'full' || b.type === 'incr') && b.timeline !== undefined && !!b.startLsn && !!b.stopLsn && !!b.startWal && !!b.stopWal && !!baseObjectOf(b);
}
function chainMember(b) {
    const objects = restoreObjectsOf(b);
    return { id: b.id, type: b.type, timeline: b.timeline, stopLsn: b.stopLsn, objects, bytes: objects.reduce((a, o) => a + o.bytes, 0), manifest: b };
}
/** The ancestry of `target`: its history file's entries, then itself. */
function timelinePath(target, histories) {
    if (target === 1)
        return [{ timeline: 1, beginLsn: 0n }];
    const h = histories.get(target);
    if (!h)
        throw new util_errors/* PgkeepError */.$Z('missing-history', `Timeline ${target} has no history file ${(0,segment/* historyFileName */.cI)(target)} in the repository, so its ancestry is unknown.`, 'Archive the .history file (wal-push runs on promotion) or restore to an older timeline.');
    const steps = [];
    let begin = 0n;
    for (const e of h) {
        if (steps.length && e.timeline <= steps[steps.length - 1].timeline)
            throw new util_errors/* PgkeepError */.$Z('corrupt-history', `History file ${(0,segment/* historyFileName */.cI)(target)} lists timeline ${e.timeline} out of order.`);
        steps.push({ timeline: e.timeline, beginLsn: begin, endLsn: e.switchLsn });
        begin = e.switchLsn;
    }
    steps.push({ timeline: target, beginLsn: begin });
    return steps;
}
function pathDescription(path) {
    return path.map((s) => (s.endLsn !== undefined ? `${s.timeline} (until ${(0,segment/* formatLsn */.rI)(s.endLsn)})` : `${s.timeline}`)).join(' → ');
}
/** Is the backup's WAL range part of the history the path describes? */
function backupOnPath(b, path) {
    const step = path.find((s) => s.timeline === b.timeline);
    if (!step)
        return false;
    const start = (0,segment/* parseLsn */.l2)(b.startLsn);
    const stop = (0,segment/* parseLsn */.l2)(b.stopLsn);
    return start >= step.beginLsn && (step.endLsn === undefined || stop <= step.endLsn);
}
function planRestore(input) {
    const segSize = input.segSize ?? segment/* DEFAULT_WAL_SEGMENT_SIZE */.Zk;
    const rates = input.rates ?? DEFAULT_RATES;
    const { target } = input;
    const warnings = [];
    // 1. Target timeline and its ancestry.
    const known = new Set([...input.wal.segments.map((s) => s.timeline), ...input.wal.histories.map((h) => h.timeline)]);
    const withWal = new Set(input.wal.segments.map((s) => s.timeline));
    for (const b of input.backups)
        if (b.timeline !== undefined) {
            known.add(b.timeline);
            withWal.add(b.timeline);
        }
    if (known.size === 0)
        known.add(1);
    // The newest timeline that has archived WAL: a bare .history file (a restored copy that
    // promoted but never archived a segment) holds nothing to replay and is not followed.
    const targetTimeline = input.targetTimeline ?? (withWal.size ? Math.max(...withWal) : Math.max(...known));
    if (!known.has(targetTimeline))
        throw new util_errors/* PgkeepError */.$Z('unknown-timeline', `Timeline ${targetTimeline} is unknown: the repository holds timelines ${[...known].sort((a, b) => a - b).join(', ')}.`, 'Omit --timeline to follow the current one, or pick one the repository holds (pgkeep status lists them).');
    const path = timelinePath(targetTimeline, input.histories);
    // 2. The backup (with its chain, for an incremental).
    const byId = new Map(input.backups.map((b) => [b.id, b]));
    const chains = new Map();
    for (const b of input.backups.filter(isRestorablePhysical))
        chains.set(b.id, resolveChain(b, byId, isRestorablePhysical));
    const brokenChain = (b) => {
        const c = chains.get(b.id);
        return c && !c.ok ? c : undefined;
    };
    const physical = input.backups.filter((b) => isRestorablePhysical(b) && !brokenChain(b));
    const usable = physical
        .filter((b) => backupOnPath(b, path))
        .sort((a, b) => {
        const d = (0,segment/* parseLsn */.l2)(a.stopLsn) - (0,segment/* parseLsn */.l2)(b.stopLsn);
        return d < 0n ? -1 : d > 0n ? 1 : a.stopTime < b.stopTime ? -1 : a.stopTime > b.stopTime ? 1 : 0;
    });
    const stopMicros = (b) => timestampToMicros(b.stopTime);
    const endsBeforeTarget = (b) => target.kind === 'time' ? stopMicros(b) <= target.time.micros : target.kind === 'lsn' ? (0,segment/* parseLsn */.l2)(b.stopLsn) <= target.lsn : true;
    const targetText = target.kind === 'time' ? target.time.iso : target.kind === 'lsn' ? `LSN ${(0,segment/* formatLsn */.rI)(target.lsn)}` : target.kind === 'latest' ? 'the end of archived WAL' : 'the end of the backup';
    let backup;
    if (input.backupId) {
        const b = input.backups.find((x) => x.id === input.backupId);
        if (!b) {
            const recent = physical.slice(-5).map((x) => x.id).join(', ') || 'none';
            throw new util_errors/* PgkeepError */.$Z('no-backup', `Backup "${input.backupId}" not found.`, `Recent physical backups: ${recent}. See pgkeep list.`);
        }
        if (!isRestorablePhysical(b))
            throw new util_errors/* PgkeepError */.$Z('not-physical', `Backup ${b.id} is a ${b.type} backup${b.type === 'logical' ? '' : ' without a restorable base object or WAL positions'}, not a physical backup a point-in-time restore starts from.`, 'Pick a full or incremental backup (pgkeep list), or use restore --logical for logical backups.');
        const broken = brokenChain(b);
        if (broken)
            throw new util_errors/* PgkeepError */.$Z('broken-chain', `Incremental backup ${b.id} cannot be restored: ${broken.at.id === b.id ? '' : `its chain passes through ${broken.at.id}, and `}${broken.why}.`, 'Restore from a full backup or an incremental whose chain is complete (pgkeep list), or omit --backup to let pgkeep choose.');
        if (!backupOnPath(b, path))
            throw new util_errors/* PgkeepError */.$Z('backup-not-on-timeline', `Backup ${b.id} (timeline ${b.timeline}, ${b.startLsn}..${b.stopLsn}) is not on the history of timeline ${targetTimeline} (${pathDescription(path)}).`, `Pick a backup taken on this timeline or one of its ancestors before the switch, or restore along the backup's own timeline with --timeline ${b.timeline}.`);
        if (!endsBeforeTarget(b))
            throw new util_errors/* PgkeepError */.$Z('backup-after-target', `Backup ${b.id} finished at ${target.kind === 'lsn' ? b.stopLsn : b.stopTime}, after the target ${targetText}; a backup can only be rolled forward.`, 'Pick an older backup, or omit --backup to let pgkeep choose.');
        backup = b;
    }
    else {
        if (usable.length === 0) {
            const on = physical.length ? ` (the ${physical.length} physical backup(s) are on timeline(s) ${[...new Set(physical.map((b) => b.timeline))].join(', ')}, outside this history)` : '';
            throw new util_errors/* PgkeepError */.$Z('no-backup', `No restorable physical backup (full, or incremental with a complete chain) lies on the history of timeline ${targetTimeline} (${pathDescription(path)})${on}.`, 'Take one with pgkeep backup --type full.');
        }
        const eligible = usable.filter(endsBeforeTarget);
        if (eligible.length === 0) {
            const oldest = usable[0];
            throw new util_errors/* PgkeepError */.$Z('target-before-oldest', `The target ${targetText} is before the oldest backup finished (${oldest.id} stopped at ${target.kind === 'lsn' ? oldest.stopLsn : oldest.stopTime}).`, `The recovery window starts at ${oldest.stopTime} (LSN ${oldest.stopLsn}); pick a later target.`);
        }
        backup = eligible[eligible.length - 1];
        // Say when a newer incremental was passed over for its broken chain.
        for (const b of input.backups) {
            const broken = brokenChain(b);
            if (broken && backupOnPath(b, path) && endsBeforeTarget(b) && (0,segment/* parseLsn */.l2)(b.stopLsn) > (0,segment/* parseLsn */.l2)(backup.stopLsn))
                warnings.push(`Incremental backup ${b.id} is newer but not restorable: ${broken.at.id === b.id ? '' : `its chain passes through ${broken.at.id}, and `}${broken.why}.`);
        }
    }
    const baseObject = baseObjectOf(backup);
    const resolved = chains.get(backup.id);
    const chain = (resolved.ok ? resolved.chain : [backup]).map(chainMember);
    const combineTool = chain.length > 1 ? input.combineTool : undefined;
    // 3. The WAL chain.
    const archived = new Map();
    for (const s of input.wal.segments)
        archived.set(s.name, s);
    const lastByte = (lsn) => (lsn > 0n ? lsn - 1n : 0n);
    const beginSeg = (s) => (0,segment/* segnoForLsn */.ty)(s.beginLsn, segSize);
    const endSeg = (s) => (s.endLsn === undefined ? undefined : (0,segment/* segnoForLsn */.ty)(lastByte(s.endLsn), segSize));
    const candidates = (segno) => path.filter((s) => s.timeline >= backup.timeline && beginSeg(s) <= segno && (endSeg(s) === undefined || segno <= endSeg(s))).reverse();
    const startSeg = (0,segment/* parseSegmentName */.EU)(backup.startWal, segSize).segno;
    const stopSeg = (0,segment/* parseSegmentName */.EU)(backup.stopWal, segSize).segno;
    // Newest archived segment that belongs to the path (beyond the backup's start).
    let newestOnPath;
    for (const s of input.wal.segments) {
        if (s.segno < startSeg)
            continue;
        const step = path.find((p) => p.timeline === s.timeline);
        if (!step || s.timeline < backup.timeline || s.segno < beginSeg(step))
            continue;
        const e = endSeg(step);
        if (e !== undefined && s.segno > e)
            continue;
        if (!newestOnPath || s.segno > newestOnPath.segno || (s.segno === newestOnPath.segno && s.timeline > newestOnPath.timeline))
            newestOnPath = s;
    }
    const archiveEnd = newestOnPath?.segno ?? startSeg - 1n;
    const archiveEndText = newestOnPath ? `${newestOnPath.name}${newestOnPath.archivedAt ? `, archived at ${newestOnPath.archivedAt}` : ''}` : 'none';
    let lastSeg;
    if (target.kind === 'immediate')
        lastSeg = stopSeg;
    else if (target.kind === 'lsn') {
        lastSeg = (0,segment/* segnoForLsn */.ty)(target.lsn, segSize);
        if (lastSeg < stopSeg)
            lastSeg = stopSeg;
        if (lastSeg > archiveEnd)
            throw new util_errors/* PgkeepError */.$Z('target-after-archive', `The target LSN ${(0,segment/* formatLsn */.rI)(target.lsn)} is after the newest archived WAL on timeline ${targetTimeline} (${archiveEndText}).`, 'Wait for archiving to catch up (or run select pg_switch_wal() on the server), or pick an earlier target.');
    }
    else
        lastSeg = archiveEnd > stopSeg ? archiveEnd : stopSeg;
    const segments = [];
    for (let n = startSeg; n <= lastSeg; n++) {
        const cands = candidates(n);
        const found = cands.map((c) => archived.get((0,segment/* segmentName */.Jc)(c.timeline, n, segSize))).find((x) => x !== undefined);
        if (!found) {
            const names = cands.map((c) => (0,segment/* segmentName */.Jc)(c.timeline, n, segSize));
            const missing = names.length ? names.join(' or ') : (0,segment/* segmentName */.Jc)(backup.timeline, n, segSize);
            const why = n <= stopSeg ? `it is needed to make backup ${backup.id} consistent` : `recovery would stop there, before ${targetText}`;
            throw new util_errors/* PgkeepError */.$Z('wal-gap', `WAL segment ${missing} is missing from the repository: ${why} (chain ${(0,segment/* segmentName */.Jc)(backup.timeline, startSeg, segSize)}..${(0,segment/* segmentName */.Jc)(path[path.length - 1].timeline, lastSeg, segSize)}).`, 'Check archive_command failures in the server log and pgkeep verify; restore an earlier target or from a later backup past the gap.');
        }
        segments.push({ name: found.name, key: found.key, size: found.size });
    }
    // 4. Time-target window checks (see the header for the rule).
    if (target.kind === 'time') {
        const t = target.time;
        if (t.micros > input.nowMicros)
            throw new util_errors/* PgkeepError */.$Z('target-in-future', `The target ${t.iso} is in the future (now is ${microsToIso(input.nowMicros)}).`, 'Pick a time in the past, or --latest to replay everything archived.');
        if (lastSeg <= stopSeg)
            throw new util_errors/* PgkeepError */.$Z('target-after-archive', `The target ${t.iso} is after the newest archived WAL: nothing is archived on timeline ${targetTimeline} after backup ${backup.id} ended (${backup.stopWal}, ${backup.stopTime}).`, 'Wait for archiving (or run select pg_switch_wal() on the server), or pick an earlier target.');
        // The archive time is the storage's clock, at one-second resolution on S3 (Last-Modified),
        // and may be skewed against the database's: it is only a coarse bound, used when the exact
        // one (the newest archived commit, read with pg_waldump) is not available, with 1 s of slack.
        if (newestOnPath?.archivedAt && input.lastArchivedCommitMicros === undefined) {
            const at = timestampToMicros(newestOnPath.archivedAt) + 1000000n;
            if (t.micros > at)
                throw new util_errors/* PgkeepError */.$Z('target-after-archive', `The target ${t.iso} is after the newest archived WAL (${archiveEndText}).`, 'Wait for archiving (or run select pg_switch_wal() on the server), or pick an earlier target.');
        }
        else if (!newestOnPath?.archivedAt && input.lastArchivedCommitMicros === undefined)
            warnings.push('The store does not report archive times; the target is checked against the clock only.');
        if (input.lastArchivedCommitMicros !== undefined && t.micros >= input.lastArchivedCommitMicros)
            throw new util_errors/* PgkeepError */.$Z('target-after-archive', `The target ${t.iso} is not before the newest archived commit (${microsToIso(input.lastArchivedCommitMicros)}), so recovery cannot see a transaction after it and PostgreSQL would refuse to promote.`, 'Wait for more WAL to be archived (select pg_switch_wal()), or pick an earlier target (or --latest).');
        if (input.lastArchivedCommitMicros === undefined)
            warnings.push('If no transaction committed after the target is archived, PostgreSQL stops at the end of archived WAL and refuses to promote ("recovery ended before configured recovery target was reached").');
    }
    // 5. History files recovery reads, bytes and time.
    const historyFiles = path
        .filter((s) => s.timeline > 1)
        .map((s) => input.wal.histories.find((h) => h.timeline === s.timeline))
        .filter((h) => !!h)
        .map((h) => ({ name: h.name, key: h.key, size: h.size }));
    const walBytes = segments.reduce((a, s) => a + s.size, 0);
    const chainBytes = chain.reduce((a, m) => a + m.bytes, 0);
    const bytesToFetch = chainBytes + walBytes + historyFiles.reduce((a, h) => a + h.size, 0);
    const estimatedSeconds = bytesToFetch / rates.fetchBytesPerSec + (segments.length * segSize) / rates.replayBytesPerSec;
    const first = segments[0].name;
    const last = segments[segments.length - 1].name;
    const tlText = path.length > 1 ? `timelines ${pathDescription(path)}` : `timeline ${targetTimeline}`;
    const objectsText = (m) => m.objects.map((o) => `${o.name} ${(0,log/* formatBytes */.z3)(o.bytes)}`).join(' + ');
    const combining = chain.length > 1;
    const lines = [
        `Backup ${backup.id}${combining ? ' (incremental)' : ''} (timeline ${backup.timeline}, ${backup.startLsn}..${backup.stopLsn}, stopped ${backup.stopTime}), ${objectsText(chain[chain.length - 1])}`,
        ...(combining
            ? [
                `Chain: ${chain.map((m) => `${m.type} ${m.id}`).join(' → ')} (${chain.length} backups, ${(0,log/* formatBytes */.z3)(chainBytes)} stored)`,
                `Combine: needs pg_combinebackup of PostgreSQL ${Math.max(COMBINE_MIN_MAJOR, Math.floor(backup.pgVersionNum / 10000))}: ${combineToolText(combineTool)}`,
            ]
            : []),
        `Target: ${targetLine(target)} on ${tlText}`,
        `WAL: ${first} .. ${last}, ${segments.length} segment(s), ${(0,log/* formatBytes */.z3)(walBytes)} stored${historyFiles.length ? ` + ${historyFiles.length} history file(s)` : ''}; consistent at ${backup.stopLsn}`,
        `Fetch: ${(0,log/* formatBytes */.z3)(bytesToFetch)}; estimated ${(0,log/* formatDuration */.a3)(estimatedSeconds)} at ${(0,log/* formatBytes */.z3)(rates.fetchBytesPerSec)}/s fetch+extract and ${(0,log/* formatBytes */.z3)(rates.replayBytesPerSec)}/s WAL replay (assumed rates)`,
        combining
            ? `Steps: extract each backup of the chain (verified) into a staging directory beside the target; pg_combinebackup -o DIR ${chain.map((m) => m.id).join(' ')}; remove the staging directory; write recovery.signal and recovery settings in postgresql.auto.conf; start: PostgreSQL fetches WAL with pgkeep wal-fetch, replays to the target and promotes`
            : `Steps: extract ${baseObject.name} (verified) into an empty directory; write recovery.signal and recovery settings in postgresql.auto.conf; start: PostgreSQL fetches WAL with pgkeep wal-fetch, replays to the target and promotes`,
        ...warnings.map((w) => `Note: ${w}`),
    ];
    return {
        backup,
        baseObject,
        chain,
        ...(combineTool ? { combineTool } : {}),
        target,
        targetTimeline,
        timelinePath: path,
        wal: { first, last, count: segments.length, bytes: walBytes, segments },
        historyFiles,
        bytesToFetch,
        estimatedSeconds,
        rates,
        consistentLsn: backup.stopLsn,
        warnings,
        lines,
    };
}
function combineToolText(t) {
    if (!t)
        return 'not checked';
    return t.found ? `found ${t.path} (${t.major})` : `NOT FOUND (${t.why}); the restore will refuse to start`;
}
function targetLine(t) {
    switch (t.kind) {
        case 'time':
            return `time ${t.time.iso} (recovery_target_time = '${t.time.pg}', inclusive)`;
        case 'lsn':
            return `LSN ${(0,segment/* formatLsn */.rI)(t.lsn)} (inclusive)`;
        case 'latest':
            return 'latest (replay all archived WAL)';
        case 'immediate':
            return 'immediate (stop as soon as the backup is consistent)';
    }
}

;// CONCATENATED MODULE: ./src/restore/combine-tool.ts
// Finding pg_combinebackup for an incremental chain (PostgreSQL 17+): like the other
// PostgreSQL tools (PGKEEP_PG_BINDIR, then the Debian layout, then PATH), and it must be of the
// backups' own major (17 or newer): it refuses another major's pg_control ("unexpected control
// file version"), so a newer one is no substitute. The planner shows whether it was
// found (`findCombineTool`, in the dry run); `checkCombineTool` refuses a restore before
// anything is written when it is missing.





const COMBINE_TOOL = 'pg_combinebackup';
/**
 * Find pg_combinebackup for backups of `backupMajor`: in PGKEEP_PG_BINDIR when set (as for every
 * other tool), else the Debian bin directory of that major, then a newer one, then PATH.
 * Reads the file system and runs `--version`; never throws.
 */
function findCombineTool(pgBinDir, backupMajor, searchPath) {
    const need = Math.max(COMBINE_MIN_MAJOR, backupMajor);
    const candidates = [];
    if (pgBinDir)
        candidates.push(external_node_path_default().join(pgBinDir, COMBINE_TOOL));
    else {
        const dirs = (0,pg_tools.installedBinDirs)();
        for (const d of dirs.filter((d) => d.major === need))
            candidates.push(external_node_path_default().join(d.dir, COMBINE_TOOL));
        const onPath = (0,find_executable/* findExecutable */.o)(COMBINE_TOOL, searchPath);
        if (onPath)
            candidates.push(onPath);
    }
    const wrong = [];
    for (const file of candidates) {
        if (!(0,pg_tools.isExecutable)(file))
            continue;
        const major = (0,pg_tools.toolMajor)(file);
        if (major === need)
            return { found: true, path: file, major };
        wrong.push(`${file} is ${major === undefined ? 'of an unknown version' : `from PostgreSQL ${major}`}`);
    }
    if (wrong.length)
        return { found: false, why: `${wrong.join('; ')}, but the backups are PostgreSQL ${need} and pg_combinebackup must be the same major` };
    const where = pgBinDir ? `PGKEEP_PG_BINDIR=${pgBinDir}` : `${(0,pg_tools.installedBinDirs)().map((d) => d.dir).join(', ') || 'no PostgreSQL bin directory'} or PATH`;
    return { found: false, why: `no ${COMBINE_TOOL} in ${where}` };
}
/** The one-paragraph refusal when pg_combinebackup is missing or too old. */
function combineToolError(plan, status) {
    const major = Math.max(COMBINE_MIN_MAJOR, Math.floor(plan.backup.pgVersionNum / 10000));
    return new util_errors/* PgkeepError */.$Z('no-combinebackup', `Backup ${plan.backup.id} is incremental: restoring it combines the chain ${plan.chain.map((m) => m.id).join(' → ')} with pg_combinebackup from PostgreSQL ${major}, which was not found (${status.why}); nothing was written.`, `Install postgresql-client-${major} (apt.postgresql.org) on this machine, or set PGKEEP_PG_BINDIR to a PostgreSQL ${major} bin directory that has pg_combinebackup; or restore an older full backup with --backup.`);
}
/**
 * The pg_combinebackup to use for the plan's chain, checked now: the one the planner found, or
 * a fresh probe. Throws the one-paragraph refusal when it is missing or too old.
 */
function checkCombineTool(plan, pgBinDir) {
    const status = plan.combineTool ?? findCombineTool(pgBinDir, Math.floor(plan.backup.pgVersionNum / 10000));
    if (!status.found)
        throw combineToolError(plan, status);
    // The plan may be older than the machine's state (a plan reused by a drill, say).
    if (!(0,pg_tools.isExecutable)(status.path))
        throw combineToolError(plan, { found: false, why: `${status.path} is gone or not executable` });
    return { path: status.path, major: status.major };
}

;// CONCATENATED MODULE: ./src/restore/timeline-choice.ts


/** `--timeline` as typed: a positive integer (decimal or 0x hex), latest or current. */
function parseTimelineRequest(v) {
    if (v === undefined)
        return undefined;
    const s = v.trim().toLowerCase();
    if (s === 'latest' || s === 'current')
        return s;
    if (/^[1-9]\d{0,9}$/.test(s) || /^0x[0-9a-f]{1,8}$/.test(s)) {
        const n = Number(s);
        if (n >= 1 && n <= 0xffffffff)
            return n;
    }
    throw new util_errors/* PgkeepError */.$Z('bad-usage', `--timeline="${v}" is not valid: expected a timeline number, latest or current.`, 'pgkeep status lists the timelines and where each forked.');
}
function hasWal(wal, tl) {
    return wal.segments.some((s) => s.timeline === tl) || wal.histories.some((h) => h.timeline === tl);
}
/** PostgreSQL's `latest`: the newest timeline with archived WAL (a bare .history holds nothing to replay). */
function latestTimeline(backups, wal) {
    const withWal = new Set(wal.segments.map((s) => s.timeline));
    for (const b of backups)
        if (b.timeline !== undefined && b.type !== 'logical')
            withWal.add(b.timeline);
    if (withWal.size)
        return Math.max(...withWal);
    return wal.histories.length ? Math.max(...wal.histories.map((h) => h.timeline)) : 1;
}
/** The newest physical backup (by stop time) that records its timeline. */
function newestPhysical(backups) {
    return backups
        .filter((b) => b.type !== 'logical' && b.timeline !== undefined)
        .sort((a, b) => (a.stopTime < b.stopTime ? -1 : a.stopTime > b.stopTime ? 1 : 0))
        .at(-1);
}
function currentTimeline(backups, wal, record) {
    const nb = newestPhysical(backups);
    if (record && (!nb || record.declaredAt > nb.stopTime)) {
        if (hasWal(wal, record.timeline))
            return { timeline: record.timeline, why: `declared the new primary by restore --new-primary at ${record.declaredAt} (timeline.json)` };
        // Declared, but not promoted (or not archived) yet: nothing on it to replay; its parent holds everything up to the fork.
        return { timeline: record.parentTimeline, why: `timeline ${record.timeline}, declared the new primary at ${record.declaredAt}, has archived nothing yet; following the timeline it forks from` };
    }
    if (nb)
        return { timeline: nb.timeline, why: `the timeline of the newest backup ${nb.id}` };
    return { timeline: latestTimeline(backups, wal), why: 'no physical backup records a timeline: the newest timeline with archived WAL' };
}
function chooseTimeline(i) {
    const request = i.request ?? 'current';
    if (typeof request === 'number')
        return { timeline: request, request, why: 'as requested with --timeline' };
    if (request === 'latest')
        return { timeline: latestTimeline(i.backups, i.wal), request, why: 'the newest timeline with archived WAL (--timeline latest)' };
    return { ...currentTimeline(i.backups, i.wal, i.record), request };
}
/**
 * The timeline PostgreSQL will pick when a cluster recovered along `target` promotes: one past
 * the newest consecutive history file after it (findNewestTimeLine() probes the archive with
 * restore_command from target + 1 upward and stops at the first that is missing).
 */
function predictPromotedTimeline(target, wal) {
    const histories = new Set(wal.histories.map((h) => h.timeline));
    let n = target;
    while (histories.has(n + 1))
        n++;
    return n + 1;
}
function describeTimelines(i) {
    const tls = new Set([...i.wal.segments.map((s) => s.timeline), ...i.wal.histories.map((h) => h.timeline)]);
    for (const b of i.backups)
        if (b.timeline !== undefined && b.type !== 'logical')
            tls.add(b.timeline);
    // Nothing physical (an empty or logical-only repository): no timelines to show.
    if (!tls.size)
        return [];
    tls.add(i.current);
    return [...tls]
        .sort((a, b) => a - b)
        .map((tl) => {
        const segs = i.wal.segments.filter((s) => s.timeline === tl);
        const parentEntry = i.histories.get(tl)?.at(-1);
        return {
            timeline: tl,
            ...(parentEntry ? { parent: parentEntry.timeline, forkLsn: (0,segment/* formatLsn */.rI)(parentEntry.switchLsn) } : {}),
            segments: segs.length,
            ...(segs.length ? { firstSegment: segs[0].name, lastSegment: segs[segs.length - 1].name } : {}),
            backups: i.backups.filter((b) => b.type !== 'logical' && b.timeline === tl).length,
            current: tl === i.current,
        };
    });
}
/** One line per timeline, for list and status text. */
function timelineLines(infos, why) {
    return infos.map((t) => {
        const fork = t.parent !== undefined ? `forked from ${t.parent} at ${t.forkLsn}` : 'the original';
        const wal = t.segments ? `${t.segments} segment(s) ${t.firstSegment}..${t.lastSegment}` : 'no segments';
        return `  ${t.timeline}: ${fork}; ${wal}; ${t.backups} backup(s)${t.current ? `; CURRENT${why ? ` (${why})` : ''}` : ''}`;
    });
}

// EXTERNAL MODULE: ./src/wal/wal-object.ts + 1 modules
var wal_object = __webpack_require__(9846);
;// CONCATENATED MODULE: ./src/restore/last-commit.ts
// The newest commit time in the archive, read with pg_waldump from the last few segments of the
// planned chain. A time target is only reachable when the archive holds a transaction that
// committed after it (PostgreSQL stops *before* that one; without it, recovery runs out of WAL
// and refuses to promote), so this turns "T is after the newest archived WAL" from a guess by
// archive times into a fact. Only temp files are written; they are removed.







const COMMIT_RE = /desc: (?:COMMIT|ABORT)(?:_PREPARED)? (\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d{1,6})? (?:UTC|[+-]\d{2}(?::?\d{2})?))/g;
/** Commit/abort times in pg_waldump output (its stdout, even when it stops at a missing next segment). */
function commitTimesFromWaldump(text) {
    const out = [];
    for (const m of text.matchAll(COMMIT_RE)) {
        try {
            out.push(timestampToMicros(m[1]));
        }
        catch {
            /* a zone pgkeep does not read: ignore the line */
        }
    }
    return out;
}
async function waldump(binDir, dir, segment) {
    // pg_waldump exits non-zero when the following segment is absent; its stdout is still good.
    const run = (0,pg_tools.startTool)(binDir, 'pg_waldump', ['-p', dir, '-r', 'Transaction', segment], { env: { TZ: 'UTC' }, what: 'pg_waldump' });
    const chunks = [];
    run.stdout.on('data', (c) => chunks.push(c));
    await run.done.catch(() => undefined);
    return Buffer.concat(chunks).toString('utf8');
}
/**
 * Newest commit (or abort) time among the last `maxSegments` segments of the chain, newest
 * first; undefined when none of them holds one or pg_waldump is unavailable.
 */
async function newestArchivedCommit(store, binDir, chain, maxSegments = 3) {
    const tmp = await external_node_fs_.promises.mkdtemp(external_node_path_default().join(external_node_os_default().tmpdir(), 'pgkeep-waldump-'));
    try {
        for (const seg of chain.slice(-maxSegments).reverse()) {
            await (0,wal_object/* fetchWalFile */.B$)(store, seg.name, external_node_path_default().join(tmp, seg.name));
            const times = commitTimesFromWaldump(await waldump(binDir, tmp, seg.name));
            await external_node_fs_.promises.rm(external_node_path_default().join(tmp, seg.name), { force: true });
            if (times.length)
                return times.reduce((a, b) => (b > a ? b : a));
        }
        return undefined;
    }
    catch (e) {
        log/* log */.Rm.warn(`could not read the newest archived commit time (${e.message}); the target is checked against archive times only`);
        return undefined;
    }
    finally {
        await external_node_fs_.promises.rm(tmp, { recursive: true, force: true });
    }
}

;// CONCATENATED MODULE: ./src/restore/plan-from-repo.ts
// Reading what the planner needs from a repository (catalog, WAL listing, timeline histories,
// the newest archived commit for time targets, whether pg_combinebackup is installed for an
// incremental chain) and planning. Reads only; writes nothing.














/** Input target → planner target; a bad time or LSN fails here, before any I/O. */
function toPlanTarget(t) {
    switch (t.kind) {
        case 'time':
            return { kind: 'time', time: parseTargetTime(t.time) };
        case 'lsn':
            return { kind: 'lsn', lsn: (0,segment/* parseLsn */.l2)(t.lsn) };
        default:
            return t;
    }
}
async function readHistory(store, key) {
    const out = new external_node_stream_.PassThrough();
    const decrypt = (0,age/* decryptStages */.Nm)(key);
    const done = (0,promises_.pipeline)(await store.get(key), ...decrypt, (0,streams/* zstdDecompress */.v3)(), out);
    const [buf] = await Promise.all([(0,streams/* streamToBuffer */.GV)(out), done]);
    return (0,segment/* parseHistoryFile */.ux)(buf.toString('utf8'));
}
async function loadHistories(store, wal) {
    const m = new Map();
    for (const h of wal.histories)
        m.set(h.timeline, await readHistory(store, h.key));
    return m;
}
/** Say in the plan which timeline is followed and why, and which others exist but are not followed. */
function withTimelineChoice(plan, choice, wal, histories) {
    const onPath = new Set(plan.timelinePath.map((s) => s.timeline));
    const others = [...new Set(wal.segments.map((s) => s.timeline).concat(wal.histories.map((h) => h.timeline)))].filter((t) => !onPath.has(t)).sort((a, b) => a - b);
    const notes = others.map((t) => {
        const fork = histories.get(t)?.at(-1);
        return `Note: timeline ${t}${fork ? ` (forked from ${fork.timeline} at ${(0,segment/* formatLsn */.rI)(fork.switchLsn)})` : ''} is in the repository and not followed; --timeline ${t} restores it.`;
    });
    const line = `Timeline: ${choice.timeline}, ${choice.request === 'current' ? 'current: ' : ''}${choice.why}`;
    const at = plan.lines.findIndex((l) => l.startsWith('Target:'));
    const lines = [...plan.lines];
    lines.splice(at + 1, 0, line);
    return { ...plan, timelineChoice: choice, lines: [...lines, ...notes] };
}
async function planFromRepository(store, o) {
    const target = toPlanTarget(o.target);
    const [catalog, wal] = await Promise.all([(0,repo_catalog.loadCatalog)(store), loadWalCatalog(store)]);
    const [histories, record] = await Promise.all([loadHistories(store, wal), readCurrentTimeline(store)]);
    const choice = chooseTimeline({ backups: catalog.backups, wal, record, request: o.timeline });
    const input = {
        backups: catalog.backups,
        wal,
        histories,
        target,
        targetTimeline: choice.timeline,
        backupId: o.backup && o.backup !== 'latest' ? o.backup : undefined,
        nowMicros: msToMicros(Date.now()),
    };
    let plan = planRestore(input);
    // An incremental chain needs pg_combinebackup: say in the plan whether it is there.
    if (plan.chain.length > 1) {
        input.combineTool = findCombineTool(o.pgBinDir, Math.floor(plan.backup.pgVersionNum / 10000));
        plan = planRestore(input);
    }
    const done = (p) => withTimelineChoice(p, choice, wal, histories);
    if (target.kind !== 'time')
        return done(plan);
    // A time target needs an archived commit after it: read the newest one and plan again.
    let binDir;
    try {
        binDir = (0,pg_tools.resolveBinDir)(o.pgBinDir, Math.floor(plan.backup.pgVersionNum / 10000));
    }
    catch {
        return done(plan);
    }
    const last = await newestArchivedCommit(store, binDir, plan.wal.segments);
    return done(last === undefined ? plan : planRestore({ ...input, lastArchivedCommitMicros: last }));
}

;// CONCATENATED MODULE: ./src/report/freshness.ts
const hours = (iso, now) => (now.getTime() - new Date(iso).getTime()) / 3_600_000;
const round = (n) => Math.round(n * 100) / 100;
function ref(m, now) {
    return { id: m.id, type: m.type, stopTime: m.stopTime, bytes: m.bytes, ageHours: round(hours(m.stopTime, now)) };
}
function computeStatus(cat, wal, opts) {
    const { now, maxAgeHours } = opts;
    const maxWalAgeHours = opts.maxWalAgeHours ?? maxAgeHours;
    const b = cat.backups;
    const byStop = [...b].sort((x, y) => (x.stopTime < y.stopTime ? -1 : x.stopTime > y.stopTime ? 1 : 0));
    const fulls = byStop.filter((m) => m.type === 'full');
    const physical = byStop.filter((m) => m.type !== 'logical');
    const logicals = byStop.filter((m) => m.type === 'logical');
    const newestFull = fulls.at(-1);
    const newestLogical = logicals.at(-1);
    // Newest segment of the highest timeline (segments are sorted by timeline, then number).
    const seg = wal.segments.at(-1);
    const newestWal = seg
        ? { name: seg.name, archivedAt: seg.archivedAt, ageHours: seg.archivedAt ? round(hours(seg.archivedAt, now)) : undefined }
        : undefined;
    const window = {};
    if (byStop.length) {
        window.oldest = byStop[0].stopTime;
        window.newest = byStop.at(-1).stopTime;
        const firstFull = fulls[0];
        if (firstFull && seg?.archivedAt && (!firstFull.stopWal || seg.name >= firstFull.stopWal) && seg.archivedAt > window.newest)
            window.newest = seg.archivedAt;
    }
    const problems = [];
    const notes = [];
    if (!b.length)
        problems.push('The repository holds no backup at all.');
    // Logical-only setups have no full backups and no WAL: their freshness is the newest dump.
    const base = newestFull ?? (physical.length ? undefined : newestLogical);
    if (base && hours(base.stopTime, now) > maxAgeHours)
        problems.push(`The newest ${base.type} backup ${base.id} finished ${round(hours(base.stopTime, now))} h ago, more than the allowed ${maxAgeHours} h.`);
    if (physical.length && !newestFull)
        problems.push('There is no full backup to restore a cluster from.');
    if (newestFull) {
        if (!seg)
            problems.push('No WAL has been archived: point-in-time recovery is impossible.');
        else if (newestWal?.ageHours === undefined)
            notes.push('The repository does not report when WAL was archived; WAL age unknown.');
        else if (newestWal.ageHours > maxWalAgeHours)
            problems.push(`The newest archived WAL ${seg.name} is ${newestWal.ageHours} h old, more than the allowed ${maxWalAgeHours} h: is archive_command failing?`);
    }
    if (cat.incomplete.length)
        notes.push(`${cat.incomplete.length} incomplete backup(s) without manifest: ${cat.incomplete.slice(-3).join(', ')}.`);
    return {
        now: now.toISOString(),
        backups: {
            count: b.length,
            logical: logicals.length,
            full: fulls.length,
            incr: b.filter((m) => m.type === 'incr').length,
            bytes: b.reduce((s, m) => s + m.bytes, 0),
            incomplete: cat.incomplete.length,
        },
        window,
        newestFull: newestFull && ref(newestFull, now),
        newestLogical: newestLogical && ref(newestLogical, now),
        newestWal,
        walSegments: wal.segments.length,
        maxAgeHours,
        maxWalAgeHours,
        stale: problems.length > 0,
        problems,
        notes,
    };
}

;// CONCATENATED MODULE: ./src/storage/copy-lag.ts

/** Every copy's listing of `prefix` (an Error for a copy that could not be listed) and their union. */
async function listPerCopy(store, prefix) {
    const copies = store instanceof mirror_store/* MirrorStore */.$ ? store.copies : [store];
    const settled = await Promise.allSettled(copies.map((c) => c.list(prefix)));
    const perCopy = settled.map((s) => (s.status === 'fulfilled' ? s.value : s.reason));
    const ok = perCopy.filter((x) => !(x instanceof Error));
    if (!ok.length)
        throw perCopy[0];
    const byKey = new Map();
    for (const l of ok)
        for (const o of l)
            if (!byKey.has(o.key))
                byKey.set(o.key, o);
    const union = [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return { union, perCopy, copies };
}
/** Keys of `union` a copy's listing lacks, in key order. */
function missingKeys(union, mine) {
    const have = new Set(mine.map((o) => o.key));
    return union.filter((o) => !have.has(o.key));
}
/** Lag of every copy, from listings of wal/ and backups/ (see listPerCopy). */
function computeCopyLag(wal, backups) {
    return wal.copies.map((c, i) => {
        const w = wal.perCopy[i];
        const b = backups.perCopy[i];
        if (w instanceof Error || b instanceof Error) {
            const e = (w instanceof Error ? w : b);
            return { copy: c.description, reachable: false, error: e.message, walMissing: 0, backupObjectsMissing: 0 };
        }
        // Temp files of a running push are never listed (stores hide them), so this is real lag.
        const walMissing = missingKeys(wal.union, w);
        const oldest = walMissing[0];
        return {
            copy: c.description,
            reachable: true,
            walMissing: walMissing.length,
            ...(oldest ? { oldestMissingWal: walFileName(oldest.key), ...(oldest.modified ? { oldestMissingSince: oldest.modified } : {}) } : {}),
            backupObjectsMissing: missingKeys(backups.union, b).length,
        };
    });
}
/** wal/<tli>/<name>.zst[.age] → <name> */
function walFileName(key) {
    return key.slice(key.lastIndexOf('/') + 1).replace(/\.zst(\.age)?$/, '');
}
/** One sentence per lagging or unreachable copy (status notes, job summary, alert). */
function describeCopyLag(lag) {
    if (lag.length < 2)
        return [];
    return lag
        .filter((l) => !l.reachable || l.walMissing || l.backupObjectsMissing)
        .map((l) => !l.reachable
        ? `Copy ${l.copy} could not be listed (${l.error}); its lag is unknown.`
        : `Copy ${l.copy} lags: ${l.walMissing} WAL file(s) missing${l.oldestMissingWal ? ` (oldest ${l.oldestMissingWal}${l.oldestMissingSince ? `, stored elsewhere ${l.oldestMissingSince}` : ''})` : ''}${l.backupObjectsMissing ? `, ${l.backupObjectsMissing} backup object(s) missing` : ''}; run pgkeep verify --repair to fill it in.`);
}

;// CONCATENATED MODULE: ./src/report/slot-status.ts




function slotsStatus(report, wal, now, segSize) {
    const replicationSlots = report.slots.map((s) => {
        if (!s.restartLsn)
            return s;
        const segno = (0,segment/* segnoForLsn */.ty)((0,segment/* parseLsn */.l2)(s.restartLsn), segSize);
        // Highest timeline first: the segment the slot's position is on now.
        const seg = [...wal.segments].reverse().find((w) => (w.segno === segno || w.segno === segno - 1n) && w.archivedAt);
        if (!seg?.archivedAt)
            return s;
        return { ...s, oldestRetainedArchivedAt: seg.archivedAt, oldestRetainedAgeHours: Math.round(((now.getTime() - new Date(seg.archivedAt).getTime()) / 3_600_000) * 100) / 100 };
    });
    const notes = [];
    const ours = replicationSlots.find((s) => s.name === wal_pull.DEFAULT_SLOT);
    if (ours && report.maxSlotWalKeepSizeBytes < 0)
        notes.push((0,replication_slot/* unboundedSlotWarning */.jF)(wal_pull.DEFAULT_SLOT));
    if (ours && !ours.active && (ours.retainedBytes ?? 0) > 0)
        notes.push(`Replication slot "${wal_pull.DEFAULT_SLOT}" is not in use and keeps ${(0,log/* formatBytes */.z3)(ours.retainedBytes ?? 0)} of WAL on the server; if WAL is archived by archive_command, drop it with pgkeep slot drop.`);
    return { replicationSlots, maxSlotWalKeepSizeBytes: report.maxSlotWalKeepSizeBytes, notes };
}

;// CONCATENATED MODULE: ./src/commands/status.ts













const DEFAULT_MAX_AGE_HOURS = 26;
async function runStatus(cfg, opts = {}) {
    const store = (0,open_store/* openStore */.C)(cfg);
    // Mirrors: each copy is listed on its own (the union is what the repository holds), so a copy
    // that lags (down while WAL was pushed with PGKEEP_WAL_REQUIRED_COPIES) shows how far.
    const mirror = store instanceof mirror_store/* MirrorStore */.$ && store.copies.length > 1;
    const [cat, walListing, backupListing] = await Promise.all([
        (0,repo_catalog.loadCatalog)(store),
        mirror ? listPerCopy(store, layout/* WAL_PREFIX */.iW) : store.list(layout/* WAL_PREFIX */.iW).then((union) => ({ union, perCopy: [union], copies: [store] })),
        mirror ? listPerCopy(store, layout/* BACKUPS_PREFIX */.d6) : undefined,
    ]);
    const wal = walCatalogFromKeys(walListing.union);
    const base = computeStatus(cat, wal, {
        now: opts.now ?? new Date(),
        maxAgeHours: opts.maxAgeHours ?? DEFAULT_MAX_AGE_HOURS,
        maxWalAgeHours: opts.maxWalAgeHours,
    });
    const copies = backupListing ? computeCopyLag(walListing, backupListing) : undefined;
    // The lag rides in the notes too: the job summary and the CLI text show every note.
    const status = copies ? { ...base, copies, notes: [...base.notes, ...describeCopyLag(copies)] } : base;
    if (!opts.timelines)
        return opts.slots ? withSlots(cfg, status, wal) : status;
    const t = await repoTimelines(store, cat.backups, wal);
    const all = { ...status, timelines: t.timelines, currentTimeline: t.current };
    return opts.slots ? withSlots(cfg, all, wal) : all;
}
/** The server's replication slots beside the repository's facts; an unreachable server is a note, not a failure. */
async function withSlots(cfg, s, wal) {
    try {
        const r = slotsStatus(await (0,replication_slot/* readSlots */.wI)(cfg.pgEnv), wal, new Date(s.now));
        return { ...s, replicationSlots: r.replicationSlots, maxSlotWalKeepSizeBytes: r.maxSlotWalKeepSizeBytes, notes: [...s.notes, ...r.notes] };
    }
    catch (e) {
        return { ...s, notes: [...s.notes, `Replication slots not read (${(0,util_errors/* describeError */.Uc)(e)}).`] };
    }
}
/** The repository's timelines (list and status): each with its fork point, and the current one. */
async function repoTimelines(store, backups, wal) {
    const [histories, record] = await Promise.all([loadHistories(store, wal), readCurrentTimeline(store)]);
    const current = currentTimeline(backups, wal, record);
    return { timelines: describeTimelines({ backups, wal, histories, current: current.timeline }), current };
}

;// CONCATENATED MODULE: ./src/commands/backup.ts



async function runBackup(cfg, opts) {
    if (opts.type === 'logical')
        return logicalBackup(cfg, opts);
    const r = await physicalBackup(cfg, opts);
    // An incr run on 15/16 stores no backup: what it records is the recovery window it keeps open.
    if (r.wal)
        r.window = (await runStatus(cfg)).window;
    return r;
}

;// CONCATENATED MODULE: ./src/util/name-list.ts
// Lists of database names on the command line and in action inputs. Names may hold anything
// PostgreSQL allows in a quoted identifier (quotes, spaces, newlines, non-ASCII letters), and
// commas too: a backslash makes the next character literal (`a\,b` is the one name "a,b",
// `\\` a backslash, `\ ` a space kept at an end). Unescaped whitespace around an item is
// trimmed so `core, keycloak` works.

/**
 * Split `text` on `separators` (default `,`; the action input also takes newlines).
 * A trailing lone backslash is refused rather than guessed at.
 */
function parseNameList(text, what, separators = ',') {
    const items = [];
    // Per item: its characters and whether each was escaped (escaped whitespace is never trimmed).
    let cur = [];
    const flush = () => {
        let a = 0;
        let b = cur.length;
        while (a < b && !cur[a].esc && /\s/.test(cur[a].ch))
            a++;
        while (b > a && !cur[b - 1].esc && /\s/.test(cur[b - 1].ch))
            b--;
        const name = cur.slice(a, b).map((c) => c.ch).join('');
        if (name)
            items.push(name);
        cur = [];
    };
    const chars = [...text];
    for (let i = 0; i < chars.length; i++) {
        const ch = chars[i];
        if (ch === '\\') {
            if (i + 1 >= chars.length)
                throw new util_errors/* PgkeepError */.$Z('bad-usage', `${what} ends with a lone backslash: ${JSON.stringify(text)}.`, 'A backslash makes the next character part of the name: write a\\,b for a database named "a,b" and \\\\ for a backslash.');
            cur.push({ ch: chars[++i], esc: true });
        }
        else if (separators.includes(ch))
            flush();
        else
            cur.push({ ch, esc: false });
    }
    flush();
    return items;
}
/** The inverse of parseNameList: names written so that it reads them back (for hints that show a command line). */
function formatNameList(names) {
    return names
        .map((n) => {
        const chars = [...n];
        // Commas and backslashes always; whitespace at either end, which parseNameList would trim.
        return chars.map((ch, i) => (ch === ',' || ch === '\\' || (/\s/.test(ch) && (i === 0 || i === chars.length - 1)) ? `\\${ch}` : ch)).join('');
    })
        .join(',');
}

;// CONCATENATED MODULE: ./src/cli/commands/backup.ts





const TYPES = ['logical', 'full', 'incr'];
/** incr on 15/16: no backup object; what was proven, and the window it keeps. */
function incrWalText(r) {
    const w = r.wal;
    return [
        w.source === 'archive'
            ? `incr (${r.durationSeconds.toFixed(1)} s): archiving is fresh: every WAL up to ${w.upTo} is in the repository (through ${w.archivedThrough}${w.archiver?.lastArchivedTime ? `, last archived ${w.archiver.lastArchivedTime}` : ''}); no replication slot used.`
            : `incr (${r.durationSeconds.toFixed(1)} s): ${w.pulled} WAL file(s) pulled over the pgkeep slot; every WAL up to ${w.upTo} is in the repository${w.slotRetainedBytes !== undefined ? `; the slot retains ${(0,log/* formatBytes */.z3)(w.slotRetainedBytes)} on the server` : ''}.`,
        r.window?.newest ? `Recovery window: ${r.window.oldest} → ${r.window.newest}` : 'Recovery window: none yet (no full backup).',
        ...w.warnings.map((m) => `Warning: ${m}`),
    ].join('\n');
}
const backupCommand = {
    synopsis: '[--type logical|full|incr] [--databases a,b,c] [--checkpoint fast|spread] [--wal-source archive|slot] [--json]',
    help: 'logical: pg_dumpall --globals-only + pg_dump of each database (--databases: comma-separated; a backslash makes the next character part of the name, e.g. a\\,b for "a,b"). full: base backup of the cluster (BASE_BACKUP, tablespaces included). incr: incremental (PG 17+); on 15/16 it checks that archive_command stored every WAL up to now (no replication slot), or with --wal-source slot (PGKEEP_WAL_SOURCE=slot) pulls it over the pgkeep slot.',
    options: {
        type: { type: 'string' },
        databases: { type: 'string' },
        checkpoint: { type: 'string' },
        compress: { type: 'string' },
        parallel: { type: 'string' },
        'wal-source': { type: 'string' },
    },
    async run({ cfg, flags }) {
        const type = (str(flags, 'type') ?? 'logical');
        if (!TYPES.includes(type))
            throw new util_errors/* PgkeepError */.$Z('bad-usage', `--type="${type}" is not valid: expected logical, full or incr.`);
        const dbs = str(flags, 'databases');
        const databases = dbs !== undefined ? parseNameList(dbs, '--databases') : undefined;
        if (dbs !== undefined && !databases?.length)
            throw new util_errors/* PgkeepError */.$Z('bad-usage', '--databases is empty: expected a comma-separated list such as core,keycloak.', 'A database whose name holds a comma is written with a backslash: a\\,b.');
        const cp = str(flags, 'checkpoint');
        if (cp !== undefined && cp !== 'fast' && cp !== 'spread')
            throw new util_errors/* PgkeepError */.$Z('bad-usage', `--checkpoint="${cp}" is not valid: expected fast or spread.`);
        const r = await runBackup(cfg, { type, databases, checkpoint: cp });
        const ratio = r.bytes > 0 ? (r.rawBytes / r.bytes).toFixed(1) : '-';
        if (r.wal)
            return { json: r, text: incrWalText(r) };
        const text = [
            `Backup ${r.id} (${r.type}) complete in ${r.durationSeconds.toFixed(1)} s: ${(0,log/* formatBytes */.z3)(r.rawBytes)} raw, ${(0,log/* formatBytes */.z3)(r.bytes)} stored (${ratio}x).`,
            ...r.objects.map((o) => `  ${o.name.padEnd(32)} ${(0,log/* formatBytes */.z3)(o.rawBytes).padStart(10)} → ${(0,log/* formatBytes */.z3)(o.bytes).padStart(10)}`),
        ].join('\n');
        return { json: r, text };
    },
};

;// CONCATENATED MODULE: ./src/commands/list.ts




function toListEntry(m) {
    const e = {
        id: m.id,
        type: m.type,
        startTime: m.startTime,
        stopTime: m.stopTime,
        bytes: m.bytes,
        rawBytes: m.rawBytes,
        pgVersion: m.pgVersion,
    };
    if (m.databases)
        e.databases = m.databases;
    if (m.timeline !== undefined)
        e.timeline = m.timeline;
    if (m.startLsn)
        e.startLsn = m.startLsn;
    if (m.stopLsn)
        e.stopLsn = m.stopLsn;
    if (m.parent)
        e.parent = m.parent;
    return e;
}
async function listBackups(cfg, opts = {}) {
    const store = (0,open_store/* openStore */.C)(cfg);
    const cat = await (0,repo_catalog.loadCatalog)(store);
    const result = { backups: cat.backups.map(toListEntry), incomplete: cat.incomplete, broken: cat.broken ?? [] };
    if (!opts.timelines)
        return result;
    const t = await repoTimelines(store, cat.backups, await loadWalCatalog(store));
    return { ...result, timelines: t.timelines, currentTimeline: t.current };
}

;// CONCATENATED MODULE: ./src/cli/commands/list.ts



function formatListTable(backups) {
    const rows = backups.map((b) => {
        const secs = (Date.parse(b.stopTime) - Date.parse(b.startTime)) / 1000;
        const what = b.type === 'logical' ? (b.databases ?? []).join(',') : b.startLsn ? `tl ${b.timeline ?? '?'} ${b.startLsn}–${b.stopLsn ?? '?'}${b.parent ? `, on ${b.parent}` : ''}` : '';
        return [b.id, b.type, b.startTime.replace(/\.\d+Z$/, 'Z'), (0,log/* formatDuration */.a3)(Number.isFinite(secs) ? secs : 0), (0,log/* formatBytes */.z3)(b.bytes), `PG ${b.pgVersion}`, what];
    });
    const head = ['ID', 'TYPE', 'STARTED', 'DURATION', 'STORED', 'VERSION', 'CONTENTS'];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    return [head, ...rows].map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd()).join('\n');
}
const listCommand = {
    synopsis: '[--json]',
    help: 'Complete backups in the repository, oldest first. --json prints an array of {id, type, startTime, stopTime, bytes, rawBytes, databases?, timeline?, startLsn?, stopLsn?, parent? (incremental: the backup it builds on), pgVersion}.',
    options: {},
    async run({ cfg, flags }) {
        // Timelines only in the text listing: --json stays the contract array of backups (status --json has them).
        const { backups, incomplete, broken, timelines, currentTimeline } = await listBackups(cfg, { timelines: flags.json !== true });
        const lines = [];
        if (!backups.length)
            lines.push(`No backups in ${cfg.repos.map((r) => r.url).join(', ')} yet. Take one with: pgkeep backup --type logical`);
        else
            lines.push(formatListTable(backups), '', `${backups.length} backup(s), ${(0,log/* formatBytes */.z3)(backups.reduce((s, b) => s + b.bytes, 0))} stored.`);
        if (timelines?.length)
            lines.push('', 'Timelines:', ...timelineLines(timelines, currentTimeline?.why));
        if (incomplete.length)
            lines.push(`Incomplete (no manifest: killed, failed or still running; not restorable): ${incomplete.join(', ')}`);
        // --json keeps the contract array of usable backups; the broken ones are named on stderr (warnings) and here.
        for (const b of broken)
            lines.push(`BROKEN ${b.id} (not restorable): ${b.error}`);
        return { json: backups, text: lines.join('\n') };
    },
};

;// CONCATENATED MODULE: ./src/restore/sql-script.ts
// Split SQL written by pg_dump, pg_dumpall and pg_restore into whole statements and tokens, so
// that pgkeep can run their statements one by one and rewrite a name at a known place. Names and
// literals may hold quotes, newlines and semicolons: they are read as the server reads them
// (quoted identifiers with "", standard-conforming strings with '', E'' strings, dollar quotes,
// comments), never line by line. psql meta-commands (\connect, \restrict) are set apart.

const WORD_START = /[A-Za-z_\u0080-\uffff]/;
const WORD_PART = /[A-Za-z0-9_$\u0080-\uffff]/;
/** Split a script into statements. An unterminated quote, comment or statement is an error. */
function splitSqlScript(sql) {
    const statements = [];
    const meta = [];
    let tokens = [];
    let i = 0;
    const n = sql.length;
    const fail = (what) => {
        throw new util_errors/* PgkeepError */.$Z('bad-sql-script', `The SQL from the backup has ${what} at offset ${i}; pgkeep does not run a statement it cannot read whole.`);
    };
    const endOf = (close, from, what) => {
        const j = sql.indexOf(close, from);
        if (j < 0)
            fail(what);
        return j;
    };
    while (i < n) {
        const ch = sql[i];
        if (/\s/.test(ch)) {
            i++;
        }
        else if (ch === '-' && sql[i + 1] === '-') {
            const j = sql.indexOf('\n', i);
            i = j < 0 ? n : j + 1;
        }
        else if (ch === '/' && sql[i + 1] === '*') {
            // Comments nest in PostgreSQL.
            let depth = 1;
            let j = i + 2;
            while (depth > 0) {
                if (j >= n)
                    fail('an unterminated comment');
                if (sql.startsWith('/*', j))
                    (depth++, (j += 2));
                else if (sql.startsWith('*/', j))
                    (depth--, (j += 2));
                else
                    j++;
            }
            i = j;
        }
        else if (ch === '\\' && tokens.length === 0) {
            // psql meta-commands only ever start a line between statements in dump output.
            const j = sql.indexOf('\n', i);
            meta.push(sql.slice(i, j < 0 ? n : j));
            i = j < 0 ? n : j + 1;
        }
        else if (ch === ';') {
            if (tokens.length) {
                const at = tokens[0].at;
                const text = sql.slice(at, i + 1);
                statements.push({
                    text,
                    tokens: tokens.map((t) => ({ kind: t.kind, raw: t.raw, value: t.value, start: t.at - at, end: t.at - at + t.raw.length })),
                });
            }
            tokens = [];
            i++;
        }
        else if (ch === "'" || ((ch === 'E' || ch === 'e') && sql[i + 1] === "'" && !prevIsWordChar(sql, i))) {
            const escapes = ch !== "'";
            let j = i + (escapes ? 2 : 1);
            let value = '';
            for (;;) {
                if (j >= n)
                    fail('an unterminated string literal');
                const c = sql[j];
                if (escapes && c === '\\') {
                    value += sql[j + 1] ?? '';
                    j += 2;
                }
                else if (c === "'") {
                    if (sql[j + 1] === "'")
                        (value += "'"), (j += 2);
                    else
                        break;
                }
                else
                    (value += c), j++;
            }
            tokens.push({ kind: 'string', raw: sql.slice(i, j + 1), value, at: i });
            i = j + 1;
        }
        else if (ch === '"') {
            let j = i + 1;
            let value = '';
            for (;;) {
                if (j >= n)
                    fail('an unterminated quoted identifier');
                if (sql[j] === '"') {
                    if (sql[j + 1] === '"')
                        (value += '"'), (j += 2);
                    else
                        break;
                }
                else
                    (value += sql[j]), j++;
            }
            if (!value)
                fail('an empty quoted identifier');
            tokens.push({ kind: 'ident', raw: sql.slice(i, j + 1), value, at: i });
            i = j + 1;
        }
        else if (ch === '$' && /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.test(sql.slice(i, i + 66))) {
            const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i, i + 66))[0];
            const j = endOf(tag, i + tag.length, 'an unterminated dollar-quoted string');
            tokens.push({ kind: 'string', raw: sql.slice(i, j + tag.length), value: sql.slice(i + tag.length, j), at: i });
            i = j + tag.length;
        }
        else if (WORD_START.test(ch)) {
            let j = i + 1;
            while (j < n && WORD_PART.test(sql[j]))
                j++;
            tokens.push({ kind: 'word', raw: sql.slice(i, j), value: sql.slice(i, j), at: i });
            i = j;
        }
        else if (/[0-9]/.test(ch)) {
            const m = /^[0-9]+(\.[0-9]*)?([eE][+-]?[0-9]+)?/.exec(sql.slice(i, i + 64));
            tokens.push({ kind: 'number', raw: m[0], value: m[0], at: i });
            i += m[0].length;
        }
        else {
            tokens.push({ kind: 'op', raw: ch, value: ch, at: i });
            i++;
        }
    }
    if (tokens.length)
        fail('a statement without its terminating semicolon');
    return { statements, meta };
}
function prevIsWordChar(sql, i) {
    return i > 0 && WORD_PART.test(sql[i - 1]);
}
/** Is token `t` the keyword `kw` (case-insensitive)? */
function isKeyword(t, kw) {
    return t?.kind === 'word' && t.value.toUpperCase() === kw;
}
/** Does the statement start with these keywords? */
function startsWith(s, ...kws) {
    return kws.every((k, i) => isKeyword(s.tokens[i], k));
}
/** A name as the server reads it: bare words have their ASCII letters folded to lower case. */
function nameOf(t) {
    if (t?.kind === 'ident')
        return t.value;
    if (t?.kind === 'word')
        return t.value.replace(/[A-Z]/g, (c) => c.toLowerCase());
    return undefined;
}
/** The statement with token `t` replaced by `replacement`. */
function replaceToken(s, t, replacement) {
    return s.text.slice(0, t.start) + replacement + s.text.slice(t.end);
}

;// CONCATENATED MODULE: ./src/restore/database-properties.ts
// What belongs to a database itself rather than to its schema: encoding and locale, owner,
// comment, database-level grants, connection limit, template flag, ALTER DATABASE … SET and
// ALTER ROLE … IN DATABASE … SET. pg_dump -Fc stores all of it in every archive (the DATABASE,
// DATABASE PROPERTIES and COMMENT/ACL/SECURITY LABEL "DATABASE …" entries), for the original name;
// pg_restore emits it only with --create, which would create the original name. So pgkeep asks
// pg_restore for those entries alone and rewrites the database name in each statement at the
// place the statement's grammar puts it — never by searching text — for the target name.
// Every archive pg_dump 11+ wrote has these entries: backups taken before pgkeep used them
// restore the same way.








/** `pg_restore -l` lines of the entries that belong to the database itself. */
const DATABASE_ENTRY = /^\d+; \d+ \d+ (DATABASE |DATABASE PROPERTIES |(ACL|COMMENT|SECURITY LABEL) - DATABASE )/;
/** Select the database's own entries from a `pg_restore -C -l` listing. */
function databaseEntryList(listing) {
    return listing
        .split('\n')
        .filter((l) => DATABASE_ENTRY.test(l))
        .map((l) => l + '\n')
        .join('');
}
/**
 * Decode pg_restore's SQL: it is in the archive's encoding (its `SET client_encoding`). Server
 * encodings keep ASCII bytes ASCII, so the setting itself can be read before decoding.
 */
function decodeDumpSql(buf) {
    const enc = /^SET client_encoding = '([A-Za-z0-9_]+)';$/m.exec(buf.toString('latin1'))?.[1]?.toUpperCase() ?? 'UTF8';
    const label = { UTF8: 'utf-8', SQL_ASCII: 'utf-8', LATIN1: 'latin1' }[enc];
    try {
        if (label === 'latin1')
            return buf.toString('latin1');
        if (label)
            return new TextDecoder(label, { fatal: true }).decode(buf);
    }
    catch {
        // falls through to the error below
    }
    throw new util_errors/* PgkeepError */.$Z('unsupported-encoding', `The backup's database-level properties are written in encoding ${enc}, which pgkeep cannot rewrite for the target name.`, 'Restore with pg_restore --create by hand (docs: README, logical restore), or report the encoding.');
}
const DB_ALTER_ACTIONS = ['OWNER', 'SET', 'RESET', 'CONNECTION', 'IS_TEMPLATE', 'ALLOW_CONNECTIONS', 'WITH', 'REFRESH'];
/**
 * Where the database's name stands in one of its own statements; 'skip' for pg_restore's session
 * setup, 'keep' for the grantor switch around a grant, undefined for a statement not known here.
 */
function databaseNameToken(s) {
    const t = s.tokens;
    if (startsWith(s, 'SET', 'SESSION', 'AUTHORIZATION') || startsWith(s, 'RESET', 'SESSION', 'AUTHORIZATION'))
        return 'keep';
    if (startsWith(s, 'SET') || (startsWith(s, 'SELECT', 'PG_CATALOG') && t[2]?.value === '.' && isKeyword(t[3], 'SET_CONFIG'))) {
        if (isKeyword(t[1], 'STANDARD_CONFORMING_STRINGS') && !['on', "'on'"].includes(t[3]?.raw.toLowerCase() ?? ''))
            throw new util_errors/* PgkeepError */.$Z('bad-sql-script', 'The backup writes strings with standard_conforming_strings off; pgkeep reads them only with it on.');
        return 'skip';
    }
    if (startsWith(s, 'CREATE', 'DATABASE'))
        return t[2];
    if (startsWith(s, 'ALTER', 'DATABASE') && DB_ALTER_ACTIONS.some((a) => isKeyword(t[3], a)))
        return t[2];
    if (startsWith(s, 'ALTER', 'ROLE') && isKeyword(t[3], 'IN') && isKeyword(t[4], 'DATABASE'))
        return t[5];
    if (startsWith(s, 'COMMENT', 'ON', 'DATABASE'))
        return t[3];
    if (startsWith(s, 'GRANT') || startsWith(s, 'REVOKE') || startsWith(s, 'SECURITY', 'LABEL')) {
        // Privilege lists are keywords; the first ON starts the object.
        const on = t.findIndex((x) => isKeyword(x, 'ON'));
        if (on > 0 && isKeyword(t[on + 1], 'DATABASE'))
            return t[on + 2];
    }
    return undefined;
}
/**
 * The database's own statements from pg_restore's SQL, rewritten for `into`. Undefined when the
 * archive has no DATABASE entry (nothing to bring back beyond schema and data).
 */
function databasePropertiesFor(sql, into) {
    const { statements } = splitSqlScript(sql);
    const create = statements.find((s) => startsWith(s, 'CREATE', 'DATABASE'));
    if (!create)
        return undefined;
    const source = nameOf(create.tokens[2]);
    if (source === undefined)
        throw new util_errors/* PgkeepError */.$Z('bad-sql-script', `The backup's CREATE DATABASE names no database: ${create.tokens.slice(0, 4).map((t) => t.raw).join(' ')}.`);
    const target = (0,postgres_client.ident)(into);
    let props;
    const after = [];
    for (const s of statements) {
        const at = databaseNameToken(s);
        if (at === 'skip')
            continue;
        if (at === 'keep') {
            after.push(s.text);
            continue;
        }
        const head = s.tokens.slice(0, 4).map((t) => (t.kind === 'word' ? t.raw : t.kind)).join(' ');
        if (!at)
            throw new util_errors/* PgkeepError */.$Z('unexpected-dump-entry', `The backup's database-level entries hold a statement pgkeep does not know how to apply to another database name (${head} …).`, 'Nothing was restored. Report it with the pgkeep and PostgreSQL versions; meanwhile pg_restore --create restores it under its original name on a scratch server.');
        if (nameOf(at) !== source)
            throw new util_errors/* PgkeepError */.$Z('unexpected-dump-entry', `The backup's database-level entry ${head} … names another database than "${source}".`, 'Nothing was restored.');
        const text = replaceToken(s, at, target);
        if (s === create) {
            const t = s.tokens;
            const ts = t.findIndex((x, i) => i > 2 && isKeyword(x, 'TABLESPACE') && t[i + 1]?.value === '=' && nameOf(t[i + 2]) !== undefined);
            // The clause stands after the name, so the name's offsets hold in the shortened text.
            const without = ts > 0 ? replaceToken({ text: s.text.slice(0, t[ts].start).trimEnd() + s.text.slice(t[ts + 2].end), tokens: t }, at, target) : text;
            props = { source, create: text, tablespace: ts > 0 ? nameOf(t[ts + 2]) : undefined, createWithoutTablespace: without };
        }
        else
            after.push(text);
    }
    return { ...props, statements: after };
}
/**
 * Ask pg_restore for the archive's database-level entries (two passes over the archive's head:
 * `-C -l` for the table of contents, then `-C -L` for those entries' SQL).
 */
async function readDatabaseProperties(binDir, openDump, into) {
    const listing = (await toolOutput(binDir, ['-C', '-l'], await openDump(), 'pg_restore --list of the dump')).toString('utf8');
    const wanted = databaseEntryList(listing);
    if (!wanted)
        return undefined;
    const dir = await external_node_fs_.promises.mkdtemp(external_node_path_default().join(external_node_os_default().tmpdir(), 'pgkeep-dbentries-'));
    try {
        const list = external_node_path_default().join(dir, 'entries.list');
        await external_node_fs_.promises.writeFile(list, wanted, { mode: 0o600 });
        const sql = await toolOutput(binDir, ['-C', '-L', list, '-f', '-'], await openDump(), "pg_restore of the dump's database entries");
        return databasePropertiesFor(decodeDumpSql(sql), into);
    }
    finally {
        await external_node_fs_.promises.rm(dir, { recursive: true, force: true });
    }
}
/** pg_restore reading `input` on stdin; it stops reading once it has what it needs (the TOC). */
async function toolOutput(binDir, args, input, what) {
    const run = (0,pg_tools.startTool)(binDir, 'pg_restore', args, { stdin: 'pipe', what });
    const chunks = [];
    run.stdout.on('data', (c) => chunks.push(c));
    // A reader that is done early closes its stdin: EPIPE here is not a failure; its exit code decides.
    const feed = (0,promises_.pipeline)(input, run.stdin).catch(() => input.destroy());
    await Promise.all([run.done, feed]);
    return Buffer.concat(chunks);
}

;// CONCATENATED MODULE: ./src/restore/globals-roles.ts
// Roles from a backup's globals.sql (pg_dumpall --globals-only): which roles it defines and the
// statements that recreate each one. A logical restore creates only the roles the server lacks
// and never alters an existing role. Statements may carry password hashes: never log them.
//
// The script is read statement by statement with a real SQL lexer, never line by line: a role
// name or comment may hold quotes, newlines and semicolons, and none of them may turn into a
// statement of its own. Each kept statement is exactly one statement of a known shape.

const isName = (s, i) => nameOf(s.tokens[i]) !== undefined;
/** `GRANT <role> TO <role> [WITH …] [GRANTED BY <role>]`, without GRANTED BY (the grantor may not exist). */
function membership(s) {
    const t = s.tokens;
    if (!startsWith(s, 'GRANT') || !isName(s, 1) || !isKeyword(t[2], 'TO') || !isName(s, 3))
        return undefined;
    let end = t.length;
    if (t.length >= 7 && isKeyword(t[t.length - 3], 'GRANTED') && isKeyword(t[t.length - 2], 'BY') && isName(s, t.length - 1))
        end = t.length - 3;
    // Between grantee and GRANTED BY only options: WITH ADMIN OPTION, WITH INHERIT TRUE, SET FALSE, …
    const options = t.slice(4, end);
    if (options.length && (!isKeyword(options[0], 'WITH') || options.some((o) => o.kind !== 'word' && o.value !== ',')))
        return undefined;
    const text = end < t.length ? s.text.slice(0, t[end].start).trimEnd() + ';' : s.text;
    return { grantee: nameOf(t[3]), text };
}
/** Parse the role part of pg_dumpall --globals-only output. */
function parseGlobalsRoles(sql) {
    const roles = new Map();
    for (const s of splitSqlScript(sql).statements) {
        const t = s.tokens;
        if (startsWith(s, 'CREATE', 'ROLE') && t.length === 3 && isName(s, 2)) {
            const name = nameOf(t[2]);
            if (!roles.has(name))
                roles.set(name, { name, statements: [s.text], bestEffort: [] });
        }
        else if (startsWith(s, 'ALTER', 'ROLE') && isName(s, 2) && isKeyword(t[3], 'IN') && isKeyword(t[4], 'DATABASE')) {
            roles.get(nameOf(t[2]))?.bestEffort.push(s.text);
        }
        else if (startsWith(s, 'ALTER', 'ROLE') && isName(s, 2) && ['WITH', 'SET', 'RESET'].some((k) => isKeyword(t[3], k))) {
            roles.get(nameOf(t[2]))?.statements.push(s.text);
        }
        else if (startsWith(s, 'COMMENT', 'ON', 'ROLE') && isName(s, 3) && isKeyword(t[4], 'IS') && t.length === 6 && t[5].kind === 'string') {
            roles.get(nameOf(t[3]))?.statements.push(s.text);
        }
        else {
            const m = membership(s);
            if (m)
                roles.get(m.grantee)?.bestEffort.push(m.text);
        }
    }
    return [...roles.values()];
}

// EXTERNAL MODULE: ./src/config/config.ts + 1 modules
var config = __webpack_require__(8745);
// EXTERNAL MODULE: ./src/util/zstd-frames.ts
var zstd_frames = __webpack_require__(5724);
// EXTERNAL MODULE: ./src/util/mkdirp.ts
var mkdirp = __webpack_require__(7927);
;// CONCATENATED MODULE: ./src/restore/tar-guard.ts
// A pass-through that reads every tar header on its way to `tar -x` and stops the stream before
// tar sees an entry that could write outside the extraction directory: absolute names, `..`
// components, symlinks or hard links whose target leaves the directory, entries reached through
// a symlink the archive itself made, device nodes and FIFOs. GNU tar strips a leading `/` and
// skips `..` members, but it extracts a symlink to /etc as asked; a backup is only ever a data
// directory written by the server (plain ustar), so refusing anything else costs nothing.
// Headers are read past end-of-archive zero blocks: extraction runs with --ignore-zeros.




/** Typeflags tar may extract: files, directories, links, and the GNU/pax headers that rename the next entry. */
const FILE_TYPES = new Set(['0', '\0', '7']);
const DIR = '5';
const SYMLINK = '2';
const HARDLINK = '1';
const GNU_LONG_NAME = 'L';
const GNU_LONG_LINK = 'K';
const PAX = 'x';
/** Metadata of a long name or pax header is buffered whole; anything larger is not a real path. */
const MAX_META = 1 << 20;
class TarGuard extends external_node_stream_.Transform {
    what;
    onBytes;
    header = Buffer.alloc(0);
    /** Bytes of the current entry's data (+ padding) still to pass before the next header. */
    skip = 0;
    /** A GNU long name/link or pax header being read: its body decides the next entry's names. */
    meta = null;
    nextName;
    nextLink;
    /** A pax `size` record overrides the header's size field for the next entry. */
    nextSize;
    /** Symlinks the archive made so far (normalised names): nothing may be written through them. */
    symlinks = new Set();
    /** `onBytes` counts what passes (progress, raw size): one stage fewer than a counting stream after it. */
    constructor(what, onBytes) {
        super({ highWaterMark: 1 << 20 });
        this.what = what;
        this.onBytes = onBytes;
    }
    _transform(chunk, _enc, cb) {
        try {
            this.scan(chunk);
        }
        catch (e) {
            // Nothing of this chunk goes on: tar never sees the refused header.
            cb(e);
            return;
        }
        this.onBytes?.(chunk.length);
        cb(null, chunk);
    }
    _flush(cb) {
        cb();
    }
    scan(chunk) {
        let off = 0;
        while (off < chunk.length) {
            if (this.meta) {
                const n = Math.min(this.meta.left, chunk.length - off);
                this.meta.parts.push(Buffer.from(chunk.subarray(off, off + n)));
                this.meta.left -= n;
                off += n;
                if (this.meta.left === 0) {
                    this.applyMeta(this.meta.type, Buffer.concat(this.meta.parts));
                    this.skip = this.meta.padding;
                    this.meta = null;
                }
                continue;
            }
            if (this.skip > 0) {
                const n = Math.min(this.skip, chunk.length - off);
                this.skip -= n;
                off += n;
                continue;
            }
            let h;
            if (this.header.length === 0 && chunk.length - off >= 512) {
                // The usual case: the whole header lies in this chunk; no copy.
                h = chunk.subarray(off, off + 512);
                off += 512;
            }
            else {
                const take = Math.min(512 - this.header.length, chunk.length - off);
                this.header = Buffer.concat([this.header, chunk.subarray(off, off + take)]);
                off += take;
                if (this.header.length < 512)
                    break;
                h = this.header;
                this.header = Buffer.alloc(0);
            }
            if (h.every((b) => b === 0))
                continue; // end-of-archive block; tar reads on (--ignore-zeros)
            this.entry(h);
        }
    }
    entry(h) {
        if (!checksumOk(h))
            throw this.refuse('a damaged tar header', 'it is not a valid tar header (bad checksum)');
        const type = String.fromCharCode(h[156]);
        let size = tarNumber(h.subarray(124, 136));
        if (type === GNU_LONG_NAME || type === GNU_LONG_LINK || type === PAX) {
            if (size > MAX_META)
                throw this.refuse('a tar metadata header', `it is ${size} bytes long`);
            this.meta = { type, left: size, parts: [], padding: Math.ceil(size / 512) * 512 - size };
            if (size === 0) {
                this.applyMeta(type, Buffer.alloc(0));
                this.skip = 0;
                this.meta = null;
            }
            return;
        }
        const magic = h.subarray(257, 263).toString('latin1');
        // POSIX ustar splits long names into prefix/name; GNU's "ustar  " keeps other fields there.
        const prefix = magic === 'ustar\0' ? cstr(h, 345, 155) : '';
        const headerName = prefix ? `${prefix}/${cstr(h, 0, 100)}` : cstr(h, 0, 100);
        const name = this.nextName ?? headerName;
        const link = this.nextLink ?? cstr(h, 157, 100);
        if (this.nextSize !== undefined)
            size = this.nextSize;
        this.nextName = this.nextLink = this.nextSize = undefined;
        // Where the next header starts must be beyond doubt (tar and this guard must agree), so links
        // and directories with a body, which tar readers treat differently, are refused.
        if ((type === DIR || type === SYMLINK || type === HARDLINK) && size > 0)
            throw this.refuse(`entry ${name}`, `it is a ${type === DIR ? 'directory' : 'link'} with a ${size}-byte body`);
        this.skip = Math.ceil(size / 512) * 512;
        const rel = this.checkName(name);
        if (FILE_TYPES.has(type) || type === DIR) {
            this.symlinks.delete(rel); // tar replaces a symlink with the new entry
            return;
        }
        if (type === SYMLINK) {
            if (!link)
                throw this.refuse(`symlink ${name}`, 'it has no target');
            if (external_node_path_default().posix.isAbsolute(link))
                throw this.refuse(`symlink ${name} → ${link}`, 'it points to an absolute path outside the directory');
            const resolved = external_node_path_default().posix.normalize(external_node_path_default().posix.join(external_node_path_default().posix.dirname(rel), link));
            if (resolved === '..' || resolved.startsWith('../'))
                throw this.refuse(`symlink ${name} → ${link}`, 'it points outside the directory');
            this.symlinks.add(rel);
            return;
        }
        if (type === HARDLINK) {
            if (external_node_path_default().posix.isAbsolute(link))
                throw this.refuse(`hard link ${name} → ${link}`, 'it links to an absolute path outside the directory');
            this.checkName(link, `hard link ${name} → ${link}`);
            return;
        }
        const kinds = { '3': 'a character device', '4': 'a block device', '6': 'a FIFO', g: 'a global pax header', S: 'a sparse file', M: 'a multi-volume part', V: 'a volume label' };
        throw this.refuse(`entry ${name}`, `it is ${kinds[type] ?? `of tar type "${type}"`}, which no PostgreSQL data directory holds`);
    }
    /** The entry's name relative to the directory (normalised), or a refusal. */
    checkName(name, label = `entry ${name}`) {
        if (!name)
            throw this.refuse('an entry without a name', 'tar cannot place it');
        if (external_node_path_default().posix.isAbsolute(name))
            throw this.refuse(label, 'it has an absolute path');
        if (name.split('/').includes('..'))
            throw this.refuse(label, 'its path contains ".."');
        const rel = external_node_path_default().posix.normalize(name).replace(/\/+$/, '');
        // An entry below a symlink the archive made would be written wherever that link points.
        const parts = rel.split('/');
        for (let i = 1; i < parts.length; i++) {
            const dir = parts.slice(0, i).join('/');
            if (this.symlinks.has(dir))
                throw this.refuse(label, `it lies below symlink ${dir} of the same archive`);
        }
        return rel;
    }
    applyMeta(type, body) {
        if (type === GNU_LONG_NAME)
            this.nextName = cstr(body, 0, body.length);
        else if (type === GNU_LONG_LINK)
            this.nextLink = cstr(body, 0, body.length);
        else {
            // pax records: "<len> <key>=<value>\n"
            let off = 0;
            while (off < body.length) {
                const sp = body.indexOf(0x20, off);
                const len = sp > off ? Number(body.subarray(off, sp).toString('latin1')) : NaN;
                if (!Number.isInteger(len) || len <= 0 || off + len > body.length)
                    throw this.refuse('a pax header', 'its records cannot be read');
                const rec = body.subarray(sp + 1, off + len - 1).toString('utf8');
                const eq = rec.indexOf('=');
                const key = rec.slice(0, eq);
                const value = rec.slice(eq + 1);
                if (key === 'path' || key === 'GNU.sparse.name')
                    this.nextName = value;
                else if (key === 'linkpath')
                    this.nextLink = value;
                else if (key === 'size') {
                    if (!/^\d+$/.test(value))
                        throw this.refuse('a pax header', `its size record "${value}" is not a number`);
                    this.nextSize = Number(value);
                }
                off += len;
            }
        }
    }
    refuse(entry, why) {
        return new util_errors/* PgkeepError */.$Z('unsafe-tar-entry', `${this.what} holds ${entry.replace(/[\n\r]/g, '?')}, which pgkeep refuses to extract: ${why}.`, 'A PostgreSQL base backup never holds such an entry: this object was not written by pgkeep backup, or was tampered with. Nothing was left in the target directory; restore from another backup or copy.');
    }
}
function checksumOk(h) {
    const stored = tarNumber(h.subarray(148, 156));
    let unsigned = 0;
    let signed = 0;
    for (let i = 0; i < 512; i++) {
        const b = i >= 148 && i < 156 ? 0x20 : h[i];
        unsigned += b;
        signed += b > 127 ? b - 256 : b;
    }
    return stored === unsigned || stored === signed;
}

// EXTERNAL MODULE: ./src/storage/read-fallback.ts
var read_fallback = __webpack_require__(528);
// EXTERNAL MODULE: ./src/wal/wal-fetch.ts
var wal_fetch = __webpack_require__(4393);
;// CONCATENATED MODULE: ./src/restore/live-data-dir.ts
// Is a restore target (or a directory above it) a PostgreSQL data directory? Writing there would
// corrupt a cluster, most of all a running one; a non-empty directory is refused anyway, but a
// path inside a data directory, or reached through a symlink, needs its own check, and a running
// server deserves a message that names it (postmaster.pid: pid and port).


/** The data directory at or above `target` (following symlinks), if any. */
async function findDataDirAt(target) {
    // The nearest existing ancestor, resolved: a symlink to a data directory is that directory.
    let p = external_node_path_default().resolve(target);
    let real;
    for (;;) {
        real = await external_node_fs_.promises.realpath(p).catch(() => undefined);
        if (real || external_node_path_default().dirname(p) === p)
            break;
        p = external_node_path_default().dirname(p);
    }
    if (!real)
        return undefined;
    const itselfReal = p === external_node_path_default().resolve(target) ? real : undefined;
    for (let d = real;; d = external_node_path_default().dirname(d)) {
        if ((await exists(external_node_path_default().join(d, 'PG_VERSION'))) && (await exists(external_node_path_default().join(d, 'global', 'pg_control')))) {
            return { dataDir: d, itself: d === itselfReal, running: await livePostmaster(d) };
        }
        if (external_node_path_default().dirname(d) === d)
            return undefined;
    }
}
async function exists(p) {
    return external_node_fs_.promises.access(p).then(() => true, () => false);
}
/** postmaster.pid's pid and port when that process is alive (EPERM: alive, owned by another user). */
async function livePostmaster(dataDir) {
    const text = await external_node_fs_.promises.readFile(external_node_path_default().join(dataDir, 'postmaster.pid'), 'utf8').catch(() => undefined);
    if (!text)
        return undefined;
    const lines = text.split('\n');
    const pid = Number(lines[0]);
    if (!Number.isInteger(pid) || pid <= 0)
        return undefined;
    try {
        process.kill(pid, 0);
    }
    catch (e) {
        if (e.code !== 'EPERM')
            return undefined;
    }
    const port = Number(lines[3]);
    return { pid, ...(Number.isInteger(port) && port > 0 ? { port } : {}) };
}
/** One sentence for a refusal: what `target` is and which server uses it. */
function describeDataDir(target, f) {
    const where = f.itself ? `${target} is the data directory ${f.dataDir !== external_node_path_default().resolve(target) ? `${f.dataDir} ` : ''}` : `${target} lies inside the data directory ${f.dataDir} `;
    const server = f.running
        ? `of a running PostgreSQL server (postmaster.pid: pid ${f.running.pid}${f.running.port ? `, port ${f.running.port}` : ''})`
        : 'of a PostgreSQL cluster (stopped: no live postmaster.pid)';
    return `${where}${server}`;
}

;// CONCATENATED MODULE: ./src/restore/extract.ts
// Turning a physical backup's objects back into files: each tar object streams store →
// size + SHA-256 check (fails at the end) → every zstd frame → `tar -x` (nothing staged).
// Used by restore (into the target DIR), pg_verifybackup checks and PG 17 chain staging.

















const DAMAGED = 'The stored copy is damaged; run pgkeep verify and restore from another backup or copy.';
/**
 * Extract one stored tar object into `dir`. With the zstd CLI on PATH it decompresses (native,
 * all frames, on its own core) straight into tar; otherwise our streaming multi-frame decoder
 * does. Measured on a 1 GB backup: 0.8 s for zstd -d against 2.1 s in JS. Returns raw bytes.
 */
async function extractTarObject(store, backupId, obj, dir, opts = {}) {
    const what = `${obj.name} of backup ${backupId}`;
    const prog = opts.progressLabel ? (0,log/* progress */.qB)(opts.progressLabel, obj.rawBytes) : undefined;
    // zstd → age on the way in, so age comes off first; a missing identity throws before any read.
    const decrypt = obj.encryption === 'age' ? (0,age/* ageDecryptStream */.n3)(what) : undefined;
    const stored = await store.get((0,layout/* backupObjectKey */.H)(backupId, obj.name));
    const zstdCli = obj.compression === 'zstd' && opts.zstdCli !== false ? (0,find_executable/* findExecutable */.o)('zstd') : undefined;
    let bytes = 0;
    // Every tar header passes the guard before tar sees it: an entry that could land outside the
    // directory stops the stream (and the restore) instead of being written. It counts the raw
    // bytes too (each stage is a hop per chunk of every byte).
    const guard = new TarGuard(what, (n) => {
        bytes += n;
        prog?.add(n);
    });
    const stages = [verifyingStream(obj, what), ...(decrypt ? [decrypt] : [])];
    if (obj.compression === 'zstd' && !zstdCli)
        stages.push(new zstd_frames/* MultiFrameZstdDecompress */.V(what));
    if (!zstdCli)
        stages.push(guard);
    const zstd = zstdCli ? (0,pg_tools.startTool)('', zstdCli, ['-d', '-c', '-q'], { stdin: 'pipe', what: `zstd -d of ${what}` }) : undefined;
    // --ignore-zeros: tar reads to the real end of input instead of stopping at the end-of-archive
    // blocks, so it never closes the pipe early and every byte passes the SHA-256 check.
    // -b 2048 -B: tar reads (whole, -B) 1 MiB records instead of 10 KiB ones and writes file data in
    // pieces as large, a tenth of the system calls: 25% less CPU for zstd | tar on a 540 MB backup.
    const tar = (0,pg_tools.startTool)('', 'tar', ['-x', '--ignore-zeros', '-B', '-b', '2048', '-f', '-', '-C', dir, '--no-same-owner'], { stdin: 'pipe', what: `tar -x into ${dir}` });
    tar.stdout.resume(); // tar -x prints nothing, but must never block on a full stdout pipe
    const [fed, guarded, untarred, unzstd] = await Promise.allSettled([
        (0,promises_.pipeline)(stored, ...stages, (zstd ?? tar).stdin),
        // zstd decompresses natively on its own core; its output comes back through the guard.
        zstd ? (0,promises_.pipeline)(zstd.stdout, guard, tar.stdin) : Promise.resolve(),
        tar.done,
        zstd?.done,
    ]);
    const refused = [fed, guarded].find((r) => r.status === 'rejected' && r.reason instanceof util_errors/* PgkeepError */.$Z && r.reason.code === 'unsafe-tar-entry');
    if (refused || fed.status === 'rejected' || guarded.status === 'rejected') {
        tar.child.kill('SIGKILL');
        zstd?.child.kill('SIGKILL');
        if (refused)
            throw refused.reason;
        const e = fed.status === 'rejected' ? fed.reason : guarded.reason;
        if (e instanceof util_errors/* PgkeepError */.$Z)
            throw e;
        const why = unzstd.status === 'rejected' ? unzstd.reason.message : e.message;
        throw new util_errors/* PgkeepError */.$Z('corrupt-object', `${what} could not be read back: ${why}.`, DAMAGED);
    }
    if (unzstd.status === 'rejected')
        throw new util_errors/* PgkeepError */.$Z('corrupt-object', `${what} could not be decompressed: ${unzstd.reason.message}`, DAMAGED);
    if (untarred.status === 'rejected')
        throw new util_errors/* PgkeepError */.$Z('tool-failed', untarred.reason.message, 'Check free space and permissions of the target directory.');
    prog?.done();
    return bytes;
}
function extract_baseObjectOf(m) {
    return m.objects.find((o) => o.kind === BASE_KIND) ?? m.objects.find((o) => o.name.startsWith('base.tar'));
}
function tablespaceObjects(m) {
    return m.objects.filter((o) => o.kind === TABLESPACE_KIND);
}
function tablespaceTargetFrom(map, under) {
    return (oid, location) => {
        const mapped = map?.[location] ?? map?.[String(oid)];
        if (mapped)
            return external_node_path_default().resolve(mapped);
        if (under)
            return external_node_path_default().join(under, String(oid));
        return location;
    };
}
/** `--tablespace-map OLD=NEW` (CLI, repeatable like pg_basebackup -T; the pg-restore action's input): OLD is the path when backed up, or the OID. */
function parseTablespaceMap(v) {
    if (v === undefined)
        return undefined;
    const out = {};
    for (const item of (Array.isArray(v) ? v : [v])) {
        const i = item.indexOf('=');
        const [from, to] = i > 0 ? [item.slice(0, i).trim(), item.slice(i + 1).trim()] : ['', ''];
        if (!from || !to || !to.startsWith('/') || !(from.startsWith('/') || /^\d+$/.test(from)))
            throw new util_errors/* PgkeepError */.$Z('bad-usage', `--tablespace-map="${item}" is not valid: expected OLD=NEW with NEW an absolute path and OLD the tablespace's path when backed up (or its OID).`, 'Example: --tablespace-map /srv/pg/fast=/restore/fast (pgkeep restore --dry-run lists the tablespaces).');
        if (out[from])
            throw new util_errors/* PgkeepError */.$Z('bad-usage', `--tablespace-map maps ${from} twice.`);
        out[from] = to;
    }
    return out;
}
/**
 * Undo a base extraction before it is repeated from another copy: everything but the WAL a
 * restore stages meanwhile in pg_wal/pgkeep-prefetch (fetched and checked on its own).
 */
async function clearExtracted(dir) {
    for (const e of await external_node_fs_.promises.readdir(dir).catch(() => []))
        if (e !== 'pg_wal')
            await external_node_fs_.promises.rm(external_node_path_default().join(dir, e), { recursive: true, force: true });
    const wal = external_node_path_default().join(dir, 'pg_wal');
    for (const e of await external_node_fs_.promises.readdir(wal).catch(() => []))
        if (e !== wal_fetch/* PREFETCH_DIR */.uX)
            await external_node_fs_.promises.rm(external_node_path_default().join(wal, e), { recursive: true, force: true });
}
/** Remove what is in `dir`, or `dir` itself when this run created it (undoing a failed restore). */
async function emptyDir(dir, created) {
    if (created)
        await external_node_fs_.promises.rm(dir, { recursive: true, force: true });
    else
        for (const e of await external_node_fs_.promises.readdir(dir).catch(() => []))
            await external_node_fs_.promises.rm(external_node_path_default().join(dir, e), { recursive: true, force: true });
}
/**
 * A tablespace target must be an absolute path (tablespace_map cannot hold newlines or
 * backslashes) and absent or empty, like the data directory. Returns whether it exists.
 */
async function checkTablespaceTarget(oid, location, to) {
    if (!external_node_path_default().isAbsolute(to) || /[\n\r\\]/.test(to))
        throw new util_errors/* PgkeepError */.$Z('bad-tablespace-map', `Tablespace ${oid} cannot go to "${to}": it must be an absolute path without newlines or backslashes.`, 'Use --tablespace-map OLD=NEW with an absolute NEW.');
    // Only a running server's directory: a stopped one may be the very data directory being
    // restored (pg_verifybackup checks put tablespaces under its pg_tblspc).
    const live = await findDataDirAt(to);
    if (live?.running)
        throw new util_errors/* PgkeepError */.$Z('target-is-data-dir', `Tablespace ${oid} cannot go to ${to}: ${describeDataDir(to, live)}.`, 'Map it elsewhere with --tablespace-map OLD=NEW.');
    let entries;
    try {
        entries = await external_node_fs_.promises.readdir(to);
    }
    catch (e) {
        if (e.code === 'ENOENT')
            return 'absent';
        throw new util_errors/* PgkeepError */.$Z('bad-tablespace-map', `Cannot use ${to} for tablespace ${oid}: ${e.message}.`, 'Map it elsewhere with --tablespace-map OLD=NEW.');
    }
    if (entries.length)
        throw new util_errors/* PgkeepError */.$Z('tablespace-dir-not-empty', `Tablespace ${oid} (${location} when backed up) would be restored into ${to}, which is not empty (e.g. ${entries.slice(0, 3).join(', ')}); pgkeep restore never writes over files.`, 'Map it elsewhere with --tablespace-map OLD=NEW (pgkeep restore --dry-run lists the tablespaces), or move the old directory away.');
    return 'empty';
}
/** Check every tablespace target before anything is written (dry run and restore). */
async function checkTablespaceTargets(m, target) {
    const out = [];
    for (const o of tablespaceObjects(m)) {
        const to = target(o.tablespaceOid, o.tablespaceLocation);
        await checkTablespaceTarget(o.tablespaceOid, o.tablespaceLocation, to);
        out.push({ oid: o.tablespaceOid, from: o.tablespaceLocation, to });
    }
    return out;
}
/**
 * Extract a whole physical backup: base into `dir`, each tablespace into its target (and
 * `tablespace_map` rewritten to point there: the server makes the pg_tblspc links from it at
 * startup), and `backup_manifest` beside the data, as pg_basebackup leaves it. Returns raw bytes
 * and the directories created outside `dir` (to remove on failure).
 */
async function extractPhysicalBackup(store, m, dir, 
/** keepTablespaceMap: leave the backed-up tablespace_map as it is (pg_verifybackup checks its size). */
opts) {
    const base = extract_baseObjectOf(m);
    if (!base)
        throw new util_errors/* PgkeepError */.$Z('corrupt-object', `Backup ${m.id} lists no base tar object.`);
    const created = [];
    const reused = [];
    let raw = 0;
    try {
        // A damaged object on one copy of a mirror is extracted again from the next copy (storage/read-fallback.ts).
        raw += await (0,read_fallback/* withCopyFallback */.OV)(store, `${base.name} of backup ${m.id}`, (s) => extractTarObject(s, m.id, base, dir, { zstdCli: opts.zstdCli, progressLabel: opts.progress ? `restore ${m.id}: extracting ${base.name}` : undefined }), () => clearExtracted(dir));
        if (!(0,external_node_fs_.existsSync)(external_node_path_default().join(dir, 'PG_VERSION')) || !(0,external_node_fs_.existsSync)(external_node_path_default().join(dir, 'backup_label')))
            throw new util_errors/* PgkeepError */.$Z('corrupt-object', `${base.name} of backup ${m.id} does not hold a data directory (no PG_VERSION or backup_label).`);
        const map = [];
        for (const o of tablespaceObjects(m)) {
            const to = opts.tablespaceTarget(o.tablespaceOid, o.tablespaceLocation);
            // Checked again here: the directory may have changed since the plan was made.
            const state = await checkTablespaceTarget(o.tablespaceOid, o.tablespaceLocation, to);
            try {
                await (0,mkdirp/* mkdirp */.G)(to, 0o700);
            }
            catch (e) {
                throw new util_errors/* PgkeepError */.$Z('bad-tablespace-map', `Cannot create ${to} for tablespace ${o.tablespaceOid}: ${e.message}.`, 'Map it to a writable place with --tablespace-map OLD=NEW.');
            }
            (state === 'absent' ? created : reused).push(to);
            raw += await (0,read_fallback/* withCopyFallback */.OV)(store, `${o.name} of backup ${m.id}`, (s) => extractTarObject(s, m.id, o, to, { zstdCli: opts.zstdCli, progressLabel: opts.progress ? `restore ${m.id}: extracting tablespace ${o.tablespaceOid}` : undefined }), () => emptyDir(to, false));
            map.push(`${o.tablespaceOid} ${to}\n`);
        }
        if (map.length && !opts.keepTablespaceMap)
            await external_node_fs_.promises.writeFile(external_node_path_default().join(dir, 'tablespace_map'), map.join(''), { mode: 0o600 });
        const bm = m.objects.find((o) => o.kind === BACKUP_MANIFEST_KIND);
        if (bm) {
            const what = `${bm.name} of backup ${m.id}`;
            await (0,read_fallback/* withCopyFallback */.OV)(store, what, async (s) => (0,promises_.pipeline)(await s.get((0,layout/* backupObjectKey */.H)(m.id, bm.name)), verifyingStream(bm, what), ...(bm.encryption === 'age' ? [(0,age/* ageDecryptStream */.n3)(what)] : []), new zstd_frames/* MultiFrameZstdDecompress */.V(what), (0,external_node_fs_.createWriteStream)(external_node_path_default().join(dir, 'backup_manifest'), { mode: 0o600 })));
        }
        return { rawBytes: raw, created: [...created, ...reused] };
    }
    catch (e) {
        for (const d of created)
            await emptyDir(d, true).catch(() => undefined);
        for (const d of reused)
            await emptyDir(d, false).catch(() => undefined);
        throw e;
    }
}

// EXTERNAL MODULE: external "node:url"
var external_node_url_ = __webpack_require__(3136);
// EXTERNAL MODULE: external "node:net"
var external_node_net_ = __webpack_require__(7030);
var external_node_net_default = /*#__PURE__*/__webpack_require__.n(external_node_net_);
;// CONCATENATED MODULE: ./src/util/cancel-cleanup.ts
// What a cancelled run must undo. A cancelled workflow (GitHub sends SIGINT, then SIGTERM) or a
// Ctrl-C would otherwise leave a drill's or a single-database PITR's throwaway PostgreSQL
// running on the runner, and its temporary directories (a copy of the whole database) on disk.
// Whoever starts a cluster or makes a temporary directory registers how to undo it and
// unregisters once it is undone; while anything is registered, SIGINT/SIGTERM run the undo steps
// (newest first, bounded in time) and then end the process by the same signal, as if no handler
// had been there. With nothing registered no handler is installed, so wal-push and wal-fetch
// (run by PostgreSQL, which reads their death by signal) keep the default behaviour.
const SIGNALS = ['SIGINT', 'SIGTERM'];
const pending = new Map();
let nextId = 0;
let installed = false;
let cancelling = false;
/** The longest a cancel waits for the undo steps before the process ends anyway. */
const CANCEL_BUDGET_MS = 30_000;
const handlers = {
    SIGINT: () => void cancel('SIGINT'),
    SIGTERM: () => void cancel('SIGTERM'),
};
/** Register an undo step for a cancel; returns the function that unregisters it (idempotent). */
function undoOnCancel(what, undo) {
    const id = nextId++;
    pending.set(id, { what, undo });
    if (!installed) {
        for (const s of SIGNALS)
            process.on(s, handlers[s]);
        installed = true;
    }
    return () => {
        pending.delete(id);
        if (!pending.size && !cancelling)
            uninstall();
    };
}
/** What is registered now (tests, diagnostics). */
function pendingUndo() {
    return [...pending.values()].map((p) => p.what);
}
function uninstall() {
    if (!installed)
        return;
    for (const s of SIGNALS)
        process.off(s, handlers[s]);
    installed = false;
}
async function cancel(signal) {
    if (cancelling)
        return; // a second signal while undoing: the first one's undo is under way
    cancelling = true;
    const steps = [...pending.values()].reverse();
    pending.clear();
    process.stderr.write(`pgkeep: ${signal} received: ${steps.length ? `undoing ${steps.map((s) => s.what).join(', ')}` : 'stopping'}\n`);
    const undoAll = (async () => {
        for (const s of steps)
            await s.undo().catch((e) => process.stderr.write(`pgkeep: could not undo ${s.what}: ${e?.message ?? e}\n`));
    })();
    await Promise.race([undoAll, new Promise((r) => setTimeout(r, CANCEL_BUDGET_MS).unref())]);
    uninstall();
    // End as the signal would have ended us (exit status 128+n for the caller).
    process.kill(process.pid, signal);
}

;// CONCATENATED MODULE: ./src/postgres/local-cluster.ts
// Ephemeral local clusters (initdb + pg_ctl on a free port in a temp dir): used by restore
// drills, single-database PITR, `make demo` and the tests. Running as root, the server runs
// as the `postgres` OS user, because initdb and postgres refuse root.








/** When root, the uid/gid of the `postgres` user; otherwise undefined (run as ourselves). */
function serverRunAs() {
    if (process.getuid?.() !== 0)
        return undefined;
    try {
        const uid = Number((0,external_node_child_process_.execFileSync)('id', ['-u', 'postgres']).toString().trim());
        const gid = Number((0,external_node_child_process_.execFileSync)('id', ['-g', 'postgres']).toString().trim());
        return { uid, gid };
    }
    catch {
        throw new util_errors/* PgkeepError */.$Z('no-postgres-user', 'Running as root, but there is no "postgres" OS user to run a local server as.', 'Install PostgreSQL from packages (it creates the user) or run as a non-root user.');
    }
}
async function freePort() {
    return new Promise((resolve, reject) => {
        const s = external_node_net_default().createServer();
        s.once('error', reject);
        s.listen(0, '127.0.0.1', () => {
            const port = s.address().port;
            s.close(() => resolve(port));
        });
    });
}
/** chown -R to the server user (no-op when not root). */
async function chownForServer(p, runAs = serverRunAs()) {
    if (!runAs)
        return;
    (0,external_node_child_process_.execFileSync)('chown', ['-R', `${runAs.uid}:${runAs.gid}`, p]);
}
/** The only rule a private cluster has: its socket, in a 0700 directory, is the way in. */
const PRIVATE_HBA = '# pgkeep: a throwaway cluster, reachable only through its unix socket in a 0700 directory\nlocal all all trust\n';
class LocalCluster {
    binDir;
    baseDir;
    dataDir;
    port;
    isPrivate;
    runAs = serverRunAs();
    /** Unregisters the cancel step of a started cluster (stop, and for a private one remove). */
    releaseCancel;
    constructor(binDir, baseDir, dataDir, port, isPrivate) {
        this.binDir = binDir;
        this.baseDir = baseDir;
        this.dataDir = dataDir;
        this.port = port;
        this.isPrivate = isPrivate;
    }
    /** Unix socket directory: 0700, owned by the server's user (other local users cannot connect through it). */
    get socketDir() {
        return external_node_path_default().join(this.baseDir, 'socket');
    }
    /**
     * libpq environment to reach this cluster as the superuser `postgres`: the private socket for
     * a private cluster (it has no TCP), else TCP on 127.0.0.1.
     */
    get env() {
        return { PGHOST: this.isPrivate ? this.socketDir : '127.0.0.1', PGPORT: String(this.port), PGUSER: 'postgres', PGDATABASE: 'postgres' };
    }
    static async create(opts) {
        const baseDir = opts.baseDir ?? (await external_node_fs_.promises.mkdtemp(external_node_path_default().join(external_node_os_default().tmpdir(), 'pgkeep-cluster-')));
        await external_node_fs_.promises.mkdir(baseDir, { recursive: true });
        await external_node_fs_.promises.chmod(baseDir, opts.private ? 0o700 : 0o755);
        const port = opts.port ?? (await freePort());
        const dataDir = opts.existingDataDir ?? external_node_path_default().join(baseDir, 'data');
        const c = new LocalCluster(opts.binDir, baseDir, dataDir, port, opts.private === true);
        await external_node_fs_.promises.mkdir(c.socketDir, { recursive: true, mode: 0o700 });
        await external_node_fs_.promises.chmod(c.socketDir, 0o700);
        await chownForServer(baseDir, c.runAs);
        if (!opts.existingDataDir) {
            await (0,pg_tools.runTool)(opts.binDir, 'initdb', ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync'], {
                ...c.runAs,
                what: 'initdb',
            });
        }
        else {
            await chownForServer(dataDir, c.runAs);
            await external_node_fs_.promises.chmod(dataDir, 0o700);
        }
        const settings = {
            port,
            listen_addresses: '127.0.0.1',
            unix_socket_directories: c.socketDir,
            fsync: 'off',
            ...(opts.settings ?? {}),
            // Whatever a caller or the restored configuration asks for, a private cluster has no TCP.
            ...(opts.private ? { listen_addresses: '' } : {}),
        };
        const lines = Object.entries(settings).map(([k, v]) => `${k} = ${typeof v === 'string' ? `'${v.replace(/'/g, "''")}'` : v}`);
        await external_node_fs_.promises.appendFile(external_node_path_default().join(dataDir, 'postgresql.conf'), `\n# pgkeep local cluster\n${lines.join('\n')}\n`);
        await chownForServer(external_node_path_default().join(dataDir, 'postgresql.conf'), c.runAs);
        if (opts.private) {
            await external_node_fs_.promises.writeFile(external_node_path_default().join(dataDir, 'pg_hba.conf'), PRIVATE_HBA, { mode: 0o600 });
            await chownForServer(external_node_path_default().join(dataDir, 'pg_hba.conf'), c.runAs);
        }
        return c;
    }
    /** `env` reaches the server and so archive_command/restore_command (e.g. S3 credentials). */
    async start(timeoutSec = 60, env = {}) {
        // Registered before pg_ctl runs: a cancel while the server starts must stop it too.
        this.releaseCancel ??= undoOnCancel(`the PostgreSQL cluster on port ${this.port}${this.isPrivate ? ` (${this.baseDir})` : ''}`, async () => {
            await this.stop('immediate');
            if (this.isPrivate)
                await external_node_fs_.promises.rm(this.baseDir, { recursive: true, force: true });
        });
        await (0,pg_tools.runTool)(this.binDir, 'pg_ctl', ['-D', this.dataDir, '-l', external_node_path_default().join(this.baseDir, 'server.log'), '-w', '-t', String(timeoutSec), 'start'], {
            ...this.runAs,
            env,
            what: `pg_ctl start (${this.dataDir}, log ${external_node_path_default().join(this.baseDir, 'server.log')})`,
        });
    }
    async stop(mode = 'fast') {
        if ((0,external_node_fs_.existsSync)(external_node_path_default().join(this.dataDir, 'postmaster.pid')))
            await (0,pg_tools.runTool)(this.binDir, 'pg_ctl', ['-D', this.dataDir, '-m', mode, '-w', 'stop'], { ...this.runAs, what: 'pg_ctl stop' }).catch(() => undefined);
        this.keepRunning();
    }
    /** The cluster outlives this run (restore --start hands it over): a cancel no longer stops it. */
    keepRunning() {
        this.releaseCancel?.();
        this.releaseCancel = undefined;
    }
    async serverLog() {
        return external_node_fs_.promises.readFile(external_node_path_default().join(this.baseDir, 'server.log'), 'utf8').catch(() => '');
    }
    /** Stop and delete everything. */
    async destroy() {
        await this.stop('immediate');
        await external_node_fs_.promises.rm(this.baseDir, { recursive: true, force: true });
    }
    /** Run SQL through psql (for setup that node-postgres would make verbose). */
    async psql(sql, database = 'postgres') {
        return (0,pg_tools.runTool)(this.binDir, 'psql', ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-d', database, '-c', sql], { env: this.env, what: 'psql' });
    }
}

;// CONCATENATED MODULE: ./src/restore/combine.ts
// Restoring an incremental chain (PostgreSQL 17+): every backup of the plan's chain (full, then
// each incr) is extracted, verified, into a staging directory beside the target (same
// filesystem, mode 0700), `pg_combinebackup -o <staging>/out <full> <incr1> … <incrN>` writes
// the synthetic full backup, its entries are renamed into DIR (instant on one filesystem; DIR may
// already hold the WAL staged for replay), and the staging directory is removed — also on
// failure. execute.ts then writes the recovery settings exactly as for a single backup.
//
// pg_combinebackup reads plain directories, so a chain cannot stream straight into DIR as a
// single backup does: staging needs room for the whole chain next to DIR while it runs.
// Tablespaces: each member's tablespace objects are extracted beside its base directory
// (extract.ts, which writes a tablespace_map); the map is turned into pg_tblspc/<oid> links,
// which pg_combinebackup follows in every input, and `-T` sends the newest backup's tablespaces
// to their targets (the same `tablespaceTarget` as a single-backup restore), where the combined
// directory's links point.
//
// Finding pg_combinebackup (and refusing without it, before anything is written) is in
// combine-tool.ts.







/** Read a tablespace_map (`<oid> <path>` lines; backslashes escape in PG ≥ 13) into pg_tblspc links. */
async function tablespaceMapToLinks(dir) {
    const file = external_node_path_default().join(dir, 'tablespace_map');
    const text = await external_node_fs_.promises.readFile(file, 'utf8').catch(() => undefined);
    if (text === undefined)
        return;
    await external_node_fs_.promises.mkdir(external_node_path_default().join(dir, 'pg_tblspc'), { recursive: true, mode: 0o700 });
    for (const line of text.split('\n').filter(Boolean)) {
        const sp = line.indexOf(' ');
        const oid = line.slice(0, sp);
        const to = line.slice(sp + 1).replace(/\\(.)/g, '$1');
        const link = external_node_path_default().join(dir, 'pg_tblspc', oid);
        await external_node_fs_.promises.rm(link, { recursive: true, force: true });
        await external_node_fs_.promises.symlink(to, link);
    }
    await external_node_fs_.promises.rm(file);
}
/** Move every entry of `from` into `to`, merging directories that exist in both. */
async function moveInto(from, to) {
    for (const e of await external_node_fs_.promises.readdir(from, { withFileTypes: true })) {
        const src = external_node_path_default().join(from, e.name);
        const dst = external_node_path_default().join(to, e.name);
        const there = await external_node_fs_.promises.lstat(dst).catch(() => undefined);
        if (!there)
            await external_node_fs_.promises.rename(src, dst);
        else if (e.isDirectory() && there.isDirectory())
            await moveInto(src, dst);
        else
            throw new util_errors/* PgkeepError */.$Z('target-dir-not-empty', `${dst} appeared while the chain was being combined; pgkeep restore never writes over files.`);
    }
}
/**
 * Extract the plan's chain into a staging directory beside `o.dir`, combine it with
 * pg_combinebackup and move the result into `o.dir`. The staging directory goes in every case;
 * tablespace directories it created go on failure (the caller empties DIR).
 */
async function combineChain(o) {
    const { plan, dir } = o;
    const t0 = Date.now();
    const stage = await external_node_fs_.promises.mkdtemp(external_node_path_default().join(external_node_path_default().dirname(dir), `.${external_node_path_default().basename(dir)}.pgkeep-combine-`));
    await external_node_fs_.promises.chmod(stage, 0o700);
    const created = [];
    try {
        log/* log */.Rm.info(`restore ${plan.backup.id}: staging the chain ${plan.chain.map((m) => m.id).join(' → ')} (${(0,log/* formatBytes */.z3)(plan.chain.reduce((a, m) => a + m.bytes, 0))} stored) in ${stage}`);
        const staged = await (0,streams/* mapLimit */.sf)(plan.chain, 2, async (m, n) => {
            const into = external_node_path_default().join(stage, `${n}-${m.id}`);
            await external_node_fs_.promises.mkdir(into, { mode: 0o700 });
            const tsDir = (oid) => external_node_path_default().join(stage, `${n}-${m.id}.tblspc`, String(oid));
            const { rawBytes } = await extractPhysicalBackup(o.store, m.manifest, into, { zstdCli: o.zstdCli, tablespaceTarget: tsDir, progress: true });
            if (!(0,external_node_fs_.existsSync)(external_node_path_default().join(into, 'backup_manifest')))
                throw new util_errors/* PgkeepError */.$Z('corrupt-object', `Backup ${m.id} has no backup_manifest, which pg_combinebackup needs for every backup of a chain.`, 'Run pgkeep verify; take a new full backup to start a fresh chain.');
            await tablespaceMapToLinks(into);
            return { dir: into, rawBytes, tsDir };
        });
        const rawBytes = staged.reduce((a, s) => a + s.rawBytes, 0);
        // The combined backup's tablespaces are the newest backup's: map each to its target.
        const newest = staged[staged.length - 1];
        const mappings = [];
        for (const t of tablespaceObjects(plan.backup)) {
            const to = o.tablespaceTarget(t.tablespaceOid, t.tablespaceLocation);
            if (!(0,external_node_fs_.existsSync)(to))
                created.push(to);
            mappings.push('-T', `${newest.tsDir(t.tablespaceOid).replace(/=/g, '\\=')}=${to.replace(/=/g, '\\=')}`);
        }
        const out = external_node_path_default().join(stage, 'out');
        const tc = Date.now();
        await (0,pg_tools.runTool)(external_node_path_default().dirname(o.tool.path), external_node_path_default().basename(o.tool.path), ['-o', out, ...mappings, ...staged.map((s) => s.dir)], {
            what: `pg_combinebackup of ${plan.chain.map((m) => m.id).join(' → ')}`,
        });
        const combinedIn = (Date.now() - tc) / 1000;
        await moveInto(out, dir);
        log/* log */.Rm.info(`restore ${plan.backup.id}: pg_combinebackup combined ${plan.chain.length} backups (${(0,log/* formatBytes */.z3)(rawBytes)} extracted) into ${dir} in ${combinedIn.toFixed(1)} s (${((Date.now() - t0) / 1000).toFixed(1)} s with staging)`);
        return { rawBytes, created: mappings.length ? tablespaceObjects(plan.backup).map((t) => o.tablespaceTarget(t.tablespaceOid, t.tablespaceLocation)) : [] };
    }
    catch (e) {
        for (const d of created)
            await external_node_fs_.promises.rm(d, { recursive: true, force: true }).catch(() => undefined);
        throw e;
    }
    finally {
        await external_node_fs_.promises.rm(stage, { recursive: true, force: true }).catch(() => undefined);
    }
}

;// CONCATENATED MODULE: ./src/restore/recovery-settings.ts


/** Quote for /bin/sh (PostgreSQL runs restore_command through the shell). */
function shellQuote(s) {
    return /^[A-Za-z0-9_\/.:=@%+,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
/**
 * A literal for restore_command/archive_command: PostgreSQL replaces %f, %p, %r (and %%) before
 * the shell sees the line, and from PostgreSQL 16 on refuses any other %x ("invalid value for
 * parameter restore_command"). Every % that is not a placeholder is doubled, so a URL-encoded
 * endpoint (http%3A%2F%2F…) or a path holding "%f" reaches the shell unchanged on 15–18.
 */
function percentLiteral(s) {
    return s.replace(/%/g, '%%');
}
/** A shell word for restore_command/archive_command: shell-quoted, then % doubled. */
function commandWord(s) {
    return percentLiteral(shellQuote(s));
}
/** Quote a value for postgresql.conf. */
function confQuote(s) {
    return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}
/** The repository URL restore_command passes with --repo, with S3 endpoint options made explicit. */
function repoUrlForServer(cfg) {
    return cfg.repos
        .map((loc) => {
        if (loc.kind !== 's3' || !cfg.s3.endpoint)
            return loc.url;
        const u = new URL(loc.url);
        if (!u.searchParams.has('endpoint'))
            u.searchParams.set('endpoint', cfg.s3.endpoint);
        if (!u.searchParams.has('force-path-style') && cfg.s3.forcePathStyle)
            u.searchParams.set('force-path-style', 'true');
        if (!u.searchParams.has('region') && cfg.s3.region)
            u.searchParams.set('region', cfg.s3.region);
        return u.toString();
    })
        .join(',');
}
/**
 * `node cli wal-fetch --repo URL %f %p`. With `spool` (relative to the data directory), a
 * segment already staged there by the restore is moved into place by the shell alone, so
 * replaying the planned range costs no process start per segment; anything else (history
 * files, segments beyond the staged ones) goes to wal-fetch.
 * No branch may exit 1 for anything but "not in the archive" (PostgreSQL would promote): a
 * failed mv, and a CLI bundle that has gone (node would exit 1 on the missing module), exit
 * with wal-fetch's fatal status instead.
 */
function restoreCommandLine(p) {
    const fatal = wal_fetch/* WAL_FETCH_EXIT */.Hd.fatal;
    const cli = commandWord(p.cli);
    const fetch = `${commandWord(p.node)} ${cli} wal-fetch --repo ${commandWord(p.repoUrl)} %f %p`;
    const guarded = `{ [ -r ${cli} ] || { echo pgkeep: restore_command cannot read ${cli} >&2; exit ${fatal}; }; } && ${fetch}`;
    if (!p.spool)
        return guarded;
    const staged = `${commandWord(p.spool)}/%f`;
    // At promotion PostgreSQL asks for the parent timeline's history file; timeline 1 never has
    // one (PostgreSQL itself treats it as absent: existsTimeLineHistory), so a restore on
    // timeline 1 answers "not in the archive" without starting a process.
    return `if [ -f ${staged} ]; then mv -f ${staged} %p || exit ${fatal}; elif [ %f = ${NO_HISTORY} ]; then exit 1; else ${guarded}; fi`;
}
/** The history file of timeline 1, which never exists. */
const NO_HISTORY = '00000001.history';
/** Ordered settings for postgresql.auto.conf. */
function recoverySettings(i) {
    const s = [['restore_command', i.restoreCommand]];
    switch (i.target.kind) {
        case 'time':
            s.push(['recovery_target_time', i.target.time.pg], ['recovery_target_inclusive', 'true']);
            break;
        case 'lsn':
            s.push(['recovery_target_lsn', (0,segment/* formatLsn */.rI)(i.target.lsn)], ['recovery_target_inclusive', 'true']);
            break;
        case 'immediate':
            s.push(['recovery_target', 'immediate']);
            break;
        case 'latest':
            break;
    }
    s.push(['recovery_target_timeline', String(i.targetTimeline)], ['recovery_target_action', 'promote']);
    if (i.archiveMode === 'off')
        s.push(['archive_mode', 'off']);
    return s;
}
function renderAutoConf(settings, header) {
    return `\n# ${header}\n${settings.map(([k, v]) => `${k} = ${confQuote(v)}`).join('\n')}\n`;
}

;// CONCATENATED MODULE: ./src/restore/replay-check.ts
// Did replay reach what the plan promised? Pure. A promoted cluster is not proof: with
// --latest there is no recovery target, and PostgreSQL ends recovery (and promotes) at the first
// segment restore_command reports missing — a segment deleted, expired or not yet copied after
// the plan was made ends recovery early without any error. So after promotion the restore,
// the drill and single-database PITR compare where replay ended with the plan:
// - latest: replay must have consumed part of the last planned segment (replay ending exactly
//   at its start means it was never read). A record may legitimately continue into a segment
//   that is not archived yet, so the end may lie anywhere inside the last segment.
// - time: PostgreSQL must have logged "recovery stopping before/after …" (it found the first
//   transaction past the target), and the last replayed commit must not be after the target.
// - lsn: replay must have reached the target LSN. immediate: the backup's end (consistency).



/** What the plan must reach, in words (for logs and errors). */
function plannedEndText(p, segSize) {
    switch (p.target.kind) {
        case 'latest':
            return `into the last planned segment ${p.lastSegment} (past ${(0,segment/* formatLsn */.rI)((0,segment/* parseSegmentName */.EU)(p.lastSegment, segSize).segno * BigInt(segSize))})`;
        case 'time':
            return `the target time ${p.target.time.iso}`;
        case 'lsn':
            return `the target LSN ${(0,segment/* formatLsn */.rI)(p.target.lsn)}`;
        case 'immediate':
            return `the end of the backup at ${p.consistentLsn}`;
    }
}
/** undefined when replay reached the planned end; else a one-paragraph error naming both positions. */
function checkReplayReached(p, r, where) {
    const planned = plannedEndText(p, r.segSize);
    const reached = r.replayLsn !== undefined ? (0,segment/* formatLsn */.rI)(r.replayLsn) : 'an unknown position (pg_last_wal_replay_lsn() returned nothing)';
    const fail = (why) => new util_errors/* PgkeepError */.$Z('replay-short', `${where} promoted, but replay ended at ${reached}${r.lastReplayedXact ? ` (last transaction replayed ${r.lastReplayedXact})` : ''}, ${why}; the plan was to replay ${planned}.`, 'WAL planned for this restore could not be fetched when PostgreSQL asked for it (deleted, expired or unreadable since the plan was made): check the server log and pgkeep verify, then restore again into an empty directory; do not use this cluster.');
    if (r.replayLsn === undefined)
        return fail('which cannot be checked');
    switch (p.target.kind) {
        case 'latest': {
            const lastStart = (0,segment/* parseSegmentName */.EU)(p.lastSegment, r.segSize).segno * BigInt(r.segSize);
            return r.replayLsn > lastStart ? undefined : fail(`before the last planned segment ${p.lastSegment}`);
        }
        case 'lsn':
            return r.replayLsn >= p.target.lsn ? undefined : fail('before the target LSN');
        case 'immediate':
            return r.replayLsn >= (0,segment/* parseLsn */.l2)(p.consistentLsn) ? undefined : fail('before the backup is consistent');
        case 'time': {
            if (!r.stopLine)
                return fail('without reaching the target time (the server never logged "recovery stopping before/after")');
            if (r.lastReplayedXact && timestampToMicros(r.lastReplayedXact) > p.target.time.micros)
                return fail(`after the target time (a transaction of ${microsToIso(timestampToMicros(r.lastReplayedXact))} was replayed)`);
            return undefined;
        }
    }
}

;// CONCATENATED MODULE: ./src/restore/execute.ts
// Applying a restore plan: an empty directory becomes a data directory that replays WAL to the
// target and promotes when started. The base backup streams store → SHA-256 check → zstd →
// `tar -x` (nothing staged); if the object turns out corrupt at the end of the stream, what was
// extracted is removed and the restore fails. Optionally starts the result, waits for
// promotion, confirms replay reached the planned end (replay-check.ts) and reports the instant
// recovered to.






















/** Refuse anything but an absent or empty directory; returns whether it exists. */
async function checkTargetDir(dir) {
    if (!dir)
        throw new util_errors/* PgkeepError */.$Z('bad-usage', 'pgkeep restore needs --to <empty data directory>.');
    // First: a live cluster's directory (or one inside it, or a symlink to it) gets a message naming the server.
    const live = await findDataDirAt(dir);
    if (live)
        throw new util_errors/* PgkeepError */.$Z('target-is-data-dir', `${describeDataDir(dir, live)}; pgkeep restore never writes into an existing cluster.`, live.running ? 'Restore into a new directory with --to; to replace this cluster, stop it (pg_ctl stop) and move its directory away first.' : 'Restore into a new directory with --to, outside any data directory.');
    let st;
    try {
        st = await external_node_fs_.promises.stat(dir);
    }
    catch (e) {
        if (e.code === 'ENOENT')
            return 'absent';
        throw new util_errors/* PgkeepError */.$Z('bad-target-dir', `Cannot use ${dir} as the restore directory: ${e.message}.`);
    }
    if (!st.isDirectory())
        throw new util_errors/* PgkeepError */.$Z('bad-target-dir', `${dir} exists and is not a directory.`, 'Give a new or empty directory with --to.');
    const entries = await external_node_fs_.promises.readdir(dir);
    if (entries.length)
        throw new util_errors/* PgkeepError */.$Z('target-dir-not-empty', `${dir} is not empty (${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}, e.g. ${entries.slice(0, 3).join(', ')}); pgkeep restore never writes over files.`, 'Give a new or empty directory with --to (stop and move away an old data directory first).');
    return 'empty';
}
/**
 * Absolute node and CLI paths for restore_command. Overrides (from the config environment):
 * PGKEEP_NODE_PATH, PGKEEP_CLI_PATH — needed when the server user cannot read the running ones.
 */
function resolveCliPaths(s) {
    const node = s.nodePath || process.execPath;
    const candidates = [];
    if (s.cliPath)
        candidates.push(s.cliPath);
    else {
        // Running from the bundle (dist/cli/index.js, or the `pgkeep` bin link to it).
        const argv1 = process.argv[1];
        if (argv1 && /(^|\/)(pgkeep|pgkeep\.js|cli\/index\.js)$/.test(argv1)) {
            try {
                candidates.push((0,external_node_fs_.realpathSync)(argv1));
            }
            catch {
                /* not a file */
            }
        }
        // In-process (tests, other entry points): the repository's bundle, found from this file.
        try {
            let d = external_node_path_default().dirname((0,external_node_url_.fileURLToPath)(import.meta.url));
            for (let i = 0; i < 5; i++, d = external_node_path_default().dirname(d))
                candidates.push(external_node_path_default().join(d, 'dist/cli/index.js'));
        }
        catch {
            /* no file URL in this build */
        }
    }
    const cli = candidates.find((c) => external_node_path_default().isAbsolute(c) && (0,external_node_fs_.existsSync)(c));
    if (!cli)
        throw new util_errors/* PgkeepError */.$Z('no-cli-path', `Cannot find the pgkeep CLI bundle for restore_command (looked at ${candidates.slice(0, 3).join(', ') || 'nothing'}).`, 'Set PGKEEP_CLI_PATH to the absolute path of dist/cli/index.js (readable by the PostgreSQL server user).');
    if (!external_node_path_default().isAbsolute(node))
        throw new util_errors/* PgkeepError */.$Z('bad-config', `PGKEEP_NODE_PATH="${node}" is not an absolute path.`);
    return { node, cli };
}
/** Segments staged into the data directory before start (16 MiB each by default: 1 GiB). */
const DEFAULT_STAGE_SEGMENTS = 64;
/**
 * Fetch (verified, decompressed) the first planned segments into pg_wal/pgkeep-prefetch, the
 * spool wal-fetch also uses, so replay of them needs no process per segment. Returns how many.
 */
async function stageWal(store, plan, dir, max) {
    const segs = plan.wal.segments.slice(0, Math.max(0, max));
    if (!segs.length)
        return 0;
    const spool = external_node_path_default().join(dir, 'pg_wal', wal_fetch/* PREFETCH_DIR */.uX);
    await external_node_fs_.promises.mkdir(spool, { recursive: true, mode: 0o700 });
    const t0 = Date.now();
    // Checked like wal-fetch checks (frame, size, header) and against the backup's system: the
    // shell serves these with a plain mv, and PostgreSQL would read another system's WAL as its end.
    const sizes = await (0,streams/* mapLimit */.sf)(segs, 4, async (s) => (await (0,wal_object/* fetchWalFile */.B$)(store, s.name, external_node_path_default().join(spool, s.name), { systemIdentifier: plan.backup.systemIdentifier })).rawBytes);
    log/* log */.Rm.info(`restore ${plan.backup.id}: staged ${segs.length} of ${plan.wal.count} WAL segment(s) (${(0,log/* formatBytes */.z3)(sizes.reduce((a, b) => a + b, 0))}) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return segs.length;
}
/**
 * While recovery runs, keep the planned segments after the first `from` staged ahead of replay:
 * at most `window` waiting in the spool (replay's `mv` takes each one out), fetched, checked and
 * decompressed here, on the other core, while the startup process replays. Without it, every
 * segment past the initial stage stops replay for a wal-fetch process (start-up, fetch and
 * decompress, then its prefetch of the next 8, all in series with replay).
 *
 * Only an accelerator: a segment it cannot fetch or check is left alone (it stops feeding), and
 * restore_command's wal-fetch then fetches that segment itself and fails loudly. Files are
 * written to a temp name and renamed, so the shell never moves a half-written segment.
 */
async function feedWal(o) {
    const t0 = Date.now();
    // Written and handed to the server's OS user here, then renamed into the spool: a file the
    // shell moves into place must already be readable by the server.
    const scratch = external_node_path_default().join(o.dir, 'pg_wal', `${wal_fetch/* PREFETCH_DIR */.uX}-feed`);
    let fed = 0;
    try {
        await external_node_fs_.promises.mkdir(scratch, { recursive: true, mode: 0o700 });
        fed = await feedLoop(o, scratch);
    }
    finally {
        await external_node_fs_.promises.rm(scratch, { recursive: true, force: true }).catch(() => undefined);
    }
    if (fed)
        log/* log */.Rm.info(`restore ${o.plan.backup.id}: staged ${fed} more WAL segment(s) while replay ran, in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return fed;
}
async function feedLoop(o, scratch) {
    const runAs = serverRunAs();
    const spool = external_node_path_default().join(o.dir, 'pg_wal', wal_fetch/* PREFETCH_DIR */.uX);
    const segs = o.plan.wal.segments;
    const parallel = Math.max(1, o.parallel ?? 2);
    let next = Math.max(0, o.from);
    let fed = 0;
    while (next < segs.length && !o.signal.aborted) {
        let waiting;
        try {
            waiting = (await external_node_fs_.promises.readdir(spool)).filter(segment/* isSegmentName */.Pb).length;
        }
        catch {
            return fed; // the spool is gone: recovery ended and it was cleaned up
        }
        const room = Math.min(parallel, o.window - waiting, segs.length - next);
        if (room <= 0) {
            await new Promise((r) => setTimeout(r, o.pollMs ?? 50));
            continue;
        }
        const batch = segs.slice(next, next + room);
        next += batch.length;
        try {
            await (0,streams/* mapLimit */.sf)(batch, parallel, async (s) => {
                if (o.signal.aborted)
                    return;
                const tmp = external_node_path_default().join(scratch, s.name);
                await (0,wal_object/* fetchWalFile */.B$)(o.store, s.name, tmp, { systemIdentifier: o.plan.backup.systemIdentifier });
                if (runAs)
                    await external_node_fs_.promises.chown(tmp, runAs.uid, runAs.gid);
                await external_node_fs_.promises.rename(tmp, external_node_path_default().join(spool, s.name));
                fed++;
            });
        }
        catch (e) {
            if (!o.signal.aborted)
                log/* log */.Rm.debug(`restore: stopped staging WAL ahead of replay at ${batch[0].name}: ${e.message} (restore_command fetches it instead)`);
            return fed;
        }
    }
    return fed;
}
/** Extract the base backup into `dir` (absent or empty) and write the recovery settings. */
async function writeRestoredDataDir(o) {
    const dir = external_node_path_default().resolve(o.dir);
    const state = await checkTargetDir(dir);
    const { plan } = o;
    // An incremental chain (PG17+) is combined by pg_combinebackup: refuse before writing anything without it.
    const combineTool = plan.chain.length > 1 ? checkCombineTool(plan) : undefined;
    // An encrypted backup: PGKEEP_AGE_IDENTITY must open it (header only) before anything is written.
    for (const b of plan.chain.length ? plan.chain : [plan.backup])
        for (const obj of b.objects.filter((x) => x.encryption === 'age').slice(0, 1))
            await (0,age/* checkAgeIdentity */.Qh)(await o.store.get((0,layout/* backupObjectKey */.H)(b.id, obj.name)), `${obj.name} of backup ${b.id}`);
    await (0,mkdirp/* mkdirp */.G)(external_node_path_default().dirname(dir));
    if (state === 'absent')
        await external_node_fs_.promises.mkdir(dir, { mode: 0o700 });
    await external_node_fs_.promises.chmod(dir, 0o700);
    const created = state === 'absent';
    const tablespaceTarget = o.tablespaceTarget ?? tablespaceTargetFrom(undefined);
    await checkTablespaceTargets(plan.backup, tablespaceTarget);
    // WAL is staged while the base backup extracts (different objects, different directories).
    let staging;
    let tablespaceDirs = [];
    try {
        staging = stageWal(o.store, plan, dir, o.stageSegments ?? DEFAULT_STAGE_SEGMENTS);
        staging.catch(() => undefined);
        const extracted = combineTool
            ? await combineChain({ plan, store: o.store, dir, tool: combineTool, tablespaceTarget, zstdCli: o.zstdCli })
            : await extractPhysicalBackup(o.store, plan.backup, dir, { zstdCli: o.zstdCli, tablespaceTarget, progress: true });
        tablespaceDirs = extracted.created;
        // Recovery setup. The backup holds no WAL: pg_wal must exist (empty) for the server to start.
        await external_node_fs_.promises.mkdir(external_node_path_default().join(dir, 'pg_wal', 'archive_status'), { recursive: true, mode: 0o700 });
        const staged = await staging;
        for (const f of ['postmaster.pid', 'postmaster.opts', 'standby.signal', 'recovery.conf'])
            await external_node_fs_.promises.rm(external_node_path_default().join(dir, f), { force: true });
        await external_node_fs_.promises.writeFile(external_node_path_default().join(dir, 'recovery.signal'), '', { mode: 0o600 });
        const settings = recoverySettings({
            target: plan.target,
            targetTimeline: plan.targetTimeline,
            restoreCommand: restoreCommandLine({ node: o.node, cli: o.cli, repoUrl: o.repoUrl, spool: staged ? `pg_wal/${wal_fetch/* PREFETCH_DIR */.uX}` : undefined }),
            archiveMode: o.archiveMode,
        });
        await external_node_fs_.promises.appendFile(external_node_path_default().join(dir, 'postgresql.auto.conf'), renderAutoConf(settings, `pgkeep restore of backup ${plan.backup.id} (${new Date().toISOString()})`), { mode: 0o600 });
        // A data directory owned by root cannot be started; as root, hand it to the server user.
        await chownForServer(dir);
        for (const t of tablespaceDirs)
            await chownForServer(t);
        log/* log */.Rm.info(`restore ${plan.backup.id}: ${dir} ready (${(0,log/* formatBytes */.z3)(extracted.rawBytes)}${tablespaceDirs.length ? `, ${tablespaceDirs.length} tablespace(s)` : ''}), recovery.signal + ${settings.length} settings in postgresql.auto.conf`);
        return { dir, rawBytes: extracted.rawBytes, staged, settings, tablespaces: tablespaceDirs };
    }
    catch (e) {
        await staging?.catch(() => undefined);
        await emptyDir(dir, created).catch(() => undefined);
        for (const t of tablespaceDirs)
            await emptyDir(t, false).catch(() => undefined);
        throw e;
    }
}
/** `16MB` (SHOW wal_segment_size) → bytes. */
function segSizeBytes(v) {
    const m = /^(\d+)\s*(B|kB|MB|GB)?$/.exec(v.trim());
    if (!m)
        return 16 * 1024 * 1024;
    const mult = { B: 1, kB: 1024, MB: 1024 * 1024, GB: 1024 * 1024 * 1024 }[(m[2] ?? 'B')];
    return Number(m[1]) * mult;
}
/**
 * Confirm that a promoted restore replayed what its plan promised; on a shortfall stop the
 * server (its data is not what was asked for) and throw, naming planned and reached positions.
 */
async function confirmReplay(plan, s, where) {
    const err = checkReplayReached({ target: plan.target, lastSegment: plan.wal.last, consistentLsn: plan.consistentLsn }, s, where);
    if (!err) {
        log/* log */.Rm.info(`restore: replay reached ${plannedEndText({ target: plan.target, lastSegment: plan.wal.last, consistentLsn: plan.consistentLsn }, s.segSize)}, ended at ${s.replayLsn !== undefined ? (0,segment/* formatLsn */.rI)(s.replayLsn) : '?'}`);
        return;
    }
    await s.cluster.stop('fast');
    throw new util_errors/* PgkeepError */.$Z(err.code, err.message, `${err.hint} The server was stopped; its log: ${external_node_path_default().join(s.cluster.baseDir, 'server.log')}.`);
}
/** Linux ≥ 5.8: syncfs(2) reports write-back errors to the caller (before, only the kernel log saw them). */
function syncfsReportsErrors(platform = process.platform, release = external_node_os_default().release()) {
    if (platform !== 'linux')
        return false;
    const m = /^(\d+)\.(\d+)/.exec(release);
    return !!m && (Number(m[1]) > 5 || (Number(m[1]) === 5 && Number(m[2]) >= 8));
}
/**
 * A restored data directory is not known to be on disk, so PostgreSQL syncs it before recovery
 * starts. Its default (recovery_init_sync_method = fsync) opens and fsyncs every file one by
 * one; syncfs (PostgreSQL 14+) asks the kernel once per file system, measured at 1.4–2.4 s
 * against 3.5–8.4 s to promotion for a 540 MB restore on a busy machine. It is set in
 * postgresql.auto.conf for this start only and reset once the server has promoted (the trade-off
 * — other files on the same file system are flushed too — is the operator's to make for later
 * crash restarts). Left alone when the restored configuration names the setting itself, when
 * the kernel would not report a failed write-back, and before PostgreSQL 14.
 */
async function useSyncfsForRecoveryStart(dir) {
    if (!syncfsReportsErrors())
        return false;
    const major = parseInt(await external_node_fs_.promises.readFile(external_node_path_default().join(dir, 'PG_VERSION'), 'utf8').catch(() => '0'), 10);
    if (!(major >= 14))
        return false;
    for (const f of ['postgresql.conf', 'postgresql.auto.conf']) {
        const text = await external_node_fs_.promises.readFile(external_node_path_default().join(dir, f), 'utf8').catch(() => '');
        if (/^\s*recovery_init_sync_method\b/m.test(text))
            return false;
    }
    await external_node_fs_.promises.appendFile(external_node_path_default().join(dir, 'postgresql.auto.conf'), `# pgkeep: for the recovery start only (reset after promotion)\nrecovery_init_sync_method = 'syncfs'\n`);
    return true;
}
/**
 * Start a restored directory (LocalCluster semantics: its own socket dir and log, the given
 * port, listen on 127.0.0.1), wait until it has promoted, and read where recovery stopped.
 */
async function startRestored(o) {
    const t0 = Date.now();
    const settings = { fsync: 'on', ...(o.settings ?? {}) };
    const oneStartSyncfs = settings.fsync !== 'off' && (await useSyncfsForRecoveryStart(o.dir));
    const cluster = await LocalCluster.create({ binDir: o.binDir, existingDataDir: external_node_path_default().resolve(o.dir), port: o.port, settings, private: o.private });
    const timeout = o.timeoutSeconds ?? 3600;
    const failed = async (why) => {
        const tail = (await cluster.serverLog()).trim().split('\n').filter((l) => /FATAL|PANIC|ERROR|DETAIL|recovery/.test(l)).slice(-5).join(' | ');
        return new util_errors/* PgkeepError */.$Z('recovery-failed', `The restored cluster in ${o.dir} ${why}${tail ? `: ${tail}` : '.'}`, `See the server log ${external_node_path_default().join(cluster.baseDir, 'server.log')}.`);
    };
    const feeding = new AbortController();
    let fed;
    const stopFeeding = async () => {
        feeding.abort();
        await fed?.catch(() => undefined);
    };
    try {
        // Started before the server, so the first segments past the stage are on their way.
        fed = o.feed?.(feeding.signal);
        fed?.catch(() => undefined);
        try {
            await cluster.start(timeout, o.env ?? {});
        }
        catch {
            throw await failed('did not start');
        }
        await waitPromoted(cluster, timeout, failed);
    }
    finally {
        await stopFeeding();
    }
    return await afterPromotion(o.dir, cluster, oneStartSyncfs, t0);
}
async function waitPromoted(cluster, timeout, failed) {
    const deadline = Date.now() + timeout * 1000;
    for (;;) {
        let inRecovery;
        try {
            inRecovery = await (0,postgres_client.withClient)(cluster.env, 'postgres', async (c) => (await c.query('select pg_is_in_recovery() as r')).rows[0].r);
        }
        catch {
            if (!(0,external_node_fs_.existsSync)(external_node_path_default().join(cluster.dataDir, 'postmaster.pid')))
                throw await failed('stopped during recovery');
        }
        if (inRecovery === false)
            break;
        if (Date.now() > deadline)
            throw await failed(`had not promoted after ${timeout} s`);
        // A query on the local socket costs a few ms; a coarse poll would add half its period to every restore.
        await new Promise((r) => setTimeout(r, 25));
    }
}
async function afterPromotion(dir, cluster, oneStartSyncfs, t0) {
    const o = { dir };
    // The start-up sync is behind us: later crash restarts of this cluster sync as its own configuration says.
    if (oneStartSyncfs)
        await (0,postgres_client.withClient)(cluster.env, 'postgres', async (c) => {
            await c.query('alter system reset recovery_init_sync_method');
            await c.query('select pg_reload_conf()');
        }).catch((e) => log/* log */.Rm.warn(`restore: could not reset recovery_init_sync_method = syncfs in ${external_node_path_default().join(o.dir, 'postgresql.auto.conf')} (${e.message}); it only affects how a crash restart syncs the data directory: ALTER SYSTEM RESET recovery_init_sync_method removes it`));
    // The timeline from the current WAL file name: pg_control's checkpoint still names the old
    // one until the end-of-recovery checkpoint completes.
    const facts = await (0,postgres_client.withClient)(cluster.env, 'postgres', async (c) => {
        const r = await c.query(`select to_char(pg_last_xact_replay_timestamp() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as t, pg_walfile_name(pg_current_wal_lsn()) as wal, pg_last_wal_replay_lsn()::text as lsn, current_setting('wal_segment_size') as seg`);
        return r.rows[0];
    });
    // Staged segments recovery did not need (past the target) are of no further use.
    await external_node_fs_.promises.rm(external_node_path_default().join(cluster.dataDir, 'pg_wal', wal_fetch/* PREFETCH_DIR */.uX), { recursive: true, force: true }).catch(() => undefined);
    const stopLine = (await cluster.serverLog()).split('\n').find((l) => /recovery stopping (before|after)/.test(l));
    return {
        cluster,
        lastReplayedXact: facts.t ?? undefined,
        stopLine: stopLine?.replace(/^.*?(recovery stopping)/, '$1').trim(),
        timeline: parseInt(facts.wal.slice(0, 8), 16),
        replayLsn: facts.lsn ? (0,segment/* parseLsn */.l2)(facts.lsn) : undefined,
        segSize: segSizeBytes(facts.seg),
        promotedSeconds: (Date.now() - t0) / 1000,
    };
}
/** ISO-8601 with microseconds, normalised (for reports). */
function normaliseIso(s) {
    return microsToIso(timestampToMicros(s));
}

;// CONCATENATED MODULE: ./src/restore/preamble-filter.ts
// pg_restore 17+ opens every script and every session with `SET transaction_timeout = 0;`
// (_doSetFixedOutputState in src/bin/pg_dump/pg_backup_archiver.c writes it whatever the target
// server), and PostgreSQL 16 and older refuse the unknown setting — a restore with pg_restore
// --exit-on-error stops at its first statement. There is no option to leave it out, so for such a
// server pgkeep runs `pg_restore -f -` and pipes its SQL into psql through this filter, which
// drops exactly those preamble lines the server does not know. Nothing else changes: the setting
// does not exist on that server, so leaving it unset is what the server would do anyway.

/** Preamble lines pg_restore writes for settings that exist from a server major on. */
const NEWER_SESSION_SETTINGS = [{ line: 'SET transaction_timeout = 0;', since: 17 }];
/** The preamble lines a pg_restore of `toolMajor` writes that a server of `serverMajor` refuses. */
function settingsUnknownTo(toolMajor, serverMajor) {
    return NEWER_SESSION_SETTINGS.filter((s) => toolMajor >= s.since && serverMajor < s.since).map((s) => s.line);
}
/**
 * The header comment of a TOC entry: the preamble ends at the first one (`-- Name: …`,
 * `-- Data for Name: …`, `-- TOC entry …` with --verbose). Entries' SQL and data come after it.
 */
const ENTRY_HEADER = /^-- (Name|Data for Name|TOC entry) /;
/** What the preamble is made of: comments, blank lines, \restrict, BEGIN, SET and set_config. */
const PREAMBLE_LINE = /^(|--.*|\\restrict .*|BEGIN;|SET [^\n]*;|SELECT pg_catalog\.set_config\([^\n]*\);)$/;
/** A preamble is a few hundred bytes; past this the filter stops looking. */
const PREAMBLE_MAX_BYTES = 64 * 1024;
/**
 * Drops the given exact lines from the preamble of pg_restore's SQL (before its first TOC entry,
 * each at most once) and passes everything else through byte for byte. Once the preamble is over
 * it no longer looks at the stream: a table's data holding the same text is never touched.
 */
class PreambleFilter extends external_node_stream_.Transform {
    unwanted;
    pending;
    seen = 0;
    inPreamble;
    /** The lines this filter left out, in order. */
    dropped = [];
    constructor(dropLines) {
        super();
        this.unwanted = new Set(dropLines);
        this.inPreamble = this.unwanted.size > 0;
    }
    _transform(chunk, _enc, cb) {
        if (!this.inPreamble)
            return cb(null, chunk);
        const buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
        this.pending = undefined;
        let start = 0;
        for (;;) {
            const nl = buf.indexOf(0x0a, start);
            if (nl < 0)
                break;
            // The preamble is ASCII; latin1 maps bytes one to one, so any other byte simply fails to match.
            const line = buf.toString('latin1', start, nl);
            this.seen += nl + 1 - start;
            if (ENTRY_HEADER.test(line) || !PREAMBLE_LINE.test(line) || this.seen > PREAMBLE_MAX_BYTES)
                return this.passRest(buf.subarray(start), cb);
            if (this.unwanted.delete(line))
                this.dropped.push(line);
            else
                this.push(buf.subarray(start, nl + 1));
            start = nl + 1;
            if (!this.unwanted.size)
                return this.passRest(buf.subarray(start), cb);
        }
        const rest = buf.subarray(start);
        if (this.seen + rest.length > PREAMBLE_MAX_BYTES)
            return this.passRest(rest, cb);
        if (rest.length)
            this.pending = Buffer.from(rest);
        cb();
    }
    _flush(cb) {
        if (this.pending)
            this.push(this.pending);
        this.pending = undefined;
        cb();
    }
    passRest(rest, cb) {
        this.inPreamble = false;
        cb(null, rest.length ? rest : undefined);
    }
}

;// CONCATENATED MODULE: ./src/restore/zstd-pipe.ts
// A zstd-compressed dump decompressed by the zstd CLI straight into a tool's stdin (pg_restore):
// zstd's stdout is the tool's stdin, so the raw dump never passes through this process. Measured
// on the bench's core (47 MiB stored, 230 MiB raw): zstd -d 0.18 CPU s, our streaming JS decoder
// 1.2 CPU s, and relaying zstd's output through Node another 0.2 CPU s; every CPU second here is
// one the restoring server does not get on a small runner. Without a zstd CLI on PATH the caller
// keeps the in-process decoder (as src/restore/extract.ts does for base backups).




/**
 * Spawn zstd -d and `startConsumer` with zstd's output as its stdin, then feed zstd from `open`
 * (the stored bytes, verified/decrypted as they stream). Both processes are spawned in one tick,
 * before zstd has any input, so this process never reads a byte of zstd's output; its own end of
 * that pipe is closed at once, so a consumer that exits early stops zstd with SIGPIPE instead of
 * leaving it blocked on a full pipe.
 */
function pipeThroughZstd(zstdPath, startConsumer, open, what, onBytes) {
    const zstd = (0,external_node_child_process_.spawn)(zstdPath, ['-d', '-c', '-q'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    zstd.stderr.on('data', (c) => (stderr = (stderr + c.toString('utf8')).slice(-4096)));
    const exited = new Promise((resolve, reject) => {
        zstd.on('error', (e) => reject((0,pg_tools.toolError)(`zstd -d of ${what} (${zstdPath}: ${e.message})`, null, null, '')));
        zstd.on('close', (code, signal) => {
            if (code === 0)
                return resolve();
            // Its reader gone: SIGPIPE, or (SIGPIPE ignored; Node's stdio are socket pairs) a write error.
            if (signal === 'SIGPIPE' || (code !== null && /write error/i.test(stderr)))
                return reject(Object.assign(new Error(`the reader of ${what} closed its input`), { code: 'EPIPE' }));
            reject((0,pg_tools.toolError)(`zstd -d of ${what}`, code, signal, stderr));
        });
    });
    let run;
    try {
        run = startConsumer(zstd.stdout);
    }
    catch (e) {
        zstd.kill();
        throw e;
    }
    zstd.stdout.destroy();
    const feed = (async () => (0,promises_.pipeline)(await open(), new streams/* ByteCounter */.P$(onBytes), zstd.stdin))();
    // A source that fails (e.g. a checksum mismatch at the end) must not let zstd end its output
    // normally: killed, it leaves the consumer a truncated stream, and the consumer is killed too.
    feed.catch(() => zstd.kill());
    const fed = Promise.allSettled([feed, exited]).then(([f, z]) => {
        const isPipe = (e) => ['EPIPE', 'ERR_STREAM_PREMATURE_CLOSE', 'ECANCELED', 'ERR_STREAM_DESTROYED'].includes(e?.code ?? '');
        if (f.status === 'rejected' && !isPipe(f.reason))
            throw f.reason;
        if (z.status === 'rejected')
            throw z.reason;
        if (f.status === 'rejected')
            throw f.reason;
    });
    return { run, fed };
}

;// CONCATENATED MODULE: ./src/restore/logical-restore.ts
// Logical restore building blocks: create missing roles from a backup's globals, and restore a
// pg_dump custom-format stream into a new database (never over one that exists unless the
// caller asked to replace it; a target this code created is dropped again if the restore fails).
// The PITR single-database restore reuses restoreDumpInto with a dump from an ephemeral cluster.
// With `databaseProperties`, the target is created as the dump describes the source (encoding,
// locale) and gets the source's own properties after the data (src/restore/database-properties.ts).
// A pg_restore newer than the server may write session settings the server does not know
// (src/restore/preamble-filter.ts): then its SQL goes through psql, serially, without them.
// The load runs with a session setting for a bulk load into a new database (loadSessionOptions),
// passed in PGOPTIONS: nothing in the server's configuration changes.













/** Databases a restore must never target (dropping them would break the cluster). */
const PROTECTED_DATABASES = ['postgres', 'template0', 'template1'];
/** A database to connect to for CREATE/DROP/RENAME of the named ones. */
function maintenanceDb(env, avoid) {
    for (const d of ['postgres', 'template1', env.PGDATABASE])
        if (d && !avoid.includes(d))
            return d;
    return 'template1';
}
function checkDatabaseName(name, what) {
    if (!name || Buffer.byteLength(name) > 63 || name.includes('\0'))
        throw new util_errors/* PgkeepError */.$Z('bad-usage', `${what} "${name}" is not a valid database name.`, 'PostgreSQL database names are 1 to 63 bytes.');
}
async function databaseExists(env, name) {
    return (await existingDatabases(env, [name])).length > 0;
}
/** Which of `names` exist, in one query (a multi-database restore checks all its targets at once). */
async function existingDatabases(env, names) {
    if (!names.length)
        return [];
    return (0,postgres_client.withClient)(env, maintenanceDb(env, names), async (c) => {
        const r = await c.query('select datname from pg_database where datname = any($1::text[])', [names]);
        return r.rows.map((x) => x.datname);
    });
}
/**
 * Run exactly one statement: the extended protocol refuses a second one, so even a statement
 * that was misread could never carry another along.
 */
async function queryOne(c, text) {
    await c.query({ text, queryMode: 'extended' });
}
/** Roles of the backup that the server does not have. */
async function missingRoles(env, roles) {
    if (!roles.length)
        return [];
    return (0,postgres_client.withClient)(env, maintenanceDb(env, []), async (c) => {
        const r = await c.query('select rolname from pg_roles');
        const have = new Set(r.rows.map((x) => x.rolname));
        return roles.filter((x) => !have.has(x.name));
    });
}
/**
 * Create the given (missing) roles with their attributes, settings and memberships. All roles
 * are created in one transaction; a membership or per-database setting that cannot be applied
 * is a warning.
 * Statements are never logged: they may carry password hashes.
 */
async function createRoles(env, roles) {
    if (!roles.length)
        return [];
    return (0,postgres_client.withClient)(env, maintenanceDb(env, []), async (c) => {
        await c.query('begin');
        try {
            for (const r of roles) {
                for (const s of r.statements) {
                    try {
                        await queryOne(c, s);
                    }
                    catch (e) {
                        throw new util_errors/* PgkeepError */.$Z('role-failed', `Could not create role "${r.name}" from the backup's globals: ${e.message}.`, 'The restoring user needs CREATEROLE (or superuser); or create the role by hand and retry.');
                    }
                }
            }
            await c.query('commit');
        }
        catch (e) {
            await c.query('rollback').catch(() => undefined);
            throw e;
        }
        for (const r of roles)
            for (const s of r.bestEffort)
                await queryOne(c, s).catch((e) => log/* log */.Rm.warn(`role "${r.name}": a membership or per-database setting from the backup was not applied (${e.message})`));
        log/* log */.Rm.info(`created role(s) from the backup's globals: ${roles.map((r) => r.name).join(', ')}`);
        return roles.map((r) => r.name);
    });
}
async function dropDatabase(c, name) {
    // A template cannot be dropped (a restore brings the flag back with the database's properties).
    const t = await c.query('select datistemplate as t from pg_database where datname = $1', [name]);
    if (t.rows[0]?.t)
        await c.query(`alter database ${(0,postgres_client.ident)(name)} is_template false`);
    await c.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [name]);
    const v = await c.query(`select current_setting('server_version_num') as v`);
    await c.query(`drop database if exists ${(0,postgres_client.ident)(name)}${Number(v.rows[0].v) >= 130000 ? ' with (force)' : ''}`);
}
/** libpq conninfo value quoting, so a database name is never parsed as a connection string. */
function conninfoDbname(name) {
    return `dbname='${name.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
/** CREATE DATABASE as the dump describes it, or a plain one. */
async function createTarget(c, into, props) {
    if (!props) {
        await c.query(`create database ${(0,postgres_client.ident)(into)} template template0`);
        return;
    }
    let create = props.create;
    if (props.tablespace !== undefined && !(await c.query('select 1 from pg_tablespace where spcname = $1', [props.tablespace])).rowCount) {
        log/* log */.Rm.warn(`the source database's default tablespace "${props.tablespace}" does not exist here; "${into}" is created in the server's default tablespace`);
        create = props.createWithoutTablespace;
    }
    try {
        await queryOne(c, create);
    }
    catch (e) {
        throw new util_errors/* PgkeepError */.$Z('create-failed', `Could not create "${into}" with the encoding and locale of "${props.source}" from the backup: ${e.message}.`, 'The restoring server must offer the source\'s encoding and locale (CREATE DATABASE … LOCALE); install the locale, or restore on a server that has it.');
    }
}
/** The dumped database's own properties, onto `into`: all or none. */
async function applyProperties(c, into, props) {
    await c.query('begin');
    try {
        for (const s of props.statements)
            await queryOne(c, s);
        await c.query('commit');
    }
    catch (e) {
        await c.query('rollback').catch(() => undefined);
        throw new util_errors/* PgkeepError */.$Z('database-properties-failed', `Could not give "${into}" the owner, grants or settings "${props.source}" had in the backup: ${e.message}.`, 'The roles they name must exist and the restoring user must be allowed to grant to them (superuser, or owner with CREATEROLE).');
    }
    log/* log */.Rm.info(`"${into}" has the owner, comment, grants, connection limit and settings of "${props.source}" (${props.statements.length} statement(s) from the dump)`);
}
/**
 * Create database `into` and restore a pg_dump custom-format stream into it. If the restore
 * fails, the database this call created is dropped; a database that existed before is only
 * ever dropped with `replace`.
 */
async function restoreDumpInto(env, binDir, openDump, into, opts) {
    checkDatabaseName(into, 'Target database');
    if (PROTECTED_DATABASES.includes(into))
        throw new util_errors/* PgkeepError */.$Z('bad-usage', `Refusing to restore into "${into}": it is a system database.`, 'Choose another --into name.');
    const admin = maintenanceDb(env, [into]);
    // Neither touches the server: the archive's head through pg_restore, and pg_restore's version.
    const propsRead = opts.databaseProperties ? (opts.properties ?? readDatabaseProperties(binDir, openDump, into)) : Promise.resolve(undefined);
    const restoreMajor = pgRestoreMajor(binDir);
    propsRead.catch(() => undefined);
    const props = await propsRead;
    if (opts.databaseProperties && !props)
        log/* log */.Rm.warn(`the dump holds no DATABASE entry: "${into}" gets the schema and data only, with this server's defaults for owner, settings and grants`);
    let dropLines = [];
    await (0,postgres_client.withClient)(env, admin, async (c) => {
        const v = await c.query(`select current_setting('server_version_num') as v`);
        const serverMajor = Math.floor(Number(v.rows[0].v) / 10000);
        dropLines = scriptRestoreNeeded(binDir, await restoreMajor, serverMajor);
        const exists = ((await c.query('select 1 from pg_database where datname = $1', [into])).rowCount ?? 0) > 0;
        if (exists && !opts.replace)
            throw new util_errors/* PgkeepError */.$Z('target-exists', `Database "${into}" already exists; a restore never overwrites it.`, `Choose another name with --into, or pass --replace to drop "${into}" first.`);
        if (exists) {
            log/* log */.Rm.info(`dropping existing database "${into}" (--replace)`);
            await dropDatabase(c, into);
        }
        await createTarget(c, into, props);
    });
    const toolEnv = { ...env, PGDATABASE: into, PGOPTIONS: loadSessionOptions(env.PGOPTIONS) };
    const restoreArgs = ['--exit-on-error', '-d', conninfoDbname(into)];
    const p = (0,log/* progress */.qB)(`restore into ${into}`, opts.rawBytes);
    let tmpDir;
    try {
        if (dropLines.length) {
            if (opts.jobs && opts.jobs > 1)
                log/* log */.Rm.warn(`--jobs ${opts.jobs} is not used: every pg_restore -j worker would send ${dropLines.join(' ')} to "${into}"'s server, which does not know it; restoring serially through psql instead`);
            await restoreThroughPsql(binDir, await openDump(), into, toolEnv, dropLines, p);
        }
        else if (opts.jobs && opts.jobs > 1) {
            tmpDir = await external_node_fs_.promises.mkdtemp(external_node_path_default().join(external_node_os_default().tmpdir(), 'pgkeep-restore-'));
            const file = external_node_path_default().join(tmpDir, 'database.dump');
            await (0,promises_.pipeline)(await openDump(), new streams/* ByteCounter */.P$((n) => p.add(n)), (0,external_node_fs_.createWriteStream)(file, { mode: 0o600, flags: 'wx' }));
            log/* log */.Rm.info(`staged the dump in ${file} (${(0,log/* formatBytes */.z3)(p.bytes)}); pg_restore -j ${opts.jobs}`);
            await (0,pg_tools.runTool)(binDir, 'pg_restore', [...restoreArgs, '-j', String(opts.jobs), file], { env: toolEnv, what: `pg_restore into "${into}"` });
        }
        else {
            const what = `pg_restore into "${into}"`;
            let run;
            let feed;
            if (opts.compressed) {
                const z = opts.compressed;
                const piped = pipeThroughZstd(z.zstd, (stdin) => (0,pg_tools.startTool)(binDir, 'pg_restore', restoreArgs, { env: toolEnv, stdin, what }), z.open, z.what, (n) => p.add(n * z.rawPerStoredByte));
                ({ run, fed: feed } = piped);
            }
            else {
                const dump = await openDump();
                run = (0,pg_tools.startTool)(binDir, 'pg_restore', restoreArgs, { env: toolEnv, stdin: 'pipe', what });
                feed = (0,promises_.pipeline)(dump, new streams/* ByteCounter */.P$((n) => p.add(n)), run.stdin);
            }
            feed.catch(() => run.kill());
            const [f, d] = await Promise.allSettled([feed, run.done]);
            // A dump that could not be read (checksum, storage, decryption, corrupt zstd data) is the
            // cause whatever pg_restore then said about its truncated input.
            if (f.status === 'rejected' && !closedByReader(f.reason))
                throw f.reason;
            // pg_restore stopping early breaks the pipe: its own error explains why.
            if (d.status === 'rejected')
                throw d.reason;
            // pg_restore may exit (successfully) the instant it has read its last block, closing its
            // stdin before our side saw 'finish': that race is not a failure. The dump's checksum was
            // verified before the server was touched, so nothing unchecked slips through here.
        }
        p.done();
        await (0,postgres_client.withClient)(env, admin, async (c) => {
            // The load committed asynchronously (synchronous_commit=off): one synchronous commit of a
            // transaction with an xid flushes the WAL up to it, so what was restored is durable from here.
            await c.query('select txid_current()');
            // After the data: a connection limit, a read-only default or a search_path must not meet pg_restore.
            if (props)
                await applyProperties(c, into, props);
        });
    }
    catch (e) {
        log/* log */.Rm.warn(`restore into "${into}" failed; dropping the database it created`);
        await (0,postgres_client.withClient)(env, admin, (c) => dropDatabase(c, into)).catch((de) => log/* log */.Rm.warn(`could not drop "${into}" after the failed restore: ${de.message}`));
        throw e;
    }
    finally {
        if (tmpDir)
            await external_node_fs_.promises.rm(tmpDir, { recursive: true, force: true });
    }
}
/**
 * Settings for the sessions that load a dump into a new database; settable by any user (a
 * setting the role may not change would refuse the connection). synchronous_commit=off:
 * pg_restore commits once per table, index and constraint, and none of them waits for a WAL
 * flush (a crash mid-restore fails the restore anyway; one synchronous commit at the end makes
 * it durable, see restoreDumpInto). Measured and left out (bench data set, 2 cores, interleaved
 * rounds): maintenance_work_mem=256MB and max_parallel_maintenance_workers=4 made the restore
 * of core slower (medians 6.0 s and 7.0 s against 4.7 s): parallel index build workers competed
 * for the server's cores. The server's own values decide; an operator can add them in PGOPTIONS.
 * The operator's own PGOPTIONS come after ours, so they override.
 */
function loadSessionOptions(userOptions) {
    const ours = '-c synchronous_commit=off';
    return userOptions?.trim() ? `${ours} ${userOptions.trim()}` : ours;
}
/** A reader closing its end early (it is done, or failed and says so itself). */
// ECANCELED: a write still queued on the pipe when the reader exited (libuv cancels it).
const closedByReader = (e) => ['ERR_STREAM_PREMATURE_CLOSE', 'EPIPE', 'ERR_STREAM_DESTROYED', 'ECANCELED'].includes(e?.code ?? '');
/**
 * The preamble lines this pg_restore would send that a server of `serverMajor` refuses (none when
 * pg_restore -d works as it is). psql from the same bin directory must run to take its place.
 */
function scriptRestoreNeeded(binDir, restoreMajor, serverMajor) {
    const lines = restoreMajor ? settingsUnknownTo(restoreMajor, serverMajor) : [];
    if (lines.length && !(0,pg_tools.toolMajor)((0,pg_tools.toolPath)(binDir, 'psql')))
        throw new util_errors/* PgkeepError */.$Z('no-pg-tools', `pg_restore ${restoreMajor} (${(0,pg_tools.toolPath)(binDir, 'pg_restore')}) sends ${lines.join(' ')}, which PostgreSQL ${serverMajor} refuses, and there is no psql beside it to restore its SQL without that line.`, `Install psql ${restoreMajor} next to pg_restore (postgresql-client-${restoreMajor}), or point PGKEEP_PG_BINDIR at a bin directory that has both.`);
    return lines;
}
const restoreMajors = new Map();
/** pg_restore's major, asked once per bin directory and without blocking (a caller may start it early). */
function pgRestoreMajor(binDir) {
    const file = (0,pg_tools.toolPath)(binDir, 'pg_restore');
    let m = restoreMajors.get(file);
    if (!m)
        restoreMajors.set(file, (m = toolMajorAsync(file)));
    return m;
}
/** toolMajor without blocking: it runs while the dump's head is read. */
function toolMajorAsync(file) {
    return new Promise((resolve) => (0,external_node_child_process_.execFile)(file, ['--version'], { encoding: 'utf8', timeout: 10_000 }, (e, out) => {
        if (e)
            return resolve(undefined);
        const m = /\(PostgreSQL\)\s+(\d+)/.exec(out) ?? /(\d+)(?:\.\d+)*/.exec(out);
        resolve(m ? Number(m[1]) : undefined);
    }));
}
/**
 * pg_restore -f - | filter | psql: the same statements pg_restore -d would run, one at a time
 * and each committed as it goes (no --single-transaction, as before), stopping at the first
 * error (ON_ERROR_STOP; psql's own message, with the script line, becomes the error).
 */
async function restoreThroughPsql(binDir, dump, into, env, dropLines, p) {
    const restore = (0,pg_tools.startTool)(binDir, 'pg_restore', ['--exit-on-error', '-f', '-'], { env, stdin: 'pipe', what: `pg_restore of the dump for "${into}"` });
    const psql = (0,pg_tools.startTool)(binDir, 'psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', conninfoDbname(into), '-f', '-'], {
        env,
        stdin: 'pipe',
        what: `pg_restore into "${into}" (its SQL through psql)`,
    });
    psql.stdout.resume();
    const filter = new PreambleFilter(dropLines);
    const feed = (0,promises_.pipeline)(dump, new streams/* ByteCounter */.P$((n) => p.add(n)), restore.stdin);
    feed.catch(() => restore.kill());
    const sql = (0,promises_.pipeline)(restore.stdout, filter, psql.stdin);
    const [f, r, s, q] = await Promise.allSettled([feed, restore.done, sql, psql.done]);
    // Which failure explains it: the dump could not be read; else the server refused a statement
    // (pg_restore then dies on the closed pipe); else pg_restore itself failed (psql saw a short
    // script and may have exited 0); the pipes last. pg_restore may exit 0 without reading the
    // dump's last bytes (see restoreDumpInto): that alone is no failure.
    if (f.status === 'rejected' && !closedByReader(f.reason))
        throw f.reason;
    if (q.status === 'rejected')
        throw q.reason;
    if (r.status === 'rejected')
        throw r.reason;
    if (s.status === 'rejected')
        throw s.reason;
    log/* log */.Rm.info(`restored "${into}" through psql without ${filter.dropped.join(' ') || 'any preamble line'} (the server does not have that setting)`);
}

;// CONCATENATED MODULE: ./src/restore/single-db-pitr.ts
// Single-database point-in-time restore (`pgkeep restore --logical --database core --time T`):
// PostgreSQL can only recover a whole cluster, so the cluster is restored to T in an ephemeral
// local cluster (temp dir, free port, archive_mode off so it never writes into the repository),
// then `pg_dump -Fc core` from it streams into `pg_restore` on the live server as
// `core_restore` (never over an existing database unless --replace). Roles the dump needs and
// the live server lacks are created first from the ephemeral cluster's globals; the database's
// own properties as of T (encoding, locale, owner, comment, grants, connection limit, settings)
// come from the dump's DATABASE entries, as in a plain logical restore. The ephemeral cluster
// is always removed.


















/** pg_dump's stdout as a stream that fails (instead of ending short) when pg_dump fails. */
function dumpStream(binDir, env, database) {
    const run = (0,pg_tools.startTool)(binDir, 'pg_dump', ['-Fc', '-Z', '0', '-d', database], { env, what: `pg_dump of "${database}" from the point-in-time cluster` });
    const out = new external_node_stream_.PassThrough({ highWaterMark: 1 << 20 });
    run.stdout.pipe(out, { end: false });
    let ended = false;
    run.stdout.on('end', () => (ended = true));
    run.done.then(() => (ended ? out.end() : run.stdout.once('end', () => out.end())), (e) => out.destroy(e));
    out.on('close', () => {
        if (!ended)
            run.kill();
    });
    return out;
}
async function singleDatabasePitr(cfg, o) {
    const started = Date.now();
    const time = parseTargetTime(o.time);
    const source = o.database;
    const into = o.into ?? `${source}_restore`;
    checkDatabaseName(source, '--database');
    checkDatabaseName(into, '--into');
    if (into === source)
        throw new util_errors/* PgkeepError */.$Z('refuse-source', `Refusing to restore into "${into}": it is the database being restored, and a restore never overwrites its source.`, `Restore into ${source}_restore (the default), check it, then run pgkeep swap ${source}.`);
    if (PROTECTED_DATABASES.includes(into))
        throw new util_errors/* PgkeepError */.$Z('bad-usage', `Refusing to restore into "${into}": it is a system database.`, 'Choose another --into name.');
    const exists = await databaseExists(cfg.pgEnv, into);
    if (exists && !o.replace)
        throw new util_errors/* PgkeepError */.$Z('target-exists', `Database "${into}" already exists; a restore never overwrites it.`, `Choose another name with --into, or pass --replace to drop "${into}" first (only "${into}" is dropped).`);
    const store = (0,open_store/* openStore */.C)(cfg);
    const plan = await planFromRepository(store, { target: { kind: 'time', time: o.time }, backup: o.backup, pgBinDir: cfg.pgBinDir });
    const lines = [
        ...plan.lines,
        `Then: start it as an ephemeral local cluster (archive_mode off), wait for promotion at ${time.iso}`,
        `Then: pg_dump -Fc "${source}" from it | pg_restore into "${into}" on the live server${exists ? ` (dropping the existing "${into}": --replace)` : ''}; roles it lacks are created from the cluster's globals; "${into}" gets "${source}"'s encoding, locale, owner, comment, grants and settings as of then`,
        'Then: stop and delete the ephemeral cluster',
    ];
    const result = (dryRun, extra = {}) => ({
        dryRun,
        backupId: plan.backup.id,
        recoveredTo: time.iso,
        plan: lines,
        target: into,
        database: source,
        durationSeconds: (Date.now() - started) / 1000,
        ...extra,
    });
    if (o.dryRun)
        return result(true);
    const binDir = (0,pg_tools.resolveBinDir)(cfg.pgBinDir, Math.floor(plan.backup.pgVersionNum / 10000));
    const paths = resolveCliPaths(cfg.settings);
    const work = await external_node_fs_.promises.mkdtemp(external_node_path_default().join(external_node_os_default().tmpdir(), 'pgkeep-pitr-db-'));
    await external_node_fs_.promises.chmod(work, 0o755);
    // A cancelled run (SIGINT/SIGTERM) removes the point-in-time copy too, not only on return.
    const releaseWork = undoOnCancel(`the point-in-time directory ${work}`, () => external_node_fs_.promises.rm(work, { recursive: true, force: true }));
    const dataDir = external_node_path_default().join(work, 'data');
    let cluster;
    try {
        await writeRestoredDataDir({ plan, store, dir: dataDir, node: paths.node, cli: paths.cli, repoUrl: repoUrlForServer(cfg), archiveMode: 'off', zstdCli: !cfg.settings.noZstdCli, tablespaceTarget: tablespaceTargetFrom(undefined, external_node_path_default().join(work, 'tablespaces')) });
        // Only this process talks to the ephemeral cluster: trust on its unix socket in a 0700
        // directory and no TCP (private), so no other local user can reach the copy.
        const s = await startRestored({ dir: dataDir, binDir, timeoutSeconds: o.promoteTimeoutSeconds, settings: { archive_mode: 'off' }, env: (0,config/* serverEnv */.NK)(cfg), private: true });
        cluster = s.cluster;
        // Promotion is not proof that the target was reached (replay-check.ts): check before dumping.
        await confirmReplay(plan, s, 'The point-in-time cluster');
        const recoveredTo = s.lastReplayedXact ? normaliseIso(s.lastReplayedXact) : undefined;
        const user = await superuserOf(cluster, cfg.pgEnv.PGUSER);
        const env = { PGHOST: cluster.env.PGHOST, PGPORT: String(cluster.port), PGUSER: user };
        const has = await (0,postgres_client.withClient)(env, 'postgres', async (c) => ((await c.query('select 1 from pg_database where datname = $1', [source])).rowCount ?? 0) > 0);
        if (!has)
            throw new util_errors/* PgkeepError */.$Z('unknown-database', `Database "${source}" did not exist at ${time.iso} (the cluster restored to that instant has no such database).`, 'Check the name and the time (pgkeep list shows the backups).');
        const globals = await (0,pg_tools.runTool)(binDir, 'pg_dumpall', ['--globals-only', '--no-role-passwords'], { env, what: 'pg_dumpall --globals-only of the point-in-time cluster' });
        const created = await createRoles(cfg.pgEnv, await missingRoles(cfg.pgEnv, parseGlobalsRoles(globals)));
        log/* log */.Rm.info(`restore: "${source}" as of ${recoveredTo ?? time.iso} → "${into}" on the live server`);
        await restoreDumpInto(cfg.pgEnv, binDir, async () => dumpStream(binDir, env, source), into, { replace: o.replace, jobs: o.jobs, databaseProperties: true });
        return result(false, { recoveredTo: recoveredTo ?? time.iso, createdRoles: created, stopLine: s.stopLine });
    }
    finally {
        if (cluster)
            await cluster.destroy().catch((e) => log/* log */.Rm.warn(`could not remove the ephemeral cluster: ${e.message}`));
        await external_node_fs_.promises.rm(work, { recursive: true, force: true }).catch((e) => log/* log */.Rm.warn(`could not remove ${work}: ${e.message}`));
        releaseWork();
    }
}
/** A superuser of the restored cluster to dump as: the configured user, else postgres. */
async function superuserOf(c, preferred) {
    const names = [...new Set([preferred, 'postgres'].filter((x) => !!x))];
    for (const n of names) {
        try {
            const ok = await (0,postgres_client.withClient)({ PGHOST: c.env.PGHOST, PGPORT: String(c.port), PGUSER: n }, 'postgres', async (cl) => (await cl.query('select rolsuper as s from pg_roles where rolname = current_user')).rows[0]?.s);
            if (ok)
                return n;
        }
        catch {
            /* try the next */
        }
    }
    throw new util_errors/* PgkeepError */.$Z('no-superuser', `The point-in-time cluster has no superuser among ${names.join(', ')} to dump with.`, 'Run the restore with PGUSER set to a superuser of the backed-up cluster.');
}

;// CONCATENATED MODULE: ./src/commands/restore-logical.ts
// `pgkeep restore --logical`: databases from a logical backup into new databases — one
// (--database, optionally --into) or several of the same backup in one run (--databases, each
// into <db>_restore, cfg.parallel at a time, largest dump first).
// Order: pick the backup, check the targets, verify every dump's checksum, then (and only then)
// create missing roles (once), create each database (the source's encoding and locale) and
// stream pg_restore, then give it the source's owner, comment, grants, connection limit and
// settings (ALTER DATABASE … SET, ALTER ROLE … IN DATABASE … SET), all read from the dump itself —
// so backups taken before pgkeep restored them get them too. --dry-run stops at the plan.
// Everything that can refuse does so for all databases together, before anything is created.



















/**
 * A --databases run that failed once restores had started: the one-paragraph error, plus what
 * became of each database (restored, failed with its cause, not started) for callers that show
 * it as a table (the pg-restore action's summary).
 */
class LogicalRestoreManyError extends util_errors/* PgkeepError */.$Z {
    backupId;
    databases;
    constructor(backupId, databases, message, hint) {
        super('restore-failed', message, hint);
        this.backupId = backupId;
        this.databases = databases;
    }
}
const quoted = (names) => names.map((n) => `"${n}"`).join(', ');
/**
 * The logical backup to restore `databases` from: an id, or the newest logical backup that has
 * all of them; with each one's dump, in the order asked.
 */
function pickLogicalBackupFor(cat, ref, databases) {
    const one = databases.length === 1;
    const has = (b, db) => b.objects.some((o) => o.kind === DUMP_KIND && o.database === db);
    let backup;
    if (ref === 'latest') {
        const logical = cat.backups.filter((b) => b.type === 'logical');
        if (!logical.length)
            throw new util_errors/* PgkeepError */.$Z('no-backup', 'The repository has no logical backup yet.', 'Run pgkeep backup --type logical first.');
        const having = logical.filter((b) => databases.every((db) => has(b, db)));
        if (!having.length) {
            const newest = logical[logical.length - 1];
            const lacks = databases.filter((db) => !has(newest, db));
            throw new util_errors/* PgkeepError */.$Z('unknown-database', one ? `No logical backup contains database "${databases[0]}".` : `No logical backup contains all of ${quoted(databases)}.`, `The newest logical backup ${newest.id} has: ${(newest.databases ?? []).join(', ') || 'no databases'}.${one ? '' : ` It lacks ${quoted(lacks)}; restore the others with --databases, or pick a backup with --backup.`}`);
        }
        backup = having[having.length - 1];
    }
    else {
        backup = (0,repo_catalog.findBackup)(cat, ref);
        if (backup.type !== 'logical')
            throw new util_errors/* PgkeepError */.$Z('wrong-backup-type', `Backup ${backup.id} is a ${backup.type} backup, not a logical one.`, 'Pick a logical backup (pgkeep list), or restore it with pgkeep restore --to DIR.');
    }
    const lacks = databases.filter((db) => !has(backup, db));
    if (lacks.length)
        throw new util_errors/* PgkeepError */.$Z('unknown-database', one ? `Backup ${backup.id} does not contain database "${lacks[0]}".` : `Backup ${backup.id} does not contain ${lacks.length > 1 ? 'databases' : 'database'} ${quoted(lacks)}.`, `It has: ${(backup.databases ?? []).join(', ') || 'no databases'}.`);
    return { backup, dumps: databases.map((db) => backup.objects.find((o) => o.kind === DUMP_KIND && o.database === db)) };
}
/** The logical backup to restore `database` from: an id, or the newest logical backup that has it. */
function pickLogicalBackup(cat, ref, database) {
    const { backup, dumps } = pickLogicalBackupFor(cat, ref, [database]);
    return { backup, dump: dumps[0] };
}
/** The backup's role definitions (globals.sql), checksum-verified. */
async function readBackupRoles(store, backup) {
    const object = backup.objects.find((o) => o.kind === GLOBALS_KIND);
    if (!object)
        return { roles: [] };
    const sql = (await (0,streams/* streamToBuffer */.GV)(await openObject(store, (0,layout/* backupObjectKey */.H)(backup.id, object.name), object))).toString('utf8');
    return { roles: parseGlobalsRoles(sql), object };
}
const settle = (p) => (p.catch(() => undefined), p);
/**
 * Everything that can refuse, for all databases together and before anything is created: names,
 * the backup, the targets, and (started here, awaited by executeLogicalPlan) each dump's
 * checksum and database properties. A dry run reads no dump.
 */
async function planLogicalRestore(cfg, requested, o) {
    const one = requested.length === 1;
    const sources = requested.map((r) => r.source);
    for (const { source, into } of requested) {
        checkDatabaseName(source, o.flag);
        checkDatabaseName(into, one ? '--into' : `Target of "${source}"`);
        if (into === source)
            throw new util_errors/* PgkeepError */.$Z('refuse-source', `Refusing to restore into "${into}": it is the database being restored, and a restore never overwrites its source.`, `Restore into ${source}_restore (the default), check it, then run pgkeep swap ${source}.`);
        if (PROTECTED_DATABASES.includes(into))
            throw new util_errors/* PgkeepError */.$Z('bad-usage', `Refusing to restore into "${into}": it is a system database.`, 'Choose another --into name.');
        // --databases a,a_restore: a's target is a database this same run restores from.
        if (sources.includes(into))
            throw new util_errors/* PgkeepError */.$Z('bad-usage', `Refusing to restore "${source}" into "${into}": "${into}" is also one of the databases being restored.`, `Restore "${source}" in a run of its own with --into another name.`);
    }
    const store = (0,open_store/* openStore */.C)(cfg);
    // Independent look-ups side by side; a repository error is reported before a server one.
    const [cat, server] = await Promise.allSettled([(0,repo_catalog.loadCatalog)(store), (0,postgres_client.serverFacts)(cfg.pgEnv)]);
    if (cat.status === 'rejected')
        throw cat.reason;
    // The backup asked for (unknown, unusable, missing a database) is the first thing to report.
    const { backup, dumps } = pickLogicalBackupFor(cat.value, o.backup, sources);
    if (server.status === 'rejected')
        throw server.reason;
    const facts = server.value;
    // pg_restore must be at least as new as the pg_dump that wrote the archive.
    const binDir = (0,pg_tools.resolveBinDir)(cfg.pgBinDir, Math.max(facts.major, Math.floor(backup.pgVersionNum / 10000)));
    // What touches no server starts now, beside the look-ups below: each dump's checksum, and each
    // database's own properties from the archive's head (two short pg_restore runs). The checksum
    // still decides first (its failure is the one reported), and nothing reaches the server before
    // every dump passed.
    const targets = requested.map(({ source, into }, i) => {
        const dump = dumps[i];
        const key = (0,layout/* backupObjectKey */.H)(backup.id, dump.name);
        return {
            source,
            into,
            dump,
            key,
            exists: false,
            verified: o.dryRun ? undefined : settle(verifyObject(store, key, dump)),
            properties: o.dryRun ? undefined : settle(readDatabaseProperties(binDir, () => openObject(store, key, dump), into)),
        };
    });
    if (!o.dryRun)
        pgRestoreMajor(binDir);
    const [ex, rs] = await Promise.allSettled([
        existingDatabases(cfg.pgEnv, targets.map((t) => t.into)),
        readBackupRoles(store, backup).then(async (r) => ({ ...r, missing: await missingRoles(cfg.pgEnv, r.roles) })),
    ]);
    if (ex.status === 'rejected')
        throw ex.reason;
    for (const t of targets)
        t.exists = ex.value.includes(t.into);
    const taken = targets.filter((t) => t.exists).map((t) => t.into);
    if (taken.length && !o.replace)
        throw one
            ? new util_errors/* PgkeepError */.$Z('target-exists', `Database "${taken[0]}" already exists; a restore never overwrites it.`, `Choose another name with --into, or pass --replace to drop "${taken[0]}" first (only "${taken[0]}" is dropped).`)
            : new util_errors/* PgkeepError */.$Z('target-exists', `${taken.length > 1 ? 'Databases' : 'Database'} ${quoted(taken)} already ${taken.length > 1 ? 'exist' : 'exists'}; a restore never overwrites, so none of ${quoted(sources)} was restored.`, `Drop or rename ${taken.length > 1 ? 'them' : 'it'}, leave ${taken.length > 1 ? 'their databases' : 'its database'} out of --databases, or pass --replace to drop the targets first (only the <database>_restore targets are dropped).`);
    if (rs.status === 'rejected')
        throw rs.reason;
    const { roles, object: globals, missing } = rs.value;
    const jobs = o.jobs && o.jobs > 1 ? o.jobs : undefined;
    // Largest first: the longest restore starts at once instead of running alone at the end.
    const ordered = [...targets].sort((a, b) => b.dump.rawBytes - a.dump.rawBytes);
    const rolesLine = missing.length
        ? `create missing role(s) from ${globals?.name}: ${missing.map((r) => r.name).join(', ')} (existing roles are not altered)`
        : `roles: every role in the backup exists already (${roles.length}); none is created or altered`;
    const loadLine = (t) => jobs
        ? `stage the dump in a private temp file (${(0,log/* formatBytes */.z3)(t.dump.rawBytes)} on local disk) and run pg_restore -j ${jobs} into "${t.into}"`
        : `stream the dump into pg_restore -d "${t.into}"`;
    const propertiesLine = (t) => `then give "${t.into}" what "${t.source}" had as a database in the dump: owner, comment, grants (GRANT/REVOKE … ON DATABASE), connection limit, template flag, ALTER DATABASE … SET and ALTER ROLE … IN DATABASE … SET`;
    const taken1 = (t) => `${(0,log/* formatBytes */.z3)(t.dump.bytes)} stored, ${(0,log/* formatBytes */.z3)(t.dump.rawBytes)} raw`;
    const backupLine = `backup ${backup.id} (taken ${backup.startTime}, PostgreSQL ${backup.pgVersion})`;
    const plan = one
        ? [
            `${backupLine}, database "${ordered[0].source}": ${ordered[0].dump.name}, ${taken1(ordered[0])}`,
            `verify size and SHA-256 of ${ordered[0].dump.name} before touching the server`,
            rolesLine,
            ...(ordered[0].exists ? [`drop existing database "${ordered[0].into}" (--replace; "${ordered[0].source}" is not touched)`] : []),
            `create database "${ordered[0].into}" with the encoding and locale "${ordered[0].source}" has in the dump`,
            loadLine(ordered[0]),
            propertiesLine(ordered[0]),
        ]
        : [
            `${backupLine}, ${ordered.length} databases: ${sources.join(', ')}`,
            `verify size and SHA-256 of every dump (${ordered.map((t) => t.dump.name).join(', ')}) before touching the server`,
            rolesLine,
            `restore ${Math.min(cfg.parallel, ordered.length)} at a time (PGKEEP_PARALLEL), largest dump first; after a failure no further restore starts, the failed one's new database is dropped and the restored ones stay`,
            ...ordered.map((t) => `"${t.source}" → "${t.into}": ${t.dump.name}, ${taken1(t)}; ${t.exists ? `drop existing "${t.into}" (--replace), ` : ''}create it with the encoding and locale of "${t.source}" in the dump, ${loadLine(t)}, then give it the owner, comment, grants, connection limit, template flag and settings "${t.source}" had`),
        ];
    return { store, backup, binDir, targets: ordered, missing, jobs, plan };
}
/** Restore one planned database (its checks have passed): the per-database steps of both paths. */
async function restoreTarget(cfg, p, t, replace) {
    const { store, backup } = p;
    const { dump, key } = t;
    const zstd = dump.compression === 'zstd' && !cfg.settings.noZstdCli ? (0,find_executable/* findExecutable */.o)('zstd') : undefined;
    await restoreDumpInto(cfg.pgEnv, p.binDir, () => openObject(store, key, dump), t.into, {
        replace,
        jobs: p.jobs,
        rawBytes: dump.rawBytes,
        databaseProperties: true,
        properties: t.properties,
        compressed: zstd
            ? {
                zstd,
                what: `${dump.name} of backup ${backup.id}`,
                rawPerStoredByte: dump.bytes > 0 ? dump.rawBytes / dump.bytes : 0,
                // The stored bytes, checked again as they stream (a copy changed since the check above
                // fails the restore), then decrypted; zstd -d does the rest.
                open: async () => {
                    const stages = [verifyingStream(dump, key), ...(dump.encryption === 'age' ? [(0,age/* ageDecryptStream */.n3)(key)] : [])];
                    const out = new external_node_stream_.PassThrough({ highWaterMark: 1 << 20 });
                    (0,promises_.pipeline)(await store.get(key), ...stages, out).catch((e) => out.destroy(e));
                    return out;
                },
            }
            : undefined,
    });
    log/* log */.Rm.info(`restored "${t.source}" from ${backup.id} into "${t.into}"`);
}
/**
 * Run a plan: wait for every dump's checksum (and age header, and properties), create the missing
 * roles once, then restore `parallel` databases at a time; after a failure none is started.
 */
async function executeLogicalPlan(cfg, p, replace, parallel) {
    for (const l of p.plan)
        log/* log */.Rm.info(`restore plan: ${l}`);
    for (const t of p.targets)
        log/* log */.Rm.info(`verifying ${t.dump.name} (${(0,log/* formatBytes */.z3)(t.dump.bytes)})`);
    for (const t of p.targets)
        await t.verified;
    // A wrong age identity fails here, on the dumps' headers, before the server is touched.
    for (const t of p.targets)
        if (t.dump.encryption === 'age')
            await (0,age/* checkAgeIdentity */.Qh)(await p.store.get(t.key), t.key);
    for (const t of p.targets)
        await t.properties;
    const createdRoles = await createRoles(cfg.pgEnv, p.missing);
    const outcomes = p.targets.map((t) => ({ t, notStarted: true }));
    let next = 0;
    let failed = false;
    const worker = async () => {
        while (!failed && next < p.targets.length) {
            const i = next++;
            const t = p.targets[i];
            const started = Date.now();
            try {
                await restoreTarget(cfg, p, t, replace);
                outcomes[i] = { t, seconds: (Date.now() - started) / 1000 };
            }
            catch (e) {
                failed = true;
                outcomes[i] = { t, error: e };
            }
        }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(parallel, p.targets.length)) }, worker));
    return { createdRoles, outcomes };
}
async function restoreLogical(cfg, opts) {
    // One database as of a point in time: the cluster is recovered in an ephemeral cluster from a
    // physical backup + WAL, then that database is dumped into <database>_restore here.
    if (opts.time)
        return singleDatabasePitr(cfg, {
            database: opts.database,
            time: opts.time,
            into: opts.into,
            replace: opts.replace,
            dryRun: opts.dryRun,
            backup: opts.backup === 'latest' ? undefined : opts.backup,
            jobs: opts.jobs,
        });
    const started = Date.now();
    const source = opts.database;
    const into = opts.into ?? `${source}_restore`;
    const p = await planLogicalRestore(cfg, [{ source, into }], { ...opts, flag: '--database' });
    const result = (dryRun, createdRoles = []) => ({
        dryRun,
        backupId: p.backup.id,
        plan: p.plan,
        target: into,
        database: source,
        createdRoles,
        durationSeconds: (Date.now() - started) / 1000,
    });
    if (opts.dryRun)
        return result(true);
    const { createdRoles, outcomes } = await executeLogicalPlan(cfg, p, opts.replace, 1);
    if (outcomes[0].error !== undefined)
        throw outcomes[0].error;
    return result(false, createdRoles);
}
/** Several databases of one logical backup, each into `<database>_restore`, in one run. */
async function restoreLogicalMany(cfg, opts) {
    const started = Date.now();
    const sources = [...new Set(opts.databases)];
    if (!sources.length)
        throw new util_errors/* PgkeepError */.$Z('bad-usage', '--databases is empty: expected a comma-separated list such as core,keycloak.');
    const p = await planLogicalRestore(cfg, sources.map((source) => ({ source, into: `${source}_restore` })), { ...opts, flag: '--databases' });
    const listed = (done) => p.targets
        .filter((t) => !done || done.has(t))
        .map((t) => ({ database: t.source, target: t.into, replaced: t.exists, ...(done ? { durationSeconds: done.get(t) } : {}) }));
    const result = (dryRun, databases, createdRoles = []) => ({
        dryRun,
        backupId: p.backup.id,
        plan: p.plan,
        databases,
        createdRoles,
        durationSeconds: (Date.now() - started) / 1000,
    });
    if (opts.dryRun)
        return result(true, listed());
    const { createdRoles, outcomes } = await executeLogicalPlan(cfg, p, opts.replace, cfg.parallel);
    const done = new Map();
    for (const o of outcomes)
        if ('seconds' in o)
            done.set(o.t, o.seconds);
    const failures = outcomes.filter((o) => o.error !== undefined);
    if (failures.length) {
        const notStarted = outcomes.filter((o) => 'notStarted' in o).map((o) => o.t.source);
        const cause = (e) => (0,util_errors/* describeError */.Uc)(e).replace(/\.$/, '');
        const each = outcomes.map((o) => ({
            database: o.t.source,
            target: o.t.into,
            replaced: o.t.exists,
            ...('seconds' in o ? { durationSeconds: o.seconds } : o.error !== undefined ? { failed: (0,util_errors/* isPgkeepError */.pu)(o.error) ? o.error.message.replace(/\.$/, '') : cause(o.error) } : { notStarted: true }),
        }));
        throw new LogicalRestoreManyError(p.backup.id, each, `Restoring from backup ${p.backup.id} failed for ${failures.map((f) => `"${f.t.source}" (into "${f.t.into}": ${cause(f.error)})`).join(' and for ')}. ` +
            `Restored: ${done.size ? [...done.keys()].map((t) => `"${t.source}" into "${t.into}"`).join(', ') : 'none'}` +
            `${notStarted.length ? `; not started after the failure: ${quoted(notStarted)}` : ''}.`, `A failed restore drops the database it created. Fix the cause and restore the rest with --databases ${formatNameList([...failures.map((f) => f.t.source), ...notStarted])}; the restored databases stay as they are.`);
    }
    return result(false, listed(done), createdRoles);
}

;// CONCATENATED MODULE: ./src/commands/restore-physical.ts
// `pgkeep restore --to DIR`: physical restore of a cluster to a point in time.
// Orchestration only: read the repository's catalog, plan (src/restore/plan.ts, pure), then
// write the data directory (src/restore/execute.ts) and optionally start it. Every refusal
// (bad input, non-empty DIR, target outside the window, unknown timeline, WAL gap) happens
// before anything is written.













/**
 * Whether the restored cluster becomes the new primary. Only an explicit choice makes it one
 * (--new-primary, the action's new-primary input); every other restore is a copy with
 * archive_mode = off, so looking at a copy never changes what later restores bring back.
 * archive_mode = off rather than an archive_command that refuses: a refusing command keeps every
 * finished segment in pg_wal (.ready) until the copy's disk fills, and logs a failure each time
 * it retries; off recycles WAL normally, and archiving can only be turned on again with a
 * restart, which is the deliberate step it should be.
 * PGKEEP_RESTORE_ARCHIVE_MODE (deprecated): `off` is the default now; `preserve` (the old
 * default) is read as --new-primary, with a note in the plan.
 */
function newPrimaryOf(cfg, opts) {
    if (opts.archiveMode === 'off') {
        if (opts.newPrimary)
            throw new util_errors/* PgkeepError */.$Z('bad-usage', 'A throwaway restore (drill, single-database PITR) cannot be the new primary.');
        return { newPrimary: false };
    }
    if (opts.newPrimary)
        return { newPrimary: true };
    if (cfg.settings.restoreArchiveMode === 'off')
        return { newPrimary: false };
    return { newPrimary: true, note: 'PGKEEP_RESTORE_ARCHIVE_MODE=preserve is deprecated and read as --new-primary; use --new-primary (action input new-primary) instead.' };
}
/** The plan lines that name the choice (dry run and log). */
function archivingLines(plan, newPrimary, promotedTimeline, repo) {
    return newPrimary
        ? [
            `New primary: the restored cluster keeps the backup's archive settings and, once promoted (timeline ${promotedTimeline}, forking from ${plan.targetTimeline}), archives into ${repo}; timeline.json records timeline ${promotedTimeline} as current, so later --latest and time restores follow it (--timeline ${plan.targetTimeline} restores the old branch)`,
        ]
        : [`Archiving: off (archive_mode = off): the restored cluster is a copy and never archives into ${repo}; --new-primary makes it the new primary instead`];
}

/** Read the repository and plan; writes nothing. */
async function planPhysicalRestore(cfg, opts, store = (0,open_store/* openStore */.C)(cfg)) {
    return planFromRepository(store, { ...opts, pgBinDir: cfg.pgBinDir });
}
async function restorePhysical(cfg, opts) {
    const t0 = Date.now();
    const target = toPlanTarget(opts.target);
    // The cheapest refusal first: a non-empty directory (checked again right before writing);
    // a dry run with --to reports the same refusal the real run would.
    if (!opts.dryRun || opts.to)
        await checkTargetDir(opts.to);
    if (opts.port !== undefined && !opts.start)
        throw new util_errors/* PgkeepError */.$Z('bad-usage', '--port applies only with --start.');
    const { newPrimary, note } = newPrimaryOf(cfg, opts);
    const store = (0,open_store/* openStore */.C)(cfg);
    const plan = await planPhysicalRestore(cfg, opts, store);
    // PostgreSQL picks the timeline at promotion; the archive's history files say which it will be.
    const newTimeline = newPrimary ? predictPromotedTimeline(plan.targetTimeline, await loadWalCatalog(store)) : undefined;
    if (note)
        log/* log */.Rm.warn(note);
    const paths = opts.dryRun ? undefined : resolveCliPaths(cfg.settings);
    const base = {
        dryRun: opts.dryRun,
        backupId: plan.backup.id,
        recoveredTo: target.kind === 'time' ? target.time.iso : target.kind === 'immediate' ? normaliseIso(plan.backup.stopTime) : undefined,
        plan: [...plan.lines, ...archivingLines(plan, newPrimary, newTimeline ?? 0, store.description), ...(note ? [`Note: ${note}`] : [])],
        target: opts.to || undefined,
        durationSeconds: 0,
        targetKind: opts.target.kind,
        targetTimeline: plan.targetTimeline,
        timelines: plan.timelinePath.map((s) => s.timeline),
        wal: { first: plan.wal.first, last: plan.wal.last, count: plan.wal.count, bytes: plan.wal.bytes },
        chain: plan.chain.map((m) => ({ id: m.id, type: m.type, bytes: m.bytes })),
        ...(plan.combineTool ? { combineTool: plan.combineTool } : {}),
        bytesToFetch: plan.bytesToFetch,
        estimatedSeconds: plan.estimatedSeconds,
        warnings: plan.warnings,
        ...(plan.timelineChoice ? { timelineChoice: { request: plan.timelineChoice.request, why: plan.timelineChoice.why } } : {}),
        newPrimary,
        ...(newTimeline !== undefined ? { newTimeline } : {}),
    };
    // Tablespaces go where they were unless mapped; each target must be absent or empty (checked
    // again when writing). The dry run shows where each one would go.
    const tablespaceTarget = tablespaceTargetFrom(opts.tablespaceMap, opts.tablespacesUnder);
    const tablespaces = await checkTablespaceTargets(plan.backup, tablespaceTarget);
    for (const t of tablespaces)
        base.plan.push(`Tablespace ${t.oid}: ${t.from} → ${t.to}${t.from === t.to ? ' (where it was; --tablespace-map OLD=NEW moves it)' : ''}`);
    // A dry run returns the plan to its caller (CLI text, job summary); a real run logs it as step one.
    if (!opts.dryRun)
        for (const l of base.plan)
            log/* log */.Rm.info(`restore plan: ${l}`);
    if (opts.dryRun)
        return { ...base, durationSeconds: (Date.now() - t0) / 1000 };
    const written = await writeRestoredDataDir({ plan, store, dir: opts.to, node: paths.node, cli: paths.cli, repoUrl: repoUrlForServer(cfg), archiveMode: newPrimary ? 'preserve' : 'off', stageSegments: cfg.settings.restoreStageSegments, zstdCli: !cfg.settings.noZstdCli, tablespaceTarget });
    // The rest of the planned WAL is staged while the server replays what is already there.
    const feed = written.staged > 0 && written.staged < plan.wal.segments.length
        ? (signal) => feedWal({ store, plan, dir: opts.to, from: written.staged, window: written.staged, signal, parallel: cfg.parallel })
        : undefined;
    opts.onFeed?.(feed);
    // Without --start nobody here sees the promotion: record the declaration now, with the predicted timeline.
    if (newPrimary && !opts.start)
        await declareNewPrimary(store, plan, newTimeline, 'predicted');
    if (!opts.start)
        return { ...base, durationSeconds: (Date.now() - t0) / 1000 };
    const binDir = (0,pg_tools.resolveBinDir)(cfg.pgBinDir, Math.floor(plan.backup.pgVersionNum / 10000));
    const s = await startRestored({ dir: opts.to, binDir, port: opts.port, timeoutSeconds: opts.startTimeoutSeconds, settings: opts.startSettings, env: (0,config/* serverEnv */.NK)(cfg), feed });
    // Promotion is not proof: replay must have reached what the plan promised (replay-check.ts).
    await confirmReplay(plan, s, `The restored cluster in ${opts.to}`);
    // Confirmed: the cluster is the operator's now and outlives this run (a cancel before this stops it).
    s.cluster.keepRunning();
    if (newPrimary)
        await declareNewPrimary(store, plan, s.timeline, 'promoted', s.replayLsn);
    const recoveredTo = s.lastReplayedXact ? normaliseIso(s.lastReplayedXact) : normaliseIso(plan.backup.stopTime);
    log/* log */.Rm.info(`restore: promoted on port ${s.cluster.port} (timeline ${s.timeline}); last transaction replayed at ${recoveredTo}${s.stopLine ? `; ${s.stopLine}` : ''}`);
    return {
        ...base,
        recoveredTo,
        ...(newPrimary ? { newTimeline: s.timeline } : {}),
        started: { port: s.cluster.port, serverLog: `${s.cluster.baseDir}/server.log`, timeline: s.timeline, stopLine: s.stopLine, promotedSeconds: s.promotedSeconds, ...(s.replayLsn !== undefined ? { reachedLsn: (0,segment/* formatLsn */.rI)(s.replayLsn) } : {}) },
        durationSeconds: (Date.now() - t0) / 1000,
    };
}
/** timeline.json: this restore is the new primary, so `current` follows its timeline from now on. */
async function declareNewPrimary(store, plan, timeline, confirmed, switchLsn) {
    await writeCurrentTimeline(store, {
        format: 1,
        timeline,
        parentTimeline: plan.targetTimeline,
        declaredAt: new Date().toISOString(),
        backupId: plan.backup.id,
        ...(switchLsn !== undefined ? { switchLsn: (0,segment/* formatLsn */.rI)(switchLsn) } : {}),
        confirmed,
    });
    log/* log */.Rm.info(`restore: timeline ${timeline} recorded as the repository's current timeline (new primary, ${confirmed})`);
}

;// CONCATENATED MODULE: ./src/cli/commands/restore.ts







const restoreCommand = {
    synopsis: '--time <ISO-8601> | --lsn <LSN> | --latest | --immediate  --to <pgdata dir> [--timeline N|latest|current] [--new-primary] [--backup <id>] [--tablespace-map OLD=NEW]… [--dry-run] [--start --port P] [--json]\n' +
        '            --logical --database <name> [--backup <id>|latest] [--into <name>] [--replace] [--time <ISO-8601>] [--jobs N] [--dry-run]\n' +
        '            --logical --databases <a,b,c> [--backup <id>|latest] [--replace] [--jobs N] [--dry-run]',
    help: 'Physical: writes a data directory that replays WAL to the target and promotes when started with pg_ctl -D DIR start.\n' +
        '  It follows the current timeline (the newest backup\'s, or the one a --new-primary restore declared); --timeline picks another.\n' +
        '  The restored cluster is a copy that never archives (archive_mode = off) unless --new-primary: then it archives on its new timeline and becomes current.\n' +
        '  --start starts it, waits for promotion and fails unless replay reached the planned end.\n' +
        'Logical: restores one database into <name>_restore (or --into), never over an existing database unless --replace.\n' +
        '  --databases restores several databases of one logical backup in one run, each into <name>_restore (no --into, no --time),\n' +
        '  PGKEEP_PARALLEL at a time, largest first (names as for backup --databases: a\\,b is "a,b"). Every check (backup with all of\n' +
        '  them, targets, checksums) passes for all before anything is created; a failed database is dropped, the others stay.',
    options: {
        time: { type: 'string' },
        lsn: { type: 'string' },
        latest: { type: 'boolean' },
        immediate: { type: 'boolean' },
        to: { type: 'string' },
        backup: { type: 'string' },
        'dry-run': { type: 'boolean' },
        start: { type: 'boolean' },
        port: { type: 'string' },
        logical: { type: 'boolean' },
        database: { type: 'string' },
        databases: { type: 'string' },
        into: { type: 'string' },
        replace: { type: 'boolean' },
        jobs: { type: 'string' },
        'tablespace-map': { type: 'string', multiple: true },
        timeline: { type: 'string' },
        'new-primary': { type: 'boolean' },
    },
    async run({ cfg, flags }) {
        const dryRun = flags['dry-run'] === true;
        let r;
        if (flags.logical) {
            const database = str(flags, 'database');
            const dbs = str(flags, 'databases');
            if (database !== undefined && dbs !== undefined)
                throw new util_errors/* PgkeepError */.$Z('bad-usage', '--database and --databases do not go together: give one database with --database (and optionally --into), or several with --databases.', 'Example: pgkeep restore --logical --databases core,keycloak,grafana');
            if (!database && dbs === undefined)
                throw new util_errors/* PgkeepError */.$Z('bad-usage', 'pgkeep restore --logical needs --database <name> (or --databases a,b,c).', 'Example: pgkeep restore --logical --database core');
            for (const f of ['lsn', 'latest', 'immediate', 'to', 'start', 'port', 'tablespace-map', 'new-primary', 'timeline'])
                if (flags[f] !== undefined)
                    throw new util_errors/* PgkeepError */.$Z('bad-usage', `--${f} does not apply to a logical restore.`);
            const jobs = str(flags, 'jobs');
            if (jobs !== undefined && !/^[1-9]\d?$/.test(jobs))
                throw new util_errors/* PgkeepError */.$Z('bad-usage', `--jobs="${jobs}" is not valid: expected a number from 1 to 99.`);
            if (dbs !== undefined) {
                for (const f of ['into', 'time'])
                    if (flags[f] !== undefined)
                        throw new util_errors/* PgkeepError */.$Z('bad-usage', `--${f} does not apply to --databases: each database is restored from the logical backup into <name>_restore.`, f === 'into' ? 'Restore a database into another name in a run of its own: pgkeep restore --logical --database X --into NAME.' : 'Restore a database as of an instant in a run of its own: pgkeep restore --logical --database X --time T.');
                const databases = parseNameList(dbs, '--databases');
                if (!databases.length)
                    throw new util_errors/* PgkeepError */.$Z('bad-usage', '--databases is empty: expected a comma-separated list such as core,keycloak.', 'A database whose name holds a comma is written with a backslash: a\\,b.');
                r = await restoreLogicalMany(cfg, { databases, backup: str(flags, 'backup') ?? 'latest', replace: flags.replace === true, dryRun, jobs: jobs ? Number(jobs) : undefined });
            }
            else
                r = await restoreLogical(cfg, {
                    database: database,
                    backup: str(flags, 'backup') ?? 'latest',
                    into: str(flags, 'into'),
                    replace: flags.replace === true,
                    dryRun,
                    time: str(flags, 'time'),
                    jobs: jobs ? Number(jobs) : undefined,
                });
        }
        else {
            const given = ['time', 'lsn', 'latest', 'immediate'].filter((k) => flags[k] !== undefined);
            if (given.length !== 1)
                throw new util_errors/* PgkeepError */.$Z('bad-usage', given.length ? `Give only one restore target, not --${given.join(' and --')}.` : 'pgkeep restore needs a target: --time, --lsn, --latest or --immediate (or --logical --database X).', 'Example: pgkeep restore --time 2025-11-08T14:30:00Z --to /var/lib/postgresql/restore');
            for (const f of ['database', 'databases', 'into', 'replace', 'jobs'])
                if (flags[f] !== undefined)
                    throw new util_errors/* PgkeepError */.$Z('bad-usage', `--${f} applies only to a logical restore (add --logical).`);
            const to = str(flags, 'to');
            if (!to && !dryRun)
                throw new util_errors/* PgkeepError */.$Z('bad-usage', 'pgkeep restore needs --to <empty data directory> (or --dry-run to see the plan).');
            const target = given[0] === 'time' ? { kind: 'time', time: str(flags, 'time') }
                : given[0] === 'lsn' ? { kind: 'lsn', lsn: str(flags, 'lsn') }
                    : given[0] === 'latest' ? { kind: 'latest' }
                        : { kind: 'immediate' };
            const port = str(flags, 'port');
            if (port !== undefined && !/^\d{2,5}$/.test(port))
                throw new util_errors/* PgkeepError */.$Z('bad-usage', `--port="${port}" is not a port number.`);
            r = await restorePhysical(cfg, {
                target,
                to: to ?? '',
                backup: str(flags, 'backup'),
                dryRun,
                start: flags.start === true,
                port: port ? Number(port) : undefined,
                tablespaceMap: parseTablespaceMap(flags['tablespace-map']),
                timeline: parseTimelineRequest(str(flags, 'timeline')),
                newPrimary: flags['new-primary'] === true,
            });
        }
        const many = r.databases;
        const text = [
            ...(r.dryRun ? ['Dry run: nothing was written. Plan:', ...r.plan.map((l) => `  ${l}`)] : []),
            ...(r.dryRun || many ? [] : [`Restored backup ${r.backupId}${r.recoveredTo ? ` to ${r.recoveredTo}` : ''}${r.target ? ` into ${r.target}` : ''} in ${r.durationSeconds.toFixed(1)} s.`]),
            ...(many && !r.dryRun ? [`Restored backup ${r.backupId} into ${many.length} databases in ${r.durationSeconds.toFixed(1)} s:`] : []),
            ...(many ? many.map((d) => `  ${d.database} → ${d.target}${d.replaced ? ' (replaced)' : ''}${d.durationSeconds !== undefined ? ` in ${d.durationSeconds.toFixed(1)} s` : ''}`) : []),
            ...(!r.dryRun && r.started
                ? [`Running on port ${r.started.port}, timeline ${r.started.timeline}; replay ended at ${r.started.reachedLsn ?? '?'}, as planned.${r.newPrimary ? ' It is the new primary (archiving on).' : ' It is a copy (archive_mode = off).'}`]
                : []),
        ].join('\n');
        return { json: r, text };
    },
};

;// CONCATENATED MODULE: ./src/commands/swap.ts





function beforeName(database, at) {
    return `${database}_before_${at.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z')}`;
}
/**
 * The command a person copies into a shell: names quoted (spaces, quotes, newlines survive), and
 * a name starting with "-" given as `--from=` / after `--` so it is never read as an option.
 */
function swapCommandLine(database, from) {
    if (database.startsWith('-') || from.startsWith('-'))
        return `pgkeep swap --from=${shellQuote(from)} -- ${shellQuote(database)}`;
    return `pgkeep swap ${shellQuote(database)} --from ${shellQuote(from)}`;
}
async function swapDatabase(cfg, opts) {
    const db = opts.database;
    const from = opts.from ?? `${db}_restore`;
    checkDatabaseName(db, 'Database');
    checkDatabaseName(from, '--from');
    if (from === db)
        throw new util_errors/* PgkeepError */.$Z('bad-usage', `--from "${from}" is the database itself; nothing to swap.`);
    const previous = beforeName(db, opts.now ?? new Date());
    if (Buffer.byteLength(previous) > 63)
        throw new util_errors/* PgkeepError */.$Z('bad-usage', `Database name "${db}" is too long to keep the old copy as "${previous}" (63 bytes at most).`, 'Rename by hand with ALTER DATABASE … RENAME TO.');
    const env = cfg.pgEnv;
    const admin = maintenanceDb(env, [db, from, previous]);
    const present = await (0,postgres_client.withClient)(env, admin, async (c) => {
        const r = await c.query('select datname from pg_database where datname = any($1)', [[db, from, previous]]);
        return new Set(r.rows.map((x) => x.datname));
    });
    if (!present.has(from))
        throw new util_errors/* PgkeepError */.$Z('no-restored-database', `Database "${from}" does not exist, so there is nothing to swap in for "${db}".`, `Restore it first: pgkeep restore --logical --database${db.startsWith('-') ? '=' : ' '}${shellQuote(db)}`);
    if (present.has(previous))
        throw new util_errors/* PgkeepError */.$Z('exists', `Database "${previous}" already exists.`, 'Wait a second and run swap again.');
    // The database going in must be usable: connectable and holding tables.
    const tables = await (0,postgres_client.withClient)(env, from, async (c) => {
        const r = await c.query(`select count(*) as n from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where c.relkind in ('r','p') and n.nspname not in ('pg_catalog','information_schema') and n.nspname not like 'pg_toast%'`);
        return Number(r.rows[0].n);
    });
    if (tables === 0)
        throw new util_errors/* PgkeepError */.$Z('empty-restore', `Database "${from}" has no tables; refusing to put it in place of "${db}".`, 'Check the restore (pgkeep restore --logical … --replace to redo it).');
    const had = present.has(db);
    const plan = [
        `check "${from}": connectable, ${tables} table(s)`,
        `end the sessions on ${had ? `"${db}" and ` : ''}"${from}"`,
        ...(had ? [`rename "${db}" → "${previous}"`] : [`"${db}" does not exist: nothing to keep aside`]),
        `rename "${from}" → "${db}"`,
    ];
    const reverseCommand = had ? swapCommandLine(db, previous) : undefined;
    const result = { dryRun: !!opts.dryRun, database: db, from, previous: had ? previous : undefined, tables, plan, reverseCommand };
    if (opts.dryRun)
        return result;
    await (0,postgres_client.withClient)(env, admin, async (c) => {
        // New sessions can arrive between terminating and renaming; retry a few times.
        for (let attempt = 1;; attempt++) {
            await c.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = any($1) and pid <> pg_backend_pid()', [[db, from]]);
            // Terminated backends take a moment to exit; RENAME refuses while any remains.
            for (let i = 0; i < 50; i++) {
                const r = await c.query('select 1 from pg_stat_activity where datname = any($1) and pid <> pg_backend_pid()', [[db, from]]);
                if (!r.rowCount)
                    break;
                await new Promise((res) => setTimeout(res, 100));
            }
            await c.query('begin');
            try {
                if (had)
                    await c.query(`alter database ${(0,postgres_client.ident)(db)} rename to ${(0,postgres_client.ident)(previous)}`);
                await c.query(`alter database ${(0,postgres_client.ident)(from)} rename to ${(0,postgres_client.ident)(db)}`);
                await c.query('commit');
                return;
            }
            catch (e) {
                await c.query('rollback').catch(() => undefined);
                const code = e.code;
                if (code !== '55006' || attempt >= 5) {
                    throw new util_errors/* PgkeepError */.$Z('swap-failed', `Could not rename the databases: ${e.message}.`, `Nothing was renamed; end the sessions on "${db}" and "${from}" and retry.`);
                }
                await new Promise((r) => setTimeout(r, 300 * attempt));
            }
        }
    });
    log/* log */.Rm.info(`swapped: "${from}" is now "${db}"${had ? `; the previous "${db}" is "${previous}"` : ''}`);
    return result;
}

;// CONCATENATED MODULE: ./src/cli/commands/swap.ts



const swapCommand = {
    synopsis: '<database> [--from <name>] [--dry-run] [--json]',
    help: 'Checks <database>_restore (or --from) is connectable and has tables, ends sessions on both, then renames\n' +
        '<database> → <database>_before_<UTC time> and <database>_restore → <database> in one transaction.\n' +
        'Undo: pgkeep swap <database> --from <database>_before_<time> (printed after each swap).',
    needsRepo: false,
    options: {
        from: { type: 'string' },
        'dry-run': { type: 'boolean' },
    },
    async run({ cfg, flags, positionals }) {
        if (positionals.length !== 1)
            throw new util_errors/* PgkeepError */.$Z('bad-usage', 'pgkeep swap needs exactly one database name.', 'Example: pgkeep swap core');
        const r = await swapDatabase(cfg, { database: positionals[0], from: str(flags, 'from'), dryRun: flags['dry-run'] === true });
        const text = [
            ...(r.dryRun ? ['Dry run: nothing was renamed. Plan:'] : []),
            ...r.plan.map((l) => `  ${l}`),
            ...(r.dryRun ? [] : [`Swapped: "${r.from}" is now "${r.database}".`]),
            ...(r.reverseCommand ? [`To undo: ${r.reverseCommand}`] : []),
        ].join('\n');
        return { json: r, text };
    },
};

// EXTERNAL MODULE: ./src/cli/commands/wal-push.ts
var wal_push = __webpack_require__(9258);
// EXTERNAL MODULE: ./src/cli/commands/wal-fetch.ts
var commands_wal_fetch = __webpack_require__(4008);
// EXTERNAL MODULE: ./src/commands/wal.ts + 2 modules
var wal = __webpack_require__(8241);
;// CONCATENATED MODULE: ./src/cli/commands/wal-pull.ts


const walPullCommand = {
    synopsis: '[--follow] [--slot NAME] [--spool DIR]  # WAL via pg_receivewal (no archive_command needed)',
    help: 'Pull WAL over a physical replication slot (default "pgkeep", created if missing) and store every completed segment. --follow keeps streaming (run it as a service; see docs/wal.md).',
    options: {
        follow: { type: 'boolean' },
        slot: { type: 'string' },
        spool: { type: 'string' },
    },
    async run({ cfg, flags }) {
        const ac = new AbortController();
        const stop = () => ac.abort();
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
        try {
            const r = await (0,wal/* runWalPull */.dO)(cfg, { follow: flags.follow === true, slot: str(flags, 'slot'), spoolDir: str(flags, 'spool'), signal: ac.signal });
            return { json: r, text: `wal-pull: ${r.pushed} WAL file(s) stored${r.upTo ? `, everything up to ${r.upTo} is archived` : ''}.` };
        }
        finally {
            process.off('SIGTERM', stop);
            process.off('SIGINT', stop);
        }
    },
};

;// CONCATENATED MODULE: ./src/util/zstd-sync-decoder.ts
// Synchronous zstd frame decoding into one reused output buffer: the proof that a frame is
// intact (decoded to its end, its content checksum compared by zstd) without keeping what it
// decompresses to. Node's stream decompressor allocates a fresh 1 MiB buffer for each piece of
// output; for verify (hundreds of MiB of WAL) that churn cost more than the decoding itself —
// page faults, and a V8 mark-compact every few dozen MiB of external memory (#13). This drives
// the decompressor's handle with `writeSync`, the call Node's own `zlib.zstdDecompressSync`
// makes. Those are Node internals, so they are used only when present and after they decoded a
// known good frame and refused a known corrupt one on this Node (fastPathWorks).

/**
 * Synchronous frame decoders into one reused output buffer, or null when this Node lacks the
 * internals. Self-contained (it uses only its parameter and globals): its source is also what
 * the decoding worker threads run, through Function.prototype.toString.
 */
function syncFrameDecoders(z) {
    // Output of every frame lands here and is overwritten: only its length matters.
    const scratch = Buffer.allocUnsafe(1 << 20);
    return {
        create() {
            const stream = z.createZstdDecompress();
            const handle = stream._handle;
            const state = stream._writeState;
            if (typeof handle?.writeSync !== 'function' || !(state instanceof Uint32Array) || state.length < 2) {
                stream.destroy();
                return null;
            }
            // A decoding error destroys the stream (its `errored` is read after each call); the event
            // itself would otherwise go unhandled.
            stream.on('error', () => undefined);
            return {
                decode(input) {
                    let raw = 0;
                    let inOff = 0;
                    let inLen = input.length;
                    for (;;) {
                        handle.writeSync(z.constants.ZSTD_e_continue, input, inOff, inLen, scratch, 0, scratch.length);
                        if (stream.errored)
                            throw stream.errored;
                        const availOut = state[0];
                        const availIn = state[1];
                        const produced = scratch.length - availOut;
                        raw += produced;
                        // All input taken and room left in the output: nothing of this input is pending.
                        if (availIn === 0 && availOut > 0)
                            return raw;
                        // zstd stopped taking input with room left: it saw the frame end before the headers did.
                        if (availIn === inLen && produced === 0)
                            throw new Error('the frame ends before its last block');
                        inOff += inLen - availIn;
                        inLen = availIn;
                    }
                },
                close() {
                    stream.destroy();
                },
            };
        },
    };
}
const localFrameDecoders = syncFrameDecoders((external_node_zlib_default()));
let fastPath;
/**
 * The synchronous path is trusted only after it decoded a good frame to the right length and
 * refused the same frame with one flipped byte of its content checksum, on this Node.
 */
function fastPathWorks() {
    if (fastPath !== undefined)
        return fastPath;
    fastPath = false;
    try {
        const content = Buffer.from('pgkeep zstd self-test '.repeat(64));
        const good = external_node_zlib_default().zstdCompressSync(content, { params: { [(external_node_zlib_default()).constants.ZSTD_c_checksumFlag]: 1 } });
        const bad = Buffer.from(good);
        bad[bad.length - 1] ^= 0x01;
        const a = localFrameDecoders.create();
        if (!a)
            return false;
        const n = a.decode(good);
        a.close();
        const b = localFrameDecoders.create();
        let refused = false;
        try {
            b.decode(bad);
        }
        catch {
            refused = true;
        }
        b.close();
        fastPath = n === content.length && refused;
    }
    catch {
        fastPath = false;
    }
    return fastPath;
}

// EXTERNAL MODULE: external "node:worker_threads"
var external_node_worker_threads_ = __webpack_require__(5919);
;// CONCATENATED MODULE: ./src/util/zstd-decode-workers.ts
// Frame decoding in worker threads, so that `pgkeep verify` decodes WAL on one core while the
// main thread reads and hashes backup objects on the other. The workers run the same
// synchronous decoder as the main thread (zstd-sync-decoder.ts; its source is handed over with
// Function.prototype.toString, so no separate bundle entry is needed). Each frame stays on one
// worker (its decoder state lives there); the bytes are copied into a buffer of their own and
// transferred; at most IN_FLIGHT pieces per frame wait, so memory stays flat.



/** Pieces of one frame on their way to its worker before the feeder waits. */
const IN_FLIGHT = 4;
/** Size of the recycled transfer buffers; the fs store reads 1 MiB at a time. */
const PIECE = 1 << 20;
/** Transfer buffers kept for reuse (more are allocated while more are in flight, then dropped). */
const spare = [];
/** The worker's body: self-contained, it gets zlib, its port and the decoder factory as arguments. */
function workerMain(z, port, make) {
    const decoders = make(z);
    const open = new Map();
    port.on('message', (m) => {
        if (m.op === 'open') {
            const d = decoders.create();
            if (d)
                open.set(m.id, d);
            return;
        }
        const d = open.get(m.id);
        if (m.op === 'close') {
            d?.close();
            open.delete(m.id);
            return;
        }
        const buf = m.buf;
        if (!d)
            return port.postMessage({ id: m.id, raw: 0, error: 'no decoder for this frame (it failed earlier or could not start)', buf }, [buf]);
        try {
            const raw = d.decode(Buffer.from(buf, 0, m.len));
            port.postMessage({ id: m.id, raw, buf }, [buf]);
        }
        catch (e) {
            d.close();
            open.delete(m.id);
            port.postMessage({ id: m.id, raw: 0, error: String(e?.message ?? e), buf }, [buf]);
        }
    });
}
class DecodeWorker {
    worker;
    /** Replies come in the order of the requests, per frame. */
    waiting = new Map();
    pending = 0;
    dead;
    constructor(source) {
        this.worker = new external_node_worker_threads_.Worker(source, { eval: true });
        this.worker.on('message', (r) => this.settle(r));
        this.worker.on('error', (e) => this.fail(`the decoding thread failed: ${e.message}`));
        this.worker.on('exit', (code) => this.fail(`the decoding thread exited (${code})`));
        // Referenced only while it owes a reply: an idle worker must not keep the process alive.
        // After the listeners: adding a 'message' listener references the worker's port again (a
        // worker that never got a frame kept `pgkeep verify` from exiting).
        this.worker.unref();
    }
    post(msg) {
        if (!this.dead)
            this.worker.postMessage(msg);
    }
    /** Never rejects: a failure is a reply with `error`. */
    request(id, buf, len) {
        if (this.dead)
            return Promise.resolve({ id, raw: 0, error: this.dead });
        return new Promise((resolve) => {
            let q = this.waiting.get(id);
            if (!q)
                this.waiting.set(id, (q = []));
            q.push(resolve);
            if (this.pending++ === 0)
                this.worker.ref();
            this.worker.postMessage({ op: 'feed', id, buf, len }, [buf]);
        });
    }
    settle(r) {
        const q = this.waiting.get(r.id);
        const resolve = q?.shift();
        if (q && !q.length)
            this.waiting.delete(r.id);
        if (--this.pending === 0)
            this.worker.unref();
        if (r.buf?.byteLength === PIECE && spare.length < 16)
            spare.push(r.buf);
        resolve?.(r);
    }
    fail(why) {
        if (this.dead)
            return;
        this.dead = why;
        for (const [id, q] of this.waiting)
            for (const resolve of q)
                resolve({ id, raw: 0, error: why });
        this.waiting.clear();
        this.pending = 0;
        this.worker.unref();
    }
    get alive() {
        return !this.dead;
    }
}
let pool;
let zstd_decode_workers_nextId = 1;
let turn = 0;
function workers() {
    if (pool !== undefined)
        return pool?.some((w) => w.alive) ? pool : null;
    try {
        const source = `(${workerMain.toString()})(require('node:zlib'), require('node:worker_threads').parentPort, ${syncFrameDecoders.toString()})`;
        // One per core, up to the 4 WAL objects verify reads at once with the default PGKEEP_PARALLEL
        // (2 × 2): the main thread only reads, hashes backup objects and parses frame headers, and
        // is idle once the backup objects are hashed, when the rest is WAL. (On the shared 2-core
        // test machine, under load, one and two workers measured the same within noise.)
        const n = Math.max(1, Math.min(4, external_node_os_default().availableParallelism()));
        pool = Array.from({ length: n }, () => new DecodeWorker(source));
    }
    catch {
        pool = null;
    }
    return pool;
}
/** A frame decoder on a worker thread, or null when no worker can run (the caller decodes itself). */
function workerFrameDecoder() {
    const ws = workers()?.filter((w) => w.alive);
    if (!ws?.length)
        return null;
    const w = ws[turn++ % ws.length];
    const id = zstd_decode_workers_nextId++;
    w.post({ op: 'open', id });
    let raw = 0;
    let error;
    let inflight = [];
    const check = () => {
        if (error)
            throw new Error(error);
    };
    return {
        async feed(b) {
            check();
            // A buffer of its own (the chunk's memory may be shared with other views), recycled.
            const buf = b.length <= PIECE ? (spare.pop() ?? new ArrayBuffer(PIECE)) : new ArrayBuffer(b.length);
            new Uint8Array(buf).set(b);
            inflight.push(w.request(id, buf, b.length).then((r) => {
                if (r.error)
                    error ??= r.error;
                else
                    raw += r.raw;
            }));
            if (inflight.length >= IN_FLIGHT)
                await inflight.shift();
            check();
        },
        async finish() {
            await Promise.all(inflight);
            inflight = [];
            w.post({ op: 'close', id });
            check();
            return raw;
        },
        close() {
            w.post({ op: 'close', id });
        },
    };
}
/** How many decoding threads run and answer (tests confirm the worker path is really taken). */
function decodeWorkersAlive() {
    return pool ? pool.filter((w) => w.alive).length : 0;
}

;// CONCATENATED MODULE: ./src/util/zstd-check.ts
// Proof that a zstd stream is intact, without keeping what it decompresses to: every frame is
// decoded to its end (its content checksum, when the frame has one, is checked by zstd as the
// last bytes are consumed), and the frame structure is checked exactly as the decompressing
// reader does (MultiFrameZstdDecompress: every frame, no trailing bytes, no cut frame). Only the
// count of decompressed bytes is kept. `pgkeep verify` runs this on every archived WAL segment.
//
// Frames are decoded into one reused buffer (zstd-sync-decoder.ts), on a worker thread when one
// can run (zstd-decode-workers.ts), else on this thread; where this Node's zlib internals do not
// pass the self-test, the public stream decoder runs and its output is counted and dropped.




/** This thread's synchronous decoder behind the same interface as a worker's. */
function localFrameDecoder() {
    const d = localFrameDecoders.create();
    let raw = 0;
    return {
        feed: async (b) => {
            raw += d.decode(b);
        },
        finish: async () => {
            d.close();
            return raw;
        },
        close: () => d.close(),
    };
}
/**
 * A writable end (a Transform that emits nothing) that fails when the zstd stream written to it
 * is not intact; `rawBytes` is what it decompressed to. Pipe it into a sink that ignores data.
 */
class ZstdStreamCheck extends zstd_frames/* MultiFrameZstdDecompress */.V {
    rawBytes = 0;
    /** How frames are decoded: the fastest this Node allows, unless a test asks for one. */
    decoding;
    frameDecoder;
    constructor(what = 'zstd stream', opts = {}) {
        super(what);
        this.decoding = opts.decoding ?? (fastPathWorks() ? 'worker' : 'stream');
        if (this.decoding !== 'stream' && !fastPathWorks())
            this.decoding = 'stream';
    }
    // The stream decoder's output (the fallback path) is counted, not passed on.
    push(chunk, encoding) {
        if (chunk === null)
            return super.push(null, encoding);
        this.rawBytes += chunk.length;
        return true;
    }
    openFrame() {
        if (this.decoding === 'stream')
            return super.openFrame();
        this.frameDecoder = (this.decoding === 'worker' ? workerFrameDecoder() : null) ?? localFrameDecoder();
    }
    async feedFrame(b) {
        if (this.decoding === 'stream')
            return super.feedFrame(b);
        try {
            await this.frameDecoder.feed(b);
        }
        catch (e) {
            throw this.corrupt(e);
        }
    }
    async closeFrame() {
        if (this.decoding === 'stream')
            return super.closeFrame();
        // Every byte up to the frame's end was taken with room to spare: zstd finished the frame
        // and, with the checksum flag, compared its checksum (a mismatch fails feed or finish).
        const d = this.frameDecoder;
        this.frameDecoder = undefined;
        try {
            this.rawBytes += await d.finish();
        }
        catch (e) {
            throw this.corrupt(e);
        }
    }
    corrupt(e) {
        this.frameDecoder?.close();
        this.frameDecoder = undefined;
        return new util_errors/* PgkeepError */.$Z('corrupt-object', `${this.what} could not be decompressed: ${e.message}.`, 'The stored copy is damaged; restore from another backup or copy.');
    }
    _destroy(err, cb) {
        this.frameDecoder?.close();
        this.frameDecoder = undefined;
        super._destroy(err, cb);
    }
}

;// CONCATENATED MODULE: ./src/verify/object-check.ts









/** Read `key` fully and compare size + SHA-256; the problem message names the expected and found values. */
async function checkObject(store, key, expected, onBytes) {
    try {
        const src = await store.get(key);
        const sink = new external_node_stream_.Writable({
            highWaterMark: 1 << 20,
            write(chunk, _e, cb) {
                onBytes?.(chunk.length);
                cb();
            },
        });
        await (0,promises_.pipeline)(src, verifyingStream(expected, key), sink);
        return null;
    }
    catch (e) {
        if (e instanceof util_errors/* PgkeepError */.$Z && e.code === 'not-found')
            return `${key} is missing`;
        if (e instanceof util_errors/* PgkeepError */.$Z)
            return e.message;
        return `${key} could not be read: ${e.message}`;
    }
}
async function checkBackupObjects(store, backups, opts) {
    const jobs = backups.flatMap((b) => b.objects.map((o) => ({ b, o })));
    const res = { objects: 0, bytes: 0, problems: [] };
    // Largest first, so one big base.tar.zst does not end the run alone.
    jobs.sort((x, y) => y.o.bytes - x.o.bytes);
    await (0,streams/* mapLimit */.sf)(jobs, opts.parallel, async ({ b, o }) => {
        const problem = await checkObject(store, (0,layout/* backupObjectKey */.H)(b.id, o.name), o, opts.onBytes);
        res.objects++;
        if (problem)
            res.problems.push({ backupId: b.id, object: o.name, copy: opts.copy, message: problem });
        else
            res.bytes += o.bytes;
    });
    return res;
}
/**
 * Every archived WAL file decompresses completely (every zstd frame, each with its content
 * checksum, and no trailing bytes) to a plausible segment size. WAL objects carry no manifest
 * entry; the frame checksum is their integrity. No SHA-256 here: the frame check already reads
 * every byte, and skipping the hash keeps this at decompression speed.
 */
async function checkWalObjects(store, segments, opts) {
    const res = { objects: 0, bytes: 0, problems: [] };
    await (0,streams/* mapLimit */.sf)(segments, opts.parallel, async (s) => {
        res.objects++;
        try {
            // Encrypted WAL has no checksum outside the ciphertext: without PGKEEP_AGE_IDENTITY only
            // its presence is checked (backup objects keep a SHA-256 of the stored bytes instead).
            if ((0,age/* isAgeKey */.dL)(s.key) && !(0,age/* hasAgeIdentity */.a0)()) {
                res.bytes += s.size;
                opts.onBytes?.(s.size);
                return;
            }
            // Decoded to the end of every frame, output counted and dropped (util/zstd-check.ts).
            const check = new ZstdStreamCheck(s.key);
            await (0,promises_.pipeline)(await store.get(s.key), ...(0,age/* decryptStages */.Nm)(s.key), check, new external_node_stream_.Writable({ write: (_c, _e, cb) => cb() }));
            const raw = check.rawBytes;
            const ok = opts.segmentSize ? raw === opts.segmentSize : (0,wal_object/* plausibleSegmentSize */.GE)(raw);
            if (!ok)
                res.problems.push({ object: s.key, copy: opts.copy, message: `WAL segment ${s.name} decompresses to ${raw} bytes, not a WAL segment` });
            else
                res.bytes += s.size;
            opts.onBytes?.(s.size);
        }
        catch (e) {
            const msg = e instanceof util_errors/* PgkeepError */.$Z && e.code === 'not-found' ? `WAL segment ${s.name} is missing` : `WAL segment ${s.name} is corrupt: ${e.message}`;
            res.problems.push({ object: s.key, copy: opts.copy, message: msg });
        }
    });
    return res;
}

;// CONCATENATED MODULE: ./src/verify/physical-check.ts
// Physical backup check with PostgreSQL's own pg_verifybackup: the stored tars are streamed
// (checksum verified on the way) into a temp directory, then pg_verifybackup compares every
// file with the server's backup_manifest, and parses the WAL from start to stop LSN
// (fetched from the archive when the backup carries none). The temp directory is always removed.









/** Fetch WAL segments startWal..stopWal (one timeline) into `walDir`; returns names missing. */
async function fetchBackupWal(store, m, walDir) {
    if (!m.startWal || !m.stopWal)
        return [];
    const a = (0,segment/* parseSegmentName */.EU)(m.startWal);
    const b = (0,segment/* parseSegmentName */.EU)(m.stopWal);
    const missing = [];
    for (let s = a.segno; s <= b.segno; s++) {
        const name = (0,segment/* segmentName */.Jc)(b.timeline, s);
        try {
            await (0,wal_object/* fetchWalFile */.B$)(store, name, external_node_path_default().join(walDir, name));
        }
        catch (e) {
            if (e instanceof util_errors/* PgkeepError */.$Z && e.code === 'not-found')
                missing.push(name);
            else
                throw e;
        }
    }
    return missing;
}
async function checkPhysicalBackup(store, m, binDir, opts = {}) {
    const base = extract_baseObjectOf(m);
    if (!base)
        return [{ backupId: m.id, message: `physical backup ${m.id} lists no base tar object` }];
    const work = await external_node_fs_.promises.mkdtemp(external_node_path_default().join(opts.tmpDir ?? external_node_os_default().tmpdir(), `pgkeep-verify-${m.id}-`));
    const problems = [];
    try {
        const dataDir = external_node_path_default().join(work, 'data');
        await external_node_fs_.promises.mkdir(dataDir);
        try {
            // Tablespaces as plain directories in pg_tblspc/: pg_verifybackup reads them by manifest path.
            await extractPhysicalBackup(store, m, dataDir, { tablespaceTarget: (oid) => external_node_path_default().join(dataDir, 'pg_tblspc', String(oid)), keepTablespaceMap: true });
        }
        catch (e) {
            return [{ backupId: m.id, object: base.name, message: `cannot extract backup ${m.id}: ${e.message}` }];
        }
        if (!(0,external_node_fs_.existsSync)(external_node_path_default().join(dataDir, 'backup_manifest')))
            return [{ backupId: m.id, object: base.name, message: `backup ${m.id} has no backup_manifest; pg_verifybackup cannot check it` }];
        const args = ['-q', '-e'];
        const walInside = (await external_node_fs_.promises.readdir(external_node_path_default().join(dataDir, 'pg_wal')).catch(() => [])).some((f) => /^[0-9A-F]{24}$/.test(f));
        if (!walInside) {
            const walDir = external_node_path_default().join(work, 'wal');
            await external_node_fs_.promises.mkdir(walDir);
            const missing = await fetchBackupWal(store, m, walDir);
            const backupMajor = Math.floor(m.pgVersionNum / 10000);
            if (missing.length) {
                problems.push({ backupId: m.id, message: `WAL needed to make backup ${m.id} consistent is missing from the archive: ${missing.join(', ')}` });
                args.push('-n');
            }
            else if (opts.toolMajor !== undefined && opts.toolMajor !== backupMajor) {
                log/* log */.Rm.info(`pg_verifybackup ${opts.toolMajor} cannot parse PostgreSQL ${backupMajor} WAL: backup ${m.id}'s WAL was checked by pgkeep (present, checksums, sizes) and pg_verifybackup checks the files only`);
                args.push('-n');
            }
            else
                args.push('-w', walDir);
        }
        try {
            await (0,pg_tools.runTool)(binDir, 'pg_verifybackup', [...args, dataDir], { what: `pg_verifybackup of ${m.id}` });
            log/* log */.Rm.info(`pg_verifybackup: backup ${m.id} ok`);
        }
        catch (e) {
            problems.push({ backupId: m.id, object: base.name, message: e.message });
        }
        return problems;
    }
    finally {
        await external_node_fs_.promises.rm(work, { recursive: true, force: true });
    }
}

;// CONCATENATED MODULE: ./src/verify/wal-chain.ts

function describeGap(g) {
    return g.count === 1
        ? `WAL segment ${g.first} is missing on timeline ${g.timeline}`
        : `WAL segments ${g.first} to ${g.last} (${g.count}) are missing on timeline ${g.timeline}`;
}
function checkWalChain(input) {
    const { wal, start, histories } = input;
    const res = { segments: 0, gaps: [], problems: [], newest: null };
    const last = wal.segments[wal.segments.length - 1];
    if (last)
        res.newest = last.name;
    if (!start)
        return res;
    const byTl = new Map();
    for (const s of wal.segments) {
        if (s.timeline < start.timeline)
            continue;
        let list = byTl.get(s.timeline);
        if (!list)
            byTl.set(s.timeline, (list = []));
        list.push(s.segno);
    }
    if (!byTl.size || ![...byTl.values()].some((l) => l[l.length - 1] >= start.segno)) {
        res.problems.push(`no WAL is archived from ${(0,segment/* segmentName */.Jc)(start.timeline, start.segno)} (the oldest backup's start) onward`);
        return res;
    }
    for (const [tl, segs] of [...byTl.entries()].sort((a, b) => a[0] - b[0])) {
        let from;
        if (tl === start.timeline)
            from = start.segno;
        else {
            const hist = histories.get(tl);
            if (!hist) {
                res.problems.push(`timeline ${tl} has WAL but its history file ${histName(tl)} is missing or unreadable`);
                from = segs[0];
            }
            else {
                const switchToHere = hist[hist.length - 1];
                if (!switchToHere) {
                    res.problems.push(`history file ${histName(tl)} is empty`);
                    from = segs[0];
                }
                else {
                    from = (0,segment/* segnoForLsn */.ty)(switchToHere.switchLsn);
                    // The parent timeline must reach the switch point (its last full segment is the one before).
                    checkParentReaches(byTl, hist, start, res);
                }
            }
        }
        if (from < start.segno && tl === start.timeline)
            from = start.segno;
        const need = segs.filter((s) => s >= from);
        const to = need.length ? need[need.length - 1] : null;
        if (to === null)
            continue;
        const have = new Set(need.map(String));
        res.segments += need.length;
        let gapStart = null;
        for (let s = from; s <= to + 1n; s++) {
            const present = s > to || have.has(String(s));
            if (!present && gapStart === null)
                gapStart = s;
            if (present && gapStart !== null) {
                res.gaps.push({ timeline: tl, first: (0,segment/* segmentName */.Jc)(tl, gapStart), last: (0,segment/* segmentName */.Jc)(tl, s - 1n), count: Number(s - gapStart) });
                gapStart = null;
            }
        }
    }
    return res;
}
function checkParentReaches(byTl, hist, start, res) {
    // Only the direct parent, and only when it is a timeline the chain covers.
    const parent = hist[hist.length - 1];
    if (parent.timeline < start.timeline)
        return;
    const segs = byTl.get(parent.timeline);
    const need = (0,segment/* segnoForLsn */.ty)(parent.switchLsn) - 1n;
    const from = parent.timeline === start.timeline ? start.segno : (segs?.[0] ?? need);
    if (need < from)
        return;
    const max = segs?.length ? segs[segs.length - 1] : from - 1n;
    if (max < need) {
        const first = max + 1n > from ? max + 1n : from;
        const msg = { timeline: parent.timeline, first: (0,segment/* segmentName */.Jc)(parent.timeline, first), last: (0,segment/* segmentName */.Jc)(parent.timeline, need), count: Number(need - first + 1n) };
        if (!res.gaps.some((g) => g.timeline === msg.timeline && g.first === msg.first))
            res.gaps.push(msg);
    }
}
const histName = (tl) => tl.toString(16).toUpperCase().padStart(8, '0') + '.history';

;// CONCATENATED MODULE: ./src/verify/logical-check.ts
// Integrity check of one logical backup: every object's size and SHA-256 against the manifest,
// and each dump readable by pg_restore --list (its table of contents parses). Problems are
// returned, not thrown, so verify can report every one of them.






/** pg_restore --list over the decompressed dump: the archive's format and its number of TOC entries. */
async function listDumpEntries(store, backupId, obj, binDir) {
    const src = await openObject(store, (0,layout/* backupObjectKey */.H)(backupId, obj.name), obj);
    const run = (0,pg_tools.startTool)(binDir, 'pg_restore', ['--list'], { stdin: 'pipe', what: `pg_restore --list of ${obj.name}` });
    let out = '';
    run.stdout.on('data', (c) => (out += c.toString('utf8')));
    // pg_restore stops reading once it has the table of contents: a closed pipe is expected.
    const feed = (0,promises_.pipeline)(src, run.stdin).catch((e) => {
        src.destroy();
        if (e.code !== 'EPIPE' && e.code !== 'ERR_STREAM_PREMATURE_CLOSE' && e.code !== 'ERR_STREAM_DESTROYED')
            throw e;
    });
    run.stdin.on('error', () => undefined);
    await run.done;
    await feed.catch(() => undefined);
    const format = /^;\s+Format: (\S+)/m.exec(out)?.[1];
    return { format, entries: out.split('\n').filter((l) => l && !l.startsWith(';')).length };
}
async function checkLogicalBackup(store, manifest, binDir) {
    const problems = [];
    for (const obj of manifest.objects) {
        const key = (0,layout/* backupObjectKey */.H)(manifest.id, obj.name);
        try {
            await verifyObject(store, key, obj);
        }
        catch (e) {
            problems.push({ backupId: manifest.id, object: obj.name, message: (0,util_errors/* describeError */.Uc)(e) });
            continue;
        }
        if (obj.kind !== DUMP_KIND)
            continue;
        try {
            // An empty database has no entries; a readable archive always has its header.
            const { format } = await listDumpEntries(store, manifest.id, obj, binDir);
            if (format !== 'CUSTOM')
                problems.push({ backupId: manifest.id, object: obj.name, message: `pg_restore --list did not read ${obj.name} as a custom-format archive (format: ${format ?? 'none'}).` });
        }
        catch (e) {
            problems.push({ backupId: manifest.id, object: obj.name, message: (0,util_errors/* describeError */.Uc)(e) });
        }
    }
    for (const db of manifest.databases ?? [])
        if (!manifest.objects.some((o) => o.kind === DUMP_KIND && o.database === db))
            problems.push({ backupId: manifest.id, message: `The manifest lists database "${db}" but has no dump object for it.` });
    return problems;
}

;// CONCATENATED MODULE: ./src/verify/drill.ts
// Restore drill: bring the newest physical backup (full, or an incremental chain) + archived WAL back as a real, ephemeral cluster,
// wait for promotion, check every database with pg_amcheck (heap + btree), restore each
// database of the newest logical backup into a scratch database, then remove everything.
// RTO = seconds from the drill's start to a usable, checked database; RPO = drill time minus
// the newest instant the restore reached.



















const secs = (from) => Math.round((Date.now() - from) / 100) / 10;
async function runDrill(cfg, opts = {}) {
    const started = Date.now();
    const store = (0,open_store/* openStore */.C)(cfg);
    const cat = await (0,repo_catalog.loadCatalog)(store);
    const backup = opts.backup ? (0,repo_catalog.findBackup)(cat, opts.backup, ['full', 'incr']) : (0,repo_catalog.findBackup)(cat, 'latest', ['full', 'incr']);
    const logical = cat.backups.filter((b) => b.type === 'logical').pop();
    const binDir = (0,pg_tools.resolveBinDir)(cfg.pgBinDir, Math.floor(backup.pgVersionNum / 10000));
    const problems = [];
    const phases = {};
    const checkedDatabases = [];
    const logicalRestored = [];
    let recoveredTo;
    let rtoSeconds;
    let replayedTo;
    const work = await external_node_fs_.promises.mkdtemp(external_node_path_default().join(opts.tmpDir ?? external_node_os_default().tmpdir(), 'pgkeep-drill-'));
    await external_node_fs_.promises.chmod(work, 0o755);
    // A cancelled run (SIGINT/SIGTERM) removes the restored copy too, not only on return.
    const releaseWork = undoOnCancel(`the drill directory ${work}`, () => external_node_fs_.promises.rm(work, { recursive: true, force: true }));
    let cluster;
    log/* log */.Rm.info(`drill: restoring ${backup.id} + WAL to the newest archived instant in ${work}`);
    try {
        const dataDir = external_node_path_default().join(work, 'data');
        let t = Date.now();
        let lastWal;
        let feed;
        try {
            // archive_mode off: the drill cluster must never archive into the repository.
            const r = await restorePhysical(cfg, { target: { kind: 'latest' }, to: dataDir, backup: backup.id, dryRun: false, archiveMode: 'off', tablespacesUnder: external_node_path_default().join(work, 'tablespaces'), onFeed: (f) => (feed = f) });
            lastWal = r.wal.last;
        }
        catch (e) {
            throw new util_errors/* PgkeepError */.$Z('drill-failed', `Drill failed: restoring backup ${backup.id} failed: ${e.message}`, e.hint ?? 'Run pgkeep verify to see which object or WAL segment is damaged.');
        }
        phases.restoreSeconds = secs(t);
        t = Date.now();
        let up;
        try {
            // Only this process connects, whatever the source cluster required: trust on the unix socket
            // in a 0700 directory, no TCP (private), so no other local user can reach the copy.
            up = await startRestored({ dir: dataDir, binDir, timeoutSeconds: opts.promoteTimeoutSec ?? 3600, settings: { archive_mode: 'off', fsync: 'off' }, env: (0,config/* serverEnv */.NK)(cfg), private: true, feed });
        }
        catch (e) {
            throw new util_errors/* PgkeepError */.$Z('drill-failed', `Drill failed: the restored cluster of ${backup.id} did not come up: ${e.message}`);
        }
        cluster = up.cluster;
        const env = await superuserEnv(cluster);
        const facts = await clusterFacts(env);
        phases.recoverySeconds = secs(t);
        // Consistency is reached at the backup's stop LSN, so the backup's end is restorable even
        // when no transaction committed after it.
        recoveredTo = newest(up.lastReplayedXact, backup.stopTime);
        // Canary: it is the cluster that was backed up, and replay consumed the newest archived WAL
        // segment the plan named (not just the backup: a restore that stops early fails here).
        if (facts.systemIdentifier !== backup.systemIdentifier)
            problems.push({ backupId: backup.id, message: `restored cluster has system identifier ${facts.systemIdentifier}, the backup says ${backup.systemIdentifier}` });
        // (Replay ending exactly at the start of the last segment means it was never read.)
        if (lastWal) {
            const short = checkReplayReached({ target: { kind: 'latest' }, lastSegment: lastWal, consistentLsn: backup.stopLsn }, { replayLsn: facts.replayLsn ?? undefined, lastReplayedXact: up.lastReplayedXact, segSize: facts.segSize }, `The drill's restored cluster of ${backup.id}`);
            if (short)
                problems.push({ backupId: backup.id, message: `${short.message} Hint: ${short.hint}` });
        }
        replayedTo = facts.replayLsn !== null ? (0,segment/* formatLsn */.rI)(facts.replayLsn) : undefined;
        t = Date.now();
        try {
            await (0,pg_tools.runTool)(binDir, 'pg_amcheck', ['--all', '--heapallindexed', '--install-missing', '--no-strict-names', '-j', '2'], { env, what: 'pg_amcheck' });
            checkedDatabases.push(...facts.databases);
        }
        catch (e) {
            problems.push({ backupId: backup.id, message: `pg_amcheck found corruption in the restored cluster: ${e.message}` });
        }
        phases.amcheckSeconds = secs(t);
        rtoSeconds = secs(started);
        log/* log */.Rm.info(`drill: restored, promoted and checked in ${(0,log/* formatDuration */.a3)(rtoSeconds)} (RTO); recovered to ${recoveredTo}`);
        if (logical) {
            t = Date.now();
            problems.push(...(await restoreLogicalIntoScratch(store, logical, env, binDir, logicalRestored)));
            phases.logicalSeconds = secs(t);
        }
    }
    catch (e) {
        if (e instanceof util_errors/* PgkeepError */.$Z && e.code === 'drill-failed')
            problems.push({ backupId: backup.id, message: e.message + (e.hint ? ` Hint: ${e.hint}` : '') });
        else
            problems.push({ backupId: backup.id, message: `Drill failed: ${e.message}` });
    }
    finally {
        if (cluster)
            await cluster.destroy().catch(() => undefined);
        else
            await stopIfRunning(external_node_path_default().join(work, 'data'), binDir);
        await external_node_fs_.promises.rm(work, { recursive: true, force: true }).catch((e) => log/* log */.Rm.warn(`could not remove ${work}: ${e.message}`));
        releaseWork();
    }
    const rpoSeconds = recoveredTo ? Math.max(0, Math.round((started - Date.parse(recoveredTo)) / 1000)) : undefined;
    const ok = problems.length === 0;
    return {
        ok,
        backupId: backup.id,
        recoveredTo,
        rtoSeconds,
        rpoSeconds,
        checked: { backups: 1 + (logical ? 1 : 0), objects: 0, bytes: backup.bytes, walSegments: 0 },
        problems,
        durationSeconds: secs(started),
        phases,
        checkedDatabases,
        logicalBackupId: logical?.id,
        logicalRestored,
        replayedToLsn: replayedTo,
    };
}
/** A restored server we have no handle for (it failed to promote in time): stop it. */
async function stopIfRunning(dataDir, binDir) {
    if (!(0,external_node_fs_.existsSync)(external_node_path_default().join(dataDir, 'postmaster.pid')))
        return;
    await (0,pg_tools.runTool)(binDir, 'pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop'], { ...serverRunAs(), what: 'pg_ctl stop' }).catch(() => undefined);
}
function newest(...isos) {
    const ts = isos.filter((x) => !!x && !Number.isNaN(Date.parse(x))).map((x) => Date.parse(x));
    return ts.length ? new Date(Math.max(...ts)).toISOString() : undefined;
}
/** Trust on the private socket only (LocalCluster private): connect as the superuser `postgres`. */
async function superuserEnv(c) {
    const base = { PGHOST: c.env.PGHOST, PGPORT: String(c.port), PGDATABASE: 'postgres' };
    const deadline = Date.now() + 60_000;
    for (;;) {
        try {
            await (0,postgres_client.withClient)({ ...base, PGUSER: 'postgres' }, 'postgres', async () => undefined);
            return { ...base, PGUSER: 'postgres' };
        }
        catch (e) {
            const msg = e.message;
            if (/role .* does not exist/.test(msg))
                throw new util_errors/* PgkeepError */.$Z('drill-failed', 'Drill failed: the restored cluster has no role "postgres" to check it as.', 'Drills connect as the superuser "postgres"; create that role on the source cluster.');
            if (Date.now() > deadline)
                throw e;
            await new Promise((r) => setTimeout(r, 500));
        }
    }
}
async function clusterFacts(env) {
    return (0,postgres_client.withClient)(env, 'postgres', async (cl) => {
        const q = await cl.query(`select system_identifier::text as sysid, pg_last_wal_replay_lsn()::text as lsn, current_setting('wal_segment_size', true) as seg from pg_control_system()`);
        const dbs = await cl.query(`select datname from pg_database where datallowconn and not datistemplate order by 1`);
        const seg = /^(\d+)MB$/.exec(q.rows[0].seg);
        return {
            systemIdentifier: q.rows[0].sysid,
            databases: dbs.rows.map((x) => x.datname),
            replayLsn: q.rows[0].lsn ? (0,segment/* parseLsn */.l2)(q.rows[0].lsn) : null,
            segSize: seg ? Number(seg[1]) * 1048576 : 16 * 1048576,
        };
    });
}
/** Each database of a logical backup into `pgkeep_drill_<db>`, dropped again afterwards. */
async function restoreLogicalIntoScratch(store, m, env, binDir, restored) {
    const problems = [];
    for (const o of m.objects.filter((x) => x.kind === 'dump' && x.database)) {
        const scratch = `pgkeep_drill_${o.database}`.slice(0, 63);
        try {
            await restoreDumpInto(env, binDir, () => openObject(store, (0,layout/* backupObjectKey */.H)(m.id, o.name), o), scratch, { replace: true, rawBytes: o.rawBytes });
            restored.push(o.database);
        }
        catch (e) {
            problems.push({ backupId: m.id, object: o.name, message: `pg_restore of ${o.name} into a scratch database failed: ${e.message}` });
        }
        finally {
            await (0,postgres_client.withClient)(env, 'postgres', (c) => c.query(`drop database if exists "${scratch.replace(/"/g, '""')}" with (force)`)).catch(() => undefined);
        }
    }
    return problems;
}

;// CONCATENATED MODULE: ./src/storage/copy-repair.ts
// Filling in a lagging copy of a mirror: an object some copy holds is copied, streaming, from
// the first other copy whose bytes pass the caller's check (a SHA-256 from the manifest, a
// zstd frame check for WAL) to the copy that lacks it. A copy that fails the check is skipped
// and named; nothing unchecked is ever written (the check fails the put before it completes).


/**
 * Copy `key` to `to` from the first of `sources` that has it and whose bytes pass `check`
 * (a fresh Transform per attempt that fails at its end when the bytes are wrong).
 */
async function copyToCopy(key, sources, to, check) {
    const bad = [];
    const errors = [];
    for (const src of sources) {
        let body;
        try {
            body = await src.get(key);
        }
        catch (e) {
            if (!(e instanceof util_errors/* PgkeepError */.$Z && e.code === 'not-found'))
                errors.push(`${src.description}: ${e.message}`);
            continue;
        }
        const checked = check ? body.pipe(check()) : body;
        if (check)
            body.on('error', (e) => checked.destroy(e));
        // The check can fail before put() attaches its own listeners (it may open a file first):
        // the error stays on the stream (errored) and put's pipeline reports it, never uncaught.
        checked.on('error', () => undefined);
        try {
            // ifNoneMatch: a copy filled in meanwhile (wal-push running) keeps its own object.
            const r = await to.put(key, checked, { ifNoneMatch: true });
            return { key, to: to.description, from: src.description, bytes: r.bytes, ...(bad.length ? { badSources: bad } : {}) };
        }
        catch (e) {
            if (e instanceof util_errors/* PgkeepError */.$Z && e.code === 'exists')
                return { key, to: to.description, from: 'already there', ...(bad.length ? { badSources: bad } : {}) };
            if (e instanceof util_errors/* PgkeepError */.$Z && ['checksum-mismatch', 'corrupt-object', 'wal-corrupt'].includes(e.code)) {
                bad.push(src.description);
                errors.push(`${src.description}: ${e.message}`);
                continue;
            }
            return { key, to: to.description, error: e.message, ...(bad.length ? { badSources: bad } : {}) };
        }
    }
    return { key, to: to.description, error: errors.length ? errors.join('; ') : 'no other copy has it', ...(bad.length ? { badSources: bad } : {}) };
}
/**
 * Pass bytes through while also feeding them to `checker` (e.g. a zstd decompressor whose
 * output is discarded); the stream fails at its end if the checker fails.
 */
function sideCheck(checker, code, what) {
    let failure;
    checker.on('error', (e) => (failure ??= e));
    checker.resume();
    const ended = new Promise((resolve) => {
        checker.once('end', resolve);
        checker.once('error', () => resolve());
        checker.once('close', resolve);
    });
    // Reported once: a destroyed stream must not emit a second error nobody listens for.
    let reported = false;
    const fail = (e) => {
        if (!e || reported)
            return null;
        reported = true;
        return new util_errors/* PgkeepError */.$Z(code, `${what} is corrupt (${e.message}).`, 'It was not copied; run pgkeep verify to see which copies are damaged.');
    };
    return new external_node_stream_.Transform({
        transform(chunk, _e, cb) {
            if (failure)
                return cb(fail(failure));
            if (reported)
                return cb();
            if (checker.write(chunk))
                cb(null, chunk);
            else {
                // A checker that fails never drains: its close releases the wait too.
                const go = () => {
                    checker.off('drain', go);
                    checker.off('close', go);
                    // Torn down meanwhile (the pipeline failed elsewhere): an error now would have no listener.
                    if (this.destroyed)
                        return;
                    const err = fail(failure);
                    if (err)
                        cb(err);
                    else
                        cb(null, failure ? undefined : chunk);
                };
                checker.on('drain', go);
                checker.on('close', go);
            }
        },
        flush(cb) {
            checker.end();
            void ended.then(() => cb(fail(failure)));
        },
    });
}

;// CONCATENATED MODULE: ./src/verify/repair-copies.ts
// `verify --repair` (and the end of a backup): fill in what a copy of a mirror lacks — WAL
// pushed while it was down (PGKEEP_WAL_REQUIRED_COPIES < all), backups written while it was
// unreachable — from the other copies, each object checked on the way (WAL: its zstd frame;
// backup objects: size + SHA-256 from the manifest), a backup's manifest last, so the copy
// shows the backup only once all its objects are there. Objects of backups without a manifest
// anywhere (killed or running) are not copied.









async function repairCopies(store, o = {}) {
    const out = { copied: [], failed: [] };
    if (!(store instanceof mirror_store/* MirrorStore */.$) || store.copies.length < 2)
        return out;
    const parallel = Math.max(1, o.parallel ?? 4);
    const record = (r) => (r.error ? out.failed : out.copied).push(r);
    const others = (i) => store.copies.filter((_, j) => j !== i);
    const wal = await listPerCopy(store, layout/* WAL_PREFIX */.iW);
    for (const [i, mine] of wal.perCopy.entries()) {
        if (mine instanceof Error) {
            out.failed.push({ key: layout/* WAL_PREFIX */.iW, to: store.copies[i].description, error: `cannot be listed: ${mine.message}` });
            continue;
        }
        const missing = missingKeys(wal.union, mine).filter((m) => !o.skip?.(m.key));
        await (0,streams/* mapLimit */.sf)(missing, parallel, async (m) => {
            const check = () => sideCheck(external_node_zlib_default().createZstdDecompress(), 'wal-corrupt', `${m.key} on a copy`);
            record(await copyToCopy(m.key, others(i), store.copies[i], check));
        });
    }
    if (!o.walOnly) {
        const backups = await listPerCopy(store, layout/* BACKUPS_PREFIX */.d6);
        const manifests = new Map();
        const manifestOf = async (id) => {
            if (!manifests.has(id))
                manifests.set(id, await (0,repo_catalog.readManifest)(store, id).catch(() => null));
            return manifests.get(id);
        };
        for (const [i, mine] of backups.perCopy.entries()) {
            if (mine instanceof Error) {
                out.failed.push({ key: layout/* BACKUPS_PREFIX */.d6, to: store.copies[i].description, error: `cannot be listed: ${mine.message}` });
                continue;
            }
            const missing = missingKeys(backups.union, mine).filter((m) => !o.skip?.(m.key));
            const ids = [...new Set(missing.map((m) => m.key.slice(layout/* BACKUPS_PREFIX */.d6.length).split('/')[0]))];
            for (const id of ids) {
                const m = await manifestOf(id);
                // No readable manifest anywhere: an incomplete backup (or one whose manifest is damaged) is not spread.
                if (!m)
                    continue;
                const have = new Set(mine.map((x) => x.key));
                const objs = m.objects.filter((ob) => !have.has((0,layout/* backupObjectKey */.H)(id, ob.name)));
                const results = await (0,streams/* mapLimit */.sf)(objs, parallel, async (ob) => {
                    const r = await copyToCopy((0,layout/* backupObjectKey */.H)(id, ob.name), others(i), store.copies[i], () => verifyingStream(ob, `${ob.name} of backup ${id}`));
                    record(r);
                    return r;
                });
                if (results.some((r) => r.error) || have.has((0,layout/* manifestKey */.Rn)(id)))
                    continue;
                record(await copyToCopy((0,layout/* manifestKey */.Rn)(id), others(i), store.copies[i]));
            }
        }
    }
    for (const f of out.failed)
        log/* log */.Rm.warn(`repair: ${f.key} could not be copied to ${f.to}: ${f.error}`);
    const bad = out.copied.filter((c) => c.badSources?.length);
    for (const b of bad)
        log/* log */.Rm.warn(`repair: ${b.key} on ${b.badSources.join(', ')} is damaged; copied to ${b.to} from ${b.from}`);
    if (out.copied.length)
        log/* log */.Rm.info(`repair: ${out.copied.length} object(s) filled in on lagging copies`);
    return out;
}

;// CONCATENATED MODULE: ./src/retention/plan.ts
// Retention: which backups and WAL a recovery window of N days needs, and what may go.
// Pure: takes the catalog, the WAL listing and a clock, returns a plan; `apply.ts` executes it.
//
// Rules (the window is [now − N days, now]):
// - physical (full/incr): keep every backup that stops after the window start (it may be the
//   base for an instant inside the window), plus the newest restorable backup that stopped at or
//   before the window start (the anchor that covers the window's first instant), plus every
//   kept incremental's parent chain back to its full (src/repo/backup-chain.ts): a full that a
//   kept incremental depends on is never expired;
// - an incremental whose parent chain is broken (a parent missing from the catalog, of another
//   system, not physical) cannot be restored: it is expired with its chain, inside the window too;
// - WAL: keep every segment from the oldest kept physical backup's start segment onward, on every
//   timeline; history files always; with no physical backup at all, WAL is left alone;
// - logical: keep those that start inside the window (or in the future: clock skew) and always
//   the newest one;
// - never expire the only backup; backups dated after `now` are kept;
// - incomplete backups (no manifest) are removed once older than 24 h (a running backup is
//   protected by the backup lock, which apply checks);
// - a copy with S3 Object Lock (`?object-lock=…&lock-days=N`) cannot delete an object before its
//   retain-until date: what the window expires but is still locked there stays on that copy
//   (reported with the instant it becomes deletable, estimated as its write time + lock-days;
//   apply reads the real date from each object before deleting), and so does the WAL such a
//   held backup needs. Unlocked copies are expired as usual.



const INCOMPLETE_GRACE_HOURS = 24;
const isPhysical = (b) => b.type === 'full' || b.type === 'incr';
const ms = (iso) => Date.parse(iso);
/** The absolute segment number a physical backup's WAL starts at. */
function startSegno(b) {
    if (b.startWal)
        return (0,segment/* parseSegmentName */.EU)(b.startWal).segno;
    if (b.startLsn)
        return (0,segment/* segnoForLsn */.ty)((0,segment/* parseLsn */.l2)(b.startLsn));
    return null;
}
/** An incremental's parents, newest first, back to its full backup; null when a link is broken. */
function parentChain(b, byId) {
    const r = resolveChain(b, byId);
    return r.ok ? r.chain.slice(0, -1).reverse() : null;
}
function planRetention(input) {
    const { backups, now, retentionDays } = input;
    const nowMs = now.getTime();
    const windowStartMs = nowMs - retentionDays * 86400_000;
    const byId = new Map(backups.map((b) => [b.id, b]));
    const keep = new Map();
    const notes = [];
    const mark = (b, reason) => {
        if (!keep.has(b.id))
            keep.set(b.id, reason);
    };
    // Physical backups. An incremental with a broken chain is never kept for the window.
    const physical = backups.filter(isPhysical);
    const broken = new Map();
    for (const b of physical) {
        const r = resolveChain(b, byId);
        if (!r.ok)
            broken.set(b.id, `${r.at.id === b.id ? '' : `its chain passes through ${r.at.id}, and `}${r.why}`);
    }
    const restorable = physical.filter((b) => !broken.has(b.id));
    for (const b of restorable) {
        if (ms(b.startTime) > nowMs)
            mark(b, 'dated after now (clock skew): kept');
        else if (ms(b.stopTime) > windowStartMs)
            mark(b, 'inside the recovery window');
    }
    const anchor = restorable.filter((b) => ms(b.stopTime) <= windowStartMs).sort((a, b) => ms(a.stopTime) - ms(b.stopTime)).pop();
    if (anchor)
        mark(anchor, 'newest backup before the window start (covers its first instant)');
    // Logical backups.
    const logical = backups.filter((b) => b.type === 'logical');
    for (const b of logical) {
        if (ms(b.startTime) > nowMs)
            mark(b, 'dated after now (clock skew): kept');
        else if (ms(b.startTime) >= windowStartMs)
            mark(b, 'inside the recovery window');
    }
    const newestLogical = [...logical].sort((a, b) => ms(a.startTime) - ms(b.startTime)).pop();
    if (newestLogical)
        mark(newestLogical, 'newest logical backup (always kept)');
    // Never leave the repository without a backup.
    if (backups.length && !keep.size) {
        const newest = [...backups].sort((a, b) => ms(a.startTime) - ms(b.startTime)).pop();
        mark(newest, 'only remaining backup (never expired)');
    }
    // A kept incremental keeps its whole chain (last: whatever marked it, the fallback included).
    for (const b of physical) {
        if (!keep.has(b.id) || b.type !== 'incr')
            continue;
        for (const p of parentChain(b, byId) ?? [])
            mark(p, `parent of kept incremental ${b.id}`);
    }
    const toPlanned = (b, reason) => ({ id: b.id, type: b.type, startTime: b.startTime, bytes: b.bytes, reason });
    const keepList = backups.filter((b) => keep.has(b.id)).map((b) => toPlanned(b, keep.get(b.id)));
    const expireList = backups
        .filter((b) => !keep.has(b.id))
        .map((b) => toPlanned(b, broken.has(b.id)
        ? `incremental that cannot be restored: ${broken.get(b.id)}`
        : isPhysical(b)
            ? 'older than the window and not needed by a kept backup'
            : 'logical backup older than the window'));
    // Incomplete backups.
    const graceMs = INCOMPLETE_GRACE_HOURS * 3600_000;
    const expireIncomplete = [];
    for (const inc of input.incomplete) {
        // The later of the id's time and the newest object's: a long-running backup is not stale.
        const times = [(0,layout/* parseBackupId */.JN)(inc.id)?.time.getTime(), inc.modified ? ms(inc.modified) : undefined].filter((x) => x !== undefined && !Number.isNaN(x));
        const t = Math.max(...times);
        if (!times.length) {
            notes.push(`incomplete backup directory ${inc.id} has an unknown age: left alone`);
            continue;
        }
        if (nowMs - t > graceMs)
            expireIncomplete.push({ ...inc, reason: `incomplete (no manifest) for more than ${INCOMPLETE_GRACE_HOURS} h` });
    }
    // WAL.
    const keptPhysical = physical.filter((b) => keep.has(b.id));
    const starts = keptPhysical.map(startSegno);
    let walKeepFrom = null;
    const expireWal = [];
    let keptSegments = 0;
    let keptBytes = 0;
    if (!keptPhysical.length) {
        if (input.wal.segments.length)
            notes.push('no physical backup in the repository: WAL is left alone');
    }
    else if (starts.some((s) => s === null)) {
        notes.push('a kept physical backup has no start WAL position: WAL is left alone');
    }
    else {
        const minSegno = starts.reduce((a, b) => (b < a ? b : a));
        const oldest = keptPhysical[starts.indexOf(minSegno)];
        walKeepFrom = (0,segment/* segmentName */.Jc)(oldest.timeline ?? 1, minSegno);
        for (const s of input.wal.segments) {
            if (s.segno < minSegno)
                expireWal.push({ key: s.key, size: s.size });
            else {
                keptSegments++;
                keptBytes += s.size;
            }
        }
        // Backup labels and .partial segments follow their segment; anything else is left alone.
        for (const o of input.wal.other) {
            const file = o.key.slice(o.key.lastIndexOf('/') + 1).replace(/\.zst(\.age)?$/, '');
            if (!(0,segment/* isBackupHistoryName */.Q2)(file) && !(0,segment/* isPartialName */.$9)(file))
                continue;
            if ((0,segment/* parseSegmentName */.EU)(file.slice(0, 24)).segno < minSegno)
                expireWal.push(o);
        }
    }
    const bytesFreed = expireList.reduce((a, b) => a + b.bytes, 0) + expireIncomplete.reduce((a, b) => a + b.bytes, 0) + expireWal.reduce((a, b) => a + b.size, 0);
    const locked = (input.lockedCopies ?? []).map((c) => planLockedCopy(c, { now, byId, expireList, expireIncomplete, expireWal, wal: input.wal }));
    return {
        now: now.toISOString(),
        windowStart: new Date(windowStartMs).toISOString(),
        retentionDays,
        keep: keepList,
        expire: expireList,
        expireIncomplete,
        walKeepFrom,
        expireWal,
        keptWal: { segments: keptSegments, bytes: keptBytes },
        bytesFreed,
        notes,
        locked,
    };
}
const iso = (t) => new Date(t).toISOString();
/**
 * One locked copy: an expired backup stays while its newest object is locked (the manifest is
 * written last, at about its stop time, so stop time + lock-days); WAL stays while it is locked
 * itself or while a backup still on this copy starts at or before it (a listed backup must stay
 * restorable, so its WAL may not go first).
 */
function planLockedCopy(c, x) {
    const nowMs = x.now.getTime();
    const lockMs = c.days * 86400_000;
    // Write time unknown (a store without modification times): as if written now, the safe side.
    const until = (written) => (written === undefined || Number.isNaN(written) ? nowMs : written) + lockMs;
    const backups = [];
    for (const e of x.expireList) {
        const b = x.byId.get(e.id);
        const t = until(Math.max(ms(b.startTime), ms(b.stopTime)));
        if (t > nowMs)
            backups.push({ id: b.id, type: b.type, bytes: b.bytes, deletableAt: iso(t) });
    }
    const incomplete = [];
    for (const i of x.expireIncomplete) {
        const t = until(i.modified ? ms(i.modified) : (0,layout/* parseBackupId */.JN)(i.id)?.time.getTime());
        if (t > nowMs)
            incomplete.push({ id: i.id, bytes: i.bytes, deletableAt: iso(t) });
    }
    // Held physical backups and the instant each goes: WAL from its start on waits for it.
    const heldPhysical = backups
        .map((h) => ({ b: x.byId.get(h.id), at: ms(h.deletableAt) }))
        .filter((h) => isPhysical(h.b))
        .map((h) => ({ start: startSegno(h.b), at: h.at }));
    const written = new Map();
    for (const s of x.wal.segments)
        written.set(s.key, s.archivedAt);
    for (const o of x.wal.other)
        written.set(o.key, o.modified);
    const wal = [];
    for (const w of x.expireWal) {
        let t = until(written.has(w.key) ? ms(written.get(w.key) ?? '') : undefined);
        const file = w.key.slice(w.key.lastIndexOf('/') + 1);
        const segno = /^[0-9A-F]{24}/.test(file) ? (0,segment/* parseSegmentName */.EU)(file.slice(0, 24)).segno : null;
        for (const h of heldPhysical)
            if (segno === null || h.start === null || h.start <= segno)
                t = Math.max(t, h.at);
        if (t > nowMs)
            wal.push({ key: w.key, size: w.size, deletableAt: iso(t) });
    }
    const bytesHeld = backups.reduce((a, b) => a + b.bytes, 0) + incomplete.reduce((a, b) => a + b.bytes, 0) + wal.reduce((a, w) => a + w.size, 0);
    return { ...c, backups, incomplete, wal, bytesHeld };
}

;// CONCATENATED MODULE: ./src/retention/expired-keys.ts
// What the recovery window no longer needs, as keys. A copy with S3 Object Lock keeps expired
// backups and WAL until their lock runs out while the other copies have already deleted them:
// verify must not report those as missing on the other copies, and repair must not copy them
// back (the next expire would only delete them again). Pure, like the plan it derives from.


function expiredKeys(input) {
    const p = planRetention({ ...input, incomplete: [] });
    return { backupIds: new Set(p.expire.map((b) => b.id)), walKeys: new Set(p.expireWal.map((w) => w.key)) };
}
/** The key belongs to an expired backup or is expired WAL. */
function isExpiredKey(e, key) {
    if (e.walKeys.has(key))
        return true;
    return key.startsWith(layout/* BACKUPS_PREFIX */.d6) && e.backupIds.has(key.slice(layout/* BACKUPS_PREFIX */.d6.length).split('/')[0]);
}

;// CONCATENATED MODULE: ./src/commands/verify.ts
// `pgkeep verify`: prove the repository holds what its manifests say, on every copy, and that
// the WAL chain is unbroken; `--drill` restores and checks a real cluster (src/verify/drill.ts).
// Incomplete backups (no manifest) are warnings, not failures.






















async function runVerify(cfg, opts = {}) {
    if (opts.drill)
        return runDrill(cfg, { backup: opts.backup });
    const started = Date.now();
    const store = (0,open_store/* openStore */.C)(cfg);
    const copies = store instanceof mirror_store/* MirrorStore */.$ ? store.copies : [store];
    // The union's catalog and WAL, which a repair does not change (it only copies between copies).
    const cat = await (0,repo_catalog.loadCatalog)(store);
    const unionWal = copies.length > 1 ? await loadWalCatalog(store) : null;
    // What retention expired but a locked copy (S3 Object Lock) still holds is not missing on the
    // other copies, and is not copied back to them.
    const expired = unionWal ? expiredKeys({ backups: cat.backups, wal: unionWal, now: new Date(), retentionDays: cfg.retentionDays }) : undefined;
    // Repair before the checks, so what is reported is the state after the repair.
    const repair = opts.repair ? await repairCopies(store, { parallel: cfg.parallel * 2, ...(expired ? { skip: (k) => isExpiredKey(expired, k) } : {}) }) : undefined;
    const selected = opts.backup ? [(0,repo_catalog.findBackup)(cat, opts.backup)] : cat.backups;
    const problems = [];
    const warnings = [];
    if (!cat.backups.length)
        warnings.push(`${store.description} holds no complete backup yet: there is nothing to restore`);
    // A manifest that cannot be read makes its backup unrestorable: a problem, not a warning.
    if (!opts.backup)
        for (const b of cat.broken ?? [])
            problems.push({ backupId: b.id, message: `backup ${b.id} is unusable: ${b.error}` });
    if (!opts.backup)
        for (const id of cat.incomplete)
            warnings.push(`backup ${id} has objects but no manifest (killed or still running); it is not restorable and expire removes it after 24 h`);
    const totalBytes = selected.reduce((a, b) => a + b.bytes, 0) * copies.length;
    const prog = (0,log/* progress */.qB)('verify checksums', totalBytes);
    const perCopy = [];
    // Mirrors: a WAL file another copy holds must be on every copy (each copy must restore alone),
    // expired WAL excepted.
    const neededWal = unionWal && expired ? { ...unionWal, segments: unionWal.segments.filter((x) => !expired.walKeys.has(x.key)) } : unionWal;
    let objects = 0;
    let bytes = 0;
    let walSegments = 0;
    // Content checks with PostgreSQL's tools, once (reads come from the first copy that has it),
    // running beside the checksum pass so both cores stay busy.
    const content = opts.checksumsOnly ? Promise.resolve([]) : contentChecks(cfg, store, selected);
    for (const copy of copies) {
        const copyName = copies.length > 1 ? copy.description : undefined;
        const before = problems.length;
        const copyCat = copies.length > 1 ? await loadCatalogOrProblem(copy, problems, copyName) : cat;
        const manifests = [];
        // An expired backup that this copy no longer has (a locked copy still holds it) is not checked here.
        const gone = (b) => !!expired?.backupIds.has(b.id) && !copyCat?.backups.some((x) => x.id === b.id);
        for (const b of selected) {
            const mine = copyCat?.backups.find((x) => x.id === b.id);
            if (!mine && gone(b))
                continue;
            if (!mine) {
                problems.push({ backupId: b.id, copy: copyName, message: `backup ${b.id} has no manifest on ${copy.description}` });
                continue;
            }
            if (!sameObjects(mine, b))
                problems.push({ backupId: b.id, copy: copyName, message: `manifest of ${b.id} on ${copy.description} differs from the other copies` });
            manifests.push(mine);
        }
        // Objects and WAL of one copy are read side by side: this thread hashes the backup objects
        // while WAL frames are decoded on a worker thread (util/zstd-decode-workers.ts).
        const [obj, walRes] = await Promise.all([
            checkBackupObjects(copy, manifests, { parallel: Math.max(2, cfg.parallel), copy: copyName, onBytes: (n) => prog.add(n) }),
            checkWal(copy, selected.filter((b) => !gone(b)), copyName, problems, cfg.parallel, neededWal),
        ]);
        problems.push(...obj.problems);
        objects += obj.objects;
        bytes += obj.bytes;
        walSegments += walRes;
        perCopy.push({ copy: copy.description, ok: problems.length === before, objects: obj.objects, bytes: obj.bytes, walSegments: walRes, problems: problems.length - before });
    }
    prog.done();
    problems.push(...(await content));
    const durationSeconds = (Date.now() - started) / 1000;
    const ok = problems.length === 0;
    log/* log */.Rm.info(`verify: ${selected.length} backups, ${objects} objects, ${(0,log/* formatBytes */.z3)(bytes)}, ${walSegments} WAL segments in ${(0,log/* formatDuration */.a3)(durationSeconds)}: ${ok ? 'ok' : `${problems.length} problems`}`);
    return {
        ok,
        checked: { backups: selected.length, objects, bytes, walSegments },
        problems: dedupe(problems),
        warnings,
        copies: perCopy,
        ...(repair
            ? {
                repaired: {
                    copied: repair.copied.filter((c) => c.from !== 'already there').length,
                    failed: repair.failed.map((f) => `${f.key} → ${f.to}: ${f.error}`),
                    damagedSources: repair.copied.filter((c) => c.badSources?.length).map((c) => `${c.key} on ${c.badSources.join(', ')}`),
                },
            }
            : {}),
        durationSeconds,
        throughputMiBps: durationSeconds > 0 ? Math.round((bytes / 1048576 / durationSeconds) * 10) / 10 : 0,
    };
}
async function contentChecks(cfg, store, selected) {
    const problems = [];
    // One `--version` probe per tool, not per backup.
    const majors = new Map();
    const majorOf = (tool) => {
        if (!majors.has(tool))
            majors.set(tool, (0,pg_tools.isExecutable)(tool) ? (0,pg_tools.toolMajor)(tool) : undefined);
        return majors.get(tool);
    };
    for (const b of selected) {
        // Encrypted objects' checksums (over the stored ciphertext) are checked above without the
        // key; reading their content (pg_restore --list, pg_verifybackup) needs the identity.
        if (b.encryption && !(0,age/* hasAgeIdentity */.a0)()) {
            log/* log */.Rm.info(`backup ${b.id} is encrypted with age: checksums checked; its content is checked only with PGKEEP_AGE_IDENTITY set`);
            continue;
        }
        try {
            const binDir = (0,pg_tools.resolveBinDir)(cfg.pgBinDir, Math.floor(b.pgVersionNum / 10000));
            if (b.type === 'logical')
                problems.push(...(await checkLogicalBackup(store, b, binDir)).map((p) => ({ backupId: b.id, ...p })));
            else {
                // Full and PG >= 17 incremental backups alike: pg_verifybackup checks an incremental's
                // files (INCREMENTAL.* included) against its own manifest. It must be of the backup's
                // major: a newer one reads a version-1 manifest (PG <= 16) fine but not older WAL (it
                // then runs with -n, physical-check.ts), and from 17 on (manifest version 2) it also
                // checks pg_control, whose layout changes with the major (pg_verifybackup 18 calls a good
                // PostgreSQL 17 pg_control "CRC is incorrect").
                const major = Math.floor(b.pgVersionNum / 10000);
                const tool = external_node_path_default().join(binDir, 'pg_verifybackup');
                const toolVersion = majorOf(tool);
                if (toolVersion === undefined || toolVersion < major || (toolVersion > major && major >= 17))
                    problems.push({
                        backupId: b.id,
                        message: `pg_verifybackup for PostgreSQL ${major} is needed to check backup ${b.id}, but ${toolVersion === undefined ? `${tool} was not found` : `${tool} is from PostgreSQL ${toolVersion}`}; install postgresql-client-${major} or set PGKEEP_PG_BINDIR`,
                    });
                else
                    problems.push(...(await checkPhysicalBackup(store, b, binDir, { toolMajor: toolVersion })));
            }
        }
        catch (e) {
            problems.push({ backupId: b.id, message: `could not check backup ${b.id}: ${e.message}` });
        }
    }
    return problems;
}
async function loadCatalogOrProblem(copy, problems, copyName) {
    try {
        return await (0,repo_catalog.loadCatalog)(copy);
    }
    catch (e) {
        problems.push({ copy: copyName, message: `cannot list backups on ${copy.description}: ${e.message}` });
        return null;
    }
}
function sameObjects(a, b) {
    const key = (m) => m.objects.map((o) => `${o.name}:${o.bytes}:${o.sha256}`).sort().join(',');
    return key(a) === key(b);
}
function dedupe(ps) {
    const seen = new Set();
    return ps.filter((p) => {
        const k = JSON.stringify(p);
        if (seen.has(k))
            return false;
        seen.add(k);
        return true;
    });
}
async function readHistories(store, wal, problems, copyName) {
    const out = new Map();
    for (const h of wal.histories) {
        try {
            const body = new external_node_stream_.PassThrough();
            const decrypt = (0,age/* decryptStages */.Nm)(h.key);
            const done = (0,promises_.pipeline)(await store.get(h.key), ...decrypt, (0,streams/* zstdDecompress */.v3)(), body);
            const text = (await Promise.all([(0,streams/* streamToBuffer */.GV)(body), done]))[0].toString('utf8');
            out.set(h.timeline, (0,segment/* parseHistoryFile */.ux)(text));
        }
        catch (e) {
            problems.push({ object: h.key, copy: copyName, message: `timeline history ${h.name} is unreadable: ${e.message}` });
        }
    }
    return out;
}
/** WAL chain from the oldest selected physical backup onward, plus every needed segment's frame. */
async function checkWal(copy, selected, copyName, problems, parallel, unionWal) {
    const physical = selected.filter((b) => b.type !== 'logical');
    let wal;
    try {
        wal = await loadWalCatalog(copy);
    }
    catch (e) {
        problems.push({ copy: copyName, message: `cannot list WAL on ${copy.description}: ${e.message}` });
        return 0;
    }
    const startOf = (b) => {
        const segno = startSegno(b);
        return segno === null ? null : { timeline: b.timeline ?? (b.startWal ? (0,segment/* parseSegmentName */.EU)(b.startWal).timeline : 1), segno };
    };
    const starts = physical.map(startOf).filter((s) => s !== null);
    const start = starts.sort((a, b) => (a.segno < b.segno ? -1 : a.segno > b.segno ? 1 : a.timeline - b.timeline))[0] ?? null;
    if (unionWal) {
        const mine = new Set([...wal.segments, ...wal.histories].map((x) => x.key));
        for (const x of [...unionWal.segments, ...unionWal.histories])
            if (!mine.has(x.key))
                problems.push({ object: x.key, copy: copyName, message: `WAL file ${x.name} is missing on ${copy.description} (another copy has it)` });
    }
    const histories = await readHistories(copy, wal, problems, copyName);
    const chain = checkWalChain({ wal, start, histories });
    for (const g of chain.gaps)
        problems.push({ object: (0,layout/* walKey */.i1)(g.first), copy: copyName, message: describeGap(g) });
    for (const p of chain.problems)
        problems.push({ copy: copyName, message: p });
    if (!start)
        return 0;
    const needed = wal.segments.filter((s) => s.segno >= start.segno && s.timeline >= start.timeline);
    const res = await checkWalObjects(copy, needed, { parallel: Math.max(2, parallel * 2), copy: copyName });
    problems.push(...res.problems);
    return needed.length;
}

;// CONCATENATED MODULE: ./src/cli/commands/verify.ts



function formatVerify(r) {
    const lines = [];
    if (r.rtoSeconds !== undefined || r.recoveredTo !== undefined || r.backupId) {
        lines.push(`Restore drill of ${r.backupId}: ${r.ok ? 'OK' : 'FAILED'}`);
        if (r.recoveredTo)
            lines.push(`  recovered to   ${r.recoveredTo}`);
        if (r.rtoSeconds !== undefined)
            lines.push(`  RTO            ${(0,log/* formatDuration */.a3)(r.rtoSeconds)} (restore, replay, promotion, pg_amcheck)`);
        if (r.rpoSeconds !== undefined)
            lines.push(`  RPO            ${(0,log/* formatDuration */.a3)(r.rpoSeconds)} (age of the newest restorable instant)`);
        const dbs = r.checkedDatabases;
        if (dbs?.length)
            lines.push(`  pg_amcheck     ${dbs.join(', ')}`);
        const lr = r.logicalRestored;
        if (lr?.length)
            lines.push(`  pg_restore     ${lr.join(', ')} from ${r.logicalBackupId}`);
    }
    else {
        const c = r.checked;
        lines.push(`${r.ok ? 'OK' : 'FAILED'}: ${c.backups} backup(s), ${c.objects} object(s), ${(0,log/* formatBytes */.z3)(c.bytes)} checked, ${c.walSegments} WAL segment(s), in ${(0,log/* formatDuration */.a3)(r.durationSeconds)}.`);
        for (const cp of r.copies ?? [])
            if (r.copies.length > 1)
                lines.push(`  copy ${cp.copy}: ${cp.ok ? 'ok' : `${cp.problems} problem(s)`}`);
    }
    const rep = r.repaired;
    if (rep) {
        lines.push(`Repair: ${rep.copied} object(s) filled in on lagging copies${rep.failed.length ? `, ${rep.failed.length} could not be` : ''}.`);
        for (const f of rep.failed)
            lines.push(`  not filled in: ${f}`);
        for (const d of rep.damagedSources)
            lines.push(`  damaged source skipped: ${d}`);
    }
    for (const w of r.warnings ?? [])
        lines.push(`warning: ${w}`);
    if (r.problems.length) {
        lines.push('Problems:');
        for (const p of r.problems) {
            const where = [p.backupId && `backup ${p.backupId}`, p.object && `object ${p.object}`, p.copy && `copy ${p.copy}`].filter(Boolean).join(', ');
            lines.push(`  - ${where ? where + ': ' : ''}${p.message}`);
        }
    }
    return lines.join('\n');
}
const verifyCommand = {
    synopsis: '[--backup <id>] [--drill] [--checksums-only] [--repair] [--json]',
    help: 'Checks every object\'s size and SHA-256 on every copy, physical backups with pg_verifybackup, logical dumps with pg_restore --list, and the WAL chain.\n' +
        '--repair first fills in, from the other copies, what a lagging copy of a mirror (PGKEEP_REPO with several copies) lacks: WAL pushed while it was down, backups written meanwhile; every object is checked on the way.\n' +
        '--checksums-only skips pg_verifybackup and pg_restore --list (sizes, SHA-256 and the WAL chain only).\n' +
        '--drill restores the newest full backup + WAL into an ephemeral cluster, runs pg_amcheck, restores the newest logical backup into scratch databases, and reports RTO/RPO.',
    options: {
        backup: { type: 'string' },
        drill: { type: 'boolean' },
        'checksums-only': { type: 'boolean' },
        repair: { type: 'boolean' },
    },
    async run({ cfg, flags }) {
        const r = await runVerify(cfg, { backup: str(flags, 'backup'), drill: flags.drill === true, checksumsOnly: flags['checksums-only'] === true, repair: flags.repair === true });
        return { json: r, text: formatVerify(r), exitCode: r.ok ? 0 : 1 };
    },
};

;// CONCATENATED MODULE: ./src/retention/apply.ts
// Apply a retention plan: under the `expire` lock (refused while any backup runs), on every
// copy of the repository. For each expired backup the manifest goes FIRST, so a half-deleted
// backup is never listed as valid; then its objects; WAL last, once no kept backup needs it.
// On a copy with S3 Object Lock nothing is deleted that is still locked: what the plan already
// holds there is skipped without a request, and every other object is looked up (HEAD: its
// retain-until date and legal hold) before its delete is sent. A backup with any locked object
// stays whole on that copy (manifest included), so the copy never lists a half-deleted backup.





function storeCopies(store) {
    return store instanceof mirror_store/* MirrorStore */.$ ? store.copies : [store];
}
async function applyRetention(store, plan, parallel = 8, now = Date.now) {
    const copies = storeCopies(store);
    const holds = new Map((plan.locked ?? []).map((h) => [h.copy, h]));
    const res = { deletedBackups: [], deletedIncomplete: [], deletedWal: 0, deletedObjects: 0, bytesFreed: 0, held: [] };
    const failures = [];
    const del = async (copy, key) => {
        try {
            await copy.delete(key);
            res.deletedObjects++;
        }
        catch (e) {
            failures.push(`${key} on ${copy.description}: ${e.message}`);
            throw e;
        }
    };
    /** When `key` on a locked copy may be deleted (ms; Infinity under a legal hold; 0 when absent). */
    const lockedUntil = async (copy, key, h) => {
        const o = await copy.head(key);
        if (!o)
            return 0;
        if (o.legalHold)
            return Infinity;
        if (o.retainUntil)
            return Date.parse(o.retainUntil);
        // No retention in the answer: the runner may lack s3:GetObjectRetention, or the object predates
        // the lock setting. Assume it was written with this copy's lock-days: never delete early.
        return (o.modified ? Date.parse(o.modified) : now()) + h.days * 86400_000;
    };
    const holdUntil = (t) => (Number.isFinite(t) ? new Date(t).toISOString() : null);
    // Copies where a backup turned out locked although the plan expected it deletable: the plan
    // does not know which WAL it needs there, so WAL stays on that copy this time.
    const walFrozen = new Set();
    /** Removes a backup from every copy where nothing of it is locked; true when removed everywhere. */
    const removeBackup = async (id, kind) => {
        const targets = [];
        for (const [i, c] of copies.entries()) {
            const h = holds.get(i);
            if (!h) {
                targets.push(c);
                continue;
            }
            const planned = (kind === 'backup' ? h.backups : h.incomplete).find((x) => x.id === id);
            if (planned) {
                res.held.push({ copy: c.description, kind, what: id, deletableAt: planned.deletableAt });
                continue;
            }
            const objs = await c.list((0,layout/* backupPrefix */.nY)(id));
            const until = Math.max(0, ...(await (0,streams/* mapLimit */.sf)(objs, parallel, (o) => lockedUntil(c, o.key, h))));
            if (until > now()) {
                res.held.push({ copy: c.description, kind, what: id, deletableAt: holdUntil(until) });
                walFrozen.add(i);
                log/* log */.Rm.warn(`expire: ${kind} ${id} is still locked on ${c.description} until ${holdUntil(until) ?? 'its legal hold is lifted'} (later than the write time + lock-days); it stays there, and so does that copy's WAL this time`);
                continue;
            }
            targets.push(c);
        }
        // Manifest first on every copy that deletes: from here on none of them lists the backup.
        if (kind === 'backup')
            await Promise.all(targets.map((c) => del(c, (0,layout/* manifestKey */.Rn)(id))));
        for (const c of targets) {
            const objs = await c.list((0,layout/* backupPrefix */.nY)(id));
            await (0,streams/* mapLimit */.sf)(objs, parallel, (o) => del(c, o.key));
        }
        return targets.length === copies.length;
    };
    for (const b of plan.expire) {
        const everywhere = await removeBackup(b.id, 'backup');
        if (everywhere) {
            res.deletedBackups.push(b.id);
            res.bytesFreed += b.bytes;
        }
        log/* log */.Rm.info(`expire: removed ${b.type} backup ${b.id} (${(0,log/* formatBytes */.z3)(b.bytes)})${everywhere ? '' : ' from the unlocked copies'}: ${b.reason}`);
    }
    for (const inc of plan.expireIncomplete) {
        const everywhere = await removeBackup(inc.id, 'incomplete');
        if (everywhere) {
            res.deletedIncomplete.push(inc.id);
            res.bytesFreed += inc.bytes;
        }
        log/* log */.Rm.info(`expire: removed incomplete backup ${inc.id} (${(0,log/* formatBytes */.z3)(inc.bytes)})${everywhere ? '' : ' from the unlocked copies'}`);
    }
    const heldWal = new Set();
    for (const [i, c] of copies.entries()) {
        const h = holds.get(i);
        let todo = plan.expireWal;
        if (h) {
            const planned = new Map(h.wal.map((w) => [w.key, w.deletableAt]));
            todo = [];
            for (const w of plan.expireWal) {
                if (walFrozen.has(i) || planned.has(w.key)) {
                    heldWal.add(w.key);
                    res.held.push({ copy: c.description, kind: 'wal', what: w.key, deletableAt: planned.get(w.key) ?? null });
                }
                else
                    todo.push(w);
            }
            // Looked up one by one before deleting: the estimate may be early (lock-days was longer once).
            const checked = await (0,streams/* mapLimit */.sf)(todo, parallel, async (w) => ({ w, until: await lockedUntil(c, w.key, h) })).catch((e) => {
                failures.push(`WAL on ${c.description}: ${e.message}`);
                return [];
            });
            todo = [];
            for (const { w, until } of checked) {
                if (until > now()) {
                    heldWal.add(w.key);
                    res.held.push({ copy: c.description, kind: 'wal', what: w.key, deletableAt: holdUntil(until) });
                }
                else
                    todo.push(w);
            }
        }
        await (0,streams/* mapLimit */.sf)(todo, parallel, (w) => del(c, w.key)).catch(() => undefined);
    }
    if (failures.length)
        throw new util_errors/* PgkeepError */.$Z('expire-incomplete', `expire could not delete ${failures.length} object(s), first: ${failures[0]}.`, 'Nothing restorable was lost (manifests go first); fix the copy and run pgkeep expire again.');
    const goneWal = plan.expireWal.filter((w) => !heldWal.has(w.key));
    res.deletedWal = goneWal.length;
    res.bytesFreed += goneWal.reduce((a, w) => a + w.size, 0);
    if (plan.expireWal.length)
        log/* log */.Rm.info(`expire: removed ${plan.expireWal.length} WAL files before ${plan.walKeepFrom}${heldWal.size ? ` (${heldWal.size} of them from the unlocked copies only)` : ''}`);
    if (res.held.length) {
        const last = res.held.map((x) => x.deletableAt).filter((d) => !!d).sort().pop();
        log/* log */.Rm.info(`expire: ${res.held.length} expired item(s) stay on locked copies (S3 Object Lock)${last ? `, the last deletable from ${last}` : ''}`);
    }
    return res;
}

;// CONCATENATED MODULE: ./src/commands/expire.ts








/** A real expire deletes: only the real clock decides what is outside the window. */
const nowNeedsDryRun = () => new util_errors/* PgkeepError */.$Z('bad-usage', '--now is accepted only with --dry-run: a real expire always plans with the current time, since a later --now would delete backups still inside the recovery window.', 'Add --dry-run to see what would expire at that time; run pgkeep expire without --now to apply retention.');
const EXPIRE_LOCK = 'expire';
async function incompleteSizes(store, ids) {
    if (!ids.length)
        return [];
    const objs = await store.list(layout/* BACKUPS_PREFIX */.d6);
    return ids.map((id) => {
        const mine = objs.filter((o) => o.key.startsWith(`${layout/* BACKUPS_PREFIX */.d6}${id}/`));
        const modified = mine.map((o) => o.modified).filter((m) => !!m).sort().pop();
        return { id, bytes: mine.reduce((a, o) => a + o.size, 0), modified };
    });
}
/** The copies of PGKEEP_REPO with S3 Object Lock, by position (the store's copies follow the same order). */
function lockedCopies(cfg, store) {
    const copies = storeCopies(store);
    return cfg.repos.flatMap((l, copy) => l.kind === 's3' && l.objectLock ? [{ copy, description: copies[copy]?.description ?? l.url, mode: l.objectLock.mode, days: l.objectLock.days }] : []);
}
async function planExpire(store, retentionDays, now, locked = []) {
    const [cat, wal] = await Promise.all([(0,repo_catalog.loadCatalog)(store), loadWalCatalog(store)]);
    return planRetention({ backups: cat.backups, incomplete: await incompleteSizes(store, cat.incomplete), wal, now, retentionDays, lockedCopies: locked });
}
async function runExpire(cfg, opts) {
    const started = Date.now();
    if (opts.now !== undefined && !opts.dryRun)
        throw nowNeedsDryRun();
    const now = opts.now ? new Date(opts.now) : opts.clock ?? new Date();
    if (Number.isNaN(now.getTime()))
        throw new util_errors/* PgkeepError */.$Z('bad-usage', `--now="${opts.now}" is not an ISO-8601 time.`, 'Example: --now 2026-12-01T00:00:00Z');
    const days = opts.retentionDays ?? cfg.retentionDays;
    const store = (0,open_store/* openStore */.C)(cfg);
    if (opts.dryRun) {
        const plan = await planExpire(store, days, now, lockedCopies(cfg, store));
        return { dryRun: true, plan, durationSeconds: (Date.now() - started) / 1000 };
    }
    let lock;
    try {
        lock = await acquireLock(store, EXPIRE_LOCK, { conflictsWith: (l) => l.name.startsWith('backup') });
        // Planned under the lock: a backup that finished a moment ago is part of the plan.
        const plan = await planExpire(store, days, now, lockedCopies(cfg, store));
        await lock.confirm();
        // Deletes go through the lock: if its lease is lost midway, expire stops.
        const applied = await applyRetention(lock.guard(store), plan);
        return { dryRun: false, plan, applied, durationSeconds: (Date.now() - started) / 1000 };
    }
    finally {
        await lock?.release();
    }
}

;// CONCATENATED MODULE: ./src/cli/commands/expire.ts




function formatExpire(r) {
    const p = r.plan;
    const lines = [
        `${r.dryRun ? 'Dry run (nothing deleted): ' : ''}recovery window ${p.retentionDays} days: ${p.windowStart} to ${p.now}.`,
    ];
    for (const k of p.keep)
        lines.push(`  keep    ${k.id}  ${(0,log/* formatBytes */.z3)(k.bytes).padStart(10)}  ${k.reason}`);
    for (const e of p.expire)
        lines.push(`  ${r.dryRun ? 'expire' : 'deleted'} ${e.id}  ${(0,log/* formatBytes */.z3)(e.bytes).padStart(10)}  ${e.reason}`);
    for (const i of p.expireIncomplete)
        lines.push(`  ${r.dryRun ? 'expire' : 'deleted'} ${i.id}  ${(0,log/* formatBytes */.z3)(i.bytes).padStart(10)}  ${i.reason}`);
    if (p.walKeepFrom)
        lines.push(`  WAL: keep ${p.keptWal.segments} segment(s) (${(0,log/* formatBytes */.z3)(p.keptWal.bytes)}) from ${p.walKeepFrom}; ${r.dryRun ? 'expire' : 'deleted'} ${p.expireWal.length} file(s) (${(0,log/* formatBytes */.z3)(p.expireWal.reduce((a, w) => a + w.size, 0))}).`);
    // Object Lock: a real run reports what it found on each object; a dry run, the estimate.
    const held = r.applied?.held ?? p.locked.flatMap((h) => [
        ...h.backups.map((b) => ({ copy: h.description, kind: 'backup', what: b.id, deletableAt: b.deletableAt })),
        ...h.incomplete.map((b) => ({ copy: h.description, kind: 'incomplete', what: b.id, deletableAt: b.deletableAt })),
        ...h.wal.map((w) => ({ copy: h.description, kind: 'wal', what: w.key, deletableAt: w.deletableAt })),
    ]);
    for (const x of held.filter((x) => x.kind !== 'wal'))
        lines.push(`  locked  ${x.what}  on ${x.copy}: ${x.deletableAt ? `deletable from ${x.deletableAt}` : 'under a legal hold (no date)'}`);
    const byCopy = new Map();
    for (const x of held.filter((x) => x.kind === 'wal'))
        byCopy.set(x.copy, [...(byCopy.get(x.copy) ?? []), x.deletableAt]);
    for (const [copy, dates] of byCopy) {
        const known = dates.filter((d) => !!d).sort();
        lines.push(`  locked  ${dates.length} WAL file(s) on ${copy}: ${known.length ? known.length > 1 ? `becoming deletable between ${known[0]} and ${known[known.length - 1]}` : `deletable from ${known[0]}` : ''}${known.length < dates.length ? `${known.length ? '; ' : ''}${dates.length - known.length} without a date` : ''}`);
    }
    for (const n of p.notes)
        lines.push(`  note: ${n}`);
    lines.push(`${r.dryRun ? 'Would free' : 'Freed'} ${(0,log/* formatBytes */.z3)(p.bytesFreed)}.`);
    return lines.join('\n');
}
const expireCommand = {
    synopsis: '[--retention-days N] [--now <ISO-8601>] [--dry-run] [--json]',
    help: 'Keeps every backup and WAL file needed to restore to any instant of the last N days (PGKEEP_RETENTION_DAYS, 30) and deletes the rest on every copy.\n' +
        'Never deletes the only backup, never runs while a backup holds its lock, deletes each manifest before its objects. --now (with --dry-run only) shows what would expire at that time.\n' +
        'On a copy with S3 Object Lock (object-lock=… in PGKEEP_REPO) nothing still locked is deleted: it stays there and is reported with the date it becomes deletable.',
    options: {
        'retention-days': { type: 'string' },
        now: { type: 'string' },
        'dry-run': { type: 'boolean' },
    },
    async run({ cfg, flags }) {
        const now = str(flags, 'now');
        const dryRun = flags['dry-run'] === true;
        if (now !== undefined && !dryRun)
            throw nowNeedsDryRun();
        if (now !== undefined && Number.isNaN(Date.parse(now)))
            throw new util_errors/* PgkeepError */.$Z('bad-usage', `--now="${now}" is not an ISO-8601 time.`, 'Example: --now 2026-12-01T00:00:00Z');
        // --retention-days reaches cfg.retentionDays through the config overrides (validated there).
        const r = await runExpire(cfg, { now, dryRun });
        return { json: r, text: formatExpire(r) };
    },
};

;// CONCATENATED MODULE: ./src/cli/commands/status.ts






function hoursFlag(v, name) {
    if (v === undefined)
        return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0)
        throw new util_errors/* PgkeepError */.$Z('bad-usage', `--${name}="${v}" is not valid: expected a positive number of hours.`);
    return n;
}
/** Replication slots on the server: what each keeps back, and since when (from the archive). */
function slotLines(s) {
    if (!s.replicationSlots)
        return [];
    if (!s.replicationSlots.length)
        return ['Replication slots: none (the server keeps no WAL for a slot).'];
    const cap = (s.maxSlotWalKeepSizeBytes ?? -1) < 0 ? 'unlimited' : (0,log/* formatBytes */.z3)(s.maxSlotWalKeepSizeBytes);
    return [
        `Replication slots (max_slot_wal_keep_size ${cap}):`,
        ...s.replicationSlots.map((r) => `  ${(0,replication_slot/* slotLine */.n_)(r, r.oldestRetainedArchivedAt ? `, oldest retained WAL archived ${r.oldestRetainedArchivedAt} (${r.oldestRetainedAgeHours} h ago)` : '')}`),
    ];
}
function statusText(s) {
    const age = (h) => (h === undefined ? 'unknown' : `${h} h ago`);
    const lines = [
        `Backups: ${s.backups.count} (${s.backups.full} full, ${s.backups.incr} incr, ${s.backups.logical} logical), ${(0,log/* formatBytes */.z3)(s.backups.bytes)} stored; ${s.walSegments} WAL segments.`,
        s.window.newest ? `Recovery window: ${s.window.oldest} → ${s.window.newest}` : 'Recovery window: none (no backup).',
        `Newest full backup:    ${s.newestFull ? `${s.newestFull.id} (${age(s.newestFull.ageHours)})` : 'none'}`,
        `Newest logical backup: ${s.newestLogical ? `${s.newestLogical.id} (${age(s.newestLogical.ageHours)})` : 'none'}`,
        `Newest archived WAL:   ${s.newestWal ? `${s.newestWal.name} (${age(s.newestWal.ageHours)})` : 'none'}`,
        ...(s.timelines?.length ? ['Timelines (restores follow the current one; --timeline N picks another):', ...timelineLines(s.timelines, s.currentTimeline?.why)] : []),
        ...slotLines(s),
        ...s.notes.map((n) => `Note: ${n}`),
        s.stale ? `STALE (threshold ${s.maxAgeHours} h):` : `Fresh (threshold ${s.maxAgeHours} h).`,
        ...s.problems.map((p) => `  - ${p}`),
    ];
    return lines.join('\n');
}
const statusCommand = {
    synopsis: '[--max-age-hours N] [--max-wal-age-hours N] [--json]',
    help: `Catalog summary, recovery window, and a dead-man check: exits 1 when the newest full (or, without physical backups, logical) backup or the newest archived WAL is older than the threshold (default ${DEFAULT_MAX_AGE_HOURS} h).`,
    options: {
        'max-age-hours': { type: 'string' },
        'max-wal-age-hours': { type: 'string' },
    },
    async run({ cfg, flags }) {
        const s = await runStatus(cfg, {
            maxAgeHours: hoursFlag(str(flags, 'max-age-hours'), 'max-age-hours'),
            maxWalAgeHours: hoursFlag(str(flags, 'max-wal-age-hours'), 'max-wal-age-hours'),
            timelines: true,
            slots: true,
        });
        return { json: s, text: statusText(s), exitCode: s.stale ? 1 : 0 };
    },
};

;// CONCATENATED MODULE: ./src/commands/slot.ts


async function runSlotList(cfg) {
    return (0,replication_slot/* readSlots */.wI)(cfg.pgEnv);
}
async function runSlotDrop(cfg, slot = wal_pull.DEFAULT_SLOT) {
    return (0,replication_slot/* dropSlot */.aO)(cfg.pgEnv, slot);
}

;// CONCATENATED MODULE: ./src/cli/commands/slot.ts






const slotCommand = {
    synopsis: 'list | drop [--slot NAME] [--json]',
    help: `list: every replication slot on the server, the WAL it retains (pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)) and whether it is in use.\n` +
        `drop: remove the slot (default "${wal_pull.DEFAULT_SLOT}") so the server stops keeping WAL for it; refuses while something streams from it.`,
    needsRepo: false,
    options: {
        slot: { type: 'string' },
    },
    async run({ cfg, flags, positionals }) {
        const [action, ...extra] = positionals;
        if ((action !== 'list' && action !== 'drop') || extra.length)
            throw new util_errors/* PgkeepError */.$Z('bad-usage', `pgkeep slot needs "list" or "drop"${action ? `, not "${[action, ...extra].join(' ')}"` : ''}.`, `Example: pgkeep slot drop (drops the "${wal_pull.DEFAULT_SLOT}" slot).`);
        if (action === 'list') {
            const r = await runSlotList(cfg);
            const cap = r.maxSlotWalKeepSizeBytes < 0 ? 'unlimited (-1)' : (0,log/* formatBytes */.z3)(r.maxSlotWalKeepSizeBytes);
            const text = r.slots.length
                ? [`Replication slots (max_slot_wal_keep_size ${cap}):`, ...r.slots.map((s) => `  ${(0,replication_slot/* slotLine */.n_)(s)}`)].join('\n')
                : 'No replication slots: the server keeps no WAL for a slot.';
            return { json: r, text };
        }
        const slot = str(flags, 'slot') ?? wal_pull.DEFAULT_SLOT;
        const r = await runSlotDrop(cfg, slot);
        const text = r.dropped
            ? `Dropped replication slot "${slot}"${r.retainedBytes !== undefined ? ` (it retained ${(0,log/* formatBytes */.z3)(r.retainedBytes)} of WAL, which the server may now recycle)` : ''}. WAL now reaches the repository only through archive_command: check with pgkeep status.`
            : `No replication slot "${slot}" exists; nothing to drop.`;
        return { json: r, text };
    },
};

// EXTERNAL MODULE: ./src/util/redact.ts
var redact = __webpack_require__(767);
;// CONCATENATED MODULE: ./src/config/describe-config.ts
// The effective configuration as an operator checks it first when a scheduled run misbehaves:
// every declared setting with its value, where the value came from (default, environment,
// flag, input), and each bad value's error — secrets masked. Never throws: a bad setting is
// reported next to the others instead of hiding them.




/** Which override field carries a setting's flag / input (Overrides' keys). */
const OVERRIDE_KEYS = {
    PGKEEP_REPO: 'repo',
    PGKEEP_CLUSTER: 'cluster',
    PGKEEP_RETENTION_DAYS: 'retentionDays',
    PGKEEP_COMPRESS: 'compress',
    PGKEEP_PARALLEL: 'parallel',
    PGKEEP_PG_BINDIR: 'pgBinDir',
    PGKEEP_WAL_SOURCE: 'walSource',
};
// Names whose values are secret even when not declared (an age identity, a webhook URL).
const SECRET_NAME = /(PASSWORD|SECRET|TOKEN|PASSPHRASE|PRIVATE_KEY|AGE_IDENTITY|WEBHOOK|ACCESS_KEY)/i;
const MASK = '***';
function show(spec, v) {
    // A URL keeps its host and path (what an operator needs to see) without its credentials.
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v.trim()) && spec.name === 'DATABASE_URL')
        return (0,redact/* redact */.E$)(v).replace(/(:\/\/)[^@/]*@/, '$1***@');
    if (spec.secret || SECRET_NAME.test(spec.name))
        return MASK;
    return (0,redact/* redact */.E$)(v);
}
function secretsOf(env, overrides) {
    const out = [];
    for (const spec of config_settings/* SETTING_SPECS */.y_) {
        const v = (0,config_settings/* rawSetting */.HU)(env, spec.name);
        if (v && (spec.secret || SECRET_NAME.test(spec.name)))
            out.push(v);
    }
    for (const [k, v] of Object.entries(env))
        if (v && SECRET_NAME.test(k))
            out.push(v);
    // Passwords inside URLs (DATABASE_URL, a repo URL with user:pass@), decoded too.
    for (const v of [...Object.values(env), overrides.repo]) {
        if (!v)
            continue;
        for (const m of String(v).matchAll(/:\/\/[^/@\s:]*:([^/@\s]+)@/g)) {
            out.push(m[1]);
            try {
                out.push(decodeURIComponent(m[1]));
            }
            catch {
                /* raw one is enough */
            }
        }
    }
    return out.filter((s) => s.length >= 3);
}
function describeConfig(env, overrides = {}, origin = 'flag') {
    const settings = [];
    for (const spec of config_settings/* SETTING_SPECS */.y_) {
        const key = OVERRIDE_KEYS[spec.name];
        const fromOverride = key !== undefined ? overrides[key] : undefined;
        const given = fromOverride !== undefined && String(fromOverride).trim() !== '';
        const raw = given ? String(fromOverride) : (0,config_settings/* rawSetting */.HU)(env, spec.name);
        const source = given ? origin : raw !== undefined ? 'environment' : 'default';
        const r = {
            name: spec.name,
            source,
            default: spec.defaultText,
            secret: spec.secret === true,
            ...(spec.flag ? { flag: `--${spec.flag}` } : {}),
            ...(spec.input ? { input: spec.input } : {}),
            ...(spec.deprecated ? { deprecated: true } : {}),
        };
        if (raw !== undefined)
            r.value = show(spec, raw);
        else if ('default' in spec && spec.default !== undefined)
            r.value = String(spec.default);
        try {
            (0,config_settings/* readSetting */.LA)(spec, given ? { [spec.name]: raw } : env);
        }
        catch (e) {
            r.error = (0,util_errors/* describeError */.Uc)(e);
        }
        if (spec.name === 'PGKEEP_CLUSTER' && !given && raw !== undefined && overrides.repo?.trim())
            r.note = 'ignored: an explicit --repo / repo input is the whole location (only --cluster / the cluster input composes with it)';
        if (spec.deprecated && raw !== undefined)
            r.note = 'deprecated';
        settings.push(r);
    }
    const declared = new Set(config_settings/* SETTING_SPECS */.y_.map((s) => s.name));
    const unknown = Object.entries(env)
        .filter(([k, v]) => k.startsWith('PGKEEP_') && !declared.has(k) && v !== undefined)
        .map(([name, v]) => ({ name, value: show({ name, secret: false }, v) }))
        .sort((a, b) => a.name.localeCompare(b.name));
    const report = { ok: true, settings, unknown };
    try {
        const cfg = (0,config/* loadConfig */.Z9)(env, overrides, { requireRepo: false });
        report.repos = cfg.repos.map((r) => (0,redact/* redact */.E$)(r.url));
        if (!cfg.repos.length)
            report.error = 'No repository configured: PGKEEP_REPO is empty.';
    }
    catch (e) {
        report.error = (0,util_errors/* describeError */.Uc)(e);
    }
    report.ok = report.error === undefined && settings.every((s) => s.error === undefined);
    return scrub(report, secretsOf(env, overrides));
}
/** Belt and braces: no secret value survives anywhere in the report (an error quoting it, a note). */
function scrub(report, secrets) {
    let text = JSON.stringify(report);
    for (const s of secrets.sort((a, b) => b.length - a.length)) {
        const enc = JSON.stringify(s).slice(1, -1);
        text = text.split(enc).join(MASK);
    }
    return JSON.parse(text);
}
/** Human text: one line per setting that is set or has a default, then problems. */
function configText(r) {
    const rows = r.settings
        .filter((s) => s.value !== undefined || s.error)
        .map((s) => [s.name, s.value ?? '', s.source + (s.source === 'flag' && s.flag ? ` ${s.flag}` : s.source === 'input' && s.input ? ` ${s.input}` : ''), s.error ? `ERROR: ${s.error}` : s.note ?? '']);
    const head = ['SETTING', 'VALUE', 'SOURCE', ''];
    const width = (i) => Math.max(head[i].length, ...rows.map((x) => Math.min(x[i].length, 60)));
    const lines = [head, ...rows].map((x) => x.map((c, i) => (i === x.length - 1 ? c : c.padEnd(width(i)))).join('  ').trimEnd());
    if (r.repos?.length)
        lines.push('', `Repository copies in effect: ${r.repos.join(', ')}`);
    if (r.unknown.length)
        lines.push('', `Unknown PGKEEP_* variables (typo?): ${r.unknown.map((u) => u.name).join(', ')}`);
    if (r.error)
        lines.push('', `Configuration error: ${r.error}`);
    lines.push('', r.ok ? 'Configuration OK.' : 'Configuration has errors (see above).');
    return lines.join('\n');
}

;// CONCATENATED MODULE: ./src/commands/config.ts

function runConfig(env, overrides, origin = 'flag') {
    return describeConfig(env, overrides, origin);
}

;// CONCATENATED MODULE: ./src/cli/commands/config.ts



const configCommand = {
    synopsis: '[--json]',
    help: 'The effective configuration: every setting pgkeep reads, its value, and where it came from (default, environment, flag); passwords, keys and URL credentials are masked. Exits 1 when a value is refused.\n' +
        '--json prints {ok, settings: [{name, value?, source, default, secret, flag?, input?, error?, note?}], unknown: [{name, value}], repos?, error?}.',
    options: {
        'retention-days': { type: 'string' },
        compress: { type: 'string' },
        parallel: { type: 'string' },
        'wal-source': { type: 'string' },
    },
    needsConfig: false,
    async run({ flags, env }) {
        const o = {
            repo: str(flags, 'repo'),
            cluster: str(flags, 'cluster'),
            retentionDays: str(flags, 'retention-days'),
            compress: str(flags, 'compress'),
            parallel: str(flags, 'parallel'),
            walSource: str(flags, 'wal-source'),
        };
        const r = runConfig(env, o, 'flag');
        return { json: r, text: configText(r), exitCode: r.ok ? 0 : 1 };
    },
};

;// CONCATENATED MODULE: ./src/cli/commands.ts












const COMMANDS = {
    backup: backupCommand,
    list: listCommand,
    restore: restoreCommand,
    swap: swapCommand,
    'wal-push': wal_push/* walPushCommand */.Y,
    'wal-fetch': commands_wal_fetch/* walFetchCommand */._,
    'wal-pull': walPullCommand,
    verify: verifyCommand,
    expire: expireCommand,
    status: statusCommand,
    slot: slotCommand,
    config: configCommand,
};


/***/ }),

/***/ 1439:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   MAX_MANIFEST_BYTES: () => (/* binding */ MAX_MANIFEST_BYTES),
/* harmony export */   MAX_SMALL_JSON_BYTES: () => (/* binding */ MAX_SMALL_JSON_BYTES),
/* harmony export */   ensureRepoInfo: () => (/* binding */ ensureRepoInfo),
/* harmony export */   findBackup: () => (/* binding */ findBackup),
/* harmony export */   freshBackupId: () => (/* binding */ freshBackupId),
/* harmony export */   loadCatalog: () => (/* binding */ loadCatalog),
/* harmony export */   readJson: () => (/* binding */ readJson),
/* harmony export */   readManifest: () => (/* binding */ readManifest),
/* harmony export */   writeJson: () => (/* binding */ writeJson)
/* harmony export */ });
/* harmony import */ var _util_errors_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(17);
/* harmony import */ var _util_log_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(9906);
/* harmony import */ var _util_streams_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(4177);
/* harmony import */ var _layout_js__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(6776);
/* harmony import */ var _manifest_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(551);
/* harmony import */ var node_stream__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(7075);
/* harmony import */ var node_stream__WEBPACK_IMPORTED_MODULE_4___default = /*#__PURE__*/__webpack_require__.n(node_stream__WEBPACK_IMPORTED_MODULE_4__);






/** pgkeep.json, locks, timeline.json: a few hundred bytes each; anything far larger is not ours. */
const MAX_SMALL_JSON_BYTES = 1 << 20;
/** A manifest lists a backup's objects (~300 bytes each): 16 MiB is some 50,000 objects. */
const MAX_MANIFEST_BYTES = 16 << 20;
/**
 * Read and parse a small JSON file of the repository. Read with a cap (a huge or endless object
 * is refused after `maxBytes`, not buffered), parse errors name the key and the parser's words.
 */
async function readJson(store, key, maxBytes = MAX_SMALL_JSON_BYTES) {
    const body = await store.get(key);
    const chunks = [];
    let n = 0;
    for await (const c of body) {
        const b = Buffer.isBuffer(c) ? c : Buffer.from(c);
        n += b.length;
        if (n > maxBytes) {
            body.destroy?.();
            throw new _util_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .PgkeepError */ .$Z('corrupt-repo', `${key} in ${store.description} is larger than ${maxBytes} bytes, far more than pgkeep ever writes there; it was not read further.`, 'The file was damaged or replaced: restore it from another copy (pgkeep verify --repair on a mirror) or remove it.');
        }
        chunks.push(b);
    }
    try {
        return JSON.parse(Buffer.concat(chunks).toString('utf8'));
    }
    catch (e) {
        throw new _util_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .PgkeepError */ .$Z('corrupt-repo', `${key} in ${store.description} is not valid JSON (${e.message}).`, 'The file was damaged or cut short: restore it from another copy (pgkeep verify --repair on a mirror) or remove it.');
    }
}
async function writeJson(store, key, value, ifNoneMatch = false) {
    // pgkeep.json is read by wal-push as the server's user (whoever wrote it): readable by all.
    await store.put(key, node_stream__WEBPACK_IMPORTED_MODULE_4__.Readable.from([Buffer.from(JSON.stringify(value, null, 2) + '\n')]), { ifNoneMatch, readableByAll: key === _layout_js__WEBPACK_IMPORTED_MODULE_5__/* .REPO_INFO_KEY */ .k6 });
}
async function readManifest(store, id) {
    const data = await readJson(store, (0,_layout_js__WEBPACK_IMPORTED_MODULE_5__/* .manifestKey */ .Rn)(id), MAX_MANIFEST_BYTES);
    const r = _manifest_js__WEBPACK_IMPORTED_MODULE_3__.manifestSchema.safeParse(data);
    if (!r.success) {
        const issues = r.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`);
        throw new _util_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .PgkeepError */ .$Z('corrupt-repo', `Manifest of backup ${id} in ${store.description} is not a pgkeep manifest (${issues.join('; ')}${r.error.issues.length > 3 ? `; ${r.error.issues.length - 3} more` : ''}).`, BROKEN_HINT);
    }
    // A manifest copied into another backup's directory would make that directory's objects unreadable by name.
    if (r.data.id !== id)
        throw new _util_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .PgkeepError */ .$Z('corrupt-repo', `Manifest of backup ${id} in ${store.description} describes backup ${r.data.id}.`, BROKEN_HINT);
    return r.data;
}
const BROKEN_HINT = 'This backup cannot be used; restore its manifest from another copy (pgkeep verify --repair on a mirror) or restore from another backup.';
async function loadCatalog(store) {
    const objs = await store.list(_layout_js__WEBPACK_IMPORTED_MODULE_5__/* .BACKUPS_PREFIX */ .d6);
    const ids = new Set();
    const withManifest = new Set();
    for (const o of objs) {
        const rest = o.key.slice(_layout_js__WEBPACK_IMPORTED_MODULE_5__/* .BACKUPS_PREFIX */ .d6.length);
        const slash = rest.indexOf('/');
        if (slash <= 0)
            continue;
        const id = rest.slice(0, slash);
        ids.add(id);
        if (rest.slice(slash + 1) === 'manifest.json')
            withManifest.add(id);
    }
    // One unusable manifest makes its own backup unusable, not the repository: it is reported
    // apart (list, verify) and every other backup stays listed and restorable. Read failures
    // (network, permissions) still fail the command: they say nothing about the manifest.
    const read = await (0,_util_streams_js__WEBPACK_IMPORTED_MODULE_2__/* .mapLimit */ .sf)([...withManifest].sort(), 8, async (id) => {
        try {
            return { id, m: await readManifest(store, id) };
        }
        catch (e) {
            if (e instanceof _util_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .PgkeepError */ .$Z && e.code === 'corrupt-repo')
                return { id, error: e.message };
            throw e;
        }
    });
    const backups = read.flatMap((r) => (r.m ? [r.m] : []));
    const broken = read.flatMap((r) => (r.error !== undefined ? [{ id: r.id, error: r.error }] : []));
    for (const b of broken)
        _util_log_js__WEBPACK_IMPORTED_MODULE_1__/* .log */ .Rm.warn(`backup ${b.id} is unusable: ${b.error}`);
    const incomplete = [...ids].filter((id) => !withManifest.has(id)).sort();
    backups.sort((a, b) => (a.startTime < b.startTime ? -1 : a.startTime > b.startTime ? 1 : a.id < b.id ? -1 : 1));
    return { backups, incomplete, broken };
}
/** Find a backup by id or `latest` (optionally of given types). */
function findBackup(cat, ref, types) {
    const pool = types ? cat.backups.filter((b) => types.includes(b.type)) : cat.backups;
    if (ref === 'latest') {
        const b = pool[pool.length - 1];
        if (!b)
            throw new _util_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .PgkeepError */ .$Z('no-backup', `The repository has no ${types ? types.join('/') + ' ' : ''}backup yet.`, 'Run pgkeep backup first.');
        return b;
    }
    const b = pool.find((x) => x.id === ref);
    const broken = cat.broken?.find((x) => x.id === ref);
    if (!b && broken)
        throw new _util_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .PgkeepError */ .$Z('broken-backup', `Backup ${ref} cannot be used: ${broken.error}`, BROKEN_HINT);
    if (!b) {
        const known = pool.slice(-5).map((x) => x.id).join(', ') || 'none';
        throw new _util_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .PgkeepError */ .$Z('no-backup', `Backup "${ref}" not found.`, `Recent backups: ${known}. See pgkeep list.`);
    }
    return b;
}
/** Create pgkeep.json on first write; refuse a repository of another cluster or format. */
async function ensureRepoInfo(store, systemIdentifier) {
    if (await store.head(_layout_js__WEBPACK_IMPORTED_MODULE_5__/* .REPO_INFO_KEY */ .k6)) {
        const r = _manifest_js__WEBPACK_IMPORTED_MODULE_3__.repoInfoSchema.safeParse(await readJson(store, _layout_js__WEBPACK_IMPORTED_MODULE_5__/* .REPO_INFO_KEY */ .k6));
        if (!r.success)
            throw new _util_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .PgkeepError */ .$Z('corrupt-repo', `${_layout_js__WEBPACK_IMPORTED_MODULE_5__/* .REPO_INFO_KEY */ .k6} in ${store.description} is not a pgkeep format ${_layout_js__WEBPACK_IMPORTED_MODULE_5__/* .FORMAT_VERSION */ .Hp} file (${r.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`).join('; ')}).`, 'Restore it from another copy of the repository; a repository of another tool or format needs a prefix of its own.');
        const info = r.data;
        if (systemIdentifier && info.systemIdentifier && info.systemIdentifier !== systemIdentifier)
            throw new _util_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .PgkeepError */ .$Z('wrong-cluster', `Repository ${store.description} belongs to cluster ${info.systemIdentifier}, but the server is cluster ${systemIdentifier}.`, 'Use a separate repository (or prefix) per cluster.');
        if (systemIdentifier && !info.systemIdentifier) {
            const updated = { ...info, systemIdentifier };
            await writeJson(store, _layout_js__WEBPACK_IMPORTED_MODULE_5__/* .REPO_INFO_KEY */ .k6, updated);
            return updated;
        }
        return info;
    }
    const info = { format: _layout_js__WEBPACK_IMPORTED_MODULE_5__/* .FORMAT_VERSION */ .Hp, systemIdentifier, created: new Date().toISOString() };
    await writeJson(store, _layout_js__WEBPACK_IMPORTED_MODULE_5__/* .REPO_INFO_KEY */ .k6, info);
    return info;
}
/**
 * The id for a backup starting at `at`: its second, or the next free one when another backup
 * (of any state, even incomplete) already holds it. Ids stay sortable by time.
 */
async function freshBackupId(store, at, type) {
    let t = at.getTime();
    for (let i = 0; i < 60; i++, t += 1000) {
        const id = (0,_layout_js__WEBPACK_IMPORTED_MODULE_5__/* .makeBackupId */ .KA)(new Date(t), type);
        if ((await store.list((0,_layout_js__WEBPACK_IMPORTED_MODULE_5__/* .backupPrefix */ .nY)(id))).length === 0)
            return id;
    }
    throw new _util_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .PgkeepError */ .$Z('id-taken', `Could not find a free backup id near ${at.toISOString()}.`);
}


/***/ }),

/***/ 551:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   manifestObjectSchema: () => (/* binding */ manifestObjectSchema),
/* harmony export */   manifestSchema: () => (/* binding */ manifestSchema),
/* harmony export */   repoInfoSchema: () => (/* binding */ repoInfoSchema)
/* harmony export */ });
/* harmony import */ var zod__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(8816);
/* harmony import */ var _layout_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(6776);
// Backup manifest (repository format v1). Written LAST: a backup exists only once its
// manifest does. Lists every object with size and SHA-256 of the stored bytes.


const manifestObjectSchema = zod__WEBPACK_IMPORTED_MODULE_0__/* .object */ .Ikc({
    /** File name inside backups/<id>/. */
    name: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP(),
    /** What it is: globals, dump (pg_dump -Fc), base (tar of a tablespace), backup-manifest, … */
    kind: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP(),
    database: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP().optional(),
    /** Stored size and SHA-256 of the stored (compressed) bytes: checkable with sha256sum alone. */
    bytes: zod__WEBPACK_IMPORTED_MODULE_0__/* .number */ .aig().int().nonnegative(),
    sha256: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP().regex(/^[0-9a-f]{64}$/),
    /** Size before compression. */
    rawBytes: zod__WEBPACK_IMPORTED_MODULE_0__/* .number */ .aig().int().nonnegative(),
    compression: zod__WEBPACK_IMPORTED_MODULE_0__/* ["enum"] */ .k5n(['zstd', 'none']),
    /** "age": the stored bytes are age ciphertext of the compressed bytes (name ends in .age). */
    encryption: zod__WEBPACK_IMPORTED_MODULE_0__/* ["enum"] */ .k5n(['age']).optional(),
    /** kind "tablespace": the tablespace's OID and its directory on the backed-up server. */
    tablespaceOid: zod__WEBPACK_IMPORTED_MODULE_0__/* .number */ .aig().int().optional(),
    tablespaceLocation: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP().optional(),
});
const manifestSchema = zod__WEBPACK_IMPORTED_MODULE_0__/* .object */ .Ikc({
    format: zod__WEBPACK_IMPORTED_MODULE_0__/* .literal */ .euz(_layout_js__WEBPACK_IMPORTED_MODULE_1__/* .FORMAT_VERSION */ .Hp),
    id: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP(),
    type: zod__WEBPACK_IMPORTED_MODULE_0__/* ["enum"] */ .k5n(['logical', 'full', 'incr']),
    startTime: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP(),
    stopTime: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP(),
    pgVersion: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP(),
    pgVersionNum: zod__WEBPACK_IMPORTED_MODULE_0__/* .number */ .aig().int(),
    systemIdentifier: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP(),
    /** Physical backups: WAL position and timeline. */
    timeline: zod__WEBPACK_IMPORTED_MODULE_0__/* .number */ .aig().int().optional(),
    startLsn: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP().optional(),
    stopLsn: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP().optional(),
    startWal: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP().optional(),
    stopWal: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP().optional(),
    /** Incremental backups: the backup this one builds on. */
    parent: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP().optional(),
    databases: zod__WEBPACK_IMPORTED_MODULE_0__/* .array */ .YOg(zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP()).optional(),
    bytes: zod__WEBPACK_IMPORTED_MODULE_0__/* .number */ .aig().int().nonnegative(),
    rawBytes: zod__WEBPACK_IMPORTED_MODULE_0__/* .number */ .aig().int().nonnegative(),
    objects: zod__WEBPACK_IMPORTED_MODULE_0__/* .array */ .YOg(manifestObjectSchema),
    tool: zod__WEBPACK_IMPORTED_MODULE_0__/* .object */ .Ikc({ name: zod__WEBPACK_IMPORTED_MODULE_0__/* .literal */ .euz('pgkeep'), version: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP() }),
    /** Set when objects are age-encrypted: for which recipients (public keys only). */
    encryption: zod__WEBPACK_IMPORTED_MODULE_0__/* .object */ .Ikc({ method: zod__WEBPACK_IMPORTED_MODULE_0__/* .literal */ .euz('age'), recipients: zod__WEBPACK_IMPORTED_MODULE_0__/* .array */ .YOg(zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP()) }).optional(),
    /** Free-form facts a command wants to keep (options used, durations). */
    extra: zod__WEBPACK_IMPORTED_MODULE_0__/* .record */ .g1P(zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP(), zod__WEBPACK_IMPORTED_MODULE_0__/* .unknown */ .L5J()).optional(),
})
    .passthrough();
const repoInfoSchema = zod__WEBPACK_IMPORTED_MODULE_0__/* .object */ .Ikc({
    format: zod__WEBPACK_IMPORTED_MODULE_0__/* .literal */ .euz(_layout_js__WEBPACK_IMPORTED_MODULE_1__/* .FORMAT_VERSION */ .Hp),
    systemIdentifier: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP().optional(),
    created: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP(),
});


/***/ })

};

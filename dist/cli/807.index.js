export const id = 807;
export const ids = [807];
export const modules = {

/***/ 4008:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   _: () => (/* binding */ walFetchCommand)
/* harmony export */ });
/* harmony import */ var _util_errors_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(17);
/* harmony import */ var _commands_wal_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(8241);


const walFetchCommand = {
    synopsis: '<wal-file-name> <dest-path>   # restore_command = \'pgkeep wal-fetch %f %p\'',
    help: 'Fetch, verify and decompress one WAL file into dest (atomically). Prefetches the next PGKEEP_WAL_PREFETCH segments (default 8) into pg_wal/pgkeep-prefetch/.\nExit status: 0 restored; 1 only when the repository has no such file (PostgreSQL then ends recovery); 200 for every other failure (PostgreSQL stops recovery with FATAL instead of promoting).',
    options: {},
    async run({ cfg, positionals }) {
        if (positionals.length !== 2)
            throw new _util_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .PgkeepError */ .$Z('bad-usage', `pgkeep wal-fetch takes a WAL file name and a destination path, got ${positionals.length} argument(s).`, "Use restore_command = 'pgkeep wal-fetch %f %p'.");
        const r = await (0,_commands_wal_js__WEBPACK_IMPORTED_MODULE_1__/* .runWalFetch */ .G$)(cfg, positionals[0], positionals[1]);
        return { json: r, text: '' };
    },
};


/***/ }),

/***/ 9258:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Y: () => (/* binding */ walPushCommand)
/* harmony export */ });
/* harmony import */ var _util_errors_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(17);
/* harmony import */ var _commands_wal_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(8241);


const walPushCommand = {
    synopsis: '<path-to-wal-file>            # archive_command = \'pgkeep wal-push %p\'',
    help: 'Archive one WAL file (zstd, never overwritten; an identical copy already stored is success, a different one a loud failure). Also pushes other .ready files ahead, PGKEEP_WAL_PUSH_PARALLEL at a time (default 4).',
    options: {},
    async run({ cfg, positionals }) {
        if (positionals.length !== 1)
            throw new _util_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .PgkeepError */ .$Z('bad-usage', `pgkeep wal-push takes exactly one path, got ${positionals.length}.`, "Use archive_command = 'pgkeep wal-push %p'.");
        const r = await (0,_commands_wal_js__WEBPACK_IMPORTED_MODULE_1__/* .runWalPush */ .kM)(cfg, positionals[0]);
        return { json: r, text: '' };
    },
};


/***/ }),

/***/ 8241:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  G$: () => (/* binding */ runWalFetch),
  dO: () => (/* binding */ runWalPull),
  kM: () => (/* binding */ runWalPush)
});

// EXTERNAL MODULE: ./src/storage/open-store.ts + 2 modules
var open_store = __webpack_require__(2409);
// EXTERNAL MODULE: ./src/util/log.ts
var log = __webpack_require__(9906);
// EXTERNAL MODULE: ./src/wal/wal-fetch.ts
var wal_fetch = __webpack_require__(4393);
// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
var external_node_path_default = /*#__PURE__*/__webpack_require__.n(external_node_path_);
// EXTERNAL MODULE: ./src/util/errors.ts
var errors = __webpack_require__(17);
// EXTERNAL MODULE: ./src/util/streams.ts
var streams = __webpack_require__(4177);
// EXTERNAL MODULE: ./src/wal/wal-object.ts + 1 modules
var wal_object = __webpack_require__(9846);
// EXTERNAL MODULE: ./src/wal/segment.ts
var segment = __webpack_require__(1993);
// EXTERNAL MODULE: ./src/wal/segment-header.ts
var segment_header = __webpack_require__(9775);
// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
// EXTERNAL MODULE: ./src/repo/layout.ts
var layout = __webpack_require__(6776);
;// CONCATENATED MODULE: ./src/wal/repo-system.ts
// Whose WAL a repository holds. pgkeep.json names the cluster's system identifier; wal-push
// refuses WAL of another system before writing anything (a staging clone pointed at the
// production repository would otherwise mix its WAL into production's restores).
// wal-push runs once per segment, so the repository's answer is cached in the data directory
// (pg_wal/pgkeep-pushed/repo-system-<hash of the URL>.json) and re-read from the repository
// after CACHE_TTL_MS or whenever a file's identifier differs from the cached one: a mismatch
// is only ever reported from a fresh read. A repository without pgkeep.json (archiving usually
// starts before the first backup) is claimed by the first push, as the first backup would.





/** How long a confirmed answer is trusted without asking the repository again. */
const CACHE_TTL_MS = 15 * 60 * 1000;
const CACHE_PREFIX = 'repo-system-';
function repoSystemCacheFile(cacheDir, repoUrl) {
    return external_node_path_default().join(cacheDir, `${CACHE_PREFIX}${(0,external_node_crypto_.createHash)('sha256').update(repoUrl).digest('hex').slice(0, 16)}.json`);
}
/**
 * Resolves when the repository belongs to `systemIdentifier` (claiming a repository that names
 * none); throws PgkeepError `wrong-cluster` naming both identifiers otherwise.
 */
async function checkRepoSystem(store, o) {
    const now = o.now ?? Date.now();
    const cacheFile = o.cacheDir ? repoSystemCacheFile(o.cacheDir, o.repoUrl) : undefined;
    if (cacheFile) {
        const c = await readCache(cacheFile);
        if (c && c.repo === o.repoUrl && c.systemIdentifier === o.systemIdentifier && now - c.checkedAt >= 0 && now - c.checkedAt < CACHE_TTL_MS)
            return 'cached';
    }
    const { info, claimed } = await repoInfoFor(store, o.systemIdentifier);
    if (info.systemIdentifier !== o.systemIdentifier) {
        if (cacheFile)
            await external_node_fs_.promises.rm(cacheFile, { force: true });
        throw new errors/* PgkeepError */.$Z('wrong-cluster', `${o.what} belongs to database system ${o.systemIdentifier}, but repository ${store.description} holds database system ${info.systemIdentifier}; nothing was written.`, 'Another cluster (e.g. a staging clone or a new initdb) archives into this repository: give each cluster its own repository or prefix in PGKEEP_REPO.');
    }
    if (cacheFile)
        await writeCache(cacheFile, { repo: o.repoUrl, systemIdentifier: o.systemIdentifier, checkedAt: now });
    return claimed ? 'claimed' : 'checked';
}
/** pgkeep.json, written with `systemIdentifier` when it does not exist or names no system yet. */
async function repoInfoFor(store, systemIdentifier) {
    // Loaded only here, on a cache miss: the catalog's schemas (zod) cost a cached wal-push more
    // than the rest of its start-up.
    const [{ readJson, writeJson }, { repoInfoSchema }] = await Promise.all([Promise.all(/* import() */[__webpack_require__.e(816), __webpack_require__.e(439)]).then(__webpack_require__.bind(__webpack_require__, 1439)), Promise.all(/* import() */[__webpack_require__.e(816), __webpack_require__.e(551)]).then(__webpack_require__.bind(__webpack_require__, 551))]);
    const parseInfo = (data) => {
        const r = repoInfoSchema.safeParse(data);
        if (!r.success)
            throw new errors/* PgkeepError */.$Z('corrupt-repo', `${layout/* REPO_INFO_KEY */.k6} in ${store.description} is not a pgkeep format ${layout/* FORMAT_VERSION */.Hp} file.`);
        return r.data;
    };
    for (let attempt = 0; attempt < 2; attempt++) {
        const existing = (await store.head(layout/* REPO_INFO_KEY */.k6)) ? parseInfo(await readJson(store, layout/* REPO_INFO_KEY */.k6)) : undefined;
        if (existing?.systemIdentifier)
            return { info: existing, claimed: false };
        const info = { ...(existing ?? { format: layout/* FORMAT_VERSION */.Hp, created: new Date().toISOString() }), systemIdentifier };
        try {
            // Create-only when absent: two clusters pushing their first file at once cannot both win.
            await writeJson(store, layout/* REPO_INFO_KEY */.k6, info, !existing);
            return { info, claimed: true };
        }
        catch (e) {
            if (!(e instanceof errors/* PgkeepError */.$Z && e.code === 'exists'))
                throw e;
        }
    }
    throw new errors/* PgkeepError */.$Z('repo-busy', `${layout/* REPO_INFO_KEY */.k6} in ${store.description} changed while it was being created.`, 'Run the command again.');
}
async function readCache(file) {
    try {
        const c = JSON.parse(await external_node_fs_.promises.readFile(file, 'utf8'));
        return typeof c?.repo === 'string' && typeof c.systemIdentifier === 'string' && typeof c.checkedAt === 'number' ? c : null;
    }
    catch {
        return null;
    }
}
async function writeCache(file, c) {
    try {
        await external_node_fs_.promises.mkdir(external_node_path_default().dirname(file), { recursive: true, mode: 0o700 });
        const tmp = `${file}.${process.pid}.tmp`;
        await external_node_fs_.promises.writeFile(tmp, JSON.stringify(c));
        await external_node_fs_.promises.rename(tmp, file);
    }
    catch {
        /* a cache only: the next push asks the repository again */
    }
}
/** True for files in the marker directory that are this cache, not per-WAL-file markers. */
function isRepoSystemCacheName(name) {
    return name.startsWith(CACHE_PREFIX);
}

;// CONCATENATED MODULE: ./src/wal/wal-push.ts
// `pgkeep wal-push %p` (archive_command): archive one WAL file, and — to keep up with heavy
// write load — also the other files PostgreSQL has marked `.ready` in pg_wal/archive_status,
// in parallel (bounded). Files pushed ahead get a marker in pg_wal/pgkeep-pushed/<name>
// holding the repository URL and the SHA-256 of what was stored; when PostgreSQL then asks for
// that file, we hash the local file, compare with the marker and return at once. A marker is
// written only after the store confirmed the object durable, and consumed (deleted) when used,
// so success is never reported for a file that was not stored (the WAL-G/pgBackRest approach).
// pg_wal subdirectories are ignored by PostgreSQL's WAL recycling and excluded from base backups.
// Before anything is written, the file's system identifier (a segment's long page header; for
// .history/.backup files the data directory's pg_control) must be the repository's
// (repo-system.ts): WAL of another cluster is refused, and look-ahead skips such files.









const MARKER_DIR = 'pgkeep-pushed';
function isArchivableName(n) {
    return (0,segment/* isSegmentName */.Pb)(n) || (0,segment/* isHistoryName */.Mf)(n) || (0,segment/* isBackupHistoryName */.Q2)(n) || (0,segment/* isPartialName */.$9)(n);
}
async function fileIdentity(file) {
    try {
        const st = await external_node_fs_.promises.stat(file, { bigint: true });
        return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}`;
    }
    catch {
        return null;
    }
}
async function readMarker(dir, name) {
    try {
        return JSON.parse(await external_node_fs_.promises.readFile(external_node_path_default().join(dir, name), 'utf8'));
    }
    catch {
        return null;
    }
}
async function writeMarker(dir, o, repo, stat) {
    await external_node_fs_.promises.mkdir(dir, { recursive: true, mode: 0o700 });
    const tmp = external_node_path_default().join(dir, `.${o.name}.tmp`);
    await external_node_fs_.promises.writeFile(tmp, JSON.stringify({ repo, sha256: o.sha256, bytes: o.rawBytes, ...(stat ? { stat } : {}) }));
    await external_node_fs_.promises.rename(tmp, external_node_path_default().join(dir, o.name));
}
/** Names of `.ready` files other than `except`, oldest first (segments sort by name = by position). */
async function readyFiles(statusDir, except) {
    let entries;
    try {
        entries = await external_node_fs_.promises.readdir(statusDir);
    }
    catch {
        return [];
    }
    const names = entries.filter((e) => e.endsWith('.ready')).map((e) => e.slice(0, -'.ready'.length));
    // History files first: a new timeline's segments are useless without them.
    return names
        .filter((n) => n !== except && isArchivableName(n))
        .sort((a, b) => Number((0,segment/* isHistoryName */.Mf)(b)) - Number((0,segment/* isHistoryName */.Mf)(a)) || (a < b ? -1 : a > b ? 1 : 0));
}
/**
 * The marker check alone: true (and the marker consumed) when `file` was pushed ahead to
 * `repoUrl` and is unchanged. Cheap enough for the CLI to run before loading anything else.
 */
async function consumePushedMarker(file, repoUrl) {
    const name = external_node_path_default().basename(file);
    if (!isArchivableName(name))
        return false;
    const markerDir = external_node_path_default().join(external_node_path_default().dirname(external_node_path_default().resolve(file)), MARKER_DIR);
    const marker = await readMarker(markerDir, name);
    if (!marker || marker.repo !== repoUrl)
        return false;
    // PostgreSQL never rewrites a finished segment in place (recycling renames it), so the same
    // inode, size and mtime is the same content; anything else is re-hashed.
    const sameFile = !!marker.stat && marker.stat === (await fileIdentity(file));
    const local = sameFile ? marker : await (0,wal_object/* hashFile */.DC)(file).catch(() => null);
    if (!local || local.sha256 !== marker.sha256 || local.bytes !== marker.bytes)
        return false;
    await external_node_fs_.promises.rm(external_node_path_default().join(markerDir, name), { force: true });
    return true;
}
async function walPush(store, o) {
    const t0 = Date.now();
    const file = o.file;
    const name = external_node_path_default().basename(file);
    if (!isArchivableName(name))
        throw new errors/* PgkeepError */.$Z('bad-wal-name', `"${file}" is not a WAL segment, .history, .backup or .partial file.`, "Use archive_command = 'pgkeep wal-push %p'.");
    const walDir = external_node_path_default().dirname(external_node_path_default().resolve(file));
    const markerDir = external_node_path_default().join(walDir, MARKER_DIR);
    const elapsed = () => (Date.now() - t0) / 1000;
    if (await consumePushedMarker(file, o.repoUrl))
        return { name, status: 'already-pushed', ahead: [], durationSeconds: elapsed() };
    // A marker that did not match (other repository, changed file) must not be trusted later.
    await external_node_fs_.promises.rm(external_node_path_default().join(markerDir, name), { force: true });
    // Whose WAL this is, checked against the repository before anything is written.
    const controlSysid = await (0,segment_header/* controlFileSystemIdentifier */.IU)(external_node_path_default().dirname(walDir)).catch(() => undefined);
    const mySysid = await walFileSystemIdentifier(file, name, controlSysid);
    if (mySysid)
        await checkRepoSystem(store, { systemIdentifier: mySysid, what: `WAL file ${name}`, repoUrl: o.repoUrl, cacheDir: markerDir });
    const candidates = (await readyFiles(external_node_path_default().join(walDir, 'archive_status'), name)).slice(0, o.lookAhead ?? o.parallel * 4);
    // Look-ahead only pushes files of the same system; anything else fails when its turn comes.
    const ahead = [];
    for (const n of candidates) {
        const id = await walFileSystemIdentifier(external_node_path_default().join(walDir, n), n, controlSysid).catch(() => null);
        if (id !== null && id === mySysid)
            ahead.push(n);
    }
    const pushedAhead = [];
    let mine;
    let myError;
    await (0,streams/* mapLimit */.sf)([name, ...ahead], Math.max(1, o.parallel), async (n) => {
        if (n === name) {
            try {
                mine = await (0,wal_object/* pushWalFile */.BI)(store, file, name);
            }
            catch (e) {
                myError = e;
            }
            return;
        }
        try {
            const f = external_node_path_default().join(walDir, n);
            const before = await fileIdentity(f);
            const r = await (0,wal_object/* pushWalFile */.BI)(store, f, n);
            // Only vouch for the identity if the file did not change while it was read.
            const after = await fileIdentity(f);
            await writeMarker(markerDir, r, o.repoUrl, before === after ? after : null);
            pushedAhead.push(n);
        }
        catch (e) {
            // The server will call us for this one later and the error will surface then.
            log/* log */.Rm.debug(`look-ahead push of ${n} failed: ${e.message}`);
        }
    });
    if (myError || !mine)
        throw myError;
    await cleanupMarkers(markerDir, walDir);
    return { name, status: mine.status, ahead: pushedAhead.sort(), durationSeconds: elapsed() };
}
/**
 * The system identifier a WAL file belongs to: a segment's (or .partial's) own header, which
 * must also be that segment's; a .history/.backup file carries none, so the data directory's
 * pg_control speaks for it (undefined when pgkeep runs outside a data directory).
 */
async function walFileSystemIdentifier(file, name, controlSysid) {
    if (!(0,segment/* isSegmentName */.Pb)(name) && !(0,segment/* isPartialName */.$9)(name))
        return controlSysid;
    let h;
    try {
        h = await (0,segment_header/* readSegmentHeader */.fi)(file);
    }
    catch (e) {
        if (e.code === 'ENOENT')
            throw new errors/* PgkeepError */.$Z('wal-missing-local', `WAL file ${file} does not exist.`, 'archive_command must pass %p (the path relative to the data directory).');
        throw e;
    }
    const problem = (0,segment_header/* segmentHeaderProblem */.Gh)(name, h.header, h.bytes);
    if (problem)
        throw new errors/* PgkeepError */.$Z('bad-wal-header', `WAL file ${file} is not a valid segment: ${problem}; nothing was written.`, 'archive_command must pass %p; a damaged segment in pg_wal needs investigating before anything is archived.');
    return h.header.systemIdentifier;
}
/** Drop markers whose WAL file is gone (recycled after a crash between marker and .done). */
async function cleanupMarkers(markerDir, walDir) {
    let names;
    try {
        names = await external_node_fs_.promises.readdir(markerDir);
    }
    catch {
        return;
    }
    if (names.length < 64)
        return;
    await Promise.all(names.filter((n) => !isRepoSystemCacheName(n)).map(async (n) => {
        try {
            await external_node_fs_.promises.access(external_node_path_default().join(walDir, n));
        }
        catch {
            await external_node_fs_.promises.rm(external_node_path_default().join(markerDir, n), { force: true });
        }
    }));
}

;// CONCATENATED MODULE: ./src/commands/wal.ts





async function runWalPush(cfg, file) {
    const parallel = cfg.settings.walPushParallel;
    const r = await walPush((0,open_store/* openStore */.C)(cfg), { file, repoUrl: cfg.repoUrl, parallel });
    log/* log */.Rm.debug(`wal-push ${r.name}: ${r.status}${r.ahead.length ? `, pushed ahead ${r.ahead.length}` : ''} in ${r.durationSeconds.toFixed(2)} s`);
    return r;
}
async function runWalFetch(cfg, name, dest) {
    return (0,wal_fetch/* walFetch */.dc)((0,open_store/* openStore */.C)(cfg), { name, dest, prefetch: cfg.settings.walPrefetch, parallel: cfg.settings.walFetchParallel });
}
async function runWalPull(cfg, o) {
    // Loaded here only (a chunk of the bundle): wal-push and wal-fetch, started once per segment,
    // never need node-postgres, TLS or the PostgreSQL tools' process handling.
    const [{ serverFacts, withClient }, { resolveBinDir }, { pullWalFollow, pullWalTo, DEFAULT_SLOT }] = await Promise.all([
        __webpack_require__.e(/* import() */ 225).then(__webpack_require__.bind(__webpack_require__, 2225)),
        __webpack_require__.e(/* import() */ 152).then(__webpack_require__.bind(__webpack_require__, 3152)),
        Promise.all(/* import() */[__webpack_require__.e(225), __webpack_require__.e(334)]).then(__webpack_require__.bind(__webpack_require__, 7334)),
    ]);
    const facts = await serverFacts(cfg.pgEnv);
    const binDir = resolveBinDir(cfg.pgBinDir, facts.major);
    const store = (0,open_store/* openStore */.C)(cfg);
    const base = { store, pgEnv: cfg.pgEnv, binDir, slot: o.slot ?? DEFAULT_SLOT, spoolDir: o.spoolDir, parallel: cfg.parallel };
    if (o.follow) {
        const pushed = await pullWalFollow(base, facts.systemIdentifier, o.signal ?? new AbortController().signal);
        return { pushed };
    }
    const { lsn, segSize } = await withClient(cfg.pgEnv, undefined, async (c) => {
        const l = (await c.query('select pg_switch_wal()::text as l')).rows[0].l;
        const s = (await c.query(`select setting from pg_settings where name = 'wal_segment_size'`)).rows[0];
        return { lsn: l, segSize: Number(s?.setting) || 16 * 1024 * 1024 };
    });
    const files = await pullWalTo(base, (0,segment/* parseLsn */.l2)(lsn), segSize, facts.systemIdentifier);
    return { pushed: files.length, upTo: lsn };
}


/***/ }),

/***/ 2409:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  C: () => (/* binding */ openStore)
});

// UNUSED EXPORTS: openLocation

// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
var external_node_path_default = /*#__PURE__*/__webpack_require__.n(external_node_path_);
// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
// EXTERNAL MODULE: external "node:stream/promises"
var promises_ = __webpack_require__(6466);
// EXTERNAL MODULE: ./src/util/errors.ts
var errors = __webpack_require__(17);
// EXTERNAL MODULE: ./src/util/mkdirp.ts
var mkdirp = __webpack_require__(7927);
;// CONCATENATED MODULE: ./src/storage/fs-store.ts
// file:// repository: atomic writes (temp file + fsync + rename/link), so a partial object
// is never visible under its final name, even after a crash or kill -9.






const TMP_MARK = '.pgkeep-tmp-';
class FsStore {
    root;
    description;
    localHead = true;
    constructor(root) {
        this.root = root;
        this.description = `file://${root}`;
    }
    abs(key) {
        if (key.includes('..') || external_node_path_default().isAbsolute(key))
            throw new errors/* PgkeepError */.$Z('bad-key', `Invalid object key "${key}".`);
        return external_node_path_default().join(this.root, key);
    }
    async put(key, body, opts = {}) {
        const dest = this.abs(key);
        await (0,mkdirp/* mkdirp */.G)(external_node_path_default().dirname(dest));
        const tmp = `${dest}${TMP_MARK}${(0,external_node_crypto_.randomBytes)(6).toString('hex')}`;
        let bytes = 0;
        body.on('data', (c) => (bytes += c.length));
        try {
            const out = (0,external_node_fs_.createWriteStream)(tmp, { flags: 'wx', mode: 0o640 });
            await (0,promises_.pipeline)(body, out);
            const fh = await external_node_fs_.promises.open(tmp, 'r');
            try {
                // Explicitly: the creation mode is subject to the umask.
                if (opts.readableByAll)
                    await fh.chmod(0o644);
                await fh.sync();
            }
            finally {
                await fh.close();
            }
            if (opts.ifNoneMatch) {
                // link() refuses to replace an existing name: no window where another writer's object is clobbered.
                try {
                    await external_node_fs_.promises.link(tmp, dest);
                }
                catch (e) {
                    if (e.code === 'EEXIST')
                        throw new errors/* PgkeepError */.$Z('exists', `Object ${key} already exists in ${this.description}.`);
                    throw e;
                }
                await external_node_fs_.promises.unlink(tmp);
            }
            else {
                await external_node_fs_.promises.rename(tmp, dest);
            }
            await syncDir(external_node_path_default().dirname(dest));
            return { bytes };
        }
        catch (e) {
            await external_node_fs_.promises.rm(tmp, { force: true });
            // A failed first object leaves no empty backup directory behind.
            await this.removeEmptyBackupDir(key);
            throw mapFsError(e, this.description);
        }
    }
    /**
     * Only a name that does not exist is `not-found`: restore_command turns not-found into "the
     * archive ends here" and PostgreSQL promotes, so an unreadable object (permissions, a
     * directory in its place, I/O error) must be an error of its own.
     */
    async get(key) {
        const p = this.abs(key);
        let fh;
        try {
            fh = await external_node_fs_.promises.open(p, 'r');
        }
        catch (e) {
            if (isAbsent(e))
                throw new errors/* PgkeepError */.$Z('not-found', `Object ${key} not found in ${this.description}.`);
            throw readError(e, key, this.description);
        }
        try {
            const st = await fh.stat();
            if (!st.isFile())
                throw new errors/* PgkeepError */.$Z('read-failed', `Object ${key} in ${this.description} is not a regular file.`, 'Something other than pgkeep changed the repository; check it with pgkeep verify.');
        }
        catch (e) {
            await fh.close();
            throw e instanceof errors/* PgkeepError */.$Z ? e : readError(e, key, this.description);
        }
        return fh.createReadStream({ highWaterMark: 1 << 20 });
    }
    async readTail(key, bytes) {
        let fh;
        try {
            fh = await external_node_fs_.promises.open(this.abs(key), 'r');
        }
        catch (e) {
            if (isAbsent(e))
                throw new errors/* PgkeepError */.$Z('not-found', `Object ${key} not found in ${this.description}.`);
            throw readError(e, key, this.description);
        }
        try {
            const st = await fh.stat();
            if (!st.isFile())
                throw new errors/* PgkeepError */.$Z('read-failed', `Object ${key} in ${this.description} is not a regular file.`, 'Something other than pgkeep changed the repository; check it with pgkeep verify.');
            const n = Math.min(bytes, st.size);
            const buf = Buffer.alloc(n);
            let got = 0;
            while (got < n) {
                const { bytesRead } = await fh.read(buf, got, n - got, st.size - n + got);
                if (bytesRead === 0)
                    break;
                got += bytesRead;
            }
            return buf.subarray(0, got);
        }
        catch (e) {
            throw e instanceof errors/* PgkeepError */.$Z ? e : readError(e, key, this.description);
        }
        finally {
            await fh.close();
        }
    }
    async head(key) {
        let st;
        try {
            st = await external_node_fs_.promises.stat(this.abs(key));
        }
        catch (e) {
            if (isAbsent(e))
                return null;
            throw readError(e, key, this.description);
        }
        return st.isFile() ? { key, size: st.size } : null;
    }
    async list(prefix) {
        const out = [];
        // Walk only the directory part of the prefix, then filter by the full prefix.
        const dirPart = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
        const start = external_node_path_default().join(this.root, dirPart);
        const walk = async (dir, rel) => {
            let entries;
            try {
                entries = await external_node_fs_.promises.readdir(dir, { withFileTypes: true });
            }
            catch (e) {
                if (e.code === 'ENOENT')
                    return;
                throw e;
            }
            for (const ent of entries) {
                const r = rel ? `${rel}/${ent.name}` : ent.name;
                if (ent.isDirectory()) {
                    if (r.startsWith(prefix) || prefix.startsWith(r + '/'))
                        await walk(external_node_path_default().join(dir, ent.name), r);
                }
                else if (ent.isFile() && r.startsWith(prefix) && !ent.name.includes(TMP_MARK)) {
                    const st = await external_node_fs_.promises.stat(external_node_path_default().join(dir, ent.name));
                    out.push({ key: r, size: st.size, modified: st.mtime.toISOString() });
                }
            }
        };
        await walk(start, dirPart);
        return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    }
    async delete(key) {
        const p = this.abs(key);
        await external_node_fs_.promises.rm(p, { force: true });
        await this.removeEmptyBackupDir(key);
    }
    /**
     * A backup's directory goes with its last object (expired or failed backups leave nothing
     * behind). rmdir only removes an empty directory; backup ids are never reused by writers.
     * WAL timeline directories stay: archive_command may be writing into them right now.
     */
    async removeEmptyBackupDir(key) {
        if (key.startsWith('backups/') && key.split('/').length === 3)
            await external_node_fs_.promises.rmdir(external_node_path_default().dirname(this.abs(key))).catch(() => undefined);
    }
    async check() {
        try {
            await (0,mkdirp/* mkdirp */.G)(this.root);
            await external_node_fs_.promises.access(this.root, 2 /* W_OK */);
        }
        catch (e) {
            throw new errors/* PgkeepError */.$Z('repo-unreachable', `Repository directory ${this.root} is not writable (${e.message}).`, 'Create it or fix its permissions; PGKEEP_REPO must be file:///absolute/path.');
        }
    }
}
async function syncDir(dir) {
    try {
        const fh = await external_node_fs_.promises.open(dir, 'r');
        try {
            await fh.sync();
        }
        finally {
            await fh.close();
        }
    }
    catch {
        /* some filesystems refuse fsync on directories; the rename is still atomic */
    }
}
/** The name does not exist (or a parent is not a directory): the object is absent. */
function isAbsent(e) {
    const code = e.code;
    return code === 'ENOENT' || code === 'ENOTDIR';
}
function readError(e, key, where) {
    const err = e;
    const denied = err.code === 'EACCES' || err.code === 'EPERM';
    return new errors/* PgkeepError */.$Z('read-failed', `Reading ${key} from ${where} failed: ${denied ? 'permission denied' : err.message} (${err.code ?? 'error'}).`, denied ? 'Fix the repository permissions: the user running pgkeep (for restore_command, the PostgreSQL server\'s user) must be able to read it.' : 'Check the repository\'s disk and file system.');
}
function mapFsError(e, where) {
    if (e instanceof errors/* PgkeepError */.$Z)
        return e;
    const code = e.code;
    if (code === 'ENOSPC')
        return new errors/* PgkeepError */.$Z('no-space', `No space left writing to ${where}.`);
    if (code === 'EACCES' || code === 'EPERM')
        return new errors/* PgkeepError */.$Z('repo-unreachable', `Permission denied writing to ${where}.`, 'Fix the directory permissions.');
    return e;
}

// EXTERNAL MODULE: ./src/storage/mirror-store.ts
var mirror_store = __webpack_require__(5530);
;// CONCATENATED MODULE: ./src/storage/lazy-s3-store.ts
class LazyS3Store {
    loc;
    settings;
    description;
    inner;
    constructor(loc, settings) {
        this.loc = loc;
        this.settings = settings;
        this.description = `s3://${loc.bucket}${loc.prefix ? `/${loc.prefix}` : ''}`;
    }
    store() {
        this.inner ??= Promise.all(/* import() */[__webpack_require__.e(358), __webpack_require__.e(947)]).then(__webpack_require__.bind(__webpack_require__, 8947)).then((m) => new m.S3Store(this.loc, this.settings));
        return this.inner;
    }
    async put(key, body, opts) {
        return (await this.store()).put(key, body, opts);
    }
    async get(key) {
        return (await this.store()).get(key);
    }
    async readTail(key, bytes) {
        const s = await this.store();
        return s.readTail ? s.readTail(key, bytes) : Promise.reject(new Error('readTail unsupported'));
    }
    async head(key) {
        return (await this.store()).head(key);
    }
    async list(prefix) {
        return (await this.store()).list(prefix);
    }
    async delete(key) {
        return (await this.store()).delete(key);
    }
    async check() {
        return (await this.store()).check();
    }
}

;// CONCATENATED MODULE: ./src/storage/open-store.ts



function openLocation(loc, cfg) {
    return loc.kind === 'file' ? new FsStore(loc.path) : new LazyS3Store(loc, cfg.s3);
}
function openStore(cfg) {
    const stores = cfg.repos.map((l) => openLocation(l, cfg));
    if (stores.length === 1)
        return stores[0];
    // 'wal/' is the repository layout's WAL_PREFIX (src/repo sits above this layer).
    return new mirror_store/* MirrorStore */.$(stores, cfg.walRequiredCopies ? { relaxed: { prefix: 'wal/', copies: cfg.walRequiredCopies } } : {});
}


/***/ }),

/***/ 7927:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   G: () => (/* binding */ mkdirp)
/* harmony export */ });
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(3024);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_fs__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(6760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(node_path__WEBPACK_IMPORTED_MODULE_1__);
// `mkdir -p` without Node's `{ recursive: true }` for directories a user names (repository
// root, restore target, tablespace targets). On filesystems where mkdir answers ENOENT although
// the parent exists (procfs, sysfs, some FUSE mounts), Node 24's recursive mkdir retries
// forever: a mistyped path would hang a restore instead of failing.


async function isDir(p) {
    return (await node_fs__WEBPACK_IMPORTED_MODULE_0__.promises.stat(p).catch(() => null))?.isDirectory() ?? false;
}
async function mkdirp(dir, mode) {
    const abs = node_path__WEBPACK_IMPORTED_MODULE_1___default().resolve(dir);
    try {
        await node_fs__WEBPACK_IMPORTED_MODULE_0__.promises.mkdir(abs, { mode });
        return;
    }
    catch (e) {
        const code = e.code;
        if (code === 'EEXIST' && (await isDir(abs)))
            return;
        if (code !== 'ENOENT' || node_path__WEBPACK_IMPORTED_MODULE_1___default().dirname(abs) === abs)
            throw e;
    }
    await mkdirp(node_path__WEBPACK_IMPORTED_MODULE_1___default().dirname(abs), mode);
    try {
        await node_fs__WEBPACK_IMPORTED_MODULE_0__.promises.mkdir(abs, { mode });
    }
    catch (e) {
        if (e.code === 'EEXIST' && (await isDir(abs)))
            return;
        throw e;
    }
}


/***/ })

};

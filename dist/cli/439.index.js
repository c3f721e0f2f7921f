export const id = 439;
export const ids = [439,551];
export const modules = {

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

export const id = 334;
export const ids = [334,152];
export const modules = {

/***/ 3152:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   installedBinDirs: () => (/* binding */ installedBinDirs),
/* harmony export */   isExecutable: () => (/* binding */ isExecutable),
/* harmony export */   resolveBinDir: () => (/* binding */ resolveBinDir),
/* harmony export */   runTool: () => (/* binding */ runTool),
/* harmony export */   startTool: () => (/* binding */ startTool),
/* harmony export */   toolError: () => (/* binding */ toolError),
/* harmony export */   toolMajor: () => (/* binding */ toolMajor),
/* harmony export */   toolPath: () => (/* binding */ toolPath)
/* harmony export */ });
/* harmony import */ var node_child_process__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(1421);
/* harmony import */ var node_child_process__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_child_process__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(3024);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(node_fs__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(6760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_2___default = /*#__PURE__*/__webpack_require__.n(node_path__WEBPACK_IMPORTED_MODULE_2__);
/* harmony import */ var _util_errors_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(17);
/* harmony import */ var _util_redact_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(767);
/* harmony import */ var _util_log_js__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(9906);
/* harmony import */ var _util_find_executable_js__WEBPACK_IMPORTED_MODULE_6__ = __webpack_require__(5414);
// Running PostgreSQL's own tools (pg_dump, pg_receivewal, pg_verifybackup, …): find the binaries, spawn with
// the libpq environment, stream stdout, and put stderr into the error when they fail.







const DEBIAN_ROOT = '/usr/lib/postgresql';
/** Installed PostgreSQL bin directories, newest major first (Debian layout, then PATH). */
function installedBinDirs() {
    const out = [];
    if ((0,node_fs__WEBPACK_IMPORTED_MODULE_1__.existsSync)(DEBIAN_ROOT)) {
        for (const v of (0,node_fs__WEBPACK_IMPORTED_MODULE_1__.readdirSync)(DEBIAN_ROOT)) {
            const dir = node_path__WEBPACK_IMPORTED_MODULE_2___default().join(DEBIAN_ROOT, v, 'bin');
            if (/^\d+$/.test(v) && (0,node_fs__WEBPACK_IMPORTED_MODULE_1__.existsSync)(node_path__WEBPACK_IMPORTED_MODULE_2___default().join(dir, 'pg_dump')))
                out.push({ major: Number(v), dir });
        }
    }
    return out.sort((a, b) => b.major - a.major);
}
/**
 * The bin directory to use for a server of `serverMajor` (tools must be at least as new as
 * the server). An explicit directory always wins.
 */
function resolveBinDir(explicit, serverMajor) {
    if (explicit) {
        if (!(0,node_fs__WEBPACK_IMPORTED_MODULE_1__.existsSync)(node_path__WEBPACK_IMPORTED_MODULE_2___default().join(explicit, 'pg_dump')))
            throw new _util_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .PgkeepError */ .$Z('no-pg-tools', `PGKEEP_PG_BINDIR=${explicit} has no pg_dump.`, 'Point it at a PostgreSQL bin directory.');
        return explicit;
    }
    const dirs = installedBinDirs();
    const fit = serverMajor ? dirs.find((d) => d.major === serverMajor) ?? dirs.find((d) => d.major > serverMajor) : dirs[0];
    if (fit)
        return fit.dir;
    // Fall back to PATH (e.g. Homebrew, containers with tools on PATH).
    const onPath = (0,_util_find_executable_js__WEBPACK_IMPORTED_MODULE_6__/* .findExecutable */ .o)('pg_dump');
    if (onPath)
        return node_path__WEBPACK_IMPORTED_MODULE_2___default().dirname(onPath);
    throw new _util_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .PgkeepError */ .$Z('no-pg-tools', `No PostgreSQL client tools${serverMajor ? ` for version ${serverMajor} or newer` : ''} found.`, serverMajor ? `Install postgresql-client-${serverMajor} or set PGKEEP_PG_BINDIR.` : 'Install postgresql-client or set PGKEEP_PG_BINDIR.');
}
/** The PostgreSQL major a tool binary reports (`pg_verifybackup (PostgreSQL) 17.6`), if it runs. */
function toolMajor(file) {
    try {
        const out = (0,node_child_process__WEBPACK_IMPORTED_MODULE_0__.execFileSync)(file, ['--version'], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] });
        const m = /\(PostgreSQL\)\s+(\d+)/.exec(out) ?? /(\d+)(?:\.\d+)*/.exec(out);
        return m ? Number(m[1]) : undefined;
    }
    catch {
        return undefined;
    }
}
function isExecutable(file) {
    try {
        (0,node_fs__WEBPACK_IMPORTED_MODULE_1__.accessSync)(file, node_fs__WEBPACK_IMPORTED_MODULE_1__.constants.X_OK);
        return true;
    }
    catch {
        return false;
    }
}
/** The file startTool runs for `tool`: in `binDir`, or found on PATH when there is none. */
function toolPath(binDir, tool) {
    return binDir ? node_path__WEBPACK_IMPORTED_MODULE_2___default().join(binDir, tool) : tool;
}
/** Start a tool; stdout is piped, stderr captured (last 8 KiB) and logged at debug level. */
function startTool(binDir, tool, args, opts = {}) {
    const file = toolPath(binDir, tool);
    const so = {
        env: { ...minimalEnv(), ...(opts.env ?? {}) },
        cwd: opts.cwd,
        stdio: [opts.stdin ?? 'ignore', 'pipe', 'pipe'],
    };
    if (opts.uid !== undefined)
        so.uid = opts.uid;
    if (opts.gid !== undefined)
        so.gid = opts.gid;
    _util_log_js__WEBPACK_IMPORTED_MODULE_5__/* .log */ .Rm.debug(`run ${tool} ${args.join(' ')}`);
    const child = (0,node_child_process__WEBPACK_IMPORTED_MODULE_0__.spawn)(file, args, so);
    let stderr = '';
    child.stderr.on('data', (c) => {
        stderr = (stderr + c.toString('utf8')).slice(-8192);
    });
    const done = new Promise((resolve, reject) => {
        child.on('error', (e) => reject(new _util_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .PgkeepError */ .$Z('tool-failed', `Could not run ${file}: ${e.message}.`, 'Check that the PostgreSQL client tools are installed.')));
        child.on('close', (code, signal) => {
            if (code === 0)
                return resolve();
            reject(toolError(opts.what ?? tool, code, signal, stderr));
        });
    });
    return { child, stdout: child.stdout, stdin: child.stdin, done, kill: () => child.kill('SIGTERM'), stderr: () => stderr };
}
/** Run a tool to completion and return its stdout as text. */
async function runTool(binDir, tool, args, opts = {}) {
    const r = startTool(binDir, tool, args, opts);
    const chunks = [];
    r.stdout.on('data', (c) => chunks.push(c));
    await r.done;
    return Buffer.concat(chunks).toString('utf8');
}
function toolError(what, code, signal, stderr) {
    const msg = (0,_util_redact_js__WEBPACK_IMPORTED_MODULE_4__/* .redact */ .E$)(stderr.trim().split('\n').filter(Boolean).slice(-6).join(' | '));
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    return new _util_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .PgkeepError */ .$Z('tool-failed', `${what} ${how}${msg ? `: ${msg}` : '.'}`, hintFor(stderr));
}
function hintFor(stderr) {
    // libpq's own words, quoted in the message above; the hint names the setting to look at.
    if (/pg_hba\.conf (rejects connection|entry)/i.test(stderr))
        return /no encryption|SSL off/i.test(stderr)
            ? "The server's pg_hba.conf admits this connection only over TLS: unset PGSSLMODE (libpq's default, prefer, uses TLS) or set it to require or verify-full."
            : "The server's pg_hba.conf has no line admitting this user, database and address this way: ask its administrator, or connect as a role it admits.";
    if (/root certificate file .* does not exist|certificate verify failed|does not match host name|server does not support SSL/i.test(stderr))
        return 'Check PGSSLMODE and PGSSLROOTCERT (sslmode, sslrootcert): the CA that signed the server certificate, and a host name it names.';
    if (/password authentication failed|no password supplied/i.test(stderr))
        return 'Check PGUSER/PGPASSWORD (or DATABASE_URL).';
    if (/Connection refused|could not connect|No such file or directory.*socket|could not translate host/i.test(stderr))
        return 'Check PGHOST/PGPORT: is the server running and reachable from this machine?';
    if (/database ".*" does not exist/i.test(stderr))
        return 'Check the database name (pgkeep list shows what a backup holds).';
    if (/server version mismatch|aborting because of server version mismatch/i.test(stderr))
        return 'Install client tools at least as new as the server, or set PGKEEP_PG_BINDIR.';
    return undefined;
}
/** The environment a tool needs, without our own secrets-bearing variables (AWS_*, PGKEEP_*). */
function minimalEnv() {
    const keep = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'USER'];
    const out = {};
    for (const k of keep)
        if (process.env[k])
            out[k] = process.env[k];
    return out;
}


/***/ }),

/***/ 5414:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   o: () => (/* binding */ findExecutable)
/* harmony export */ });
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(3024);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_fs__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(6760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(node_path__WEBPACK_IMPORTED_MODULE_1__);
// Optional helper programs (e.g. the zstd CLI) found on PATH; absence is normal, not an error.


function findExecutable(name, searchPath = process.env.PATH ?? '') {
    for (const dir of searchPath.split(':')) {
        if (!dir)
            continue;
        const p = node_path__WEBPACK_IMPORTED_MODULE_1___default().join(dir, name);
        try {
            (0,node_fs__WEBPACK_IMPORTED_MODULE_0__.accessSync)(p, node_fs__WEBPACK_IMPORTED_MODULE_0__.constants.X_OK);
            return p;
        }
        catch {
            /* not here */
        }
    }
    return undefined;
}


/***/ }),

/***/ 9139:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   aO: () => (/* binding */ dropSlot),
/* harmony export */   jF: () => (/* binding */ unboundedSlotWarning),
/* harmony export */   n_: () => (/* binding */ slotLine),
/* harmony export */   wI: () => (/* binding */ readSlots)
/* harmony export */ });
/* harmony import */ var _postgres_client_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(2225);
/* harmony import */ var _util_errors_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(17);
/* harmony import */ var _util_log_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(9906);
// Replication slots as pgkeep sees them: what each one holds back on the server (retained WAL,
// activity, wal_status), the server's cap on that (max_slot_wal_keep_size), and dropping the
// `pgkeep` slot. A slot nobody reads keeps every WAL file from its restart_lsn on, so the
// primary's disk fills; status shows it and `pgkeep slot drop` removes it.



const num = (v) => (v === null || v === undefined ? undefined : Number(v));
/** Every replication slot on the server, with the WAL it retains. */
async function readSlots(pgEnv) {
    return (0,_postgres_client_js__WEBPACK_IMPORTED_MODULE_0__.withClient)(pgEnv, undefined, async (c) => {
        // to_jsonb(s) reads inactive_since where it exists (17+) without failing on 15/16.
        const r = await c.query(`select s.slot_name, s.slot_type, s.active, s.active_pid, s.restart_lsn::text, s.wal_status, s.safe_wal_size::text,
              case when s.restart_lsn is null then null
                   else pg_wal_lsn_diff(case when pg_is_in_recovery() then pg_last_wal_replay_lsn() else pg_current_wal_lsn() end, s.restart_lsn)::bigint::text end as retained,
              to_jsonb(s)->>'inactive_since' as inactive_since
         from pg_replication_slots s order by s.slot_name`);
        const k = await c.query(`select setting, unit from pg_settings where name = 'max_slot_wal_keep_size'`);
        const setting = Number(k.rows[0]?.setting ?? -1);
        return {
            slots: r.rows.map((row) => ({
                name: row.slot_name,
                type: row.slot_type === 'logical' ? 'logical' : 'physical',
                active: row.active,
                ...(row.active_pid !== null ? { activePid: row.active_pid } : {}),
                ...(row.restart_lsn ? { restartLsn: row.restart_lsn } : {}),
                ...(row.retained !== null ? { retainedBytes: Math.max(0, Number(row.retained)) } : {}),
                ...(row.wal_status ? { walStatus: row.wal_status } : {}),
                ...(num(row.safe_wal_size) !== undefined ? { safeWalBytes: num(row.safe_wal_size) } : {}),
                ...(row.inactive_since ? { inactiveSince: new Date(row.inactive_since).toISOString() } : {}),
            })),
            // The unit is MB on every supported major.
            maxSlotWalKeepSizeBytes: setting < 0 ? -1 : setting * 1024 * 1024,
        };
    });
}
/** The warning a run that uses a slot gives when the server does not cap what slots keep. */
function unboundedSlotWarning(slot) {
    return `max_slot_wal_keep_size is -1 (unlimited): if the runs that read replication slot "${slot}" stop, the server keeps WAL until its disk is full. Set max_slot_wal_keep_size (e.g. ALTER SYSTEM SET max_slot_wal_keep_size = '50GB'; SELECT pg_reload_conf()), or drop the slot with pgkeep slot drop and archive with archive_command.`;
}
/** Drop a replication slot; refuses while something streams from it. A missing slot is not an error. */
async function dropSlot(pgEnv, slot) {
    const { slots } = await readSlots(pgEnv);
    const s = slots.find((x) => x.name === slot);
    if (!s)
        return { slot, dropped: false };
    const activeRefusal = (pid) => new _util_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .PgkeepError */ .$Z('slot-active', `Replication slot "${slot}" is in use${pid ? ` by server process ${pid}` : ''}, so it was not dropped.`, `Stop what streams from it first (pgkeep wal-pull --follow, or a backup pulling WAL: see pg_stat_replication where pid = ${pid ?? '…'}), then run pgkeep slot drop again.`);
    if (s.active)
        throw activeRefusal(s.activePid);
    await (0,_postgres_client_js__WEBPACK_IMPORTED_MODULE_0__.withClient)(pgEnv, undefined, async (c) => {
        try {
            await c.query('select pg_drop_replication_slot($1)', [slot]);
        }
        catch (e) {
            const err = e;
            // 55006: it became active between the check and the drop; 42704: someone else dropped it.
            if (err.code === '55006') {
                const pid = /PID (\d+)/.exec(err.message ?? '')?.[1];
                throw activeRefusal(pid ? Number(pid) : undefined);
            }
            if (err.code === '42704')
                return;
            throw new _util_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .PgkeepError */ .$Z('slot-drop-failed', `Could not drop replication slot "${slot}": ${err.message}.`, 'The user needs SUPERUSER or the REPLICATION attribute.');
        }
    });
    return { slot, dropped: true, ...(s.retainedBytes !== undefined ? { retainedBytes: s.retainedBytes } : {}) };
}
/** One line per slot for humans (status, slot list). */
function slotLine(s, extra = '') {
    const held = s.retainedBytes !== undefined ? `retains ${(0,_util_log_js__WEBPACK_IMPORTED_MODULE_2__/* .formatBytes */ .z3)(s.retainedBytes)} of WAL` : 'retains no WAL (never reserved)';
    const activity = s.active ? `active (pid ${s.activePid ?? '?'})` : `inactive${s.inactiveSince ? ` since ${s.inactiveSince}` : ''}`;
    const status = s.walStatus ? `, wal_status ${s.walStatus}` : '';
    return `${s.name} (${s.type}): ${held}, ${activity}${status}${extra}`;
}


/***/ }),

/***/ 7334:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   DEFAULT_SLOT: () => (/* binding */ DEFAULT_SLOT),
/* harmony export */   defaultSpoolDir: () => (/* binding */ defaultSpoolDir),
/* harmony export */   drainSpool: () => (/* binding */ drainSpool),
/* harmony export */   ensureSlot: () => (/* binding */ ensureSlot),
/* harmony export */   pullWalFollow: () => (/* binding */ pullWalFollow),
/* harmony export */   pullWalTo: () => (/* binding */ pullWalTo)
/* harmony export */ });
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(3024);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_fs__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_os__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(8161);
/* harmony import */ var node_os__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(node_os__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(6760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_2___default = /*#__PURE__*/__webpack_require__.n(node_path__WEBPACK_IMPORTED_MODULE_2__);
/* harmony import */ var _postgres_client_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(2225);
/* harmony import */ var _postgres_pg_tools_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(3152);
/* harmony import */ var _util_errors_js__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(17);
/* harmony import */ var _util_log_js__WEBPACK_IMPORTED_MODULE_6__ = __webpack_require__(9906);
/* harmony import */ var _util_streams_js__WEBPACK_IMPORTED_MODULE_7__ = __webpack_require__(4177);
/* harmony import */ var _wal_object_js__WEBPACK_IMPORTED_MODULE_8__ = __webpack_require__(9846);
/* harmony import */ var _replication_slot_js__WEBPACK_IMPORTED_MODULE_9__ = __webpack_require__(9139);
/* harmony import */ var _segment_js__WEBPACK_IMPORTED_MODULE_10__ = __webpack_require__(1993);
// WAL pull over replication: pg_receivewal on a physical slot (`pgkeep` by default) writes
// segments into a local spool directory; every segment it completes (renamed from .partial)
// and every .history file is pushed with the same idempotent push as archive_command, then
// removed locally. `.partial` files are never pushed as segments. The slot keeps WAL on the
// server until pg_receivewal has flushed it locally, and the spool survives restarts (a file
// not yet pushed is pushed by the next run), so no WAL is lost between server and repository.
// Two modes: once up to an LSN (`pullWalTo`, used by `backup --type incr --wal-source slot` on
// PG < 17 and by a full backup when archive_mode is off) and continuous (`pullWalFollow`, `pgkeep wal-pull --follow`).











const DEFAULT_SLOT = 'pgkeep';
function defaultSpoolDir(systemIdentifier) {
    return node_path__WEBPACK_IMPORTED_MODULE_2___default().join(node_os__WEBPACK_IMPORTED_MODULE_1___default().tmpdir(), `pgkeep-wal-pull-${systemIdentifier}`);
}
/**
 * Create the physical slot with WAL reserved now (pg_receivewal --create-slot would not reserve).
 * Warns (log + `warnings`) when max_slot_wal_keep_size is -1: if the runs that read the slot
 * stop, the server keeps WAL for it until the disk is full.
 */
async function ensureSlot(pgEnv, slot = DEFAULT_SLOT) {
    const r = await (0,_postgres_client_js__WEBPACK_IMPORTED_MODULE_3__.withClient)(pgEnv, undefined, async (c) => {
        const r = await c.query('select slot_type, restart_lsn::text from pg_replication_slots where slot_name = $1', [slot]);
        if (r.rows[0]) {
            if (r.rows[0].slot_type !== 'physical')
                throw new _util_errors_js__WEBPACK_IMPORTED_MODULE_5__/* .PgkeepError */ .$Z('bad-slot', `Replication slot "${slot}" exists but is a ${r.rows[0].slot_type} slot.`, 'Drop it or choose another name with --slot.');
            return { created: false, restartLsn: r.rows[0].restart_lsn };
        }
        try {
            const c2 = await c.query('select lsn::text from pg_create_physical_replication_slot($1, true)', [slot]);
            _util_log_js__WEBPACK_IMPORTED_MODULE_6__/* .log */ .Rm.info(`created replication slot ${slot} (WAL reserved from ${c2.rows[0]?.lsn})`);
            return { created: true, restartLsn: c2.rows[0]?.lsn ?? null };
        }
        catch (e) {
            const err = e;
            if (err.code === '42710')
                return { created: false, restartLsn: null };
            throw new _util_errors_js__WEBPACK_IMPORTED_MODULE_5__/* .PgkeepError */ .$Z('slot-failed', `Could not create replication slot "${slot}": ${err.message}.`, 'The user needs the REPLICATION attribute and max_replication_slots must leave a free slot.');
        }
    });
    const warnings = [];
    const { maxSlotWalKeepSizeBytes } = await (0,_replication_slot_js__WEBPACK_IMPORTED_MODULE_9__/* .readSlots */ .wI)(pgEnv);
    if (maxSlotWalKeepSizeBytes < 0) {
        warnings.push((0,_replication_slot_js__WEBPACK_IMPORTED_MODULE_9__/* .unboundedSlotWarning */ .jF)(slot));
        _util_log_js__WEBPACK_IMPORTED_MODULE_6__/* .log */ .Rm.warn(warnings[0]);
    }
    return { ...r, warnings };
}
/** Push every complete segment and history file in the spool, then delete them locally. */
async function drainSpool(store, dir, parallel = 4) {
    const files = (await node_fs__WEBPACK_IMPORTED_MODULE_0__.promises.readdir(dir).catch(() => [])).filter((f) => (0,_segment_js__WEBPACK_IMPORTED_MODULE_10__/* .isSegmentName */ .Pb)(f) || (0,_segment_js__WEBPACK_IMPORTED_MODULE_10__/* .isHistoryName */ .Mf)(f)).sort();
    await (0,_util_streams_js__WEBPACK_IMPORTED_MODULE_7__/* .mapLimit */ .sf)(files, parallel, async (f) => {
        const r = await (0,_wal_object_js__WEBPACK_IMPORTED_MODULE_8__/* .pushWalFile */ .BI)(store, node_path__WEBPACK_IMPORTED_MODULE_2___default().join(dir, f), f);
        _util_log_js__WEBPACK_IMPORTED_MODULE_6__/* .log */ .Rm.debug(`wal-pull: ${f} ${r.status}`);
        await node_fs__WEBPACK_IMPORTED_MODULE_0__.promises.rm(node_path__WEBPACK_IMPORTED_MODULE_2___default().join(dir, f), { force: true });
    });
    return files;
}
function receiveWal(o, dir, endpos) {
    const args = ['-D', dir, '--slot', o.slot ?? DEFAULT_SLOT, '--no-loop', '-w', '-v'];
    if (endpos !== undefined)
        args.push('--endpos', (0,_segment_js__WEBPACK_IMPORTED_MODULE_10__/* .formatLsn */ .rI)(endpos));
    return (0,_postgres_pg_tools_js__WEBPACK_IMPORTED_MODULE_4__.startTool)(o.binDir, 'pg_receivewal', args, { env: o.pgEnv, what: 'pg_receivewal' });
}
/**
 * Pull WAL up to `endpos` (rounded up to a segment boundary, so the last segment completes)
 * and push it. Call after pg_switch_wal() so the segment holding `endpos` is finished.
 */
async function pullWalTo(o, endpos, segSize, systemIdentifier) {
    const dir = o.spoolDir ?? defaultSpoolDir(systemIdentifier);
    await node_fs__WEBPACK_IMPORTED_MODULE_0__.promises.mkdir(dir, { recursive: true, mode: 0o700 });
    const seg = BigInt(segSize);
    const end = ((endpos + seg - 1n) / seg) * seg;
    const pushed = await drainSpool(o.store, dir, o.parallel);
    const slot = await ensureSlot(o.pgEnv, o.slot);
    const partials = (await node_fs__WEBPACK_IMPORTED_MODULE_0__.promises.readdir(dir)).filter((f) => f.endsWith('.partial'));
    if (slot.restartLsn && (0,_segment_js__WEBPACK_IMPORTED_MODULE_10__/* .parseLsn */ .l2)(slot.restartLsn) >= end && partials.length === 0) {
        _util_log_js__WEBPACK_IMPORTED_MODULE_6__/* .log */ .Rm.info(`wal-pull: slot ${o.slot ?? DEFAULT_SLOT} is already past ${(0,_segment_js__WEBPACK_IMPORTED_MODULE_10__/* .formatLsn */ .rI)(end)}`);
        return pushed;
    }
    const lastSegno = end / seg - 1n;
    const reached = () => pushed.some((n) => (0,_segment_js__WEBPACK_IMPORTED_MODULE_10__/* .isSegmentName */ .Pb)(n) && (0,_segment_js__WEBPACK_IMPORTED_MODULE_10__/* .parseSegmentName */ .EU)(n, segSize).segno >= lastSegno);
    if (reached())
        return pushed;
    const run = receiveWal(o, dir, end);
    const timeout = (o.timeoutSeconds ?? 300) * 1000;
    let timedOut = false;
    let complete = false;
    // The first push that fails: it stops pg_receivewal and becomes this function's error. A
    // rejection left in the polling chain between ticks would be unhandled and kill the process
    // (no summary, lock left behind, pg_receivewal orphaned), so every tick settles to a value.
    let pushError;
    const timer = setTimeout(() => {
        timedOut = true;
        run.kill();
    }, timeout);
    // Push segments as pg_receivewal completes them, so the spool stays small on long pulls.
    // pg_receivewal only notices --endpos when WAL beyond it arrives (on an idle server that can
    // take many seconds), so once the last wanted segment is stored we stop it ourselves.
    let draining = Promise.resolve();
    const poll = setInterval(() => {
        draining = draining.then(async () => {
            if (pushError !== undefined || complete)
                return;
            try {
                pushed.push(...(await drainSpool(o.store, dir, o.parallel)));
            }
            catch (e) {
                pushError = e;
                run.kill();
                return;
            }
            if (reached()) {
                complete = true;
                run.kill();
            }
        });
    }, 250);
    try {
        await run.done;
    }
    catch (e) {
        if (pushError === undefined && !complete && timedOut)
            throw new _util_errors_js__WEBPACK_IMPORTED_MODULE_5__/* .PgkeepError */ .$Z('wal-pull-timeout', `pg_receivewal did not reach ${(0,_segment_js__WEBPACK_IMPORTED_MODULE_10__/* .formatLsn */ .rI)(end)} within ${timeout / 1000} s.`, 'Check that the server is reachable for replication (pg_hba.conf "replication" line) and not overloaded.');
        if (pushError === undefined && !complete)
            throw e;
    }
    finally {
        clearTimeout(timer);
        clearInterval(poll);
        await draining;
        // Whatever happened above, pg_receivewal must not outlive this run (kill is a no-op once it exited).
        run.kill();
    }
    if (pushError !== undefined)
        throw pushFailed(pushError, o.store);
    try {
        pushed.push(...(await drainSpool(o.store, dir, o.parallel)));
    }
    catch (e) {
        throw pushFailed(e, o.store);
    }
    return [...new Set(pushed)].sort();
}
/** A failed push as one paragraph: the files stay in the spool and the next run pushes them. */
function pushFailed(e, store) {
    if (e instanceof _util_errors_js__WEBPACK_IMPORTED_MODULE_5__/* .PgkeepError */ .$Z && e.code !== 'unexpected')
        return new _util_errors_js__WEBPACK_IMPORTED_MODULE_5__/* .PgkeepError */ .$Z(e.code, `Could not store pulled WAL in ${store.description}: ${e.message}`, e.hint ?? 'Pulled WAL stays in the local spool; the next run pushes it.');
    const msg = e?.message ?? String(e);
    return new _util_errors_js__WEBPACK_IMPORTED_MODULE_5__/* .PgkeepError */ .$Z('wal-push-failed', `Could not store pulled WAL in ${store.description}: ${msg}. pg_receivewal was stopped.`, 'Check that the repository is reachable and writable; the pulled WAL stays in the local spool and the next run pushes it (the slot keeps what was not pulled yet).');
}
/**
 * Stream WAL continuously until `signal` aborts (SIGTERM/SIGINT in the CLI): restart
 * pg_receivewal with backoff when the connection drops, push segments as they complete.
 */
async function pullWalFollow(o, systemIdentifier, signal) {
    const dir = o.spoolDir ?? defaultSpoolDir(systemIdentifier);
    await node_fs__WEBPACK_IMPORTED_MODULE_0__.promises.mkdir(dir, { recursive: true, mode: 0o700 });
    await ensureSlot(o.pgEnv, o.slot);
    let count = (await drainSpool(o.store, dir, o.parallel)).length;
    let backoff = 1000;
    while (!signal.aborted) {
        const run = receiveWal(o, dir);
        const onAbort = () => run.kill();
        signal.addEventListener('abort', onAbort, { once: true });
        const started = Date.now();
        let exited = false;
        const done = run.done.then(() => undefined, (e) => e).finally(() => (exited = true));
        _util_log_js__WEBPACK_IMPORTED_MODULE_6__/* .log */ .Rm.info(`wal-pull: streaming from slot ${o.slot ?? DEFAULT_SLOT} into ${o.store.description}`);
        while (!exited) {
            await Promise.race([done, new Promise((r) => setTimeout(r, 1000))]);
            try {
                const p = await drainSpool(o.store, dir, o.parallel);
                count += p.length;
                if (p.length)
                    _util_log_js__WEBPACK_IMPORTED_MODULE_6__/* .log */ .Rm.info(`wal-pull: stored ${p.join(', ')}`);
            }
            catch (e) {
                _util_log_js__WEBPACK_IMPORTED_MODULE_6__/* .log */ .Rm.warn(`wal-pull: push failed, will retry: ${e.message}`);
            }
        }
        signal.removeEventListener('abort', onAbort);
        const err = await done;
        if (signal.aborted)
            break;
        _util_log_js__WEBPACK_IMPORTED_MODULE_6__/* .log */ .Rm.warn(`wal-pull: pg_receivewal stopped (${err ? err.message : 'exit 0'}); restarting in ${backoff / 1000} s`);
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Date.now() - started > 60_000 ? 1000 : Math.min(backoff * 2, 60_000);
    }
    count += (await drainSpool(o.store, dir, o.parallel)).length;
    return count;
}


/***/ })

};

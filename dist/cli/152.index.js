export const id = 152;
export const ids = [152];
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


/***/ })

};

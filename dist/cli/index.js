#!/usr/bin/env node
// The `pgkeep` binary as installed (dist/cli/index.js, package.json bin, archive_command docs):
// a launcher that turns on V8's compile cache, then imports the real bundle beside it
// (dist/cli/pgkeep.js, built from src/cli/index.ts). PostgreSQL starts `wal-push` once per WAL
// segment, and compiling the multi-megabyte bundle was the largest part of each call; the cache
// only serves code compiled after it is enabled, hence this file. It is transpiled, not bundled:
// it must stay tiny and import nothing but Node built-ins.
import module from 'node:module';
import { lstatSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
/**
 * A per-user cache directory under the temp dir, created 0700. Code in it is executed, so a
 * directory someone else created or can write (a shared /tmp) is never used. Any failure just
 * means no cache: caching must never fail the command.
 */
function enableCompileCache() {
    try {
        const uid = process.getuid?.();
        if (uid === undefined || typeof module.enableCompileCache !== 'function')
            return;
        const dir = path.join(os.tmpdir(), `pgkeep-node-cache-${uid}`);
        try {
            mkdirSync(dir, { mode: 0o700 });
        }
        catch (e) {
            if (e.code !== 'EEXIST')
                return;
        }
        const st = lstatSync(dir);
        if (!st.isDirectory() || st.uid !== uid || (st.mode & 0o077) !== 0)
            return;
        // NODE_DISABLE_COMPILE_CACHE=1 turns it off; NODE_COMPILE_CACHE=<dir> (enabled by Node at
        // start-up) wins over this directory.
        module.enableCompileCache(dir);
    }
    catch {
        /* no cache */
    }
}
enableCompileCache();
// A specifier in a variable: the bundle exists only in dist/, beside the transpiled launcher.
const bundle = './pgkeep.js';
try {
    await import(bundle);
}
catch (e) {
    // A missing or unreadable bundle, or a throw while it loads (its commands report their own
    // errors). For wal-fetch the status must make PostgreSQL stop recovery (WAL_FETCH_EXIT.fatal), never 1.
    const code = e?.code;
    const missing = code === 'ERR_MODULE_NOT_FOUND' || code === 'EACCES';
    process.stderr.write(missing
        ? `pgkeep: cannot load ${path.join(import.meta.dirname ?? '.', bundle)} (${e.message}). Hint: install or copy the whole dist/cli directory (index.js only launches pgkeep.js beside it).\n`
        : `pgkeep: unexpected error: ${e?.message ?? e}\n`);
    process.exit(process.argv[2] === 'wal-fetch' ? 200 : 1);
}

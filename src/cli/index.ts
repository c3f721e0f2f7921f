// The bundled CLI (dist/cli/pgkeep.js, imported by the launcher dist/cli/index.js: launcher.ts).
import zlib from 'node:zlib';
import { main } from './main.js';
import { WAL_FETCH_EXIT } from '../wal/wal-fetch.js';

// What a crash exits with: for wal-fetch (restore_command) a status PostgreSQL treats as FATAL,
// never 1 (which it reads as "end of archive" and promotes on).
const command = process.argv[2];
const crashCode = (fallback: number) => (command === 'wal-fetch' ? WAL_FETCH_EXIT.fatal : fallback);
if (command === 'wal-fetch') {
  // Node exits 1 on an uncaught exception or unhandled rejection; make it one line and fatal.
  const crash = (e: unknown) => {
    process.stderr.write(`pgkeep wal-fetch: unexpected error: ${(e as Error)?.message ?? e}\n`);
    process.exit(crashCode(1));
  };
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
}

// zstd lives in node:zlib from Node 22.15 / 23.8; say so plainly instead of failing mid-backup.
if (typeof (zlib as { createZstdCompress?: unknown }).createZstdCompress !== 'function') {
  process.stderr.write(
    `pgkeep: this Node.js (${process.version}) has no zstd support (zlib.createZstdCompress). Hint: run pgkeep with Node.js 22.15 or newer (24 recommended).\n`,
  );
  process.exit(crashCode(1));
}

let settled = false;
// Safety net: if the event loop empties while the command is still pending (a promise nothing
// will ever settle), Node would exit 0 as if it had succeeded. Fail loudly instead.
process.on('beforeExit', () => {
  if (settled) return;
  settled = true;
  process.stderr.write('pgkeep: internal error: the command stopped before finishing (nothing left to wait for); treat this run as failed. Hint: please report it with the log above.\n');
  process.exitCode = crashCode(70);
});

main(process.argv.slice(2), process.env).then(
  (code) => {
    settled = true;
    process.exitCode = code;
  },
  (e) => {
    settled = true;
    process.stderr.write(`pgkeep: unexpected error: ${(e as Error)?.message ?? e}\n`);
    process.exitCode = crashCode(1);
  },
);

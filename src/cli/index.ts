// Entry point of the bundled `pgkeep` binary (dist/cli/index.js).
import zlib from 'node:zlib';
import { main } from './main.js';

// zstd lives in node:zlib from Node 22.15 / 23.8; say so plainly instead of failing mid-backup.
if (typeof (zlib as { createZstdCompress?: unknown }).createZstdCompress !== 'function') {
  process.stderr.write(
    `pgkeep: this Node.js (${process.version}) has no zstd support (zlib.createZstdCompress). Hint: run pgkeep with Node.js 22.15 or newer (24 recommended).\n`,
  );
  process.exit(1);
}

main(process.argv.slice(2), process.env).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`pgkeep: unexpected error: ${(e as Error)?.message ?? e}\n`);
    process.exitCode = 1;
  },
);

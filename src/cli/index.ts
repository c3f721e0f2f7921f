// Entry point of the bundled `pgkeep` binary (dist/cli/index.js).
import { main } from './main.js';

main(process.argv.slice(2), process.env).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`pgkeep: unexpected error: ${(e as Error)?.message ?? e}\n`);
    process.exitCode = 1;
  },
);

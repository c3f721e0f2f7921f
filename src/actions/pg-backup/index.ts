// pg-backup action entry point (bundled to dist/pg-backup/index.js).
import { run } from './run.js';

await run();

// pg-restore action entry point (bundled to dist/pg-restore/index.js).
import { run } from './run.js';

await run();

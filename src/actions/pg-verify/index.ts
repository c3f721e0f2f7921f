// pg-verify action entry point (bundled to dist/pg-verify/index.js).
import { run } from './run.js';

await run();

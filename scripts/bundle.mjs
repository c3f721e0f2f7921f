// Bundle each entry point into dist/<name>/index.js (ESM, no node_modules needed at run time),
// with the third-party licence list beside it. `npm run build`; CI's check-dist compares.
// The CLI is two files: the bundle as dist/cli/pgkeep.js and, as dist/cli/index.js (the bin),
// src/cli/launcher.ts transpiled alone: it enables V8's compile cache, then imports pgkeep.js.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, chmodSync, rmSync, renameSync } from 'node:fs';
import ts from 'typescript';

const entries = {
  cli: 'src/cli/index.ts',
  'pg-backup': 'src/actions/pg-backup/index.ts',
  'pg-restore': 'src/actions/pg-restore/index.ts',
  'pg-verify': 'src/actions/pg-verify/index.ts',
};
const only = process.argv.slice(2);
for (const [name, entry] of Object.entries(entries)) {
  if (only.length && !only.includes(name)) continue;
  if (!existsSync(entry)) {
    console.log(`skip ${name}: ${entry} does not exist yet`);
    continue;
  }
  const out = `dist/${name}`;
  rmSync(out, { recursive: true, force: true });
  execFileSync('npx', ['ncc', 'build', entry, '-o', out, '--license', 'licenses.txt', '--target', 'es2022', '-q'], { stdio: 'inherit' });
  const file = `${out}/index.js`;
  if (name === 'cli') {
    renameSync(file, `${out}/pgkeep.js`);
    writeCliLauncher(out);
  }
  console.log(`built ${file}`);
}

/** dist/cli/index.js: the launcher, transpiled (it imports only Node built-ins), executable. */
function writeCliLauncher(out) {
  const { outputText } = ts.transpileModule(readFileSync('src/cli/launcher.ts', 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  });
  writeFileSync(`${out}/index.js`, `#!/usr/bin/env node\n${outputText}`);
  chmodSync(`${out}/index.js`, 0o755);
}

// Bundle each entry point into dist/<name>/index.js (ESM, no node_modules needed at run time),
// with the third-party licence list beside it. `npm run build`; CI's check-dist compares.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, chmodSync, rmSync } from 'node:fs';

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
    const src = readFileSync(file, 'utf8');
    if (!src.startsWith('#!')) writeFileSync(file, `#!/usr/bin/env node\n${src}`);
    chmodSync(file, 0o755);
  }
  console.log(`built ${file}`);
}

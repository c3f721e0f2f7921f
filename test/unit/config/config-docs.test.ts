// The README's configuration table and the actions' setting inputs are generated from the
// declaration; this fails when they differ. `npm run docs` (UPDATE_DOCS=1) rewrites them.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { actionSettingInputs, configTable, replaceMarked } from '../../../src/config/config-docs.js';
import { SETTING_SPECS } from '../../../src/config/settings.js';
import { REPO_ROOT } from '../../helpers/pg.js';

const update = process.env.UPDATE_DOCS === '1';

function checkMarked(file: string, name: string, body: string): void {
  const p = path.join(REPO_ROOT, file);
  const doc = readFileSync(p, 'utf8');
  const want = replaceMarked(doc, name, body);
  if (update && want !== doc) writeFileSync(p, want);
  else expect(doc, `${file} <!-- ${name} --> is out of date: run npm run docs`).toBe(want);
}

describe('generated configuration docs', () => {
  it('the README configuration table is the declaration', () => {
    checkMarked('README.md', 'config', configTable());
  });
  it('docs/actions.md lists the setting inputs from the declaration', () => {
    checkMarked('docs/actions.md', 'inputs', actionSettingInputs());
  });
  it('every action declares every setting input, and mentions the setting it overrides', () => {
    for (const action of ['pg-backup', 'pg-restore', 'pg-verify']) {
      const yml = parse(readFileSync(path.join(REPO_ROOT, 'actions', action, 'action.yml'), 'utf8')) as { inputs: Record<string, { description: string }> };
      for (const s of SETTING_SPECS.filter((x) => x.input)) {
        expect(yml.inputs[s.input!], `${action}: input ${s.input}`).toBeDefined();
        expect(yml.inputs[s.input!].description, `${action}: input ${s.input}`).toContain(s.name);
      }
    }
  });
  it('every declared name appears in the README table once', () => {
    const table = configTable();
    for (const s of SETTING_SPECS) expect(table.split(`| \`${s.name}\``).length - 1, s.name).toBe(1);
  });
});

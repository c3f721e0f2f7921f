// Markdown generated from the settings declaration: the README's configuration table and the
// actions' setting inputs in docs/actions.md. test/unit/config/config-docs.test.ts fails when a
// document differs; `npm run docs` rewrites the marked sections.
import { SETTING_SPECS, type SettingSpec } from './settings.js';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function range(s: SettingSpec): string {
  switch (s.kind) {
    case 'int':
      return `${s.min}–${Number.isFinite(s.max) ? s.max : 'copies'}`;
    case 'bool':
      return 'true/false';
    case 'enum':
      return s.values.map((v) => `\`${v}\``).join(' ');
    default:
      return s.form ?? '';
  }
}

/** The README's configuration table (between `<!-- config:begin -->` and `<!-- config:end -->`). */
export function configTable(): string {
  const rows = SETTING_SPECS.map((s) => {
    const over = [s.flag ? `\`--${s.flag}\`` : '', s.input ? `input \`${s.input}\`` : ''].filter(Boolean).join(', ');
    const used = s.commands.includes('*') ? 'all' : s.commands.join(', ');
    return `| \`${s.name}\`${s.secret ? ' 🔒' : ''} | ${over} | ${cell(s.doc)}${s.deprecated ? ' (deprecated)' : ''} | ${cell(s.defaultText)} | ${cell(range(s))} | ${used} |`;
  });
  return ['| variable | flag / input | meaning | default | range | used by |', '|---|---|---|---|---|---|', ...rows].join('\n');
}

/** docs/actions.md: the inputs every action takes that override a setting (`<!-- inputs:begin -->`). */
export function actionSettingInputs(): string {
  const rows = SETTING_SPECS.filter((s) => s.input).map((s) => `| \`${s.input}\` | \`${s.name}\` | ${cell(s.doc)} |`);
  return ['| input | overrides | meaning |', '|---|---|---|', ...rows].join('\n');
}

/** Replace the text between `<!-- NAME:begin -->` and `<!-- NAME:end -->`. */
export function replaceMarked(doc: string, name: string, body: string): string {
  const begin = `<!-- ${name}:begin -->`;
  const end = `<!-- ${name}:end -->`;
  const i = doc.indexOf(begin);
  const j = doc.indexOf(end);
  if (i < 0 || j < i) throw new Error(`the document has no ${begin} … ${end} section`);
  return `${doc.slice(0, i + begin.length)}\n${body}\n${doc.slice(j)}`;
}

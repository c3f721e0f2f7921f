// The effective configuration as an operator checks it first when a scheduled run misbehaves:
// every declared setting with its value, where the value came from (default, environment,
// flag, input), and each bad value's error — secrets masked. Never throws: a bad setting is
// reported next to the others instead of hiding them.
import { describeError } from '../util/errors.js';
import { redact } from '../util/redact.js';
import { loadConfig, type Env, type Overrides } from './config.js';
import { rawSetting, readSetting, SETTING_SPECS, type SettingSource, type SettingSpec } from './settings.js';

export interface SettingReport {
  name: string;
  /** The value in effect, masked when secret; undefined when unset with no default value. */
  value?: string;
  source: SettingSource;
  /** The declared default, as the README shows it. */
  default: string;
  secret: boolean;
  flag?: string;
  input?: string;
  deprecated?: boolean;
  /** Why the value is refused (one sentence naming the variable). */
  error?: string;
  note?: string;
}

export interface ConfigReport {
  ok: boolean;
  settings: SettingReport[];
  /** PGKEEP_* variables that are set but not declared (a typo of a declared name). */
  unknown: { name: string; value: string }[];
  /** The repository copies in effect (cluster appended), credentials removed. */
  repos?: string[];
  /** A configuration error that stops every command (e.g. no repository). */
  error?: string;
}

/** Which override field carries a setting's flag / input (Overrides' keys). */
const OVERRIDE_KEYS: Record<string, keyof Overrides> = {
  PGKEEP_REPO: 'repo',
  PGKEEP_CLUSTER: 'cluster',
  PGKEEP_RETENTION_DAYS: 'retentionDays',
  PGKEEP_COMPRESS: 'compress',
  PGKEEP_PARALLEL: 'parallel',
  PGKEEP_PG_BINDIR: 'pgBinDir',
  PGKEEP_WAL_SOURCE: 'walSource',
};

// Names whose values are secret even when not declared (an age identity, a webhook URL).
const SECRET_NAME = /(PASSWORD|SECRET|TOKEN|PASSPHRASE|PRIVATE_KEY|AGE_IDENTITY|WEBHOOK|ACCESS_KEY)/i;
const MASK = '***';

function show(spec: Pick<SettingSpec, 'secret' | 'name'>, v: string): string {
  // A URL keeps its host and path (what an operator needs to see) without its credentials.
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v.trim()) && spec.name === 'DATABASE_URL') return redact(v).replace(/(:\/\/)[^@/]*@/, '$1***@');
  if (spec.secret || SECRET_NAME.test(spec.name)) return MASK;
  return redact(v);
}

function secretsOf(env: Env, overrides: Overrides): string[] {
  const out: string[] = [];
  for (const spec of SETTING_SPECS) {
    const v = rawSetting(env, spec.name);
    if (v && (spec.secret || SECRET_NAME.test(spec.name))) out.push(v);
  }
  for (const [k, v] of Object.entries(env)) if (v && SECRET_NAME.test(k)) out.push(v);
  // Passwords inside URLs (DATABASE_URL, a repo URL with user:pass@), decoded too.
  for (const v of [...Object.values(env), overrides.repo]) {
    if (!v) continue;
    for (const m of String(v).matchAll(/:\/\/[^/@\s:]*:([^/@\s]+)@/g)) {
      out.push(m[1]);
      try {
        out.push(decodeURIComponent(m[1]));
      } catch {
        /* raw one is enough */
      }
    }
  }
  return out.filter((s) => s.length >= 3);
}

export function describeConfig(env: Env, overrides: Overrides = {}, origin: 'flag' | 'input' = 'flag'): ConfigReport {
  const settings: SettingReport[] = [];
  for (const spec of SETTING_SPECS) {
    const key = OVERRIDE_KEYS[spec.name];
    const fromOverride = key !== undefined ? overrides[key] : undefined;
    const given = fromOverride !== undefined && String(fromOverride).trim() !== '';
    const raw = given ? String(fromOverride) : rawSetting(env, spec.name);
    const source: SettingSource = given ? origin : raw !== undefined ? 'environment' : 'default';
    const r: SettingReport = {
      name: spec.name,
      source,
      default: spec.defaultText,
      secret: spec.secret === true,
      ...(spec.flag ? { flag: `--${spec.flag}` } : {}),
      ...(spec.input ? { input: spec.input } : {}),
      ...(spec.deprecated ? { deprecated: true } : {}),
    };
    if (raw !== undefined) r.value = show(spec, raw);
    else if ('default' in spec && spec.default !== undefined) r.value = String(spec.default);
    try {
      readSetting(spec, given ? { [spec.name]: raw } : env);
    } catch (e) {
      r.error = describeError(e);
    }
    if (spec.name === 'PGKEEP_CLUSTER' && !given && raw !== undefined && overrides.repo?.trim())
      r.note = 'ignored: an explicit --repo / repo input is the whole location (only --cluster / the cluster input composes with it)';
    if (spec.deprecated && raw !== undefined) r.note = 'deprecated';
    settings.push(r);
  }
  const declared = new Set(SETTING_SPECS.map((s) => s.name));
  const unknown = Object.entries(env)
    .filter(([k, v]) => k.startsWith('PGKEEP_') && !declared.has(k) && v !== undefined)
    .map(([name, v]) => ({ name, value: show({ name, secret: false }, v!) }))
    .sort((a, b) => a.name.localeCompare(b.name));

  const report: ConfigReport = { ok: true, settings, unknown };
  try {
    const cfg = loadConfig(env, overrides, { requireRepo: false });
    report.repos = cfg.repos.map((r) => redact(r.url));
    if (!cfg.repos.length) report.error = 'No repository configured: PGKEEP_REPO is empty.';
  } catch (e) {
    report.error = describeError(e);
  }
  report.ok = report.error === undefined && settings.every((s) => s.error === undefined);
  return scrub(report, secretsOf(env, overrides));
}

/** Belt and braces: no secret value survives anywhere in the report (an error quoting it, a note). */
function scrub<T>(report: T, secrets: string[]): T {
  let text = JSON.stringify(report);
  for (const s of secrets.sort((a, b) => b.length - a.length)) {
    const enc = JSON.stringify(s).slice(1, -1);
    text = text.split(enc).join(MASK);
  }
  return JSON.parse(text) as T;
}

/** Human text: one line per setting that is set or has a default, then problems. */
export function configText(r: ConfigReport): string {
  const rows = r.settings
    .filter((s) => s.value !== undefined || s.error)
    .map((s) => [s.name, s.value ?? '', s.source + (s.source === 'flag' && s.flag ? ` ${s.flag}` : s.source === 'input' && s.input ? ` ${s.input}` : ''), s.error ? `ERROR: ${s.error}` : s.note ?? '']);
  const head = ['SETTING', 'VALUE', 'SOURCE', ''];
  const width = (i: number) => Math.max(head[i].length, ...rows.map((x) => Math.min(x[i].length, 60)));
  const lines = [head, ...rows].map((x) => x.map((c, i) => (i === x.length - 1 ? c : c.padEnd(width(i)))).join('  ').trimEnd());
  if (r.repos?.length) lines.push('', `Repository copies in effect: ${r.repos.join(', ')}`);
  if (r.unknown.length) lines.push('', `Unknown PGKEEP_* variables (typo?): ${r.unknown.map((u) => u.name).join(', ')}`);
  if (r.error) lines.push('', `Configuration error: ${r.error}`);
  lines.push('', r.ok ? 'Configuration OK.' : 'Configuration has errors (see above).');
  return lines.join('\n');
}

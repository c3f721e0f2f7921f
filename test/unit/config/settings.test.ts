import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/config.js';
import { SETTINGS, SETTING_SPECS, tuningSettings, WORKFLOW_VARIABLES, zstdWorkersFor } from '../../../src/config/settings.js';
import { PgkeepError } from '../../../src/util/errors.js';
import { REPO_ROOT } from '../../helpers/pg.js';

const REPO = { PGKEEP_REPO: 'file:///var/lib/pgkeep' };

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : /\.ts$/.test(n) ? [p] : [];
  });
}
const SRC = sources(path.join(REPO_ROOT, 'src')).map((p) => ({ rel: path.relative(REPO_ROOT, p), text: readFileSync(p, 'utf8') }));

function refused(fn: () => unknown): PgkeepError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PgkeepError);
    return e as PgkeepError;
  }
  throw new Error('expected a configuration error');
}

describe('the settings declaration', () => {
  it('declares every PGKEEP_ name used anywhere in src/', () => {
    const declared = new Set<string>([...SETTING_SPECS.map((s) => s.name), ...WORKFLOW_VARIABLES]);
    const used = new Map<string, string>();
    for (const f of SRC) for (const m of f.text.matchAll(/\bPGKEEP_[A-Z0-9_]*[A-Z0-9]\b/g)) if (!used.has(m[0])) used.set(m[0], f.rel);
    expect(used.size).toBeGreaterThan(20);
    const undeclared = [...used].filter(([n]) => !declared.has(n)).map(([n, f]) => `${n} (${f})`);
    expect(undeclared).toEqual([]);
  });

  it('leaves reading PGKEEP_ settings to src/config: no cfg.env.PGKEEP_*, configInt or process.env.PGKEEP_* elsewhere', () => {
    const offenders = SRC.filter((f) => !f.rel.startsWith('src/config/')).flatMap((f) =>
      [...f.text.matchAll(/(\benv\.PGKEEP_[A-Z_]+|\benv\[['"]PGKEEP_|configInt\(|process\.env\.PGKEEP_)/g)].map((m) => `${f.rel}: ${m[0]}`),
    );
    expect(offenders).toEqual([]);
  });

  it('declares each name once, with a doc line, a default text and the commands that read it', () => {
    const names = SETTING_SPECS.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    for (const [key, s] of Object.entries(SETTINGS)) {
      expect(s.name).toBe(key);
      expect(s.doc.length, s.name).toBeGreaterThan(5);
      expect(s.doc, s.name).not.toMatch(/\n/);
      expect(s.defaultText, s.name).not.toBe('');
      expect(s.commands.length, s.name).toBeGreaterThan(0);
      if (s.kind === 'int' && 'default' in s && s.default !== undefined) {
        expect(s.default).toBeGreaterThanOrEqual(s.min);
        expect(s.default).toBeLessThanOrEqual(s.max);
        expect(s.defaultText).toContain(String(s.default));
      }
    }
    for (const n of ['DATABASE_URL', 'PGPASSWORD', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'] as const) expect(SETTINGS[n].secret, n).toBe(true);
  });
});

describe('typed tuning settings (Config.settings)', () => {
  it('fills the declared defaults', () => {
    const s = loadConfig(REPO).settings;
    expect({ ...s }).toEqual({
      compressAt: 'auto',
      zstdWorkers: undefined,
      maxRateKb: undefined,
      walWaitSeconds: 120,
      walPushParallel: 4,
      walPrefetch: 8,
      walFetchParallel: 4,
      restoreStageSegments: 64,
      noZstdCli: false,
      nodePath: undefined,
      cliPath: undefined,
      restoreArchiveMode: 'off',
      debug: false,
    });
    expect(zstdWorkersFor(s, 'client', 16)).toBe(4);
    expect(zstdWorkersFor(s, 'client', 2)).toBe(2);
    expect(zstdWorkersFor(s, 'server', 16)).toBe(0);
  });

  it('reads the environment, typed', () => {
    const s = tuningSettings({ PGKEEP_WAL_PREFETCH: '0', PGKEEP_MAX_RATE_KB: '1024', PGKEEP_NO_ZSTD_CLI: '1', PGKEEP_COMPRESS_AT: 'Server', PGKEEP_ZSTD_WORKERS: '0', PGKEEP_RESTORE_ARCHIVE_MODE: 'preserve' });
    expect(s.walPrefetch).toBe(0);
    expect(s.maxRateKb).toBe(1024);
    expect(s.noZstdCli).toBe(true);
    expect(s.compressAt).toBe('server');
    expect(zstdWorkersFor(s, 'server', 8)).toBe(0);
    expect(s.restoreArchiveMode).toBe('preserve');
  });

  it('a bad value fails only the command that reads it, with one sentence naming the variable and the range', () => {
    // loadConfig succeeds: wal-push must not fail because of a backup-only setting.
    const cfg = loadConfig({ ...REPO, PGKEEP_ZSTD_WORKERS: 'lots', PGKEEP_WAL_PREFETCH: '999' });
    expect(cfg.settings.walPushParallel).toBe(4);
    expect(refused(() => cfg.settings.walPrefetch).message).toBe('PGKEEP_WAL_PREFETCH="999" is not valid: expected a whole number from 0 to 256.');
    expect(refused(() => cfg.settings.zstdWorkers).message).toBe('PGKEEP_ZSTD_WORKERS="lots" is not valid: expected a whole number from 0 to 64.');
    expect(refused(() => tuningSettings({ PGKEEP_MAX_RATE_KB: '8' }).maxRateKb).message).toBe('PGKEEP_MAX_RATE_KB="8" is not valid: expected a whole number from 32 to 1048576.');
    expect(refused(() => tuningSettings({ PGKEEP_COMPRESS_AT: 'gpu' }).compressAt).message).toBe('PGKEEP_COMPRESS_AT="gpu" is not valid: expected one of auto, client, server.');
    expect(refused(() => tuningSettings({ PGKEEP_NO_ZSTD_CLI: 'maybe' }).noZstdCli).message).toBe('PGKEEP_NO_ZSTD_CLI="maybe" is not valid: expected true or false.');
    expect(refused(() => tuningSettings({ PGKEEP_RESTORE_STAGE_SEGMENTS: '-1' }).restoreStageSegments).message).toMatch(/^PGKEEP_RESTORE_STAGE_SEGMENTS="-1" is not valid: expected a whole number from 0 to 1000000\.$/);
    // The runner needs one compression worker at least (the walsender may run inline).
    expect(refused(() => zstdWorkersFor(tuningSettings({ PGKEEP_ZSTD_WORKERS: '0' }), 'client', 8)).message).toBe('PGKEEP_ZSTD_WORKERS="0" is not valid: expected a whole number from 1 to 64.');
    for (const e of [refused(() => cfg.settings.walPrefetch)]) expect(e.code).toBe('bad-config');
  });

  it('ranges of settings loadConfig reads come from the declaration, and a flag is named as the flag', () => {
    expect(refused(() => loadConfig({ ...REPO, PGKEEP_S3_PART_SIZE_MIB: '4' })).message).toBe('PGKEEP_S3_PART_SIZE_MIB="4" is not valid: expected a whole number from 5 to 512.');
    expect(refused(() => loadConfig(REPO, { retentionDays: '0' })).message).toBe('--retention-days="0" is not valid: expected a whole number from 1 to 3650.');
    expect(loadConfig({ ...REPO, PGKEEP_PARALLEL: '' }).parallel).toBe(SETTINGS.PGKEEP_PARALLEL.default);
  });

  it('PGKEEP_COMPRESS or --compress counts as given (full backups then use its level)', () => {
    expect(loadConfig(REPO).compressionGiven).toBe(false);
    expect(loadConfig({ ...REPO, PGKEEP_COMPRESS: 'zstd:9' }).compressionGiven).toBe(true);
    expect(loadConfig(REPO, { compress: 'zstd:9' }).compressionGiven).toBe(true);
  });
});

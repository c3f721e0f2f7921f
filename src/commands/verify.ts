// `pgkeep verify`: prove the repository holds what its manifests say, on every copy, and that
// the WAL chain is unbroken; `--drill` restores and checks a real cluster (src/verify/drill.ts).
// Incomplete backups (no manifest) are warnings, not failures.
import path from 'node:path';
import type { Config } from '../config/config.js';
import { isExecutable, resolveBinDir, toolMajor } from '../postgres/pg-tools.js';
import { findBackup, loadCatalog, type Catalog } from '../repo/catalog.js';
import { walKey } from '../repo/layout.js';
import type { Manifest } from '../repo/manifest.js';
import { loadWalCatalog, type WalCatalog } from '../repo/wal-catalog.js';
import { MirrorStore } from '../storage/mirror-store.js';
import { openStore } from '../storage/open-store.js';
import type { Store } from '../storage/store.js';
import { formatBytes, formatDuration, log, progress } from '../util/log.js';
import { streamToBuffer } from '../util/streams.js';
import { checkBackupObjects, checkWalObjects } from '../verify/object-check.js';
import { checkPhysicalBackup } from '../verify/physical-check.js';
import { checkWalChain, describeGap } from '../verify/wal-chain.js';
import { checkLogicalBackup } from '../verify/logical-check.js';
import { runDrill } from '../verify/drill.js';
import { repairCopies } from '../verify/repair-copies.js';
import { expiredKeys, isExpiredKey } from '../retention/expired-keys.js';
import { startSegno } from '../retention/plan.js';
import { parseHistoryFile, parseSegmentName, type HistoryEntry } from '../wal/segment.js';
import { zstdDecompress } from '../util/streams.js';
import { decryptStages, hasAgeIdentity } from '../util/age.js';
import { PassThrough, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { VerifyProblem, VerifyResult } from './types.js';

export interface VerifyOptions {
  /** One backup id (or `latest`); default every backup. */
  backup?: string;
  drill?: boolean;
  /** Skip pg_verifybackup / pg_restore --list (checksums and WAL only). */
  checksumsOnly?: boolean;
  /** First fill in what a lagging copy of a mirror lacks from the other copies (repair-copies.ts). */
  repair?: boolean;
}

export interface CopyReport {
  copy: string;
  ok: boolean;
  objects: number;
  bytes: number;
  walSegments: number;
  problems: number;
}

export async function runVerify(cfg: Config, opts: VerifyOptions = {}): Promise<VerifyResult> {
  if (opts.drill) return runDrill(cfg, { backup: opts.backup });
  const started = Date.now();
  const store = openStore(cfg);
  const copies = store instanceof MirrorStore ? store.copies : [store];
  // The union's catalog and WAL, which a repair does not change (it only copies between copies).
  const cat = await loadCatalog(store);
  const unionWal = copies.length > 1 ? await loadWalCatalog(store) : null;
  // What retention expired but a locked copy (S3 Object Lock) still holds is not missing on the
  // other copies, and is not copied back to them.
  const expired = unionWal ? expiredKeys({ backups: cat.backups, wal: unionWal, now: new Date(), retentionDays: cfg.retentionDays }) : undefined;
  // Repair before the checks, so what is reported is the state after the repair.
  const repair = opts.repair ? await repairCopies(store, { parallel: cfg.parallel * 2, ...(expired ? { skip: (k: string) => isExpiredKey(expired, k) } : {}) }) : undefined;
  const selected = opts.backup ? [findBackup(cat, opts.backup)] : cat.backups;
  const problems: VerifyProblem[] = [];
  const warnings: string[] = [];
  if (!cat.backups.length) warnings.push(`${store.description} holds no complete backup yet: there is nothing to restore`);
  // A manifest that cannot be read makes its backup unrestorable: a problem, not a warning.
  if (!opts.backup) for (const b of cat.broken ?? []) problems.push({ backupId: b.id, message: `backup ${b.id} is unusable: ${b.error}` });
  if (!opts.backup)
    for (const id of cat.incomplete) warnings.push(`backup ${id} has objects but no manifest (killed or still running); it is not restorable and expire removes it after 24 h`);

  const totalBytes = selected.reduce((a, b) => a + b.bytes, 0) * copies.length;
  const prog = progress('verify checksums', totalBytes);
  const perCopy: CopyReport[] = [];
  // Mirrors: a WAL file another copy holds must be on every copy (each copy must restore alone),
  // expired WAL excepted.
  const neededWal = unionWal && expired ? { ...unionWal, segments: unionWal.segments.filter((x) => !expired.walKeys.has(x.key)) } : unionWal;
  let objects = 0;
  let bytes = 0;
  let walSegments = 0;
  // Content checks with PostgreSQL's tools, once (reads come from the first copy that has it),
  // running beside the checksum pass so both cores stay busy.
  const content = opts.checksumsOnly ? Promise.resolve([]) : contentChecks(cfg, store, selected);
  for (const copy of copies) {
    const copyName = copies.length > 1 ? copy.description : undefined;
    const before = problems.length;
    const copyCat = copies.length > 1 ? await loadCatalogOrProblem(copy, problems, copyName) : cat;
    const manifests: Manifest[] = [];
    // An expired backup that this copy no longer has (a locked copy still holds it) is not checked here.
    const gone = (b: Manifest) => !!expired?.backupIds.has(b.id) && !copyCat?.backups.some((x) => x.id === b.id);
    for (const b of selected) {
      const mine = copyCat?.backups.find((x) => x.id === b.id);
      if (!mine && gone(b)) continue;
      if (!mine) {
        problems.push({ backupId: b.id, copy: copyName, message: `backup ${b.id} has no manifest on ${copy.description}` });
        continue;
      }
      if (!sameObjects(mine, b)) problems.push({ backupId: b.id, copy: copyName, message: `manifest of ${b.id} on ${copy.description} differs from the other copies` });
      manifests.push(mine);
    }
    // Objects and WAL of one copy are read side by side: this thread hashes the backup objects
    // while WAL frames are decoded on a worker thread (util/zstd-decode-workers.ts).
    const [obj, walRes] = await Promise.all([
      checkBackupObjects(copy, manifests, { parallel: Math.max(2, cfg.parallel), copy: copyName, onBytes: (n) => prog.add(n) }),
      checkWal(copy, selected.filter((b) => !gone(b)), copyName, problems, cfg.parallel, neededWal),
    ]);
    problems.push(...obj.problems);
    objects += obj.objects;
    bytes += obj.bytes;

    walSegments += walRes;
    perCopy.push({ copy: copy.description, ok: problems.length === before, objects: obj.objects, bytes: obj.bytes, walSegments: walRes, problems: problems.length - before });
  }
  prog.done();

  problems.push(...(await content));

  const durationSeconds = (Date.now() - started) / 1000;
  const ok = problems.length === 0;
  log.info(`verify: ${selected.length} backups, ${objects} objects, ${formatBytes(bytes)}, ${walSegments} WAL segments in ${formatDuration(durationSeconds)}: ${ok ? 'ok' : `${problems.length} problems`}`);
  return {
    ok,
    checked: { backups: selected.length, objects, bytes, walSegments },
    problems: dedupe(problems),
    warnings,
    copies: perCopy,
    ...(repair
      ? {
          repaired: {
            copied: repair.copied.filter((c) => c.from !== 'already there').length,
            failed: repair.failed.map((f) => `${f.key} → ${f.to}: ${f.error}`),
            damagedSources: repair.copied.filter((c) => c.badSources?.length).map((c) => `${c.key} on ${c.badSources!.join(', ')}`),
          },
        }
      : {}),
    durationSeconds,
    throughputMiBps: durationSeconds > 0 ? Math.round((bytes / 1048576 / durationSeconds) * 10) / 10 : 0,
  };
}

async function contentChecks(cfg: Config, store: Store, selected: Manifest[]): Promise<VerifyProblem[]> {
  const problems: VerifyProblem[] = [];
  // One `--version` probe per tool, not per backup.
  const majors = new Map<string, number | undefined>();
  const majorOf = (tool: string) => {
    if (!majors.has(tool)) majors.set(tool, isExecutable(tool) ? toolMajor(tool) : undefined);
    return majors.get(tool);
  };
  for (const b of selected) {
    // Encrypted objects' checksums (over the stored ciphertext) are checked above without the
    // key; reading their content (pg_restore --list, pg_verifybackup) needs the identity.
    if (b.encryption && !hasAgeIdentity()) {
      log.info(`backup ${b.id} is encrypted with age: checksums checked; its content is checked only with PGKEEP_AGE_IDENTITY set`);
      continue;
    }
    try {
      const binDir = resolveBinDir(cfg.pgBinDir, Math.floor(b.pgVersionNum / 10000));
      if (b.type === 'logical') problems.push(...(await checkLogicalBackup(store, b, binDir)).map((p) => ({ backupId: b.id, ...p })));
      else {
        // Full and PG >= 17 incremental backups alike: pg_verifybackup checks an incremental's
        // files (INCREMENTAL.* included) against its own manifest. It must be of the backup's
        // major: a newer one reads a version-1 manifest (PG <= 16) fine but not older WAL (it
        // then runs with -n, physical-check.ts), and from 17 on (manifest version 2) it also
        // checks pg_control, whose layout changes with the major (pg_verifybackup 18 calls a good
        // PostgreSQL 17 pg_control "CRC is incorrect").
        const major = Math.floor(b.pgVersionNum / 10000);
        const tool = path.join(binDir, 'pg_verifybackup');
        const toolVersion = majorOf(tool);
        if (toolVersion === undefined || toolVersion < major || (toolVersion > major && major >= 17))
          problems.push({
            backupId: b.id,
            message: `pg_verifybackup for PostgreSQL ${major} is needed to check backup ${b.id}, but ${toolVersion === undefined ? `${tool} was not found` : `${tool} is from PostgreSQL ${toolVersion}`}; install postgresql-client-${major} or set PGKEEP_PG_BINDIR`,
          });
        else problems.push(...(await checkPhysicalBackup(store, b, binDir, { toolMajor: toolVersion })));
      }
    } catch (e) {
      problems.push({ backupId: b.id, message: `could not check backup ${b.id}: ${(e as Error).message}` });
    }
  }
  return problems;
}

async function loadCatalogOrProblem(copy: Store, problems: VerifyProblem[], copyName?: string): Promise<Catalog | null> {
  try {
    return await loadCatalog(copy);
  } catch (e) {
    problems.push({ copy: copyName, message: `cannot list backups on ${copy.description}: ${(e as Error).message}` });
    return null;
  }
}

function sameObjects(a: Manifest, b: Manifest): boolean {
  const key = (m: Manifest) => m.objects.map((o) => `${o.name}:${o.bytes}:${o.sha256}`).sort().join(',');
  return key(a) === key(b);
}

function dedupe(ps: VerifyProblem[]): VerifyProblem[] {
  const seen = new Set<string>();
  return ps.filter((p) => {
    const k = JSON.stringify(p);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

async function readHistories(store: Store, wal: WalCatalog, problems: VerifyProblem[], copyName?: string): Promise<Map<number, HistoryEntry[]>> {
  const out = new Map<number, HistoryEntry[]>();
  for (const h of wal.histories) {
    try {
      const body = new PassThrough();
      const decrypt = decryptStages(h.key);
      const done = pipeline(await store.get(h.key), ...(decrypt as [Transform]), zstdDecompress(), body);
      const text = (await Promise.all([streamToBuffer(body), done]))[0].toString('utf8');
      out.set(h.timeline, parseHistoryFile(text));
    } catch (e) {
      problems.push({ object: h.key, copy: copyName, message: `timeline history ${h.name} is unreadable: ${(e as Error).message}` });
    }
  }
  return out;
}

/** WAL chain from the oldest selected physical backup onward, plus every needed segment's frame. */
async function checkWal(
  copy: Store,
  selected: Manifest[],
  copyName: string | undefined,
  problems: VerifyProblem[],
  parallel: number,
  unionWal: WalCatalog | null,
): Promise<number> {
  const physical = selected.filter((b) => b.type !== 'logical');
  let wal: WalCatalog;
  try {
    wal = await loadWalCatalog(copy);
  } catch (e) {
    problems.push({ copy: copyName, message: `cannot list WAL on ${copy.description}: ${(e as Error).message}` });
    return 0;
  }
  const startOf = (b: Manifest) => {
    const segno = startSegno(b);
    return segno === null ? null : { timeline: b.timeline ?? (b.startWal ? parseSegmentName(b.startWal).timeline : 1), segno };
  };
  const starts = physical.map(startOf).filter((s): s is { timeline: number; segno: bigint } => s !== null);
  const start = starts.sort((a, b) => (a.segno < b.segno ? -1 : a.segno > b.segno ? 1 : a.timeline - b.timeline))[0] ?? null;
  if (unionWal) {
    const mine = new Set([...wal.segments, ...wal.histories].map((x) => x.key));
    for (const x of [...unionWal.segments, ...unionWal.histories])
      if (!mine.has(x.key)) problems.push({ object: x.key, copy: copyName, message: `WAL file ${x.name} is missing on ${copy.description} (another copy has it)` });
  }
  const histories = await readHistories(copy, wal, problems, copyName);
  const chain = checkWalChain({ wal, start, histories });
  for (const g of chain.gaps) problems.push({ object: walKey(g.first), copy: copyName, message: describeGap(g) });
  for (const p of chain.problems) problems.push({ copy: copyName, message: p });
  if (!start) return 0;
  const needed = wal.segments.filter((s) => s.segno >= start.segno && s.timeline >= start.timeline);
  const res = await checkWalObjects(copy, needed, { parallel: Math.max(2, parallel * 2), copy: copyName });
  problems.push(...res.problems);
  return needed.length;
}

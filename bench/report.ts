/**
 * Turns what bench/run.sh measured into bench/results/<date>.md: machine facts, every round's
 * seconds, medians, peak RSS, ratios pgkeep/peer per phase, the archive-lag summary and a link
 * to the lag SVG. Pure rendering plus a tiny main; run under Node 24 without a build step:
 *   node bench/report.ts WORKDIR OUT.md SVG_NAME
 * WORKDIR holds facts.tsv (key<TAB>value), measures.tsv and lag-summary.tsv (formats below).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** measures.tsv: phase, tool, round, seconds, peak RSS (KiB), ok (1/0), note. */
export interface Measure {
  phase: string;
  tool: string;
  round: number;
  seconds: number;
  rssKiB: number;
  ok: boolean;
  note: string;
}

/** lag-summary.tsv: tool, WAL MB/s, most waiting, waiting when the load stopped, drain s, archived, failed. */
export interface LagSummary {
  tool: string;
  walMBps: number;
  maxWaiting: number;
  endWaiting: number;
  drainSeconds: number;
  archived: number;
  failed: number;
}

export function parseTsv(text: string): string[][] {
  return text.split('\n').filter((l) => l.trim() && !l.startsWith('#')).map((l) => l.split('\t'));
}

export function parseMeasures(text: string): Measure[] {
  return parseTsv(text).map(([phase, tool, round, seconds, rss, ok, note]) => ({
    phase, tool, round: Number(round), seconds: Number(seconds), rssKiB: Number(rss), ok: ok === '1', note: note ?? '',
  }));
}

export function parseLagSummary(text: string): LagSummary[] {
  return parseTsv(text).map(([tool, mbps, max, end, drain, archived, failed]) => ({
    tool, walMBps: Number(mbps), maxWaiting: Number(max), endWaiting: Number(end), drainSeconds: Number(drain), archived: Number(archived), failed: Number(failed),
  }));
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Phases in the order the runner measures them, with the sentence the report gives each. */
const PHASES: Record<string, string> = {
  'full-backup': 'Full physical backup of the whole cluster (fast checkpoint)',
  'logical-backup': 'Logical backup of core, keycloak and grafana',
  'logical-restore': 'Logical restore of the three databases into new databases (row counts checked)',
  'pitr-restore': 'Point-in-time restore to a commit after the backup, to promotion (row counts checked)',
  'verify': 'Checksum pass over the stored backups and WAL',
};

const isPgkeep = (tool: string): boolean => tool.startsWith('pgkeep');
const s2 = (n: number): string => (Number.isFinite(n) ? n.toFixed(2) : '–');
const mib = (kib: number): string => (kib > 0 ? String(Math.round(kib / 1024)) : '–');
/** Tool names hold pipes (`pg_dump | gzip`): escaped, or they split a Markdown table cell. */
export const cell = (s: string): string => s.replace(/\|/g, '\\|');

export interface ReportInput {
  title: string;
  facts: Array<[string, string]>;
  measures: Measure[];
  lag: LagSummary[];
  svgName?: string;
  loadNote?: string;
}

export function renderReport(input: ReportInput): string {
  const out: string[] = [`# ${input.title}`, ''];
  out.push('| machine | |', '|---|---|');
  for (const [k, v] of input.facts) out.push(`| ${cell(k)} | ${cell(v)} |`);
  out.push('');
  out.push('Times are wall-clock seconds; peak RSS is `/usr/bin/time -f %M` of the command (pgBackRest: of the process tree it waits for). ' +
    'Ratios are pgkeep ÷ peer on medians: below 1 pgkeep is faster. Rounds are interleaved (the order rotates each round) because a shared machine drifts between minutes.', '');

  const phases = [...new Set(input.measures.map((m) => m.phase))].sort((a, b) => order(a) - order(b));
  for (const phase of phases) {
    const rows = input.measures.filter((m) => m.phase === phase);
    const tools = [...new Set(rows.map((m) => m.tool))];
    out.push(`## ${PHASES[phase] ?? phase}`, '');
    out.push('| tool | rounds (s) | median s | peak RSS MiB | ok | note |', '|---|---|---|---|---|---|');
    const med = new Map<string, number>();
    for (const tool of tools) {
      const t = rows.filter((m) => m.tool === tool).sort((a, b) => a.round - b.round);
      const secs = t.map((m) => m.seconds);
      med.set(tool, median(secs));
      const ok = t.every((m) => m.ok) ? 'yes' : `**${t.filter((m) => !m.ok).length} failed**`;
      const notes = [...new Set(t.map((m) => m.note).filter(Boolean))].join('; ');
      out.push(`| ${cell(tool)} | ${secs.map(s2).join(', ')} | ${s2(median(secs))} | ${mib(Math.max(...t.map((m) => m.rssKiB)))} | ${ok} | ${cell(notes)} |`);
    }
    const ours = tools.filter(isPgkeep);
    const peers = tools.filter((t) => !isPgkeep(t));
    if (ours.length && peers.length) {
      out.push('', '| pgkeep ÷ peer (time) | ' + peers.map(cell).join(' | ') + ' |', '|---|' + peers.map(() => '---|').join(''));
      for (const o of ours) {
        out.push(`| ${cell(o)} | ` + peers.map((p) => ratioCell(med.get(o)!, med.get(p)!)).join(' | ') + ' |');
      }
    }
    out.push('');
  }

  if (input.lag.length) {
    out.push('## WAL archiving under the same write load, a fresh cluster each', '');
    if (input.loadNote) out.push(input.loadNote, '');
    out.push('| archive_command | WAL MB/s | most segments waiting | waiting when the load stopped | drained in s | archived | failed |', '|---|---|---|---|---|---|---|');
    for (const l of input.lag) {
      out.push(`| ${cell(l.tool)} | ${l.walMBps.toFixed(1)} | ${l.maxWaiting} | ${l.endWaiting} | ${s2(l.drainSeconds)} | ${l.archived} | ${l.failed} |`);
    }
    out.push('');
    if (input.svgName) out.push(`![segments waiting in pg_wal/archive_status over time](${input.svgName})`, '');
  }
  return out.join('\n');
}

function order(phase: string): number {
  const i = Object.keys(PHASES).indexOf(phase);
  return i < 0 ? 99 : i;
}

function ratioCell(ours: number, peer: number): string {
  if (!(ours > 0) || !(peer > 0)) return '–';
  const r = ours / peer;
  return r <= 1 ? `${r.toFixed(2)} (${(1 / r).toFixed(2)}× faster)` : `${r.toFixed(2)} (${r.toFixed(2)}× slower)`;
}

function main(argv: string[]): void {
  const [dir, outFile, svgName] = argv;
  if (!dir || !outFile) {
    process.stderr.write('usage: node bench/report.ts WORKDIR OUT.md [SVG_NAME]\n');
    process.exit(2);
  }
  const read = (f: string): string => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'utf8') : '');
  const facts = parseTsv(read('facts.tsv')).map(([k, v]) => [k, v ?? ''] as [string, string]);
  const title = facts.find(([k]) => k === 'title')?.[1] ?? 'pgkeep bench';
  const loadNote = facts.find(([k]) => k === 'wal load')?.[1];
  writeFileSync(outFile, renderReport({
    title,
    facts: facts.filter(([k]) => k !== 'title'),
    measures: parseMeasures(read('measures.tsv')),
    lag: parseLagSummary(read('lag-summary.tsv')),
    svgName: svgName || undefined,
    loadNote: loadNote ? `Load: ${loadNote}.` : undefined,
  }));
}

if (import.meta.url === `file://${process.argv[1]}`) main(process.argv.slice(2));

// Logging: one line per step on stderr (stdout is kept for --json and for tool output),
// with every line redacted. Progress lines carry bytes, rate and ETA.
import { redact } from './redact.js';

export interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
  debug(msg: string): void;
}

type Sink = (line: string) => void;
let sink: Sink = (line) => process.stderr.write(line + '\n');
let quiet = false;
// PGKEEP_DEBUG, set by the CLI and the actions from their Config's environment.
let debugOn = () => false;

/** Actions route log lines to core.info; tests may capture them. */
export function setLogSink(s: Sink): void {
  sink = s;
}
export function setQuiet(q: boolean): void {
  quiet = q;
}
export function setDebug(on: boolean): void {
  debugOn = () => on;
}

export const log: Logger = {
  info: (m) => {
    if (!quiet) sink(redact(m));
  },
  warn: (m) => sink(redact(`warning: ${m}`)),
  debug: (m) => {
    if (debugOn()) sink(redact(`debug: ${m}`));
  },
};

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  if (m < 60) return `${m} min ${s} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/**
 * Progress reporter: call `add(n)` as bytes pass; logs at most every `intervalMs`
 * a line with bytes, rate and (when the total is known) ETA.
 */
export function progress(label: string, total?: number, intervalMs = 5000) {
  const start = Date.now();
  let bytes = 0;
  let last = start;
  const line = (final: boolean) => {
    const secs = Math.max((Date.now() - start) / 1000, 0.001);
    const rate = bytes / secs;
    let s = `${label}: ${formatBytes(bytes)}`;
    if (total && total > 0) s += ` of ${formatBytes(total)} (${Math.min(100, (100 * bytes) / total).toFixed(0)}%)`;
    s += `, ${formatBytes(rate)}/s`;
    if (!final && total && rate > 0 && total > bytes) s += `, ETA ${formatDuration((total - bytes) / rate)}`;
    if (final) s += `, ${formatDuration(secs)}`;
    log.info(s);
  };
  return {
    add(n: number) {
      bytes += n;
      const now = Date.now();
      if (now - last >= intervalMs) {
        last = now;
        line(false);
      }
    },
    done() {
      line(true);
    },
    /** A better estimate of the total, when one arrives (the server's own, say). */
    setTotal(n: number) {
      if (n > 0) total = n;
    },
    get bytes() {
      return bytes;
    },
  };
}

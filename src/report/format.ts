// Human formatting shared by summaries, the status page and the badge.
import { formatBytes, formatDuration } from '../util/log.js';

export { formatBytes, formatDuration };

/** "2 min ago", "3 h ago", "4 d ago" (ages are what people read on a badge). */
export function formatAge(seconds: number): string {
  const s = Math.max(0, seconds);
  if (s < 90) return `${Math.round(s)} s ago`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min ago`;
  if (s < 48 * 3600) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

export function ageSeconds(iso: string, now: Date): number {
  return (now.getTime() - new Date(iso).getTime()) / 1000;
}

export function ratio(raw: number, stored: number): string {
  return stored > 0 ? `${(raw / stored).toFixed(1)}×` : '-';
}

/** Bytes per second as "12.3 MiB/s". */
export function rate(bytes: number, seconds: number): string {
  return seconds > 0 ? `${formatBytes(bytes / seconds)}/s` : '-';
}

// pg_restore 17+ opens every script and every session with `SET transaction_timeout = 0;`
// (_doSetFixedOutputState in src/bin/pg_dump/pg_backup_archiver.c writes it whatever the target
// server), and PostgreSQL 16 and older refuse the unknown setting — a restore with pg_restore
// --exit-on-error stops at its first statement. There is no option to leave it out, so for such a
// server pgkeep runs `pg_restore -f -` and pipes its SQL into psql through this filter, which
// drops exactly those preamble lines the server does not know. Nothing else changes: the setting
// does not exist on that server, so leaving it unset is what the server would do anyway.
import { Transform, type TransformCallback } from 'node:stream';

/** Preamble lines pg_restore writes for settings that exist from a server major on. */
export const NEWER_SESSION_SETTINGS: readonly { line: string; since: number }[] = [{ line: 'SET transaction_timeout = 0;', since: 17 }];

/** The preamble lines a pg_restore of `toolMajor` writes that a server of `serverMajor` refuses. */
export function settingsUnknownTo(toolMajor: number, serverMajor: number): string[] {
  return NEWER_SESSION_SETTINGS.filter((s) => toolMajor >= s.since && serverMajor < s.since).map((s) => s.line);
}

/**
 * The header comment of a TOC entry: the preamble ends at the first one (`-- Name: …`,
 * `-- Data for Name: …`, `-- TOC entry …` with --verbose). Entries' SQL and data come after it.
 */
const ENTRY_HEADER = /^-- (Name|Data for Name|TOC entry) /;
/** What the preamble is made of: comments, blank lines, \restrict, BEGIN, SET and set_config. */
const PREAMBLE_LINE = /^(|--.*|\\restrict .*|BEGIN;|SET [^\n]*;|SELECT pg_catalog\.set_config\([^\n]*\);)$/;
/** A preamble is a few hundred bytes; past this the filter stops looking. */
const PREAMBLE_MAX_BYTES = 64 * 1024;

/**
 * Drops the given exact lines from the preamble of pg_restore's SQL (before its first TOC entry,
 * each at most once) and passes everything else through byte for byte. Once the preamble is over
 * it no longer looks at the stream: a table's data holding the same text is never touched.
 */
export class PreambleFilter extends Transform {
  private readonly unwanted: Set<string>;
  private pending: Buffer | undefined;
  private seen = 0;
  private inPreamble: boolean;
  /** The lines this filter left out, in order. */
  readonly dropped: string[] = [];

  constructor(dropLines: string[]) {
    super();
    this.unwanted = new Set(dropLines);
    this.inPreamble = this.unwanted.size > 0;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (!this.inPreamble) return cb(null, chunk);
    const buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = undefined;
    let start = 0;
    for (;;) {
      const nl = buf.indexOf(0x0a, start);
      if (nl < 0) break;
      // The preamble is ASCII; latin1 maps bytes one to one, so any other byte simply fails to match.
      const line = buf.toString('latin1', start, nl);
      this.seen += nl + 1 - start;
      if (ENTRY_HEADER.test(line) || !PREAMBLE_LINE.test(line) || this.seen > PREAMBLE_MAX_BYTES) return this.passRest(buf.subarray(start), cb);
      if (this.unwanted.delete(line)) this.dropped.push(line);
      else this.push(buf.subarray(start, nl + 1));
      start = nl + 1;
      if (!this.unwanted.size) return this.passRest(buf.subarray(start), cb);
    }
    const rest = buf.subarray(start);
    if (this.seen + rest.length > PREAMBLE_MAX_BYTES) return this.passRest(rest, cb);
    if (rest.length) this.pending = Buffer.from(rest);
    cb();
  }

  override _flush(cb: TransformCallback): void {
    if (this.pending) this.push(this.pending);
    this.pending = undefined;
    cb();
  }

  private passRest(rest: Buffer, cb: TransformCallback): void {
    this.inPreamble = false;
    cb(null, rest.length ? rest : undefined);
  }
}

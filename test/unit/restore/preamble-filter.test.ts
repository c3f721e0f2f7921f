import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { PreambleFilter, settingsUnknownTo } from '../../../src/restore/preamble-filter.js';

const TT = 'SET transaction_timeout = 0;';

// The head of `pg_restore -f -` (PostgreSQL 18.4; _doSetFixedOutputState writes the SET lines).
const PREAMBLE = `--
-- PostgreSQL database dump
--

\\restrict 5qn2iCroU1HmzrulzQVVOuvfDVtpeBJjpHysenrfjLaxmj1YwaSeXxzewFiMtTk

-- Dumped from database version 16.14
-- Dumped by pg_dump version 18.4

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
${TT}
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

`;

// Entries after it whose SQL and data hold the very same text, as a whole line too.
const ENTRIES = `SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: notes; Type: TABLE; Schema: public; Owner: app_owner
--

CREATE TABLE public.notes (
    id integer NOT NULL,
    body text
);

--
-- Name: f(); Type: FUNCTION; Schema: public; Owner: app_owner
--

CREATE FUNCTION public.f() RETURNS void
    LANGUAGE plpgsql
    AS $$
BEGIN
${TT}
END $$;

--
-- Data for Name: notes; Type: TABLE DATA; Schema: public; Owner: app_owner
--

COPY public.notes (id, body) FROM stdin;
1\t${TT}
2\tcaf\u00e9 ${TT}
\\.
${TT}

--
-- PostgreSQL database dump complete
--

\\unrestrict 5qn2iCroU1HmzrulzQVVOuvfDVtpeBJjpHysenrfjLaxmj1YwaSeXxzewFiMtTk
`;

/** Run `input` through a filter in chunks of `size` bytes. */
async function filtered(input: string | Buffer, drop: string[], size = 1 << 16): Promise<{ out: string; dropped: string[] }> {
  const bytes = Buffer.isBuffer(input) ? input : Buffer.from(input, 'utf8');
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  const f = new PreambleFilter(drop);
  const out = await buffer(Readable.from(chunks).pipe(f));
  return { out: out.toString('utf8'), dropped: f.dropped };
}

describe('PreambleFilter', () => {
  it('drops exactly the transaction_timeout line of the preamble and nothing else', async () => {
    const { out, dropped } = await filtered(PREAMBLE + ENTRIES, [TT]);
    expect(dropped).toEqual([TT]);
    expect(out).toBe(PREAMBLE.replace(`${TT}\n`, '') + ENTRIES);
  });

  it('leaves the same text alone after the first TOC entry: function bodies, COPY data, a whole line', async () => {
    const { out } = await filtered(PREAMBLE + ENTRIES, [TT]);
    const body = out.slice(out.indexOf('-- Name: notes'));
    expect(body).toBe(ENTRIES.slice(ENTRIES.indexOf('-- Name: notes')));
    expect(body.split('\n').filter((l) => l === TT)).toHaveLength(2);
  });

  it('finds the line whatever the chunk boundaries (one byte at a time)', async () => {
    for (const size of [1, 3, 7, 29]) {
      const { out, dropped } = await filtered(PREAMBLE + ENTRIES, [TT], size);
      expect(dropped).toEqual([TT]);
      expect(out).toBe(PREAMBLE.replace(`${TT}\n`, '') + ENTRIES);
    }
  });

  it('a preamble without the line (pg_restore 16) passes through, and the first entry ends the search', async () => {
    const old = PREAMBLE.replace(`${TT}\n`, '');
    const { out, dropped } = await filtered(old + ENTRIES, [TT]);
    expect(dropped).toEqual([]);
    expect(out).toBe(old + ENTRIES);
  });

  it('drops the exact statement only, never a variant', async () => {
    for (const variant of [`${TT} `, ` ${TT}`, "SET transaction_timeout = '0';", 'SET transaction_timeout TO 0;', `${TT}\r`]) {
      const input = PREAMBLE.replace(TT, variant) + ENTRIES;
      const { out, dropped } = await filtered(input, [TT]);
      expect(dropped).toEqual([]);
      expect(out).toBe(input);
    }
  });

  it('stops looking at a line that is not preamble, so no data after it is read', async () => {
    const input = `--\nCREATE TABLE t (x int);\n${TT}\n`;
    expect((await filtered(input, [TT])).out).toBe(input);
  });

  it('passes bytes through unchanged, including ones that are not UTF-8, and with nothing to drop', async () => {
    const input = Buffer.concat([Buffer.from(PREAMBLE + ENTRIES), Buffer.from([0xff, 0xfe, 0x0a, 0x00, 0x80])]);
    const out = await buffer(Readable.from([input]).pipe(new PreambleFilter([])));
    expect(out.equals(input)).toBe(true);
    const { out: noNewline } = await filtered('SET lock_timeout = 0;', [TT]);
    expect(noNewline).toBe('SET lock_timeout = 0;');
  });
});

describe('settingsUnknownTo', () => {
  it('names the line only for pg_restore 17+ against a server older than 17', () => {
    expect(settingsUnknownTo(18, 16)).toEqual([TT]);
    expect(settingsUnknownTo(17, 15)).toEqual([TT]);
    expect(settingsUnknownTo(18, 17)).toEqual([]);
    expect(settingsUnknownTo(16, 16)).toEqual([]);
    expect(settingsUnknownTo(15, 15)).toEqual([]);
  });
});

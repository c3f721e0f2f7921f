// Reading action inputs with errors that name the input (they become the ::error annotation).
import * as core from '@actions/core';
import { PgkeepError } from '../util/errors.js';
import { parseNameList } from '../util/name-list.js';

export function badInput(name: string, value: string, expected: string, hint?: string): PgkeepError {
  return new PgkeepError('bad-input', `Input "${name}" is "${value}": expected ${expected}.`, hint);
}

export function input(name: string): string | undefined {
  const v = core.getInput(name).trim();
  return v === '' ? undefined : v;
}

export function boolInput(name: string, dflt: boolean): boolean {
  const v = input(name);
  if (v === undefined) return dflt;
  const s = v.toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(s)) return true;
  if (['false', '0', 'no', 'off'].includes(s)) return false;
  throw badInput(name, v, 'true or false');
}

export function choiceInput<T extends string>(name: string, choices: readonly T[], dflt: T): T {
  const v = input(name);
  if (v === undefined) return dflt;
  if (!(choices as readonly string[]).includes(v)) throw badInput(name, v, choices.join(', ').replace(/, ([^,]*)$/, ' or $1'));
  return v as T;
}

/** Comma- or newline-separated list (a backslash makes the next character literal: a\\,b); undefined when empty. */
export function listInput(name: string): string[] | undefined {
  const v = input(name);
  if (v === undefined) return undefined;
  const items = parseNameList(v, `Input "${name}"`, ',\n');
  if (!items.length) throw badInput(name, v, 'a comma-separated list such as core,keycloak');
  return items;
}

const ISO_RE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}(:?\d{2})?)$/i;

/** ISO-8601 with an explicit zone; returned unchanged (restore keeps microseconds). */
export function timestampInput(name: string): string | undefined {
  const v = input(name);
  if (v === undefined) return undefined;
  if (!ISO_RE.test(v) || Number.isNaN(Date.parse(v.replace(' ', 'T'))))
    throw badInput(name, v, 'an ISO-8601 instant with a time zone', 'Example: 2025-11-08T14:30:00Z or 2025-11-08T15:30:00+01:00.');
  return v;
}

export function positiveNumberInput(name: string): number | undefined {
  const v = input(name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw badInput(name, v, 'a positive number');
  return n;
}

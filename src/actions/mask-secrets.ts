// Tell the runner which values to mask (`::add-mask::`) before anything is logged: the runner
// hides only what it was told about, and libpq/AWS variables set in `env:` are not secrets to it
// unless they came from `secrets.*`. Also registers them with our own redact().
import * as core from '@actions/core';
import type { Env } from '../config/config.js';
import { registerSecret } from '../util/redact.js';

const SECRET_NAMES = /(PASSWORD|SECRET|TOKEN|PASSPHRASE|PRIVATE_KEY|AGE_IDENTITY|WEBHOOK)/i;
const CRED_URL = /^[a-z][a-z0-9+.-]*:\/\/([^/@\s:]*):([^/@\s]+)@/i;
// Values this short or boolean-ish would mask unrelated output everywhere.
const MIN_LEN = 3;

/** Every value in `env` that should never appear in a log. */
export function secretValues(env: Env): string[] {
  const out = new Set<string>();
  const add = (v: string | undefined) => {
    if (v && v.length >= MIN_LEN && !/^(true|false)$/i.test(v)) out.add(v);
  };
  for (const [k, v] of Object.entries(env)) {
    if (!v) continue;
    if (SECRET_NAMES.test(k)) add(v);
    // Any URL carrying credentials (DATABASE_URL, PGKEEP_REPO, the repo input): the whole URL and its password.
    for (const part of v.split(',')) {
      const m = CRED_URL.exec(part.trim());
      if (m) {
        add(part.trim());
        add(m[2]);
        try {
          add(decodeURIComponent(m[2]));
        } catch {
          /* keep the raw one */
        }
      }
    }
  }
  return [...out];
}

export function maskSecrets(env: Env): void {
  for (const v of secretValues(env)) {
    core.setSecret(v);
    registerSecret(v);
  }
}

// Client-side encryption with age (https://age-encryption.org, the `age-encryption` package):
// objects are encrypted on the runner after compression (zstd → age) and stored with an `.age`
// suffix, so `age -d -i key.txt X.zst.age | zstd -dc` reads them with the standard tools alone.
// Both directions stream through web streams (typage's API) bridged to Node streams: nothing is
// held whole, age's 64 KiB chunks flow with back-pressure.
//
// The keys are process-wide, like the AWS SDK's credential chain: loadConfig installs them from
// PGKEEP_AGE_RECIPIENTS / PGKEEP_AGE_IDENTITY, and the object readers and writers below the
// config layer (under copy fallbacks and mirrors, which hand them per-copy stores) ask here.
// Both are parsed when first needed, so a bad identity never fails wal-push on the server.
import { readFileSync } from 'node:fs';
import { Duplex, Readable } from 'node:stream';
import { PgkeepError } from './errors.js';

export const AGE_SUFFIX = '.age';
export const RECIPIENTS_VAR = 'PGKEEP_AGE_RECIPIENTS';
export const IDENTITY_VAR = 'PGKEEP_AGE_IDENTITY';

interface Keyring {
  recipientsRaw?: string;
  identityRaw?: string;
  recipients?: string[];
  identities?: string[];
}
let ring: Keyring = {};

/** Install the keys of this run (loadConfig). Blank means unset. */
export function setAgeKeys(recipientsRaw: string | undefined, identityRaw: string | undefined): void {
  ring = { recipientsRaw: recipientsRaw?.trim() || undefined, identityRaw: identityRaw?.trim() || undefined };
}

/** Parse `age1…` keys separated by commas or white space; an invalid one is refused naming the variable. */
export function parseRecipients(raw: string): string[] {
  const keys = raw.split(/[\s,]+/).filter(Boolean);
  for (const k of keys) {
    // Bech32: lower-case `age1` + data; only the public part ever appears here.
    if (!/^age1[02-9ac-hj-np-z]{20,}$/.test(k))
      throw new PgkeepError(
        'bad-config',
        `${RECIPIENTS_VAR} holds "${k.startsWith('AGE-SECRET-KEY') ? 'AGE-SECRET-KEY-1… (a secret key!)' : k.slice(0, 80)}", which is not an age public key.`,
        `List public keys (age1…, from age-keygen -y key.txt), separated by commas or spaces; the secret key belongs in ${IDENTITY_VAR}, only where restoring.`,
      );
  }
  if (!keys.length) throw new PgkeepError('bad-config', `${RECIPIENTS_VAR} is set but holds no key.`, 'Unset it, or list age public keys (age1…).');
  return keys;
}

/** The recipients new objects are encrypted for, or undefined: encryption is off (the default). */
export function ageRecipients(): string[] | undefined {
  if (!ring.recipientsRaw) return undefined;
  ring.recipients ??= parseRecipients(ring.recipientsRaw);
  return ring.recipients;
}

/** Whether an identity is configured (a read would try encrypted names first). */
export function hasAgeIdentity(): boolean {
  return !!ring.identityRaw;
}

/** The identities to decrypt with: the value itself, or the keys in the file it names. */
export function ageIdentities(what: string): string[] {
  if (ring.identities) return ring.identities;
  const raw = ring.identityRaw;
  if (!raw)
    throw new PgkeepError(
      'age-identity-missing',
      `${what} is encrypted with age and ${IDENTITY_VAR} is not set, so it cannot be read; nothing was written.`,
      `Set ${IDENTITY_VAR} to the secret key (AGE-SECRET-KEY-1…) or to the path of an age identity file, where restoring or verifying content.`,
    );
  let text = raw;
  if (!raw.startsWith('AGE-SECRET-KEY-')) {
    try {
      text = readFileSync(raw, 'utf8');
    } catch (e) {
      throw new PgkeepError(
        'age-identity-missing',
        `${IDENTITY_VAR} is neither an age secret key nor a readable identity file (${(e as NodeJS.ErrnoException).code ?? 'unreadable'}: the path is not shown, it may be a key); nothing was written.`,
        `Set ${IDENTITY_VAR} to AGE-SECRET-KEY-1… or to the path of a file holding it (readable by the user running pgkeep; for restore_command, the PostgreSQL server's user).`,
      );
    }
  }
  const keys = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const bad = keys.find((k) => !/^AGE-SECRET-KEY-(PQ-)?1[0-9A-Z]+$/.test(k));
  if (!keys.length || bad !== undefined)
    throw new PgkeepError('age-identity-missing', `${IDENTITY_VAR} holds no valid age identity (expected lines AGE-SECRET-KEY-1…); nothing was written.`, 'Use the file age-keygen wrote, or its AGE-SECRET-KEY-1… line.');
  ring.identities = keys;
  return keys;
}

// Loaded on first use: wal-push without encryption (archive_command, once per segment) never pays for it.
const typage = () => import('age-encryption');

function wrongIdentity(what: string, e: unknown): PgkeepError {
  const msg = (e as Error)?.message ?? String(e);
  if (/no identity matched/i.test(msg))
    return new PgkeepError(
      'age-identity-wrong',
      `${what} is encrypted for other age recipients than the identity in ${IDENTITY_VAR}; nothing was written.`,
      `Set ${IDENTITY_VAR} to the secret key matching one of the public keys the object was encrypted for (manifest.json "encryption.recipients").`,
    );
  return new PgkeepError('corrupt-object', `${what} could not be decrypted (${msg}).`, 'The stored copy is damaged or truncated; read it from another copy or backup.');
}

/** Node Duplex around a web stream transformation that starts once its input stream exists. */
function bridge(start: (input: ReadableStream<Uint8Array>) => Promise<ReadableStream<Uint8Array>>, mapError: (e: unknown) => unknown): Duplex {
  // `input` is what the Node side writes into; `output` is what it reads. Their queues (one
  // 64 KiB chunk each way plus Node's buffers) bound memory whatever the object's size.
  const input = new TransformStream<Uint8Array, Uint8Array>(undefined, { highWaterMark: 1 }, { highWaterMark: 1 });
  const output = new TransformStream<Uint8Array, Uint8Array>(undefined, { highWaterMark: 1 }, { highWaterMark: 1 });
  start(input.readable)
    .then((s) => s.pipeTo(output.writable))
    .catch((e) => {
      const err = mapError(e);
      output.writable.abort(err).catch(() => undefined);
      input.readable.cancel(err).catch(() => undefined);
    });
  return Duplex.fromWeb({ readable: output.readable, writable: input.writable } as never, { objectMode: false });
}

/** zstd bytes in → age ciphertext out, for `recipients`. */
export function ageEncryptStream(recipients: string[]): Duplex {
  return bridge(async (s) => {
    const enc = new (await typage()).Encrypter();
    for (const r of recipients) enc.addRecipient(r);
    return enc.encrypt(s);
  }, (e) => e);
}

/**
 * Age ciphertext in → plaintext out. A missing identity throws here, before any stream runs;
 * a wrong one or a damaged object fails the stream (the header is read first).
 */
export function ageDecryptStream(what: string): Duplex {
  const ids = ageIdentities(what);
  return bridge(async (s) => {
    const dec = new (await typage()).Decrypter();
    for (const i of ids) dec.addIdentity(i);
    return dec.decrypt(s);
  }, (e) => (e instanceof PgkeepError ? e : wrongIdentity(what, e)));
}

/**
 * Read only the header of `source` (an age object) and check the identity opens it, before a
 * restore writes anything. Consumes and discards the rest of what it reads.
 */
export async function checkAgeIdentity(source: Readable, what: string): Promise<void> {
  try {
    const ids = ageIdentities(what);
    const dec = new (await typage()).Decrypter();
    for (const i of ids) dec.addIdentity(i);
    const out = await dec.decrypt(Readable.toWeb(source) as ReadableStream<Uint8Array>);
    await out.cancel().catch(() => undefined);
  } catch (e) {
    throw e instanceof PgkeepError ? e : wrongIdentity(what, e);
  } finally {
    source.destroy();
  }
}

/** Whether a stored key names an age-encrypted object (`….zst.age`). */
export const isAgeKey = (key: string): boolean => key.endsWith(AGE_SUFFIX);

/** The stage that undoes encryption for an object stored at `key`: none for a plain one. */
export function decryptStages(key: string, what = key): Duplex[] {
  return isAgeKey(key) ? [ageDecryptStream(what)] : [];
}

/** Whether encrypted names are the likelier ones here (keys configured): asked first on reads. */
export function ageConfigured(): boolean {
  return !!ring.recipientsRaw || !!ring.identityRaw;
}

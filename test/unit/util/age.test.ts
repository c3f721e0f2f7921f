import { randomBytes, createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { generateIdentity, identityToRecipient } from 'age-encryption';
import { ageDecryptStream, ageEncryptStream, parseRecipients, setAgeKeys } from '../../../src/util/age.js';

async function collect(s: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  await pipeline(s, new Writable({ write: (c, _e, cb) => (parts.push(c), cb()) }));
  return Buffer.concat(parts);
}

describe('age streams', () => {
  afterEach(() => setAgeKeys(undefined, undefined));

  it('round-trips a multi-chunk stream and the ciphertext differs from the plaintext', async () => {
    const id = await generateIdentity();
    const rcpt = await identityToRecipient(id);
    const data = randomBytes(3 * 1024 * 1024 + 123);
    const parts: Buffer[] = [];
    await pipeline(Readable.from([data.subarray(0, 1000), data.subarray(1000)]), ageEncryptStream([rcpt]), new Writable({ write: (c, _e, cb) => (parts.push(c), cb()) }));
    const cipher = Buffer.concat(parts);
    expect(cipher.subarray(0, 21).toString()).toBe('age-encryption.org/v1');
    expect(cipher.includes(data.subarray(5000, 5032))).toBe(false);
    setAgeKeys(rcpt, id);
    const plain = await collect(Readable.from([cipher]).pipe(ageDecryptStream('x')));
    expect(createHash('sha256').update(plain).digest('hex')).toBe(createHash('sha256').update(data).digest('hex'));
  });

  it('names PGKEEP_AGE_IDENTITY when it is missing or wrong, and refuses a truncated object', async () => {
    const id = await generateIdentity();
    const rcpt = await identityToRecipient(id);
    const parts: Buffer[] = [];
    await pipeline(Readable.from([randomBytes(200_000)]), ageEncryptStream([rcpt]), new Writable({ write: (c, _e, cb) => (parts.push(c), cb()) }));
    const cipher = Buffer.concat(parts);
    setAgeKeys(rcpt, undefined);
    expect(() => ageDecryptStream('obj')).toThrow(/PGKEEP_AGE_IDENTITY/);
    setAgeKeys(rcpt, await generateIdentity());
    await expect(collect(Readable.from([cipher]).pipe(ageDecryptStream('obj')))).rejects.toThrow(/PGKEEP_AGE_IDENTITY/);
    setAgeKeys(rcpt, id);
    await expect(pipeline(Readable.from([cipher.subarray(0, cipher.length - 10)]), ageDecryptStream('obj'), new Writable({ write: (_c, _e, cb) => cb() }))).rejects.toThrow();
  });

  it('parses recipients separated by commas and spaces and refuses a secret key', async () => {
    const a = await identityToRecipient(await generateIdentity());
    const b = await identityToRecipient(await generateIdentity());
    expect(parseRecipients(`${a}, ${b}\n`)).toEqual([a, b]);
    expect(() => parseRecipients('AGE-SECRET-KEY-1ABC')).toThrow(/PGKEEP_AGE_RECIPIENTS.*secret key/);
  });
});

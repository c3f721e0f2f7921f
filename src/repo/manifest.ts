// Backup manifest (repository format v1). Written LAST: a backup exists only once its
// manifest does. Lists every object with size and SHA-256 of the stored bytes.
import { z } from 'zod';
import { FORMAT_VERSION } from './layout.js';

export const manifestObjectSchema = z.object({
  /** File name inside backups/<id>/. */
  name: z.string(),
  /** What it is: globals, dump (pg_dump -Fc), base (tar of a tablespace), backup-manifest, … */
  kind: z.string(),
  database: z.string().optional(),
  /** Stored size and SHA-256 of the stored (compressed) bytes: checkable with sha256sum alone. */
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** Size before compression. */
  rawBytes: z.number().int().nonnegative(),
  compression: z.enum(['zstd', 'none']),
  /** "age": the stored bytes are age ciphertext of the compressed bytes (name ends in .age). */
  encryption: z.enum(['age']).optional(),
  /** kind "tablespace": the tablespace's OID and its directory on the backed-up server. */
  tablespaceOid: z.number().int().optional(),
  tablespaceLocation: z.string().optional(),
});
export type ManifestObject = z.infer<typeof manifestObjectSchema>;

export const manifestSchema = z
  .object({
    format: z.literal(FORMAT_VERSION),
    id: z.string(),
    type: z.enum(['logical', 'full', 'incr']),
    startTime: z.string(),
    stopTime: z.string(),
    pgVersion: z.string(),
    pgVersionNum: z.number().int(),
    systemIdentifier: z.string(),
    /** Physical backups: WAL position and timeline. */
    timeline: z.number().int().optional(),
    startLsn: z.string().optional(),
    stopLsn: z.string().optional(),
    startWal: z.string().optional(),
    stopWal: z.string().optional(),
    /** Incremental backups: the backup this one builds on. */
    parent: z.string().optional(),
    databases: z.array(z.string()).optional(),
    bytes: z.number().int().nonnegative(),
    rawBytes: z.number().int().nonnegative(),
    objects: z.array(manifestObjectSchema),
    tool: z.object({ name: z.literal('pgkeep'), version: z.string() }),
    /** Set when objects are age-encrypted: for which recipients (public keys only). */
    encryption: z.object({ method: z.literal('age'), recipients: z.array(z.string()) }).optional(),
    /** Free-form facts a command wants to keep (options used, durations). */
    extra: z.record(z.string(), z.unknown()).optional(),
  })
  .passthrough();
export type Manifest = z.infer<typeof manifestSchema>;

export const repoInfoSchema = z.object({
  format: z.literal(FORMAT_VERSION),
  systemIdentifier: z.string().optional(),
  created: z.string(),
});
export type RepoInfo = z.infer<typeof repoInfoSchema>;

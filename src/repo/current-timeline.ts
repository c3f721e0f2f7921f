// `timeline.json`: the repository's record that an explicit `restore --new-primary` made a
// restored cluster the new primary. It is the only thing that moves the repository's "current"
// timeline away from the timeline of the newest backup's cluster, so a copy restored for a look
// (which does not archive) or a stray promoted clone (which may publish a .history file) never
// changes what a later `restore --latest` brings back. Written only by --new-primary; absent in
// a repository where that never happened.
import { z } from 'zod';
import type { Store } from '../storage/store.js';
import { PgkeepError } from '../util/errors.js';
import { readJson, writeJson } from './catalog.js';

export const CURRENT_TIMELINE_KEY = 'timeline.json';

export const currentTimelineSchema = z.object({
  format: z.literal(1),
  /** The timeline the new primary runs on (predicted from the archive before it promotes, confirmed after with --start). */
  timeline: z.number().int().positive(),
  /** The timeline it was restored along, and forked from. */
  parentTimeline: z.number().int().positive(),
  /** When it was declared (ISO-8601 UTC): a backup that finishes later wins over it. */
  declaredAt: z.string(),
  /** The backup it was restored from. */
  backupId: z.string(),
  /** Where it forked (end of replay), when the restore saw the promotion (--start). */
  switchLsn: z.string().optional(),
  /** Whether the timeline number was seen after promotion ('promoted') or predicted ('predicted'). */
  confirmed: z.enum(['promoted', 'predicted']),
});
export type CurrentTimelineRecord = z.infer<typeof currentTimelineSchema>;

export async function readCurrentTimeline(store: Store): Promise<CurrentTimelineRecord | undefined> {
  if (!(await store.head(CURRENT_TIMELINE_KEY))) return undefined;
  const r = currentTimelineSchema.safeParse(await readJson(store, CURRENT_TIMELINE_KEY));
  if (!r.success)
    throw new PgkeepError(
      'corrupt-repo',
      `${CURRENT_TIMELINE_KEY} in ${store.description} is not a valid current-timeline record (${r.error.issues[0]?.path.join('.')} ${r.error.issues[0]?.message}).`,
      'Restore with an explicit --timeline N, or delete the file to follow the newest backup\'s timeline again.',
    );
  return r.data;
}

export async function writeCurrentTimeline(store: Store, rec: CurrentTimelineRecord): Promise<void> {
  await writeJson(store, CURRENT_TIMELINE_KEY, rec);
}

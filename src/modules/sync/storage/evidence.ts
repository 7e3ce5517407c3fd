import type { Db } from '../../../platform/db/database.js';
import { type PageQuery, pageWindow } from '../../../platform/http/envelope.js';

export interface EvidenceFilter {
  kind?: string;
  run_id?: string;
}

const SUMMARY_COLUMNS = [
  'id',
  'connection_id',
  'run_id',
  'kind',
  'summary',
  'content_hash',
  'collected_at',
] as const;

/** A connection's evidence, newest first, without the data (a list can hold thousands). */
export async function listEvidence(db: Db, connectionId: string, filter: EvidenceFilter, page: PageQuery) {
  let q = db.selectFrom('sync_evidence').where('connection_id', '=', connectionId);
  if (filter.kind) q = q.where('kind', '=', filter.kind);
  if (filter.run_id) q = q.where('run_id', '=', filter.run_id);
  const { limit, offset } = pageWindow(page);
  const [items, count] = await Promise.all([
    q
      .select(SUMMARY_COLUMNS)
      // Ids are UUIDv7: within one moment, the order items were collected.
      .orderBy('collected_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .offset(offset)
      .execute(),
    q.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow(),
  ]);
  return { items, total: Number(count.total) };
}

/** One evidence item of the connection, with its data. */
export async function findEvidence(db: Db, connectionId: string, evidenceId: string) {
  return db
    .selectFrom('sync_evidence')
    .select([...SUMMARY_COLUMNS, 'data'])
    .where('connection_id', '=', connectionId)
    .where('id', '=', evidenceId)
    .executeTakeFirst();
}

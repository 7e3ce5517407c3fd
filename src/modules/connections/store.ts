import { type Insertable, type NotNull, type Selectable, sql, type Updateable } from 'kysely';
import { everyColumn } from '../../platform/db/columns.js';
import { type Db, isPostgres } from '../../platform/db/database.js';
import { QueryTemplate } from '../../platform/db/query-template.js';
import { rankBy } from '../../platform/db/rank.js';
import { contains } from '../../platform/db/search.js';
import type { IntegrationConnectionsTable } from '../../platform/db/tables.js';
import { type PageQuery, pageWindow, type SortOrder } from '../../platform/http/envelope.js';

export const CONNECTION_STATUSES = [
  'pending_setup',
  'configuring',
  'connected',
  'error',
  'disabled',
  'syncing',
] as const;
export type ConnectionStatus = (typeof CONNECTION_STATUSES)[number];

export const HEALTHS = ['healthy', 'degraded', 'unhealthy', 'unknown'] as const;
export type Health = (typeof HEALTHS)[number];

export const CONNECTION_SORTS = ['name', 'status', 'health', 'last_sync_at', 'created_at'] as const;
export type ConnectionSort = (typeof CONNECTION_SORTS)[number];

export type ConnectionRow = Selectable<IntegrationConnectionsTable>;

/** What a catalog entry contributes to a connection's responses. */
interface DefinitionFields {
  integration_name: string;
  integration_slug: string;
  integration_category: string;
  integration_icon_url: string;
  connector: string;
  capabilities: string[];
}

/**
 * The columns a list item shows: all but the config and the sealed secrets, which a list never
 * returns and whose JSON would be parsed for nothing (bench/connections, per_page=100).
 */
const LISTED_COLUMNS = [
  'id',
  'org_id',
  'definition_id',
  'name',
  'description',
  'instance_label',
  'status',
  'health',
  'sync_enabled',
  'sync_interval_mins',
  'sync_cron',
  'sync_timezone',
  'health_check_interval_mins',
  'next_sync_at',
  'next_health_check_at',
  'last_sync_at',
  'last_sync_status',
  'last_sync_error',
  'last_sync_duration_ms',
  'last_sync_stats',
  'last_health_check_at',
  'last_health_error',
  'last_tested_at',
  'last_test_passed_at',
  'consecutive_failures',
  'total_runs',
  'successful_runs',
  'failed_runs',
  'tags',
  'metadata',
  'disabled_reason',
  'created_by',
  'created_at',
  'updated_at',
  'credential_status',
  'credential_expires_at',
  'credential_validated_at',
  'credential_error',
] as const satisfies readonly (keyof ConnectionRow)[];
type ListedColumn = (typeof LISTED_COLUMNS)[number];
// last_full_sync_at is the scheduler's alone (dueSyncSlots).
type Unconsidered = Exclude<keyof ConnectionRow, ListedColumn | 'config' | 'secrets' | 'last_full_sync_at'>;
// A column added to the table must be listed above or left out here on purpose; tsc names it.
const everyColumnConsidered: [Unconsidered] extends [never] ? true : Unconsidered = true;
void everyColumnConsidered;

export type ConnectionListRow = Pick<ConnectionRow, ListedColumn> & DefinitionFields;

export type ConnectionWithDefinition = ConnectionRow &
  DefinitionFields & {
    created_by_name: string | null;
    config_schema: Record<string, unknown>;
    /** The definition's auth type and OAuth endpoints, for the connect flows and token refresh. */
    auth_type: string;
    oauth: Record<string, unknown> | null;
  };

export interface ConnectionFilter {
  status?: ConnectionStatus;
  health?: Health;
  definition_id?: string;
  category?: string;
  search?: string;
}

/** The org's connections matching a filter, on the connections table alone (its indexes serve it). */
function orgConnections(db: Db, orgId: string, filter: ConnectionFilter) {
  let q = db.selectFrom('integration_connections as c').where('c.org_id', '=', orgId);
  if (filter.status) q = q.where('c.status', '=', filter.status);
  if (filter.health) q = q.where('c.health', '=', filter.health);
  if (filter.definition_id) q = q.where('c.definition_id', '=', filter.definition_id);
  if (filter.category) {
    const category = filter.category;
    q = q.where('c.definition_id', 'in', (eb) =>
      eb.selectFrom('integration_definitions').select('id').where('category', '=', category),
    );
  }
  if (filter.search) {
    const search = filter.search;
    q = q.where((eb) => eb.or([contains('c.name', search), contains('c.description', search)]));
  }
  return q;
}

const definitionColumns = [
  'd.name as integration_name',
  'd.slug as integration_slug',
  'd.category as integration_category',
  'd.icon_url as integration_icon_url',
  'd.connector',
  'd.capabilities',
] as const;

/** Statuses and healths sort in their declared order (healthy before degraded…), not by spelling. */
function sortKey(sort: ConnectionSort) {
  // The rank expressions are indexed (migration 0009).
  if (sort === 'status') return rankBy('c.status', CONNECTION_STATUSES);
  if (sort === 'health') return rankBy('c.health', HEALTHS);
  return sql.ref(`c.${sort}`);
}

export async function listConnections(
  db: Db,
  orgId: string,
  filter: ConnectionFilter,
  page: PageQuery & { sort: ConnectionSort; order: SortOrder },
): Promise<{ rows: ConnectionListRow[]; total: number }> {
  const { limit, offset } = pageWindow(page);
  // Sort and page over ids alone, then read the page's full rows: sorting whole rows (with the
  // definition's config schema) made deep pages cost a hundred milliseconds (bench/connections).
  const [ids, count] = await Promise.all([
    orgConnections(db, orgId, filter)
      .select('c.id')
      .orderBy(sortKey(page.sort), (ob) => {
        const ordered = page.order === 'asc' ? ob.asc() : ob.desc();
        // Never-synced connections last in both orders, the same on SQLite and PostgreSQL. Ranks
        // are never null, and without the clause their index serves both orders.
        return page.sort === 'status' || page.sort === 'health' ? ordered : ordered.nullsLast();
      })
      .orderBy('c.id', page.order)
      .limit(limit)
      .offset(offset)
      .execute(),
    orgConnections(db, orgId, filter)
      .select((eb) => eb.fn.countAll<number>().as('total'))
      .executeTakeFirstOrThrow(),
  ]);
  if (ids.length === 0) return { rows: [], total: count.total };
  // By primary key alone: the ids come from the org's own rows, and with the org's filter beside
  // them SQLite walked the org's index through all its rows instead (bench/connections).
  const found = await db
    .selectFrom('integration_connections as c')
    .innerJoin('integration_definitions as d', 'd.id', 'c.definition_id')
    .select(LISTED_COLUMNS.map((column) => `c.${column}` as const))
    .select(definitionColumns)
    .where(
      'c.id',
      'in',
      ids.map((r) => r.id),
    )
    .execute();
  const byId = new Map(found.map((row) => [row.id, row]));
  const rows = ids.flatMap((r) => byId.get(r.id) ?? []);
  return { rows, total: count.total };
}

const CONNECTION_COLUMNS = everyColumn<IntegrationConnectionsTable>({
  id: true,
  org_id: true,
  definition_id: true,
  name: true,
  description: true,
  instance_label: true,
  status: true,
  health: true,
  config: true,
  secrets: true,
  sync_enabled: true,
  sync_interval_mins: true,
  sync_cron: true,
  health_check_interval_mins: true,
  next_sync_at: true,
  next_health_check_at: true,
  last_sync_at: true,
  last_sync_status: true,
  last_sync_error: true,
  last_sync_duration_ms: true,
  last_sync_stats: true,
  last_full_sync_at: true,
  last_health_check_at: true,
  last_health_error: true,
  last_tested_at: true,
  last_test_passed_at: true,
  consecutive_failures: true,
  total_runs: true,
  successful_runs: true,
  failed_runs: true,
  tags: true,
  metadata: true,
  disabled_reason: true,
  created_by: true,
  created_at: true,
  updated_at: true,
  credential_status: true,
  credential_expires_at: true,
  credential_validated_at: true,
  credential_error: true,
  sync_timezone: true,
});

// Built once: every request on a connection and every sync run reads it, and building the joined
// query cost more than running it (bench/sync runs per second: ~90 µs of ~130 a call).
const FIND_CONNECTION = new QueryTemplate(['org_id', 'id'], (db, slot) =>
  orgConnections(db, slot.org_id, {})
    .innerJoin('integration_definitions as d', 'd.id', 'c.definition_id')
    .leftJoin('users as u', 'u.id', 'c.created_by')
    .select(CONNECTION_COLUMNS.map((column) => `c.${column}` as const))
    .select([...definitionColumns, 'd.config_schema', 'd.auth_type', 'd.oauth', 'u.name as created_by_name'])
    .where('c.id', '=', slot.id),
);

/** One connection of the org, or undefined: another org's connection is as missing as a deleted one. */
export async function findConnection(
  db: Db,
  orgId: string,
  id: string,
): Promise<ConnectionWithDefinition | undefined> {
  const { rows } = await FIND_CONNECTION.execute<ConnectionWithDefinition>(db, { org_id: orgId, id });
  return rows[0];
}

export type ConnectionUpdate = Updateable<IntegrationConnectionsTable>;

export async function insertConnection(db: Db, row: Insertable<IntegrationConnectionsTable>): Promise<void> {
  await db.insertInto('integration_connections').values(row).execute();
}

/** Writes `set` to one connection (of the org, when given); whether it was there. */
export async function updateConnection(
  db: Db,
  target: { orgId?: string; id: string },
  set: ConnectionUpdate,
): Promise<boolean> {
  let q = db.updateTable('integration_connections').set(set).where('id', '=', target.id);
  if (target.orgId !== undefined) q = q.where('org_id', '=', target.orgId);
  const result = await q.executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function deleteConnection(db: Db, orgId: string, id: string): Promise<void> {
  await db.deleteFrom('integration_connections').where('id', '=', id).where('org_id', '=', orgId).execute();
}

const LIFECYCLE_COLUMNS = [
  'org_id',
  'status',
  'health',
  'credential_status',
  'consecutive_failures',
  'total_runs',
  'successful_runs',
  'failed_runs',
  'next_health_check_at',
] as const;

// Built once: every run reads it twice (claim and end), and building it cost more than running it.
function lifecycleState(tx: Db, id: string) {
  const q = tx.selectFrom('integration_connections').select(LIFECYCLE_COLUMNS).where('id', '=', id);
  return isPostgres(tx) ? q.forUpdate() : q;
}
const LIFECYCLE_STATE = new QueryTemplate(['id'], (db, slot) => lifecycleState(db, slot.id));
const LIFECYCLE_STATE_OF_ORG = new QueryTemplate(['id', 'org_id'], (db, slot) =>
  lifecycleState(db, slot.id).where('org_id', '=', slot.org_id),
);

/**
 * The columns the lifecycle decides from, read under the row's lock (PostgreSQL; SQLite has one
 * writer at a time) so that the transition written is the one decided until the transaction ends.
 */
export async function lockLifecycleState(tx: Db, target: { orgId?: string; id: string }) {
  const { rows } = await (target.orgId === undefined
    ? LIFECYCLE_STATE.execute<LifecycleState>(tx, { id: target.id })
    : LIFECYCLE_STATE_OF_ORG.execute<LifecycleState>(tx, { id: target.id, org_id: target.orgId }));
  return rows[0];
}

export type LifecycleState = Pick<ConnectionRow, (typeof LIFECYCLE_COLUMNS)[number]>;

/**
 * Takes the row lock of a run's connection before anything touches the run (PostgreSQL; SQLite has
 * one writer at a time). The scheduler locks the connection (advancing its slot) and then inserts a
 * run, which waits on a run of that connection being claimed or ended; a claim or an end that
 * locked the run first and the connection second completed the cycle: a deadlock, which PostgreSQL
 * ends by failing one of them (seen in the scheduler tests).
 */
export async function lockConnectionOfRun(tx: Db, runId: string): Promise<void> {
  if (!isPostgres(tx)) return;
  await sql`select c.id from integration_connections c join sync_runs r on r.connection_id = c.id
    where r.id = ${runId} for update of c`.execute(tx);
}

/** Connections whose next sync slot is due at `now`, the earliest first. */
export function dueSyncSlots(db: Db, now: Date, limit: number) {
  return db
    .selectFrom('integration_connections')
    .select([
      'id',
      'org_id',
      'config',
      'next_sync_at',
      'sync_cron',
      'sync_interval_mins',
      'sync_timezone',
      'last_full_sync_at',
    ])
    .where('sync_enabled', '=', true)
    .where('status', 'in', ['connected', 'syncing'] satisfies ConnectionStatus[])
    .where('next_sync_at', 'is not', null)
    .where('next_sync_at', '<=', now.toISOString())
    .$narrowType<{ next_sync_at: NotNull }>()
    .orderBy('next_sync_at')
    .orderBy('id')
    .limit(limit)
    .execute();
}

/**
 * Moves each connection that still holds its due `slot` to `next`, in one statement; the ids of
 * those it moved (another scheduler that got there first changed the others). On PostgreSQL the
 * rows are locked first in id order: two schedulers on the same connections then wait for each
 * other instead of deadlocking.
 */
export async function advanceSyncSlots(
  tx: Db,
  slots: readonly { id: string; slot: string; next: string }[],
): Promise<Set<string>> {
  const postgres = isPostgres(tx);
  if (postgres) {
    await tx
      .selectFrom('integration_connections')
      .select('id')
      .where(
        'id',
        'in',
        slots.map((s) => s.id),
      )
      .orderBy('id')
      .forUpdate()
      .execute();
  }
  // The CASE's values are text parameters: PostgreSQL wants them cast to the column's type.
  const type = sql.raw(postgres ? 'timestamptz' : 'text');
  const next = slots.map((s) => sql`when ${s.id} then cast(${s.next} as ${type})`);
  const advanced = await tx
    .updateTable('integration_connections')
    .set({ next_sync_at: sql<string>`case id ${sql.join(next, sql` `)} end` })
    .where((eb) =>
      eb(
        eb.refTuple('id', 'next_sync_at'),
        'in',
        slots.map((s) => eb.tuple(s.id, s.slot)),
      ),
    )
    .returning('id')
    .execute();
  return new Set(advanced.map((row) => row.id));
}

/** Connections whose scheduled health check is due, oldest slot first. */
export function dueHealthChecks(db: Db, now: Date, limit: number) {
  return db
    .selectFrom('integration_connections')
    .select(['id', 'org_id', 'next_health_check_at', 'health_check_interval_mins'])
    .where('next_health_check_at', '<=', now.toISOString())
    .where('status', 'not in', ['disabled', 'pending_setup'] satisfies ConnectionStatus[])
    .orderBy('next_health_check_at')
    .limit(limit)
    .execute();
}

/**
 * Takes a due health-check slot by moving it on, only if it is still the one read: of several
 * schedulers that read the same slot exactly one changes the row, and only that one runs the check.
 */
export async function claimHealthCheckSlot(db: Db, id: string, slot: string, next: string): Promise<boolean> {
  const result = await db
    .updateTable('integration_connections')
    .set({ next_health_check_at: next })
    .where('id', '=', id)
    .where('next_health_check_at', '=', slot)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** A connection's config, sealed secrets and credential state, for its OAuth credential. */
export function findSealedConnection(db: Db, orgId: string, id: string) {
  return db
    .selectFrom('integration_connections')
    .select(['config', 'secrets', 'credential_status'])
    .where('id', '=', id)
    .where('org_id', '=', orgId)
    .executeTakeFirst();
}

/** A page of the connections holding sealed secrets, in id order after `after` (key rotation). */
export function connectionsWithSecrets(db: Db, after: string | undefined, limit: number) {
  let q = db
    .selectFrom('integration_connections')
    .select(['id', 'org_id', 'secrets'])
    .where('secrets', 'is not', null)
    .$narrowType<{ secrets: NotNull }>()
    .orderBy('id')
    .limit(limit);
  if (after !== undefined) q = q.where('id', '>', after);
  return q.execute();
}

/** Replaces a connection's sealed secrets if they are still `from` (compare-and-set); whether it did. */
export async function replaceSecrets(db: Db, id: string, from: string, to: string): Promise<boolean> {
  const result = await db
    .updateTable('integration_connections')
    .set({ secrets: to })
    .where('id', '=', id)
    .where('secrets', '=', from)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Statuses of a connection that is enabled and syncing on its schedule (or between two runs). */
export const LIVE_STATUSES = ['connected', 'syncing'] as const satisfies readonly ConnectionStatus[];

/**
 * Every connection of the org with what the dashboard shows of it and of its catalog entry, and
 * its schedule (for the freshness it expects), by name.
 */
export function dashboardConnections(db: Db, orgId: string) {
  return db
    .selectFrom('integration_connections as c')
    .innerJoin('integration_definitions as d', 'd.id', 'c.definition_id')
    .where('c.org_id', '=', orgId)
    .select([
      'c.id',
      'c.name',
      'd.name as integration_name',
      'd.icon_url as integration_icon_url',
      'd.category',
      'c.status',
      'c.health',
      'c.last_sync_at',
      'c.last_sync_status',
      'c.next_sync_at',
      'c.sync_enabled',
      'c.sync_interval_mins',
      'c.sync_cron',
      'c.sync_timezone',
    ])
    .orderBy('c.name')
    .orderBy('c.id')
    .execute();
}

import { type ExpressionBuilder, type Insertable, type Selectable, sql, type Updateable } from 'kysely';
import type { Db } from '../../platform/db/database.js';
import { contains } from '../../platform/db/search.js';
import type { IntegrationDefinitionsTable, Tables } from '../../platform/db/tables.js';
import { type PageQuery, pageWindow } from '../../platform/http/envelope.js';

export const STATUSES = ['active', 'beta', 'deprecated', 'disabled'] as const;
export type IntegrationStatus = (typeof STATUSES)[number];

/** `tenant`: offered to organisations; `system`: only the platform sees it. */
export const AUDIENCES = ['system', 'tenant'] as const;
export type Audience = (typeof AUDIENCES)[number];

/** Statuses under which an entry is offered for new connections. */
const OFFERED: readonly string[] = ['active', 'beta'] satisfies IntegrationStatus[];

/** Static paths under /integrations: never a slug, so `/integrations/:id` cannot shadow them. */
export const RESERVED_SLUGS: readonly string[] = ['dashboard', 'search', 'oauth'];

export type DefinitionRow = Selectable<IntegrationDefinitionsTable>;

/** A catalog entry as the platform administers it: every column, and its connections in all orgs. */
export type AdminIntegrationRow = DefinitionRow & { connection_count: number };

export interface CatalogItemRow {
  id: string;
  name: string;
  slug: string;
  provider: string;
  category: string;
  short_description: string;
  icon_url: string;
  auth_type: string;
  capabilities: string[];
  is_active: boolean;
  is_beta: boolean;
  version: string;
  tags: string[];
  org_connections: number;
  created_at: string;
}

export interface CatalogDetailRow extends CatalogItemRow {
  description: string;
  documentation_url: string | null;
  website_url: string | null;
  config_schema: Record<string, unknown>;
  updated_at: string;
}

export interface CatalogFilter {
  category?: string;
  capability?: string;
  search?: string;
  is_beta?: boolean;
}

export interface AdminFilter {
  category?: string;
  status?: string;
  audience?: string;
}

type DefinitionScope = ExpressionBuilder<Tables & { d: IntegrationDefinitionsTable }, 'd'>;

/** Connections to the entry: of one org, or of every org when `orgId` is null. */
function connectionCount(orgId: string | null, as: 'org_connections' | 'connection_count') {
  return (eb: DefinitionScope) => {
    let q = eb.selectFrom('integration_connections as c').whereRef('c.definition_id', '=', 'd.id');
    if (orgId !== null) q = q.where('c.org_id', '=', orgId);
    return q
      .select(eb.fn.countAll<number>().as('n'))
      .$asScalar()
      .$notNull() // a count without GROUP BY always yields one row
      .as(as);
  };
}

// A JSON array is text on SQLite and jsonb on PostgreSQL; both print an element as `"name"`.
function hasCapability(capability: string) {
  const pattern = `%${JSON.stringify(capability).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return sql<boolean>`cast(${sql.ref('d.capabilities')} as text) like ${pattern} escape '\\'`;
}

function byIdOrSlug(eb: DefinitionScope, key: string) {
  return RESERVED_SLUGS.includes(key)
    ? eb('d.id', '=', key)
    : eb.or([eb('d.id', '=', key), eb('d.slug', '=', key)]);
}

/** What organisations see: tenant-audience entries that are not disabled. */
function tenantVisible(db: Db) {
  return db
    .selectFrom('integration_definitions as d')
    .where('d.audience', '=', 'tenant' satisfies Audience)
    .where('d.status', '!=', 'disabled' satisfies IntegrationStatus);
}

function offeredCatalog(db: Db, filter: CatalogFilter) {
  let q = tenantVisible(db).where('d.status', 'in', OFFERED);
  if (filter.is_beta !== undefined) q = q.where('d.status', '=', filter.is_beta ? 'beta' : 'active');
  if (filter.category) q = q.where('d.category', '=', filter.category);
  if (filter.capability) q = q.where(hasCapability(filter.capability));
  if (filter.search) {
    const search = filter.search;
    q = q.where((eb) =>
      eb.or([
        contains('d.name', search),
        contains('d.short_description', search),
        contains('d.description', search),
      ]),
    );
  }
  return q;
}

const itemColumns = [
  'd.id',
  'd.name',
  'd.slug',
  'd.provider',
  'd.category',
  'd.short_description',
  'd.icon_url',
  'd.auth_type',
  'd.capabilities',
  'd.status',
  'd.version',
  'd.tags',
  'd.created_at',
] as const;

/** The spec's `is_active` / `is_beta` in place of the stored status. */
function withFlags<R extends { status: string }>({ status, ...rest }: R) {
  return { ...rest, is_active: OFFERED.includes(status), is_beta: status === 'beta' };
}

export async function listCatalog(
  db: Db,
  orgId: string,
  filter: CatalogFilter,
  page: PageQuery,
): Promise<{ rows: CatalogItemRow[]; total: number }> {
  const { limit, offset } = pageWindow(page);
  const [rows, count] = await Promise.all([
    offeredCatalog(db, filter)
      .select([...itemColumns, connectionCount(orgId, 'org_connections')])
      .orderBy('d.name')
      .orderBy('d.id')
      .limit(limit)
      .offset(offset)
      .execute(),
    offeredCatalog(db, filter)
      .select((eb) => eb.fn.countAll<number>().as('total'))
      .executeTakeFirstOrThrow(),
  ]);
  return { rows: rows.map(withFlags), total: count.total };
}

/** An entry an organisation may read, by id or slug; a deprecated one still reads (is_active false). */
export async function findCatalogEntry(
  db: Db,
  orgId: string,
  key: string,
): Promise<CatalogDetailRow | undefined> {
  const row = await tenantVisible(db)
    .where((eb) => byIdOrSlug(eb, key))
    .select([
      ...itemColumns,
      'd.description',
      'd.documentation_url',
      'd.website_url',
      'd.config_schema',
      'd.updated_at',
      connectionCount(orgId, 'org_connections'),
    ])
    .executeTakeFirst();
  return row && withFlags(row);
}

function adminCatalog(db: Db, filter: AdminFilter) {
  let q = db.selectFrom('integration_definitions as d');
  if (filter.category) q = q.where('d.category', '=', filter.category);
  if (filter.status) q = q.where('d.status', '=', filter.status);
  if (filter.audience) q = q.where('d.audience', '=', filter.audience);
  return q;
}

export async function listIntegrations(
  db: Db,
  filter: AdminFilter,
  page: PageQuery,
): Promise<{ rows: AdminIntegrationRow[]; total: number }> {
  const { limit, offset } = pageWindow(page);
  const [rows, count] = await Promise.all([
    adminCatalog(db, filter)
      .selectAll('d')
      .select(connectionCount(null, 'connection_count'))
      .orderBy('d.name')
      .orderBy('d.id')
      .limit(limit)
      .offset(offset)
      .execute(),
    adminCatalog(db, filter)
      .select((eb) => eb.fn.countAll<number>().as('total'))
      .executeTakeFirstOrThrow(),
  ]);
  return { rows, total: count.total };
}

/** Any entry, by id or slug, whatever its status or audience. */
export async function findIntegration(db: Db, key: string): Promise<AdminIntegrationRow | undefined> {
  return db
    .selectFrom('integration_definitions as d')
    .where((eb) => byIdOrSlug(eb, key))
    .selectAll('d')
    .select(connectionCount(null, 'connection_count'))
    .executeTakeFirst();
}

/** The entries holding these slugs, built in or not. */
export function findBySlugs(db: Db, slugs: readonly string[]): Promise<DefinitionRow[]> {
  return db.selectFrom('integration_definitions').selectAll().where('slug', 'in', slugs).execute();
}

export async function insertDefinition(db: Db, row: Insertable<IntegrationDefinitionsTable>): Promise<void> {
  await db.insertInto('integration_definitions').values(row).execute();
}

/** Inserts the entry unless its slug is taken (another process starting at the same moment); its id, or undefined. */
export async function insertDefinitionIfNew(
  db: Db,
  row: Insertable<IntegrationDefinitionsTable>,
): Promise<string | undefined> {
  const inserted = await db
    .insertInto('integration_definitions')
    .values(row)
    .onConflict((oc) => oc.column('slug').doNothing())
    .returning('id')
    .executeTakeFirst();
  return inserted?.id;
}

export async function updateDefinition(
  db: Db,
  id: string,
  set: Updateable<IntegrationDefinitionsTable>,
): Promise<void> {
  await db.updateTable('integration_definitions').set(set).where('id', '=', id).execute();
}

export async function deleteDefinition(db: Db, id: string): Promise<void> {
  await db.deleteFrom('integration_definitions').where('id', '=', id).execute();
}

/** A definition an org may connect: offered to tenants, and active or beta. */
export function findConnectableDefinition(db: Db, definitionId: string) {
  return db
    .selectFrom('integration_definitions')
    .select(['id', 'connector', 'config_schema'])
    .where('id', '=', definitionId)
    .where('audience', '=', 'tenant' satisfies Audience)
    .where('status', 'in', OFFERED)
    .executeTakeFirst();
}

/** The id of the built-in entry of a connector, or undefined. */
export async function findBuiltInId(db: Db, connector: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('integration_definitions')
    .select('id')
    .where('connector', '=', connector)
    .where('is_builtin', '=', true)
    .executeTakeFirst();
  return row?.id;
}

/**
 * Per category, the entries offered to organisations and how many of them the org has a live
 * (connected or syncing) connection to; categories with no offered entry are absent.
 */
export async function categoryCoverage(db: Db, orgId: string) {
  const rows = await tenantVisible(db)
    .where('d.status', 'in', OFFERED)
    .select((eb) => [
      'd.category',
      eb.fn.countAll<number>().as('available'),
      eb.fn
        .count<number>(
          eb
            .case()
            .when(
              eb.exists(
                eb
                  .selectFrom('integration_connections as c')
                  .select('c.id')
                  .whereRef('c.definition_id', '=', 'd.id')
                  .where('c.org_id', '=', orgId)
                  .where('c.status', 'in', ['connected', 'syncing']),
              ),
            )
            .then(1)
            .end(),
        )
        .as('connected'),
    ])
    .groupBy('d.category')
    .execute();
  return rows.map((row) => ({
    category: row.category,
    available: Number(row.available),
    connected: Number(row.connected),
  }));
}

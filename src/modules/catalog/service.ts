import type { Capability, Category, Connector, ConnectorDefinition } from '../../connectors/sdk.js';
import { canonicalJson } from '../../platform/canonical-json.js';
import type { Db } from '../../platform/db/database.js';
import { isForeignKeyViolation, uniqueOr } from '../../platform/db/errors.js';
import { AppError, InvalidFieldsError } from '../../platform/errors.js';
import type { PageQuery } from '../../platform/http/envelope.js';
import { newId } from '../../platform/ids.js';
import type { Logger } from '../../platform/logging/logger.js';
import type { Outbound } from '../../platform/outbound/outbound.js';
import { recordAudit } from '../audit/service.js';
import { type Caller, SYSTEM_ACTOR } from '../auth/principal.js';
import { checkConfigSchema, validateConfig } from './config-schema.js';
import { type ConnectorTestResult, runConnectorTest } from './connector-test.js';
import {
  type AdminFilter,
  type AdminIntegrationRow,
  type Audience,
  type CatalogFilter,
  type DefinitionRow,
  deleteDefinition,
  findBuiltInId,
  findBySlugs,
  findCatalogEntry,
  findConnectableDefinition,
  findIntegration,
  type IntegrationStatus,
  insertDefinition,
  insertDefinitionIfNew,
  listCatalog,
  listIntegrations,
  RESERVED_SLUGS,
  updateDefinition,
} from './store.js';

const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Why `slug` cannot name a catalog entry, or undefined when it can. */
export function slugProblem(slug: string): string | undefined {
  if (!SLUG.test(slug)) return 'must be 1-64 lowercase letters, digits or inner hyphens';
  if (RESERVED_SLUGS.includes(slug))
    return `is reserved: ${RESERVED_SLUGS.join(', ')} are paths under /integrations`;
  // `/integrations/:id` takes an id or a slug; a slug shaped like an id would be ambiguous.
  if (UUID.test(slug)) return 'must not have the form of an id';
  return undefined;
}

/** The columns the code owns for a built-in entry: rewritten from the connector at every start. */
const CODE_OWNED = [
  'connector',
  'name',
  'provider',
  'category',
  'short_description',
  'description',
  'icon_url',
  'documentation_url',
  'website_url',
  'auth_type',
  'config_schema',
  'capabilities',
  'entities',
  'oauth',
  'version',
  'tags',
] as const satisfies readonly (keyof DefinitionRow)[];

function codeOwned(definition: ConnectorDefinition) {
  const { oauth } = definition;
  return {
    connector: definition.slug,
    name: definition.name,
    provider: definition.provider,
    category: definition.category,
    short_description: definition.shortDescription,
    description: definition.description,
    icon_url: definition.iconUrl,
    documentation_url: definition.documentationUrl ?? null,
    website_url: definition.websiteUrl ?? null,
    auth_type: definition.authType,
    config_schema: { ...definition.configSchema },
    capabilities: [...definition.capabilities],
    entities: definition.entities.map((e) => ({ name: e.name, description: e.description })),
    oauth: oauth
      ? {
          authorization_url: oauth.authorizationUrl,
          token_url: oauth.tokenUrl,
          ...(oauth.revocationUrl ? { revocation_url: oauth.revocationUrl } : {}),
          ...(oauth.issuer ? { issuer: oauth.issuer } : {}),
          scopes: [...oauth.scopes],
          ...(oauth.scopeSeparator ? { scope_separator: oauth.scopeSeparator } : {}),
          ...(oauth.tokenTypes ? { token_types: [...oauth.tokenTypes] } : {}),
        }
      : null,
    version: definition.version,
    tags: [...definition.tags],
  } satisfies Pick<DefinitionRow, (typeof CODE_OWNED)[number]>;
}

export interface CatalogSync {
  /** Slugs of entries created for new connectors. */
  added: string[];
  /** Slugs of built-in entries whose code-owned fields changed. */
  updated: string[];
  /** Connector slugs an admin-created entry already holds: those connectors get no entry. */
  shadowed: string[];
}

/**
 * Upserts one built-in catalog entry per connector. Code-owned fields follow the code at every
 * start; `status` and `audience` belong to the platform admins once the entry exists. Safe to run
 * from several processes at once; a start that changes nothing writes nothing.
 */
export async function syncCatalog(db: Db, connectors: readonly Connector[], now: Date): Promise<CatalogSync> {
  const result: CatalogSync = { added: [], updated: [], shadowed: [] };
  const slugs = connectors.map((c) => c.definition.slug);
  for (const slug of slugs) {
    const problem = slugProblem(slug);
    if (problem) throw new Error(`Connector slug "${slug}" ${problem}`);
  }
  const duplicate = slugs.find((slug, i) => slugs.indexOf(slug) !== i);
  if (duplicate) throw new Error(`Two connectors share the slug "${duplicate}"`);
  if (slugs.length === 0) return result;

  const rows = await findBySlugs(db, slugs);
  const existing = new Map(rows.map((row) => [row.slug, row]));
  const at = now.toISOString();
  for (const { definition } of connectors) {
    const fields = codeOwned(definition);
    const row = existing.get(definition.slug);
    if (row && !row.is_builtin) {
      result.shadowed.push(definition.slug);
      continue;
    }
    await db.transaction().execute(async (tx) => {
      if (!row) {
        // DO NOTHING: another process starting at the same moment may have inserted it.
        const inserted = await insertDefinitionIfNew(tx, {
          id: newId(),
          slug: definition.slug,
          ...fields,
          status: (definition.isBeta ? 'beta' : 'active') satisfies IntegrationStatus,
          audience: 'tenant' satisfies Audience,
          is_builtin: true,
          created_at: at,
          updated_at: at,
        });
        if (!inserted) return;
        result.added.push(definition.slug);
        await recordAudit(
          tx,
          SYSTEM_ACTOR,
          { orgId: null, action: 'integration.registered', targetType: 'integration', targetId: inserted },
          now,
        );
        return;
      }
      const changed = CODE_OWNED.filter(
        (field) => canonicalJson(row[field]) !== canonicalJson(fields[field]),
      );
      if (changed.length === 0) return;
      await updateDefinition(tx, row.id, { ...fields, updated_at: at });
      result.updated.push(definition.slug);
      await recordAudit(
        tx,
        SYSTEM_ACTOR,
        {
          orgId: null,
          action: 'integration.synced',
          targetType: 'integration',
          targetId: row.id,
          changedFields: changed,
        },
        now,
      );
    });
  }
  return result;
}

/** The id of a connector's built-in entry (the demo seed's), or undefined before the catalog is synced. */
export function builtInEntryId(db: Db, connector: string): Promise<string | undefined> {
  return findBuiltInId(db, connector);
}

function connectorOf(connectors: readonly Connector[], slug: string): Connector | undefined {
  return connectors.find((c) => c.definition.slug === slug);
}

/** The connector behind an existing entry; 409 when this build no longer has it. */
function requireConnector(connectors: readonly Connector[], entry: DefinitionRow): Connector {
  const connector = connectorOf(connectors, entry.connector);
  if (!connector) {
    throw new AppError('CONNECTOR_UNAVAILABLE', undefined, { connector: entry.connector });
  }
  return connector;
}

/** An entry may offer what its connector implements, or less. */
function checkCapabilities(connector: Connector, capabilities: readonly string[] | undefined): void {
  if (capabilities === undefined) return;
  const offered: readonly string[] = connector.definition.capabilities;
  const extra = capabilities.filter((c) => !offered.includes(c));
  if (extra.length > 0) {
    throw new InvalidFieldsError([
      {
        field: 'capabilities',
        message: `${extra.join(', ')} not implemented by connector ${connector.definition.slug} (it offers: ${offered.join(', ') || 'none'})`,
      },
    ]);
  }
}

async function requireIntegration(db: Db, key: string): Promise<AdminIntegrationRow> {
  const entry = await findIntegration(db, key);
  if (!entry) throw new AppError('INTEGRATION_NOT_FOUND');
  return entry;
}

export interface NewIntegration {
  connector: string;
  slug: string;
  name: string;
  short_description: string;
  description?: string;
  category?: Category;
  config_schema?: Record<string, unknown>;
  capabilities?: Capability[];
  tags?: string[];
  status?: IntegrationStatus;
  audience?: Audience;
  icon_url?: string;
}

export interface IntegrationChanges {
  name?: string;
  short_description?: string;
  description?: string;
  icon_url?: string;
  tags?: string[];
  config_schema?: Record<string, unknown>;
  capabilities?: Capability[];
}

const EDITABLE = [
  'name',
  'short_description',
  'description',
  'icon_url',
  'tags',
  'config_schema',
  'capabilities',
] as const satisfies readonly (keyof IntegrationChanges)[];

export type IntegrationTestResult = ConnectorTestResult & { integration_id: string; tested_at: string };

/**
 * The catalog: what organisations may connect, and its administration by the platform. Built once
 * (services.ts) over the process's connectors.
 */
export class CatalogService {
  constructor(
    private readonly db: Db,
    private readonly connectors: readonly Connector[],
    private readonly logger: Logger,
    private readonly outbound: Outbound,
  ) {}

  /** The entries offered to the org, with its connections to each. */
  list({ orgId }: Caller, filter: CatalogFilter, page: PageQuery) {
    return listCatalog(this.db, orgId, filter, page);
  }

  /** An entry the org may read, by id or slug. */
  async get({ orgId }: Caller, key: string) {
    const entry = await findCatalogEntry(this.db, orgId, key);
    if (!entry) throw new AppError('INTEGRATION_NOT_FOUND');
    return entry;
  }

  /** A definition the org may connect now (offered, active or beta), or undefined. */
  connectable(definitionId: string) {
    return findConnectableDefinition(this.db, definitionId);
  }

  adminList(filter: AdminFilter, page: PageQuery) {
    return listIntegrations(this.db, filter, page);
  }

  adminGet(key: string): Promise<AdminIntegrationRow> {
    return requireIntegration(this.db, key);
  }

  /** Registers an admin-owned entry backed by a connector of this build; what is not given comes from it. */
  async create({ actor, now }: Caller, input: NewIntegration): Promise<AdminIntegrationRow> {
    const connector = connectorOf(this.connectors, input.connector);
    if (!connector) {
      const known = this.connectors.map((c) => c.definition.slug).join(', ') || 'none';
      throw new InvalidFieldsError([
        { field: 'connector', message: `must be a connector of this build (${known})` },
      ]);
    }
    const slugIssue = slugProblem(input.slug);
    if (slugIssue) throw new InvalidFieldsError([{ field: 'slug', message: slugIssue }]);
    checkCapabilities(connector, input.capabilities);
    if (input.config_schema) checkConfigSchema(input.config_schema);

    const defaults = codeOwned(connector.definition);
    const at = now.toISOString();
    const entry: AdminIntegrationRow = {
      ...defaults,
      id: newId(),
      slug: input.slug,
      name: input.name,
      short_description: input.short_description,
      description: input.description ?? defaults.description,
      category: input.category ?? defaults.category,
      config_schema: input.config_schema ?? defaults.config_schema,
      capabilities: input.capabilities ?? defaults.capabilities,
      tags: input.tags ?? defaults.tags,
      icon_url: input.icon_url ?? defaults.icon_url,
      status: input.status ?? (connector.definition.isBeta ? 'beta' : 'active'),
      audience: input.audience ?? 'tenant',
      is_builtin: false,
      created_at: at,
      updated_at: at,
      connection_count: 0,
    };
    const { connection_count: _, ...row } = entry;
    await uniqueOr(
      () =>
        new AppError('SLUG_TAKEN', `An integration with the slug "${input.slug}" already exists`, {
          slug: input.slug,
        }),
      () =>
        this.db.transaction().execute(async (tx) => {
          await insertDefinition(tx, row);
          await recordAudit(
            tx,
            actor,
            { orgId: null, action: 'integration.created', targetType: 'integration', targetId: entry.id },
            now,
          );
        }),
    );
    return entry;
  }

  /** Applies the fields that differ; a request that changes nothing writes nothing and is not audited. */
  async update(
    { actor, now }: Caller,
    key: string,
    changes: IntegrationChanges,
  ): Promise<AdminIntegrationRow> {
    if (changes.config_schema) checkConfigSchema(changes.config_schema);
    return this.db.transaction().execute(async (tx) => {
      const entry = await requireIntegration(tx, key);
      if (changes.capabilities)
        checkCapabilities(requireConnector(this.connectors, entry), changes.capabilities);
      const changed = EDITABLE.filter(
        (field) =>
          changes[field] !== undefined && canonicalJson(changes[field]) !== canonicalJson(entry[field]),
      );
      if (changed.length === 0) return entry;
      await updateDefinition(tx, entry.id, { ...changes, updated_at: now.toISOString() });
      await recordAudit(
        tx,
        actor,
        {
          orgId: null,
          action: 'integration.updated',
          targetType: 'integration',
          targetId: entry.id,
          changedFields: changed,
        },
        now,
      );
      return requireIntegration(tx, entry.id);
    });
  }

  /** Sets `status` or `audience`; setting the current value changes nothing and is not audited. */
  async setFlag(
    { actor, now }: Caller,
    key: string,
    change: { status: IntegrationStatus } | { audience: Audience },
  ): Promise<AdminIntegrationRow> {
    const [field, value] =
      'status' in change ? (['status', change.status] as const) : (['audience', change.audience] as const);
    return this.db.transaction().execute(async (tx) => {
      const entry = await requireIntegration(tx, key);
      if (entry[field] === value) return entry;
      const updated = { ...entry, ...change, updated_at: now.toISOString() };
      await updateDefinition(tx, entry.id, { ...change, updated_at: updated.updated_at });
      await recordAudit(
        tx,
        actor,
        {
          orgId: null,
          action: `integration.${field}_changed`,
          targetType: 'integration',
          targetId: entry.id,
          changedFields: [field],
        },
        now,
      );
      return updated;
    });
  }

  /** Deletes an admin-created entry no organisation uses. */
  async delete(caller: Caller, key: string): Promise<void> {
    try {
      await this.#deleteUnused(caller, key);
    } catch (error) {
      // A connection created between the check and the delete: its foreign key refuses the delete.
      if (isForeignKeyViolation(error)) throw new AppError('INTEGRATION_IN_USE');
      throw error;
    }
  }

  async #deleteUnused({ actor, now }: Caller, key: string): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      const entry = await requireIntegration(tx, key);
      if (entry.is_builtin) {
        throw new AppError(
          'INTEGRATION_BUILTIN',
          `"${entry.slug}" is built in: it would come back at the next start. Set its status to disabled or its audience to system instead`,
        );
      }
      if (entry.connection_count > 0) {
        throw new AppError(
          'INTEGRATION_IN_USE',
          `"${entry.slug}" has ${entry.connection_count} connection(s); delete them first or disable the integration`,
          { connections: entry.connection_count },
        );
      }
      await deleteDefinition(tx, entry.id);
      await recordAudit(
        tx,
        actor,
        { orgId: null, action: 'integration.deleted', targetType: 'integration', targetId: entry.id },
        now,
      );
    });
  }

  /**
   * Runs the connector's credential test with a config supplied by a platform admin, validated
   * against the entry's schema. Nothing is stored but the audit entry (never the config).
   */
  async test(
    { actor, now }: Caller,
    key: string,
    config: Record<string, unknown>,
  ): Promise<IntegrationTestResult> {
    const entry = await requireIntegration(this.db, key);
    const connector = requireConnector(this.connectors, entry);
    const checked = validateConfig(entry.config_schema, config);
    const result = await runConnectorTest(
      connector,
      checked,
      this.logger.child({ reqId: actor.requestId, integration_id: entry.id, connector: entry.connector }),
      { outbound: this.outbound },
    );
    await recordAudit(
      this.db,
      actor,
      { orgId: null, action: 'integration.tested', targetType: 'integration', targetId: entry.id },
      now,
    );
    return { integration_id: entry.id, ...result, tested_at: now.toISOString() };
  }
}

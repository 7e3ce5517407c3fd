import type { Db } from '../../platform/db/database.js';
import { uniqueOr } from '../../platform/db/errors.js';
import { AppError, InvalidFieldsError } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { recordAudit } from '../audit/service.js';
import type { Caller } from '../auth/principal.js';
import { checkConfigSchema, validateConfig } from '../catalog/config-schema.js';
import { EVENT_TYPE_NAMES, EVENT_TYPES } from '../events/catalogue.js';
import { PUBLISHED_SUBJECT } from '../events/outbox.js';
import { TEST_EVENT_TYPE } from './model.js';
import {
  deleteEventType,
  type EventTypeRow,
  findEventType,
  insertEventType,
  listEventTypes,
  updateEventType,
} from './storage/event-types.js';

type JsonSchema = Record<string, unknown>;

export interface EventTypeInput {
  name: string;
  description?: string | null;
  schema?: JsonSchema | null;
}

/**
 * The first segments of Switchboard's own types (`connection`, `sync`…) and of test sends: an org
 * type may not start with one, so `connection.*` never matches an org's event.
 */
const RESERVED_NAMESPACES = new Set(
  [...EVENT_TYPE_NAMES, TEST_EVENT_TYPE].map((name) => name.slice(0, name.indexOf('.'))),
);

const catalogueTypes = EVENT_TYPE_NAMES.map((name) => {
  const { description, version, subject, schema } = EVENT_TYPES[name];
  return {
    name,
    description,
    version,
    subject_type: subject,
    schema: { ...schema } as JsonSchema,
    source: 'switchboard' as const,
  };
});

/**
 * Whether `type` is one an endpoint's pattern subscribes to: the same name, or `prefix.*` for
 * every type under `prefix.` (at any depth: `sync.*` covers `sync.run.completed`).
 */
export function matchesPattern(pattern: string, type: string): boolean {
  if (pattern.endsWith('.*')) return type.startsWith(pattern.slice(0, -1));
  return pattern === type;
}

/** An empty list subscribes to every type. */
export function subscribes(patterns: readonly string[], type: string): boolean {
  return patterns.length === 0 || patterns.some((p) => matchesPattern(p, type));
}

/**
 * Event types: Switchboard's catalogue and each org's own declared types (name, description, an
 * optional JSON Schema its published payloads are validated against).
 */
export class EventTypeService {
  constructor(private readonly db: Db) {}

  /** The catalogue, then the org's own types (`source: 'org'`). */
  async list({ orgId }: Caller) {
    const own = await listEventTypes(this.db, orgId);
    return [...catalogueTypes, ...own.map(orgTypeView)];
  }

  async declare({ orgId, actor, now }: Caller, input: EventTypeInput) {
    checkName(input.name);
    if (input.schema) checkConfigSchema(input.schema, 'schema');
    const at = now.toISOString();
    const row: EventTypeRow = {
      id: newId(),
      org_id: orgId,
      name: input.name,
      description: input.description ?? null,
      schema: input.schema ?? null,
      created_at: at,
      updated_at: at,
    };
    await uniqueOr(
      () => new AppError('NAME_TAKEN', 'The organisation already declared an event type of that name'),
      () =>
        this.db.transaction().execute(async (tx) => {
          await insertEventType(tx, row);
          await recordAudit(
            tx,
            actor,
            { orgId, action: 'event_type.created', targetType: 'event_type', targetId: row.id },
            now,
          );
        }),
    );
    return orgTypeView(row);
  }

  async update(
    { orgId, actor, now }: Caller,
    name: string,
    change: Pick<EventTypeInput, 'description' | 'schema'>,
  ) {
    const current = await this.#find(orgId, name);
    if (change.schema) checkConfigSchema(change.schema, 'schema');
    const set = {
      ...(change.description !== undefined && { description: change.description }),
      ...(change.schema !== undefined && { schema: change.schema }),
      updated_at: now.toISOString(),
    };
    await this.db.transaction().execute(async (tx) => {
      await updateEventType(tx, orgId, name, set);
      await recordAudit(
        tx,
        actor,
        {
          orgId,
          action: 'event_type.updated',
          targetType: 'event_type',
          targetId: current.id,
          changedFields: Object.keys(change),
        },
        now,
      );
    });
    return orgTypeView({ ...current, ...set });
  }

  /** Endpoints subscribed to it keep their pattern; it matches nothing until declared again. */
  async delete({ orgId, actor, now }: Caller, name: string): Promise<void> {
    const current = await this.#find(orgId, name);
    await this.db.transaction().execute(async (tx) => {
      if (!(await deleteEventType(tx, orgId, name))) throw new AppError('EVENT_TYPE_NOT_FOUND');
      await recordAudit(
        tx,
        actor,
        { orgId, action: 'event_type.deleted', targetType: 'event_type', targetId: current.id },
        now,
      );
    });
  }

  /** Refuses (400, naming `event_types[i]`) a pattern that matches no type the org can receive. */
  async checkPatterns(orgId: string, patterns: readonly string[]): Promise<void> {
    if (patterns.length === 0) return;
    const names = [...EVENT_TYPE_NAMES, ...(await listEventTypes(this.db, orgId)).map((t) => t.name)];
    const issues = patterns.flatMap((pattern, i) =>
      names.some((name) => matchesPattern(pattern, name))
        ? []
        : [{ field: `event_types[${i}]`, message: `"${pattern}" matches no event type` }],
    );
    if (issues.length > 0) throw new InvalidFieldsError(issues);
  }

  /** Whether `name` is a type of the catalogue or one the org declared. */
  async isKnown(orgId: string, name: string): Promise<boolean> {
    return name in EVENT_TYPES || (await findEventType(this.db, orgId, name)) !== undefined;
  }

  /**
   * The payload to publish for the org's declared type `name`, valid against its schema (with the
   * schema's defaults filled in). An undeclared type is EVENT_TYPE_NOT_DECLARED; an invalid
   * payload a 400 naming each field (`payload.amount`).
   */
  async validPayload(orgId: string, name: string, payload: Record<string, unknown>) {
    const declared = await findEventType(this.db, orgId, name);
    if (!declared) throw new AppError('EVENT_TYPE_NOT_DECLARED', undefined, { type: name });
    return declared.schema ? validateConfig(declared.schema, payload, 'payload') : payload;
  }

  async #find(orgId: string, name: string): Promise<EventTypeRow> {
    const row = await findEventType(this.db, orgId, name);
    if (!row) throw new AppError('EVENT_TYPE_NOT_FOUND');
    return row;
  }
}

function checkName(name: string): void {
  const namespace = name.slice(0, name.indexOf('.'));
  if (RESERVED_NAMESPACES.has(namespace)) {
    throw new InvalidFieldsError([
      { field: 'name', message: `"${namespace}." is reserved for Switchboard's own event types` },
    ]);
  }
}

function orgTypeView(row: EventTypeRow) {
  return {
    name: row.name,
    description: row.description ?? '',
    version: 1,
    subject_type: PUBLISHED_SUBJECT,
    schema: row.schema ?? {},
    source: 'org' as const,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

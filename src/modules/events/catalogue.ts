import Type, { type Static, type TSchema } from 'typebox';

/**
 * Every event Switchboard writes, with its payload's schema: the one catalogue, published at
 * `GET /api/v1/event-types`. Types are `noun.verb` in the past tense, dotted by subject. A
 * payload's shape only grows within a version; anything else is a new version.
 */
interface EventType<S extends TSchema> {
  description: string;
  version: number;
  subject: SubjectType;
  schema: S;
}

export type SubjectType = 'connection' | 'sync_run' | 'api_key' | 'member' | 'webhook' | 'webhook_endpoint';

const type = <S extends TSchema>(
  subject: SubjectType,
  description: string,
  schema: S,
  version = 1,
): EventType<S> => ({ subject, description, version, schema });

const Payload = <P extends Record<string, TSchema>>(properties: P) =>
  Type.Object(properties, { additionalProperties: false });

const Text = Type.String();
const NullableText = Type.Union([Type.String(), Type.Null()]);

const RunEnded = Payload({
  connection_id: Text,
  trigger: Text,
  retry_count: Type.Integer({ minimum: 0 }),
  duration_ms: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
  stats: Type.Record(Type.String(), Type.Unknown(), {
    description: 'The run’s counts, as the run shows them',
  }),
  error_class: NullableText,
  error_message: NullableText,
});

const CredentialChange = Payload({
  action: Type.String({
    description: 'What changed it, as the audit entry names it (e.g. connection.oauth_connected)',
  }),
  reason: NullableText,
});

export const EVENT_TYPES = {
  'connection.created': type(
    'connection',
    'A connection was created.',
    Payload({ name: Text, connector: Text, definition_id: Text, status: Text }),
  ),
  'connection.updated': type(
    'connection',
    'Stored fields of a connection changed (names only, never values).',
    Payload({ action: Text, changed_fields: Type.Array(Text) }),
  ),
  'connection.deleted': type('connection', 'A connection was deleted.', Payload({ name: Text })),
  'connection.status_changed': type(
    'connection',
    "A connection's lifecycle status changed.",
    Payload({ from: NullableText, to: Text }),
  ),
  'connection.health_changed': type(
    'connection',
    "A connection's health changed.",
    Payload({ from: NullableText, to: Text }),
  ),
  'sync.run.started': type(
    'sync_run',
    'A worker started a sync run (or a retry of it).',
    Payload({ connection_id: Text, trigger: Text, retry_count: Type.Integer({ minimum: 0 }) }),
  ),
  'sync.run.completed': type('sync_run', 'A sync run finished with every entity synced.', RunEnded),
  'sync.run.partial': type('sync_run', 'A sync run finished with some entities failed.', RunEnded),
  'sync.run.failed': type('sync_run', 'A sync run failed for good (no retry left).', RunEnded),
  'sync.run.cancelled': type('sync_run', 'A sync run was cancelled.', RunEnded),
  'credential.connected': type(
    'connection',
    "A connection's credentials were set or replaced.",
    CredentialChange,
  ),
  'credential.expired': type(
    'connection',
    "A connection's OAuth grant stopped working (refresh refused) and must be renewed.",
    CredentialChange,
  ),
  'credential.revoked': type('connection', "A connection's credentials were removed.", CredentialChange),
  'webhook.received': type(
    'webhook',
    'An inbound webhook stored a delivery (subject: the webhook); processing follows when accepted.',
    Payload({
      connection_id: Text,
      event_id: Text,
      event_type: NullableText,
      delivery_id: NullableText,
      status: Type.String({ description: 'accepted | ignored | duplicate' }),
    }),
  ),
  'webhook_endpoint.disabled': type(
    'webhook_endpoint',
    'Switchboard disabled an outbound webhook endpoint (subject: the endpoint): it answered 410 Gone, or every attempt failed for 5 days.',
    Payload({ name: Text, reason: Text }),
  ),
  'api_key.created': type(
    'api_key',
    'An API key was created.',
    Payload({ name: Text, scopes: Type.Array(Text), expires_at: NullableText }),
  ),
  'api_key.revoked': type('api_key', 'An API key was revoked.', Payload({ name: Text })),
  'api_key.rotated': type(
    'api_key',
    'An API key was given a new value; the old one is refused.',
    Payload({ name: Text }),
  ),
  'member.added': type(
    'member',
    'A user joined the organisation (subject: the user).',
    Payload({ user_id: Text, role: Text }),
  ),
  'member.role_changed': type(
    'member',
    "A member's role changed (subject: the user).",
    Payload({ user_id: Text, from: Text, to: Text }),
  ),
  'member.removed': type(
    'member',
    'A member left or was removed from the organisation (subject: the user).',
    Payload({ user_id: Text, role: Text }),
  ),
} as const;

export type EventTypeName = keyof typeof EVENT_TYPES;

export const EVENT_TYPE_NAMES = Object.keys(EVENT_TYPES) as EventTypeName[];

export type EventPayload<T extends EventTypeName> = Static<(typeof EVENT_TYPES)[T]['schema']>;

/** What a state change records: its type, the object it is about, and the type's payload. */
export type NewEvent = {
  [T in EventTypeName]: { type: T; orgId: string; subjectId: string; payload: EventPayload<T> };
}[EventTypeName];

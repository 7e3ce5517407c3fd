import Type from 'typebox';
import type { ModuleRoutes } from '../../app.js';
import { DataEnvelope, errorResponses, Nullable } from '../../platform/http/envelope.js';
import { callerOf } from '../auth/guard.js';

const EventTypeView = Type.Object({
  name: Type.String(),
  description: Type.String(),
  version: Type.Integer(),
  subject_type: Type.String(),
  schema: Type.Record(Type.String(), Type.Unknown(), { description: 'JSON Schema of the payload' }),
  source: Type.String({
    description: '`switchboard` (the catalogue) or `org` (declared by the organisation)',
  }),
  created_at: Type.Optional(Type.String()),
  updated_at: Type.Optional(Type.String()),
});

const OrgEventTypeName = Type.String({
  minLength: 3,
  maxLength: 100,
  pattern: '^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+$',
  description:
    'Dotted lower-case words (`invoice.paid`); the catalogue’s namespaces (`connection.`…) are reserved',
});
const Description = Nullable(Type.String({ maxLength: 2000 }));
const Schema = Nullable(
  Type.Record(Type.String(), Type.Unknown(), {
    description: 'A JSON Schema (2020-12) that published payloads must satisfy; null accepts any object',
  }),
);
const NameParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }) });

/** The event types: Switchboard's catalogue and the organisation's own, which it publishes. */
export const eventTypeRoutes: ModuleRoutes = async (app, { ctx, eventTypes }) => {
  app.get(
    '/event-types',
    {
      schema: {
        tags: ['events'],
        summary: 'List the event types and their payload schemas',
        description: "Switchboard's catalogue first, then the types the organisation declared.",
        response: { 200: DataEnvelope(Type.Array(EventTypeView)), ...errorResponses(401) },
      },
    },
    async (request) => ({ data: await eventTypes.list(callerOf(request, ctx.clock)) }),
  );

  app.post(
    '/event-types',
    {
      config: { access: 'webhooks:manage' },
      schema: {
        tags: ['events'],
        summary: 'Declare an event type the organisation publishes',
        description:
          '400 names `schema` when it is not a JSON Schema, `name` when reserved; 409 when declared already.',
        body: Type.Object(
          { name: OrgEventTypeName, description: Type.Optional(Description), schema: Type.Optional(Schema) },
          { additionalProperties: false },
        ),
        response: { 201: DataEnvelope(EventTypeView), ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const declared = await eventTypes.declare(callerOf(request, ctx.clock), request.body);
      return reply.code(201).send({ data: declared });
    },
  );

  app.patch(
    '/event-types/:name',
    {
      config: { access: 'webhooks:manage' },
      schema: {
        tags: ['events'],
        summary: "Change a declared type's description or schema",
        params: NameParams,
        body: Type.Object(
          { description: Type.Optional(Description), schema: Type.Optional(Schema) },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: DataEnvelope(EventTypeView), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => ({
      data: await eventTypes.update(callerOf(request, ctx.clock), request.params.name, request.body),
    }),
  );

  app.delete(
    '/event-types/:name',
    {
      config: { access: 'webhooks:manage' },
      schema: {
        tags: ['events'],
        summary: 'Remove a declared type (endpoints subscribed to it keep the pattern)',
        params: NameParams,
        response: { 204: Type.Null({ description: 'Deleted' }), ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await eventTypes.delete(callerOf(request, ctx.clock), request.params.name);
      return reply.code(204).send(null);
    },
  );
};

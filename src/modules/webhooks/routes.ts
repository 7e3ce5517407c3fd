import Type from 'typebox';
import type { ModuleRoutes } from '../../app.js';
import {
  DataEnvelope,
  errorResponses,
  Nullable,
  NullableTimestamp,
  PagedEnvelope,
  paged,
  pageQuery,
} from '../../platform/http/envelope.js';
import { IdParams, PathId } from '../../platform/http/params.js';
import { bodyOptional } from '../../platform/http/validation.js';
import { callerOf } from '../auth/guard.js';
import { EVENT_STATUSES, SIGNATURE_ALGOS, WEBHOOK_STATUSES } from './model.js';

const WebhookParams = Type.Object({ id: PathId, wid: PathId });
const EventParams = Type.Object({ id: PathId, wid: PathId, eid: PathId });

const Name = Type.String({ minLength: 1, maxLength: 255 });
const Description = Nullable(Type.String({ maxLength: 2000 }));
const EventTypes = Type.Array(Type.String({ minLength: 1, maxLength: 200 }), {
  maxItems: 100,
  uniqueItems: true,
  description: 'The event types accepted; empty accepts all (others are recorded as `ignored`)',
});
const RatePerMinute = Nullable(
  Type.Integer({
    minimum: 1,
    maximum: 1_000_000,
    description:
      'Deliveries a minute accepted (429 above); null: the server’s SWITCHBOARD_WEBHOOK_RATE_LIMIT',
  }),
);
const Secret = Type.String({
  minLength: 16,
  maxLength: 512,
  description: 'A secret the provider issued (Slack’s signing secret); a random `whsec_` secret otherwise',
});

const WebhookView = Type.Object({
  id: Type.String(),
  connection_id: Type.String(),
  name: Type.String(),
  description: Nullable(Type.String()),
  webhook_url: Type.String(),
  status: Type.String({ description: WEBHOOK_STATUSES.join(' | ') }),
  scheme: Type.String({
    description: 'How deliveries are verified: hmac, standard-webhooks, or the provider’s',
  }),
  event_types: Type.Array(Type.String()),
  signature_header: Type.String(),
  signature_algo: Type.String({ description: SIGNATURE_ALGOS.join(' | ') }),
  rate_limit_per_minute: Nullable(Type.Integer()),
  total_received: Type.Integer(),
  total_processed: Type.Integer(),
  total_failed: Type.Integer(),
  last_received_at: NullableTimestamp,
  last_error: Nullable(Type.String()),
  created_at: Type.String(),
  updated_at: Type.String(),
});

const EventFields = {
  id: Type.String(),
  connection_id: Type.String(),
  webhook_id: Type.String(),
  delivery_id: Nullable(Type.String({ description: 'The provider’s id of the delivery' })),
  event_type: Nullable(Type.String()),
  status: Type.String({ description: EVENT_STATUSES.join(' | ') }),
  error: Nullable(Type.String()),
  attempts: Type.Integer(),
  next_attempt_at: NullableTimestamp,
  received_at: Type.String(),
  processed_at: NullableTimestamp,
};

/** A connection's inbound webhooks (spec: integration-engine-api.md §5, endpoints #18–#21) and their events. */
export const webhookRoutes: ModuleRoutes = async (app, { ctx, webhooks }) => {
  const base = '/integration-connections/:id/webhooks';

  app.get(
    base,
    {
      config: { access: 'webhooks:manage' },
      schema: {
        tags: ['webhooks'],
        summary: "List a connection's webhooks",
        params: IdParams,
        response: { 200: DataEnvelope(Type.Array(WebhookView)), ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => ({ data: await webhooks.list(callerOf(request, ctx.clock), request.params.id) }),
  );

  app.post(
    base,
    {
      config: { access: 'webhooks:manage' },
      schema: {
        tags: ['webhooks'],
        summary: 'Create a webhook endpoint for a connection',
        description:
          'The secret is in this response only (then only rotated). `scheme` defaults to the connector’s own ' +
          '(GitHub, Slack, Okta) or `hmac` (`signature_header`, `signature_algo`). 409 when the name is taken.',
        params: IdParams,
        body: Type.Object(
          {
            name: Name,
            description: Type.Optional(Description),
            event_types: Type.Optional(EventTypes),
            signature_header: Type.Optional(
              Type.String({ minLength: 1, maxLength: 100, pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$" }),
            ),
            signature_algo: Type.Optional(Type.Enum([...SIGNATURE_ALGOS])),
            scheme: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })),
            webhook_secret: Type.Optional(Secret),
            rate_limit_per_minute: Type.Optional(RatePerMinute),
          },
          { additionalProperties: false },
        ),
        response: {
          201: DataEnvelope(
            Type.Object({ ...WebhookView.properties, webhook_secret: Type.String(), message: Type.String() }),
          ),
          ...errorResponses(400, 401, 403, 404, 409),
        },
      },
    },
    async (request, reply) => {
      const created = await webhooks.create(callerOf(request, ctx.clock), request.params.id, request.body);
      return reply.code(201).send({ data: created });
    },
  );

  app.get(
    `${base}/:wid`,
    {
      config: { access: 'webhooks:manage' },
      schema: {
        tags: ['webhooks'],
        summary: 'A webhook with its counters',
        params: WebhookParams,
        response: { 200: DataEnvelope(WebhookView), ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => ({
      data: await webhooks.get(callerOf(request, ctx.clock), request.params.id, request.params.wid),
    }),
  );

  app.patch(
    `${base}/:wid`,
    {
      config: { access: 'webhooks:manage' },
      schema: {
        tags: ['webhooks'],
        summary: 'Change a webhook, pause it (`status: inactive`: deliveries answered 410) or resume it',
        params: WebhookParams,
        body: Type.Object(
          {
            name: Type.Optional(Name),
            description: Type.Optional(Description),
            event_types: Type.Optional(EventTypes),
            status: Type.Optional(Type.Enum([...WEBHOOK_STATUSES])),
            rate_limit_per_minute: Type.Optional(RatePerMinute),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: DataEnvelope(WebhookView), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => ({
      data: await webhooks.update(
        callerOf(request, ctx.clock),
        request.params.id,
        request.params.wid,
        request.body,
      ),
    }),
  );

  app.delete(
    `${base}/:wid`,
    {
      config: { access: 'webhooks:manage' },
      schema: {
        tags: ['webhooks'],
        summary: 'Delete a webhook endpoint and its received events',
        params: WebhookParams,
        response: { 204: Type.Null({ description: 'Deleted' }), ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await webhooks.delete(callerOf(request, ctx.clock), request.params.id, request.params.wid);
      return reply.code(204).send(null);
    },
  );

  app.post(
    `${base}/:wid/rotate-secret`,
    {
      config: { access: 'webhooks:rotate' },
      schema: {
        tags: ['webhooks'],
        summary: 'Rotate the webhook secret; the old one is refused at once',
        params: WebhookParams,
        body: Type.Object({ webhook_secret: Type.Optional(Secret) }, { additionalProperties: false }),
        response: {
          200: DataEnvelope(
            Type.Object({ id: Type.String(), webhook_secret: Type.String(), message: Type.String() }),
          ),
          ...errorResponses(400, 401, 403, 404),
        },
      },
      preValidation: bodyOptional,
    },
    async (request) => ({
      data: await webhooks.rotateSecret(
        callerOf(request, ctx.clock),
        request.params.id,
        request.params.wid,
        request.body.webhook_secret,
      ),
    }),
  );

  app.get(
    `${base}/:wid/events`,
    {
      config: { access: 'webhooks:manage' },
      schema: {
        tags: ['webhooks'],
        summary: 'The events a webhook received, newest first',
        params: WebhookParams,
        querystring: Type.Object(
          {
            status: Type.Optional(Type.Enum([...EVENT_STATUSES])),
            event_type: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
            ...pageQuery(),
          },
          { additionalProperties: false },
        ),
        response: { 200: PagedEnvelope(Type.Object(EventFields)), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { page, per_page, ...filter } = request.query;
      const query = { page, per_page };
      const { items, total } = await webhooks.events(
        callerOf(request, ctx.clock),
        request.params.id,
        request.params.wid,
        filter,
        query,
      );
      return paged(items, query, total);
    },
  );

  app.get(
    `${base}/:wid/events/:eid`,
    {
      config: { access: 'webhooks:manage' },
      schema: {
        tags: ['webhooks'],
        summary: 'A received event with its headers (secrets redacted) and payload',
        params: EventParams,
        response: {
          200: DataEnvelope(
            Type.Object({
              ...EventFields,
              headers: Type.Record(Type.String(), Type.String()),
              payload: Type.Unknown({ description: 'The body as received, parsed' }),
            }),
          ),
          ...errorResponses(401, 403, 404),
        },
      },
    },
    async (request) => ({
      data: await webhooks.event(
        callerOf(request, ctx.clock),
        request.params.id,
        request.params.wid,
        request.params.eid,
      ),
    }),
  );

  app.post(
    `${base}/:wid/events/:eid/replay`,
    {
      config: { access: 'webhooks:manage' },
      schema: {
        tags: ['webhooks'],
        summary: 'Process a received event again from its first attempt',
        params: EventParams,
        response: {
          202: DataEnvelope(
            Type.Object({ id: Type.String(), status: Type.String(), message: Type.String() }),
          ),
          ...errorResponses(401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const queued = await webhooks.replay(
        callerOf(request, ctx.clock),
        request.params.id,
        request.params.wid,
        request.params.eid,
      );
      return reply.code(202).send({ data: queued });
    },
  );
};

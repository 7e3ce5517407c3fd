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
import { IdParams } from '../../platform/http/params.js';
import { bodyOptional } from '../../platform/http/validation.js';
import { callerOf } from '../auth/guard.js';
import {
  DEFAULT_OVERLAP_HOURS,
  MAX_OVERLAP_HOURS,
  RATE_LIMIT_MAX_PER_SECOND,
  RETRY_POLICY_BOUNDS,
} from './model.js';

const Url = Type.String({
  minLength: 1,
  maxLength: 2048,
  description: 'https (http only where SWITCHBOARD_ALLOW_PRIVATE_NETWORKS=true); must pass the SSRF guard',
});
const Name = Type.String({ minLength: 1, maxLength: 255 });
const Description = Nullable(Type.String({ maxLength: 2000 }));
const EventTypes = Type.Array(Type.String({ minLength: 1, maxLength: 200 }), {
  maxItems: 100,
  uniqueItems: true,
  description:
    'Exact types or `prefix.*` wildcards (`sync.run.*`), each matching a type of GET /event-types; empty: every type',
});
const RatePerSecond = Nullable(
  Type.Integer({
    minimum: 1,
    maximum: RATE_LIMIT_MAX_PER_SECOND,
    description: 'Deliveries a second at most; null: unlimited',
  }),
);
const RetryPolicy = Nullable(
  Type.Object(
    {
      max_retries: Type.Optional(Type.Integer(RETRY_POLICY_BOUNDS.max_retries)),
      retry_delay_ms: Type.Optional(Type.Integer(RETRY_POLICY_BOUNDS.retry_delay_ms)),
      backoff_factor: Type.Optional(Type.Number(RETRY_POLICY_BOUNDS.backoff_factor)),
      timeout_ms: Type.Optional(Type.Integer(RETRY_POLICY_BOUNDS.timeout_ms)),
    },
    {
      additionalProperties: false,
      description:
        'Overrides WEBHOOK_MAX_RETRIES, WEBHOOK_RETRY_DELAY, WEBHOOK_BACKOFF_FACTOR, WEBHOOK_TIMEOUT for this endpoint; null: the server’s',
    },
  ),
);
const Ordered = Type.Boolean({ description: 'Deliver in event order, one message in flight' });

const EndpointView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Nullable(Type.String()),
  url: Type.String(),
  event_types: Type.Array(Type.String()),
  enabled: Type.Boolean(),
  disabled_reason: Nullable(Type.String()),
  rate_limit_per_second: Nullable(Type.Integer()),
  retry_policy: Nullable(Type.Record(Type.String(), Type.Number())),
  ordered: Type.Boolean(),
  failing_since: NullableTimestamp,
  previous_secret_expires_at: Nullable(
    Type.String({ description: 'Until when the secret before the last rotation signs too' }),
  ),
  created_at: Type.String(),
  updated_at: Type.String(),
});

const Secret = Type.String({ description: '`whsec_…`: shown in this response only' });

/** Outbound webhook endpoints (issue #18): the org's receivers of its events. */
export const webhookEndpointRoutes: ModuleRoutes = async (app, { ctx, webhookEndpoints }) => {
  const base = '/webhook-endpoints';

  app.get(
    base,
    {
      config: { access: 'webhooks:manage' },
      schema: {
        tags: ['webhook-endpoints'],
        summary: "List the organisation's webhook endpoints",
        querystring: Type.Object(pageQuery(), { additionalProperties: false }),
        response: { 200: PagedEnvelope(EndpointView), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { items, total } = await webhookEndpoints.list(callerOf(request, ctx.clock), request.query);
      return paged(items, request.query, total);
    },
  );

  app.post(
    base,
    {
      config: { access: 'webhooks:manage' },
      schema: {
        tags: ['webhook-endpoints'],
        summary: 'Register a webhook endpoint',
        description:
          'The `whsec_` secret is in this response only (then only rotated). 400 names `url` when the target is refused, `event_types[i]` when a pattern matches no type; 409 when the name is taken.',
        body: Type.Object(
          {
            url: Url,
            name: Name,
            description: Type.Optional(Description),
            event_types: Type.Optional(EventTypes),
            enabled: Type.Optional(Type.Boolean()),
            rate_limit_per_second: Type.Optional(RatePerSecond),
            retry_policy: Type.Optional(RetryPolicy),
            ordered: Type.Optional(Ordered),
          },
          { additionalProperties: false },
        ),
        response: {
          201: DataEnvelope(Type.Object({ ...EndpointView.properties, secret: Secret })),
          ...errorResponses(400, 401, 403, 409),
        },
      },
    },
    async (request, reply) => {
      const created = await webhookEndpoints.create(callerOf(request, ctx.clock), request.body);
      return reply.code(201).send({ data: created });
    },
  );

  app.get(
    `${base}/:id`,
    {
      config: { access: 'webhooks:manage' },
      schema: {
        tags: ['webhook-endpoints'],
        summary: 'A webhook endpoint',
        params: IdParams,
        response: { 200: DataEnvelope(EndpointView), ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => ({
      data: await webhookEndpoints.get(callerOf(request, ctx.clock), request.params.id),
    }),
  );

  app.patch(
    `${base}/:id`,
    {
      config: { access: 'webhooks:manage' },
      schema: {
        tags: ['webhook-endpoints'],
        summary: 'Change a webhook endpoint; `enabled: true` also clears why it was disabled',
        params: IdParams,
        body: Type.Object(
          {
            url: Type.Optional(Url),
            name: Type.Optional(Name),
            description: Type.Optional(Description),
            event_types: Type.Optional(EventTypes),
            enabled: Type.Optional(Type.Boolean()),
            rate_limit_per_second: Type.Optional(RatePerSecond),
            retry_policy: Type.Optional(RetryPolicy),
            ordered: Type.Optional(Ordered),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: DataEnvelope(EndpointView), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => ({
      data: await webhookEndpoints.update(callerOf(request, ctx.clock), request.params.id, request.body),
    }),
  );

  app.delete(
    `${base}/:id`,
    {
      config: { access: 'webhooks:manage' },
      schema: {
        tags: ['webhook-endpoints'],
        summary: 'Delete a webhook endpoint with its messages',
        params: IdParams,
        response: { 204: Type.Null({ description: 'Deleted' }), ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await webhookEndpoints.delete(callerOf(request, ctx.clock), request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    `${base}/:id/rotate-secret`,
    {
      config: { access: 'webhooks:manage' },
      schema: {
        tags: ['webhook-endpoints'],
        summary: 'Rotate the signing secret; the previous one signs beside it for the overlap',
        description: `Deliveries carry a signature by each secret until \`previous_secret_expires_at\` (default ${DEFAULT_OVERLAP_HOURS} h; \`overlap_hours: 0\` drops the old secret at once).`,
        params: IdParams,
        body: Type.Object(
          {
            overlap_hours: Type.Optional(
              Type.Integer({ minimum: 0, maximum: MAX_OVERLAP_HOURS, default: DEFAULT_OVERLAP_HOURS }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: DataEnvelope(
            Type.Object({ id: Type.String(), secret: Secret, previous_secret_expires_at: NullableTimestamp }),
          ),
          ...errorResponses(400, 401, 403, 404),
        },
      },
      preValidation: bodyOptional,
    },
    async (request) => ({
      data: await webhookEndpoints.rotateSecret(
        callerOf(request, ctx.clock),
        request.params.id,
        request.body.overlap_hours,
      ),
    }),
  );

  app.post(
    `${base}/:id/test`,
    {
      config: { access: 'webhooks:manage' },
      schema: {
        tags: ['webhook-endpoints'],
        summary: 'Queue a test message for this endpoint alone',
        description:
          'Of type `webhook.test`, or of a known `event_type` with test data; 409 while the endpoint is disabled.',
        params: IdParams,
        body: Type.Object(
          { event_type: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) },
          { additionalProperties: false },
        ),
        response: {
          202: DataEnvelope(
            Type.Object({ message_id: Type.String(), event_id: Type.String(), event_type: Type.String() }),
          ),
          ...errorResponses(400, 401, 403, 404, 409),
        },
      },
      preValidation: bodyOptional,
    },
    async (request, reply) => {
      const queued = await webhookEndpoints.sendTest(
        callerOf(request, ctx.clock),
        request.params.id,
        request.body.event_type,
      );
      return reply.code(202).send({ data: queued });
    },
  );
};

import Type from 'typebox';
import type { ModuleRoutes } from '../../app.js';
import { AppError } from '../../platform/errors.js';
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
import { callerOf } from '../auth/guard.js';
import { MESSAGE_STATUSES } from './storage/messages.js';

const DeliveryParams = Type.Object({ id: PathId, did: PathId });

const DeliveryFields = {
  id: Type.String({ description: 'The message id: the `webhook-id` header of every attempt' }),
  endpoint_id: Type.String(),
  event_id: Type.String(),
  event_type: Type.String(),
  status: Type.String({ description: MESSAGE_STATUSES.join(' | ') }),
  attempts: Type.Integer({ description: 'Attempts made so far' }),
  next_attempt_at: NullableTimestamp,
  last_status_code: Nullable(Type.Integer()),
  last_error: Nullable(Type.String()),
  created_at: Type.String(),
  updated_at: Type.String(),
  delivered_at: NullableTimestamp,
};
const DeliveryView = Type.Object(DeliveryFields);

const AttemptView = Type.Object({
  id: Type.String(),
  attempt: Type.Integer({ description: 'From 1' }),
  url: Type.String(),
  status_code: Nullable(Type.Integer({ description: 'null: no answer (refused, timed out, unreachable)' })),
  duration_ms: Type.Integer(),
  response_body: Nullable(Type.String({ description: 'The first 20 KB of the answer' })),
  error: Nullable(Type.String()),
  created_at: Type.String(),
});

const Latency = Nullable(Type.Integer({ description: 'Milliseconds; null: no answered attempt' }));

const StatsView = Type.Object({
  window_hours: Type.Integer(),
  since: Type.String(),
  attempts: Type.Integer(),
  succeeded: Type.Integer(),
  failed: Type.Integer(),
  success_rate: Nullable(Type.Number({ description: '0–1; null: no attempt' })),
  latency_ms: Type.Object({ p50: Latency, p95: Latency }),
});

/** A time the body gave, as stored (UTC with milliseconds); a 400 naming it when Date cannot hold it. */
function bodyInstant(field: string, value: string): Date {
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) {
    const message = 'is not a representable time';
    throw new AppError('VALIDATION_ERROR', `Invalid body: ${field} ${message}`, {
      fields: [{ field, location: 'body', message }],
    });
  }
  return at;
}

/** An outbound webhook endpoint's deliveries: history, redelivery, recovery, stats (issue #18). */
export const deliveryRoutes: ModuleRoutes = async (app, { ctx, webhookDeliveries: deliveries }) => {
  const base = '/webhook-endpoints/:id';

  app.get(
    `${base}/deliveries`,
    {
      config: { access: 'webhooks:manage' },
      schema: {
        tags: ['webhook-endpoints'],
        summary: "An endpoint's deliveries (messages), newest first",
        params: IdParams,
        querystring: Type.Object(
          {
            status: Type.Optional(Type.Enum([...MESSAGE_STATUSES])),
            event_type: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
            ...pageQuery(),
          },
          { additionalProperties: false },
        ),
        response: { 200: PagedEnvelope(DeliveryView), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { page, per_page, ...filter } = request.query;
      const query = { page, per_page };
      const { items, total } = await deliveries.list(
        callerOf(request, ctx.clock),
        request.params.id,
        filter,
        query,
      );
      return paged(items, query, total);
    },
  );

  app.get(
    `${base}/deliveries/:did`,
    {
      config: { access: 'webhooks:manage' },
      schema: {
        tags: ['webhook-endpoints'],
        summary: 'A delivery with its body and every attempt',
        params: DeliveryParams,
        response: {
          200: DataEnvelope(
            Type.Object({
              ...DeliveryFields,
              payload: Type.Unknown({ description: 'The JSON body delivered: `{ type, timestamp, data }`' }),
              history: Type.Array(AttemptView, { description: 'Every attempt, first to last' }),
            }),
          ),
          ...errorResponses(401, 403, 404),
        },
      },
    },
    async (request) => ({
      data: await deliveries.get(callerOf(request, ctx.clock), request.params.id, request.params.did),
    }),
  );

  app.post(
    `${base}/deliveries/:did/redeliver`,
    {
      config: { access: 'webhooks:manage' },
      schema: {
        tags: ['webhook-endpoints'],
        summary: 'Attempt a delivery again now, whatever its state (same `webhook-id`)',
        description: '409 while the endpoint is disabled.',
        params: DeliveryParams,
        response: { 202: DataEnvelope(DeliveryView), ...errorResponses(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const queued = await deliveries.redeliver(
        callerOf(request, ctx.clock),
        request.params.id,
        request.params.did,
      );
      return reply.code(202).send({ data: queued });
    },
  );

  app.post(
    `${base}/recover`,
    {
      config: { access: 'webhooks:manage' },
      schema: {
        tags: ['webhook-endpoints'],
        summary: 'Attempt again every failed delivery created since a time',
        description: '409 while the endpoint is disabled.',
        params: IdParams,
        body: Type.Object(
          {
            since: Type.String({
              format: 'date-time',
              description: 'Failed deliveries created at or after it',
            }),
          },
          { additionalProperties: false },
        ),
        response: {
          202: DataEnvelope(Type.Object({ since: Type.String(), queued: Type.Integer() })),
          ...errorResponses(400, 401, 403, 404, 409),
        },
      },
    },
    async (request, reply) => {
      const recovered = await deliveries.recover(
        callerOf(request, ctx.clock),
        request.params.id,
        bodyInstant('since', request.body.since),
      );
      return reply.code(202).send({ data: recovered });
    },
  );

  app.get(
    `${base}/stats`,
    {
      config: { access: 'webhooks:manage' },
      schema: {
        tags: ['webhook-endpoints'],
        summary: "An endpoint's delivery attempts over the last 24 hours",
        params: IdParams,
        response: { 200: DataEnvelope(StatsView), ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => ({ data: await deliveries.stats(callerOf(request, ctx.clock), request.params.id) }),
  );
};

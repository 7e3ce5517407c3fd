import Type from 'typebox';
import type { ModuleRoutes } from '../../app.js';
import { DataEnvelope, errorResponses } from '../../platform/http/envelope.js';
import { callerOf } from '../auth/guard.js';

const PublishedView = Type.Object({
  id: Type.String({ description: 'The event id (UUIDv7)' }),
  type: Type.String(),
  version: Type.Integer(),
  payload: Type.Record(Type.String(), Type.Unknown()),
  occurred_at: Type.String(),
});

/** Events the organisation publishes to its endpoints (issue #18). */
export const publishRoutes: ModuleRoutes = async (app, { ctx, eventPublisher }) => {
  app.post(
    '/events',
    {
      config: { access: 'events:publish' },
      schema: {
        tags: ['events'],
        summary: 'Publish an event of a type the organisation declared',
        description:
          'Recorded in the outbox and delivered to subscribed endpoints: 202. 422 EVENT_TYPE_NOT_DECLARED for a type not declared; 400 naming `payload.<field>` when the payload fails the type’s schema. With an `Idempotency-Key` header (24 h): the same request again answers 200 with the same event and `Idempotent-Replayed: true`; a different request with that key, 422 IDEMPOTENCY_KEY_REUSED.',
        headers: Type.Object({
          'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
        }),
        body: Type.Object(
          {
            type: Type.String({ minLength: 1, maxLength: 100 }),
            payload: Type.Record(Type.String(), Type.Unknown()),
          },
          { additionalProperties: false },
        ),
        response: {
          200: DataEnvelope(PublishedView),
          202: DataEnvelope(PublishedView),
          ...errorResponses(400, 401, 403, 422),
        },
      },
    },
    async (request, reply) => {
      const { event, replayed } = await eventPublisher.publish(
        callerOf(request, ctx.clock),
        request.body,
        request.headers['idempotency-key'],
      );
      if (replayed) reply.header('idempotent-replayed', 'true');
      return reply.code(replayed ? 200 : 202).send({ data: event });
    },
  );
};

import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import type { ModuleRoutes } from '../../app.js';
import type { WebhookDelivery } from '../../connectors/sdk.js';
import { AppError } from '../../platform/errors.js';
import { errorResponses } from '../../platform/http/envelope.js';
import { IdParams } from '../../platform/http/params.js';

function deliveryOf(request: FastifyRequest, receivedAt: Date): WebhookDelivery {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return {
    method: request.method === 'GET' ? 'GET' : 'POST',
    headers,
    rawBody: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
    receivedAt,
  };
}

/**
 * The public receiver (spec §5, endpoint #22): no user authentication, the delivery's signature is
 * its credential. Bodies are taken as bytes whatever their type, since signatures are over the bytes.
 */
export const webhookReceiveRoutes: ModuleRoutes = async (app, { ctx, webhookReceiver }) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    '*',
    { parseAs: 'buffer', bodyLimit: ctx.config.webhooks.maxBodyBytes },
    (_r, body, done) => done(null, body),
  );

  const receive = async (
    request: FastifyRequest<{ Params: { id: string } }>,
    reply: import('fastify').FastifyReply,
  ) => {
    let answer: Awaited<ReturnType<typeof webhookReceiver.receive>>;
    try {
      answer = await webhookReceiver.receive(request.params.id, deliveryOf(request, ctx.clock.now()));
    } catch (error) {
      const retryAfter = error instanceof AppError ? error.extra?.retry_after : undefined;
      if (retryAfter !== undefined) reply.header('retry-after', String(retryAfter));
      throw error;
    }
    if (answer.kind === 'handshake') return reply.code(answer.status).send(answer.body);
    return reply.code(200).send({ status: answer.status, event_id: answer.eventId });
  };

  const description =
    'Verified before anything else (the webhook’s scheme: HMAC in its signature header, Standard Webhooks, ' +
    'or the provider’s), then stored and only then acknowledged; processed after. A duplicate delivery id ' +
    'is acknowledged and not processed again; a type outside `event_types` is recorded as ignored.';
  app.post(
    '/webhooks/receive/:id',
    {
      config: { access: 'public' },
      schema: {
        tags: ['webhooks'],
        summary: 'Receive a provider’s event (public, HMAC-verified)',
        description,
        params: IdParams,
        response: {
          200: Type.Union([
            Type.Object({
              status: Type.String({ description: 'accepted | ignored | duplicate' }),
              event_id: Type.String(),
            }),
            Type.Record(Type.String(), Type.Unknown(), {
              description: 'A provider’s handshake answered (Slack’s url_verification: `{ challenge }`)',
            }),
          ]),
          ...errorResponses(400, 401, 404, 410, 413, 429),
        },
      },
    },
    receive,
  );
  app.get(
    '/webhooks/receive/:id',
    {
      config: { access: 'public' },
      schema: {
        tags: ['webhooks'],
        summary: 'A provider’s verification handshake (Okta event hooks’ one-time GET)',
        params: IdParams,
        response: { 200: Type.Unknown(), ...errorResponses(400, 401, 404, 410, 429) },
      },
    },
    receive,
  );
};

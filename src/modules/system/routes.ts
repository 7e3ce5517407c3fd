import Type from 'typebox';
import type { App } from '../../app.js';
import type { AppContext } from '../../context.js';
import { sameSecret } from '../../platform/crypto/tokens.js';
import { AppError } from '../../platform/errors.js';
import { DataEnvelope, errorResponses } from '../../platform/http/envelope.js';
import { readiness } from './readiness.js';

const Checks = Type.Object({
  database: Type.String(),
  migrations: Type.String(),
  redis: Type.String(),
});

/** Liveness, readiness and Prometheus metrics: what orchestrators and scrapers call. */
export async function systemRoutes(app: App, ctx: AppContext): Promise<void> {
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['operations'],
        summary: 'Liveness: the process is up',
        response: { 200: DataEnvelope(Type.Object({ status: Type.Literal('ok') })) },
      },
    },
    async () => ({ data: { status: 'ok' as const } }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['operations'],
        summary: 'Readiness: the database (and Redis, when configured) answer',
        response: {
          200: DataEnvelope(Type.Object({ status: Type.Literal('ready'), checks: Checks })),
          ...errorResponses(503),
        },
      },
    },
    async () => {
      const checks = await readiness(ctx);
      const failing = Object.entries(checks).filter(([, v]) => v !== 'ok' && v !== 'not_configured');
      if (failing.length > 0) {
        const message = `Not ready: ${failing.map(([name, v]) => `${name} ${v.replace('_', ' ')}`).join(', ')}`;
        throw new AppError('NOT_READY', message, { checks });
      }
      return { data: { status: 'ready' as const, checks } };
    },
  );

  app.get(
    '/metrics',
    {
      schema: {
        tags: ['operations'],
        summary: 'Prometheus metrics',
        description: 'Requires `Authorization: Bearer <SWITCHBOARD_METRICS_TOKEN>` when that is set.',
        response: { 200: Type.String(), ...errorResponses(401) },
      },
    },
    async (request, reply) => {
      const token = ctx.config.metricsToken;
      if (token) {
        const given = request.headers.authorization?.match(/^Bearer (.+)$/)?.[1];
        if (!given || !sameSecret(given, token))
          throw new AppError('UNAUTHORIZED', 'A valid metrics token is required');
      }
      reply.type(ctx.metrics.contentType);
      return ctx.metrics.render();
    },
  );
}

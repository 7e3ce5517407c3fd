import Type from 'typebox';
import type { ModuleRoutes } from '../../app.js';
import { errorResponses, PagedEnvelope, paged, pageQuery } from '../../platform/http/envelope.js';
import { invalidQuery, queryInstant } from '../../platform/http/query.js';
import { callerOf } from '../auth/guard.js';
import type { Actor } from '../auth/principal.js';

const ACTOR_TYPES = ['user', 'api_key', 'system'] as const satisfies readonly Actor['type'][];

const Nullable = Type.Union([Type.String(), Type.Null()]);

export const AuditEntryView = Type.Object({
  id: Type.String(),
  actor_type: Type.String(),
  actor_id: Nullable,
  actor_name: Nullable,
  action: Type.String(),
  target_type: Type.String(),
  target_id: Nullable,
  changed_fields: Type.Array(Type.String(), { description: 'Names of the changed fields, never values' }),
  request_id: Nullable,
  ip: Nullable,
  created_at: Type.String(),
});

/** The organisation's audit trail: who changed what, when, from where. */
export const auditRoutes: ModuleRoutes = async (app, { audit, ctx }) => {
  app.get(
    '/audit-logs',
    {
      config: { access: 'audit:read' },
      schema: {
        tags: ['audit'],
        summary: "List the organisation's audit entries",
        description: 'Newest first. `from` is inclusive, `to` exclusive.',
        querystring: Type.Object(
          {
            ...pageQuery({ defaultPerPage: 50, maxPerPage: 200 }),
            actor_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
            actor_type: Type.Optional(Type.Enum([...ACTOR_TYPES])),
            action: Type.Optional(
              Type.String({ minLength: 1, maxLength: 100, description: 'e.g. api_key.created' }),
            ),
            target_type: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
            target_id: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
            from: Type.Optional(Type.String({ format: 'date-time', description: 'At or after this time' })),
            to: Type.Optional(Type.String({ format: 'date-time', description: 'Before this time' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: PagedEnvelope(AuditEntryView), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const q = request.query;
      const from = queryInstant('from', q.from);
      const to = queryInstant('to', q.to);
      if (from !== undefined && to !== undefined && from > to) throw invalidQuery('to', 'is before from');
      const { rows, total } = await audit.list(
        callerOf(request, ctx.clock),
        {
          actorId: q.actor_id,
          actorType: q.actor_type,
          action: q.action,
          targetType: q.target_type,
          targetId: q.target_id,
          from,
          to,
        },
        q,
      );
      return paged(rows, q, total);
    },
  );
};

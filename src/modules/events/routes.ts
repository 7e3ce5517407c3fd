import Type from 'typebox';
import type { ModuleRoutes } from '../../app.js';
import { errorResponses } from '../../platform/http/envelope.js';
import { invalidQuery, queryInstant } from '../../platform/http/query.js';
import { callerOf } from '../auth/guard.js';
import { EVENT_TYPE_NAMES } from './catalogue.js';
import { eventView } from './view.js';

const EventView = Type.Object({
  id: Type.String({ description: 'UUIDv7: ids sort by time' }),
  type: Type.String({ description: 'One of `GET /event-types`' }),
  version: Type.Integer({ description: "The version of the type's payload schema" }),
  subject: Type.Object({ type: Type.String(), id: Type.String() }),
  payload: Type.Record(Type.String(), Type.Unknown(), { description: "Valid against the type's schema" }),
  occurred_at: Type.String(),
});

const CursorPagination = Type.Object({
  per_page: Type.Integer({ minimum: 1 }),
  next_cursor: Type.Union([Type.String(), Type.Null()], {
    description: 'Pass as `cursor` for the next (older) page; null on the last page',
  }),
});

/** The cursor is the last event's id, wrapped so that clients treat it as opaque. */
const encodeCursor = (id: string) => Buffer.from(id).toString('base64url');

function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const id = Buffer.from(cursor, 'base64url').toString();
  if (!/^[0-9a-f-]{36}$/.test(id)) throw invalidQuery('cursor', 'is not a cursor this API gave');
  return id;
}

/** The event outbox as an API: an organisation's events (the event types: webhook-endpoints/event-type-routes.ts). */
export const eventRoutes: ModuleRoutes = async (app, { events, ctx }) => {
  app.get(
    '/events',
    {
      config: { access: 'events:read' },
      schema: {
        tags: ['events'],
        summary: "List the organisation's events",
        description:
          "Newest first, paged by cursor: an answer's `pagination.next_cursor` is the `cursor` of the next (older) page. Events are kept for SWITCHBOARD_EVENT_RETENTION_DAYS.",
        querystring: Type.Object(
          {
            per_page: Type.Integer({
              minimum: 1,
              maximum: 200,
              default: 50,
              description: 'Items per page (max 200)',
            }),
            cursor: Type.Optional(
              Type.String({ minLength: 1, maxLength: 100, description: 'From `next_cursor`' }),
            ),
            type: Type.Optional(Type.Enum([...EVENT_TYPE_NAMES])),
            subject_id: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
            since: Type.Optional(
              Type.String({ format: 'date-time', description: 'Events at or after this time' }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ data: Type.Array(EventView), pagination: CursorPagination }),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request) => {
      const q = request.query;
      // One more than a page tells whether another page follows.
      const rows = await events.list(
        callerOf(request, ctx.clock),
        {
          type: q.type,
          subjectId: q.subject_id,
          since: queryInstant('since', q.since),
          before: decodeCursor(q.cursor),
        },
        q.per_page + 1,
      );
      const page = rows.slice(0, q.per_page);
      const last = page[page.length - 1];
      return {
        data: page.map(eventView),
        pagination: {
          per_page: q.per_page,
          next_cursor: rows.length > q.per_page && last ? encodeCursor(last.id) : null,
        },
      };
    },
  );
};

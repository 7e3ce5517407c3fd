import Type from 'typebox';
import type { ModuleRoutes } from '../../app.js';
import { DataEnvelope, errorResponses, FreeObject, Nullable } from '../../platform/http/envelope.js';
import { IdParams, PathId } from '../../platform/http/params.js';
import { callerOf } from '../auth/guard.js';
import { MAX_QUERY_LENGTH } from './query.js';

const Query = Type.String({
  minLength: 1,
  maxLength: MAX_QUERY_LENGTH,
  description:
    'Words to find in the records’ values (not their field names), all of them; `"a phrase"` as written, ' +
    '`a OR b` either, `-word` not. Case is ignored, accents are not; punctuation separates words ' +
    '(`alice@acme.com` is the phrase `alice acme com`). Nothing typed is a syntax error: a query with no ' +
    'word to look for finds nothing.',
});
const Entity = Type.String({ minLength: 1, maxLength: 100 });
const Limit = Type.Integer({ minimum: 1, maximum: 100, default: 10, description: 'Results per connection' });
const Offset = Type.Integer({
  minimum: 0,
  maximum: 10_000,
  default: 0,
  description: 'Results skipped in each connection (pages of `limit`)',
});

const Live = Type.Union(
  [Type.Literal('none'), Type.Literal('complete'), Type.Literal('timed_out'), Type.Literal('failed')],
  {
    description:
      'The connector’s live search at its provider: `none` (it has none, or the connection is disabled, or a ' +
      'date range was asked), `complete`, `timed_out` (past SWITCHBOARD_SEARCH_TIMEOUT_MS; answered without ' +
      'it), `failed` (the provider refused or failed)',
  },
);

const Item = Type.Object({
  connection_id: Type.String(),
  connection_name: Type.String(),
  integration_slug: Type.String(),
  integration_name: Type.String(),
  entity: Type.String(),
  id: Type.String({ description: 'The record’s id at the provider' }),
  title: Type.String({
    description:
      'Its title, name, display name, full name, summary, subject, email, login or key; else entity and id',
  }),
  data: FreeObject('The record as the provider sent it (just now, for a live result)'),
  score: Nullable(
    Type.Number({
      description:
        'Text relevance (bm25 on SQLite, ts_rank on PostgreSQL), higher is better, comparable within one ' +
        'search; null for a record found only by the live search',
    }),
  ),
  source: Type.Union([Type.Literal('stored'), Type.Literal('live')], {
    description: '`live` when the provider returned it just now (its data then wins over the stored copy)',
  }),
  updated_at: Nullable(
    Type.String({ description: 'When its stored copy last changed; null when found only live' }),
  ),
});

const ResultsDescription =
  'Each connection’s `limit` best matches after `offset`: its stored matches by relevance, interleaved by ' +
  'rank with its live hits that are no stored record (a stored match the provider also returned shows the ' +
  'provider’s data). Across connections, by rank within their connection, then by relevance.';

const Common = {
  results: Type.Array(Item, { description: ResultsDescription }),
  total: Type.Integer({
    minimum: 0,
    description: 'Matches in all (live hits that are no stored match count too)',
  }),
  took: Type.Integer({ minimum: 0, description: 'Milliseconds the search took' }),
  has_more: Type.Boolean({ description: 'Whether a connection has matches past this page' }),
  partial: Type.Boolean({
    description:
      'True when a live search timed out or failed: the results hold the stored matches without it',
  }),
};

const FederatedView = Type.Object({
  ...Common,
  by_integration: Type.Record(Type.String(), Type.Array(Item), {
    description: 'The results grouped by connection id',
  }),
  by_entity: Type.Record(Type.String(), Type.Array(Item), { description: 'The results grouped by entity' }),
  integration_status: Type.Record(
    Type.String(),
    Type.Object({
      name: Type.String(),
      total: Type.Integer({ minimum: 0 }),
      has_more: Type.Boolean(),
      live: Live,
    }),
    {
      description:
        'Per connection id: every connection named in `integrations`; without them, those with a match or a ' +
        'live search',
    },
  ),
});

const ConnectionView = Type.Object({ ...Common, live: Live });

const SearchBody = Type.Object(
  {
    query: Query,
    integrations: Type.Optional(
      Type.Array(PathId, {
        maxItems: 100,
        description: 'Connection ids to search; every connection of the organisation when absent',
      }),
    ),
    entities: Type.Optional(Type.Array(Entity, { maxItems: 50, description: 'Only these entities' })),
    filters: Type.Optional(
      Type.Object(
        {
          date_range: Type.Optional(
            Type.Object(
              {
                start: Type.Optional(Type.String({ format: 'date-time' })),
                end: Type.Optional(Type.String({ format: 'date-time' })),
              },
              {
                additionalProperties: false,
                description:
                  'Records stored (synced new or changed) within it, both ends inclusive; live searches are ' +
                  'skipped, a provider knowing nothing of it',
              },
            ),
          ),
          entity_types: Type.Optional(
            Type.Array(Entity, { maxItems: 50, description: 'Only these entities (with `entities`: both)' }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    limit: Limit,
    offset: Offset,
  },
  { additionalProperties: false },
);

const access = 'preview:read';

const SEARCHED =
  'Searches the records the connections’ syncs stored (deleted ones left out) with the database’s ' +
  'full-text index, and, for connectors that search their provider live, their live hits, each bounded by ' +
  'SWITCHBOARD_SEARCH_TIMEOUT_MS. A user who connected their own credential to a connection (user-scoped ' +
  'connections) searches it live with that credential; nobody else ever does. Another organisation’s ' +
  'connection answers 404.';

/** Federated search (integration-provider-api.md, "Search Endpoints"), in the engine's style. */
export const searchRoutes: ModuleRoutes = async (app, { ctx, search }) => {
  const { clock } = ctx;

  app.post(
    '/integrations/search',
    {
      config: { access },
      schema: {
        tags: ['search'],
        summary: 'Search the records of the organisation’s connections',
        description: SEARCHED,
        body: SearchBody,
        response: { 200: DataEnvelope(FederatedView), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => ({ data: await search.search(callerOf(request, clock), request.body) }),
  );

  app.get(
    '/integration-connections/:id/search',
    {
      config: { access },
      schema: {
        tags: ['search'],
        summary: 'Search the records of one connection',
        description: SEARCHED,
        params: IdParams,
        querystring: Type.Object(
          {
            query: Query,
            entities: Type.Optional(
              Type.Array(Type.String({ maxLength: 1000 }), {
                maxItems: 50,
                description: 'Only these entities, repeated or comma-separated',
              }),
            ),
            limit: Limit,
            offset: Offset,
          },
          { additionalProperties: false },
        ),
        response: { 200: DataEnvelope(ConnectionView), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { query, limit, offset } = request.query;
      const entities = request.query.entities
        ?.flatMap((value) => value.split(','))
        .map((entity) => entity.trim())
        .filter((entity) => entity !== '');
      return {
        data: await search.searchConnection(callerOf(request, clock), request.params.id, {
          query,
          limit,
          offset,
          // `entities=` names none: no filter, as when absent.
          ...(entities && entities.length > 0 ? { entities } : {}),
        }),
      };
    },
  );
};

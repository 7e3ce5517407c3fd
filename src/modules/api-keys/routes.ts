import Type from 'typebox';
import type { ModuleRoutes } from '../../app.js';
import {
  DataEnvelope,
  errorResponses,
  PagedEnvelope,
  paged,
  pageQuery,
} from '../../platform/http/envelope.js';
import { IdParams } from '../../platform/http/params.js';
import { callerOf, userOf } from '../auth/guard.js';
import { PERMISSIONS } from '../auth/permissions.js';

const Nullable = Type.Union([Type.String(), Type.Null()]);

export const ApiKeyView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  prefix: Type.String({ description: 'The first characters of the key, to recognise it by; not secret' }),
  scopes: Type.Array(Type.String()),
  created_by: Nullable,
  expires_at: Type.String(),
  revoked_at: Nullable,
  last_used_at: Nullable,
  usage_count: Type.Integer(),
  created_at: Type.String(),
});

const NewApiKeyView = Type.Object({
  ...ApiKeyView.properties,
  key: Type.String({ description: 'The key itself, shown only in this response: store it now' }),
});

/** The organisation's API keys: `Authorization: Bearer sk_…` with a subset of its creator's rights. */
export const apiKeyRoutes: ModuleRoutes = async (app, { ctx, apiKeys }) => {
  const { expiryDays } = ctx.config.apiKeys;

  app.get(
    '/api-keys',
    {
      config: { access: 'api_keys:manage' },
      schema: {
        tags: ['api-keys'],
        summary: "List the organisation's API keys",
        description: 'Newest first. Keys themselves are never shown again after creation.',
        querystring: Type.Object({ ...pageQuery() }, { additionalProperties: false }),
        response: { 200: PagedEnvelope(ApiKeyView), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { rows, total } = await apiKeys.list(callerOf(request, ctx.clock), request.query);
      return paged(rows, request.query, total);
    },
  );

  app.post(
    '/api-keys',
    {
      config: { access: 'api_keys:manage' },
      schema: {
        tags: ['api-keys'],
        summary: 'Create an API key',
        description:
          'The key is in this response only. Scopes must be permissions the caller holds; a key is ' +
          "also limited, on every request, to what its creator's role still grants.",
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 255 }),
            scopes: Type.Array(Type.Enum([...PERMISSIONS]), { minItems: 1, uniqueItems: true }),
            expires_in_days: Type.Optional(
              Type.Integer({
                minimum: 1,
                maximum: 3650,
                description: `Lifetime in days (default ${expiryDays}, set by API_KEY_EXPIRY)`,
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 201: DataEnvelope(NewApiKeyView), ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      // Only a person receives a key's secret: a key must not mint or re-mint keys.
      const principal = userOf(request);
      const { name, scopes, expires_in_days: expiresInDays } = request.body;
      const key = await apiKeys.create(callerOf(request, ctx.clock, principal), principal, {
        name,
        scopes,
        expiresInDays,
      });
      return reply.code(201).send({ data: key });
    },
  );

  app.delete(
    '/api-keys/:id',
    {
      config: { access: 'api_keys:manage' },
      schema: {
        tags: ['api-keys'],
        summary: 'Revoke an API key',
        description: 'The key is refused from the next request on. Revoking a revoked key changes nothing.',
        params: IdParams,
        response: { 204: Type.Null({ description: 'Revoked' }), ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await apiKeys.revoke(callerOf(request, ctx.clock), request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api-keys/:id/rotate',
    {
      config: { access: 'api_keys:manage' },
      schema: {
        tags: ['api-keys'],
        summary: 'Rotate an API key',
        description:
          'Gives the key a new value, shown in this response only; the old value is refused at once. ' +
          'Name, scopes and expiry stay.',
        params: IdParams,
        response: { 200: DataEnvelope(NewApiKeyView), ...errorResponses(401, 403, 404, 409) },
      },
    },
    async (request) => {
      // Only a person receives a key's secret: a key must not mint or re-mint keys.
      const principal = userOf(request);
      const key = await apiKeys.rotate(callerOf(request, ctx.clock, principal), principal, request.params.id);
      return { data: key };
    },
  );
};

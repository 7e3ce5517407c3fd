import Type from 'typebox';
import type { ModuleRoutes } from '../../app.js';
import { randomToken, sha256Hex } from '../../platform/crypto/tokens.js';
import {
  DataEnvelope,
  errorResponses,
  PagedEnvelope,
  paged,
  pageQuery,
} from '../../platform/http/envelope.js';
import { AppError } from '../../platform/http/errors.js';
import { newId } from '../../platform/ids.js';
import { recordAudit } from '../audit/service.js';
import { principalOf, userOf } from '../auth/guard.js';
import { PERMISSIONS } from '../auth/permissions.js';
import { actorOf, type Principal } from '../auth/principal.js';
import { recordEvent } from '../events/outbox.js';
import {
  type ApiKeyRow,
  findApiKey,
  insertApiKey,
  listApiKeys,
  replaceApiKeySecret,
  revokeApiKey,
} from './store.js';

const DAY_MS = 86_400_000;
// Enough of the random part to tell keys apart in a list; far too little to help guess the rest.
const DISPLAY_CHARS = 8;

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

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

/** A key exists in clear only in the response that hands it out; the database keeps its hash. */
function newSecret(keyPrefix: string): { key: string; prefix: string; keyHash: string } {
  const key = `${keyPrefix}${randomToken(32)}`;
  return { key, prefix: key.slice(0, keyPrefix.length + DISPLAY_CHARS), keyHash: sha256Hex(key) };
}

/** Whoever receives a key's secret must hold every scope it carries, so a key never exceeds its holder. */
function requireGrantable(principal: Principal, scopes: readonly string[]): void {
  const granted: ReadonlySet<string> = principal.permissions;
  const denied = scopes.filter((s) => !granted.has(s));
  if (denied.length > 0) {
    throw new AppError('FORBIDDEN', `You may not grant: ${denied.join(', ')}`, { scopes: denied });
  }
}

/** The organisation's API keys: `Authorization: Bearer sk_…` with a subset of its creator's rights. */
export const apiKeyRoutes: ModuleRoutes = async (app, { ctx, principalCache }) => {
  const db = ctx.database.db;
  const { prefix: keyPrefix, expiryDays } = ctx.config.apiKeys;

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
      const { rows, total } = await listApiKeys(db, principalOf(request).orgId, request.query);
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
      const { name, scopes, expires_in_days: days = expiryDays } = request.body;
      requireGrantable(principal, scopes);
      const now = ctx.clock.now();
      const secret = newSecret(keyPrefix);
      const key: ApiKeyRow = {
        id: newId(),
        name,
        prefix: secret.prefix,
        scopes,
        created_by: principal.id,
        expires_at: new Date(now.getTime() + days * DAY_MS).toISOString(),
        revoked_at: null,
        last_used_at: null,
        usage_count: 0,
        created_at: now.toISOString(),
      };
      await db.transaction().execute(async (tx) => {
        await insertApiKey(tx, principal.orgId, key, secret.keyHash);
        await recordAudit(
          tx,
          actorOf(principal, request),
          {
            orgId: principal.orgId,
            action: 'api_key.created',
            targetType: 'api_key',
            targetId: key.id,
            changedFields: ['name', 'scopes', 'expires_at'],
          },
          now,
        );
        await recordEvent(
          tx,
          {
            type: 'api_key.created',
            orgId: principal.orgId,
            subjectId: key.id,
            payload: { name: key.name, scopes: [...key.scopes], expires_at: key.expires_at },
          },
          now,
        );
      });
      return reply.code(201).send({ data: { ...key, key: secret.key } });
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
      const principal = principalOf(request);
      const { id } = request.params;
      const now = ctx.clock.now();
      await db.transaction().execute(async (tx) => {
        if (await revokeApiKey(tx, principal.orgId, id, now.toISOString())) {
          await recordAudit(
            tx,
            actorOf(principal, request),
            {
              orgId: principal.orgId,
              action: 'api_key.revoked',
              targetType: 'api_key',
              targetId: id,
              changedFields: ['revoked_at'],
            },
            now,
          );
          const revoked = await findApiKey(tx, principal.orgId, id);
          await recordEvent(
            tx,
            {
              type: 'api_key.revoked',
              orgId: principal.orgId,
              subjectId: id,
              payload: { name: revoked?.name ?? '' },
            },
            now,
          );
        } else if (!(await findApiKey(tx, principal.orgId, id))) {
          throw new AppError('API_KEY_NOT_FOUND');
        }
      });
      await principalCache.invalidate();
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
      const { id } = request.params;
      const now = ctx.clock.now();
      const secret = newSecret(keyPrefix);
      const key = await db.transaction().execute(async (tx) => {
        const key = await findApiKey(tx, principal.orgId, id);
        if (!key) throw new AppError('API_KEY_NOT_FOUND');
        requireGrantable(principal, key.scopes);
        if (key.revoked_at !== null) throw new AppError('API_KEY_INACTIVE', 'API key is revoked');
        if (new Date(key.expires_at) <= now) throw new AppError('API_KEY_INACTIVE', 'API key has expired');
        // Conditional on the key still being live: a revocation that won the race stays in force.
        if (!(await replaceApiKeySecret(tx, principal.orgId, id, secret))) {
          throw new AppError('API_KEY_INACTIVE', 'API key is revoked');
        }
        await recordAudit(
          tx,
          actorOf(principal, request),
          {
            orgId: principal.orgId,
            action: 'api_key.rotated',
            targetType: 'api_key',
            targetId: id,
            changedFields: ['key'],
          },
          now,
        );
        await recordEvent(
          tx,
          { type: 'api_key.rotated', orgId: principal.orgId, subjectId: id, payload: { name: key.name } },
          now,
        );
        return { ...key, prefix: secret.prefix };
      });
      await principalCache.invalidate();
      return { data: { ...key, key: secret.key } };
    },
  );
};

import Type from 'typebox';
import type { ModuleRoutes } from '../../app.js';
import { DataEnvelope, errorResponses, Nullable } from '../../platform/http/envelope.js';
import { IdParams } from '../../platform/http/params.js';
import { callerOf, userOf } from '../auth/guard.js';
import { OAUTH_STATE_TTL_MS } from './oauth.js';
import { DisconnectedView, ReturnUrlBody, StartedView, Status } from './routes.js';

/** Until the user has connected, only `connected: false` (the spec's shape). */
const UserConnectionView = Type.Object({
  connection_id: Type.Optional(Type.String()),
  connected: Type.Boolean({ description: 'Whether the credential can be used: `status` is `active`' }),
  status: Type.Optional(Status),
  expires_at: Type.Optional(Nullable(Type.String())),
  last_connected_at: Type.Optional(Nullable(Type.String())),
  validation_error: Type.Optional(Nullable(Type.String())),
});

const PERSONAL =
  'The credential belongs to the signed-in user alone: no other user, admin or not, can see or use it, ' +
  'and API keys cannot act on it. `:id` is the id of one of the organisation’s connections.';

/**
 * User-scoped connections (spec: integration-provider-api.md, user-scoped connection endpoints): a
 * user's own OAuth credential for one of the org's connections, which provides the OAuth client.
 */
export const userConnectRoutes: ModuleRoutes = async (app, { ctx, oauth, userCredentials: credentials }) => {
  /** The signed-in user, who may act only on their own credential, and their Caller. */
  const userCallerOf = (request: Parameters<typeof userOf>[0]) => {
    const user = userOf(request);
    return { user, caller: callerOf(request, ctx.clock, user) };
  };

  app.post(
    '/user/integrations/:id/connect/oauth',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['connections'],
        summary: 'Start the OAuth2 flow for your own credential to a connection',
        description:
          `${PERSONAL} The flow is the connection's (PKCE S256; the state is single-use and expires in ` +
          `${OAUTH_STATE_TTL_MS / 60_000} minutes); the tokens are stored as yours, not the connection's.`,
        params: IdParams,
        body: ReturnUrlBody,
        response: { 200: DataEnvelope(StartedView), ...errorResponses(400, 401, 403, 404, 422) },
      },
    },
    async (request) => {
      const { user, caller } = userCallerOf(request);
      const started = await oauth.start(caller, request.params.id, request.body.return_url, {
        scope: 'user',
        userId: user.id,
      });
      return { data: started };
    },
  );

  app.get(
    '/user/integrations/:id/connection',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['connections'],
        summary: 'The state of your own credential to a connection',
        description:
          `${PERSONAL} Until you have connected, \`{ "connected": false }\` alone. ` +
          '404 `USER_CREDENTIAL_NOT_FOUND` when the connection does not use OAuth.',
        params: IdParams,
        response: { 200: DataEnvelope(UserConnectionView), ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const { user, caller } = userCallerOf(request);
      return { data: await credentials.connection(caller, user.id, request.params.id) };
    },
  );

  app.post(
    '/user/integrations/:id/disconnect',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['connections'],
        summary: 'Revoke and delete your own credential to a connection',
        description:
          `${PERSONAL} The tokens are revoked at the provider when the integration declares a revocation ` +
          'endpoint (outcome in `revocation`), then deleted; the credential then reads `revoked`.',
        params: IdParams,
        response: { 200: DataEnvelope(DisconnectedView), ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const { user, caller } = userCallerOf(request);
      return { data: await credentials.disconnect(caller, user.id, request.params.id) };
    },
  );
};

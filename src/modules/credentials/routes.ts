import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import type { ModuleRoutes } from '../../app.js';
import { DataEnvelope, errorResponses, Nullable } from '../../platform/http/envelope.js';
import { IdParams } from '../../platform/http/params.js';
import { callerOf, principalOf } from '../auth/guard.js';
import type { Config } from '../connections/secrets.js';
import { OAUTH_STATE_TTL_MS } from './oauth.js';
import { CREDENTIAL_STATUSES, type DirectAuthType } from './service.js';

const Credentials = Type.Record(Type.String(), Type.Unknown(), {
  minProperties: 1,
  maxProperties: 100,
  description: "Fields of the integration's config_schema",
});

export const Status = Type.Enum([...CREDENTIAL_STATUSES]);

export const ReturnUrlBody = Type.Object(
  { return_url: Type.String({ minLength: 1, maxLength: 2048 }) },
  { additionalProperties: false },
);

export const StartedView = Type.Object({ authorization_url: Type.String(), state: Type.String() });

export const RevocationView = Type.Object(
  {
    status: Type.Enum(['revoked', 'failed', 'unsupported', 'skipped'], {
      description:
        '`revoked` at the provider (RFC 7009); `failed` (see `error`; the tokens are deleted here anyway); ' +
        '`unsupported`: the integration declares no revocation endpoint; `skipped`: no token was stored',
    }),
    error: Nullable(Type.String()),
  },
  { description: 'What the provider said when asked to revoke the OAuth tokens' },
);

const ConnectedView = Type.Object({
  connection_id: Type.String(),
  status: Status,
  validated_at: Nullable(Type.String()),
  validation_error: Nullable(Type.String()),
  test_result: Type.Object({
    test_result: Type.Enum(['success', 'failed']),
    message: Type.String(),
    details: Type.Record(Type.String(), Type.Unknown()),
    tested_at: Type.String(),
  }),
});

const ConnectionView = Type.Object({
  connection_id: Type.String(),
  status: Status,
  expires_at: Nullable(Type.String()),
  last_validated_at: Nullable(Type.String()),
  validation_error: Nullable(Type.String()),
});

export const DisconnectedView = Type.Object({
  connection_id: Type.String(),
  status: Status,
  disconnected_at: Type.String(),
  revocation: RevocationView,
});

const connectResponses = {
  200: DataEnvelope(ConnectedView),
  ...errorResponses(400, 401, 403, 404, 409, 422),
};

const connectSchema = <B extends Parameters<typeof Type.Object>[0]>(
  kind: DirectAuthType,
  summary: string,
  body: B,
) => ({
  tags: ['connections'],
  summary,
  description:
    `Only for an integration whose auth_type is \`${kind}\`. The credential is merged into the config, ` +
    'encrypted, and tested: status `active` when the test passes, `error` with `validation_error` when it fails.',
  params: IdParams,
  body: Type.Object(body, { additionalProperties: false }),
  response: connectResponses,
});

/** Connect flows (spec: integration-provider-api.md, connect and status). */
export const connectRoutes: ModuleRoutes = async (app, { ctx, credentials, oauth }) => {
  const connect = (request: FastifyRequest, id: string, kind: DirectAuthType, input: Config) =>
    credentials.connect(callerOf(request, ctx.clock), id, kind, input);

  app.post(
    '/integration-connections/:id/connect/api-key',
    {
      config: { access: 'connections:update' },
      schema: connectSchema('api_key', "Connect with an API key, stored in the integration's secret field", {
        api_key: Type.String({ minLength: 1, maxLength: 4096 }),
      }),
    },
    async (request) => ({
      data: await connect(request, request.params.id, 'api_key', { api_key: request.body.api_key }),
    }),
  );

  app.post(
    '/integration-connections/:id/connect/basic',
    {
      config: { access: 'connections:update' },
      schema: connectSchema('basic', 'Connect with a username and password', {
        username: Type.String({ minLength: 1, maxLength: 1024 }),
        password: Type.String({ minLength: 1, maxLength: 4096 }),
      }),
    },
    async (request) => ({ data: await connect(request, request.params.id, 'basic', { ...request.body }) }),
  );

  app.post(
    '/integration-connections/:id/connect/custom',
    {
      config: { access: 'connections:update' },
      schema: connectSchema('custom', 'Connect with provider-specific credentials', {
        credentials: Credentials,
      }),
    },
    async (request) => ({
      data: await connect(request, request.params.id, 'custom', request.body.credentials),
    }),
  );

  app.post(
    '/integration-connections/:id/connect/oauth',
    {
      config: { access: 'connections:update' },
      schema: {
        tags: ['connections'],
        summary: 'Start the OAuth2 authorization-code flow (PKCE)',
        description:
          'Only for an integration whose auth_type is `oauth2`, with `client_id` and `client_secret` in the ' +
          `config. Send the browser to \`authorization_url\`; the state is single-use and expires in ${OAUTH_STATE_TTL_MS / 60_000} minutes. ` +
          '`return_url` must be on an allowed origin (SWITCHBOARD_OAUTH_RETURN_ORIGINS).',
        params: IdParams,
        body: ReturnUrlBody,
        response: { 200: DataEnvelope(StartedView), ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const started = await oauth.start(
        callerOf(request, ctx.clock, principal),
        request.params.id,
        request.body.return_url,
        { scope: 'connection', userId: principal.userId },
      );
      return { data: started };
    },
  );

  app.get(
    '/integrations/oauth/callback',
    {
      // Limited like the module's other routes, per address as nobody is signed in: anyone can call
      // it and each call costs lookups and perhaps a token exchange, while a person's browser only
      // comes back here once per connect.
      config: { access: 'public' },
      schema: {
        tags: ['connections'],
        summary: "The OAuth provider's redirect: exchanges the code and sends the browser to return_url",
        description:
          'Redirects (302) to the `return_url` given at connect/oauth with `status=success&connection_id=…` ' +
          'or `status=error&error=…`. An unknown, expired or used state answers 400: there is no trusted place to redirect to. ' +
          "The state decides where the tokens go: the connection's credential, or, for a flow started at " +
          "/user/integrations/:id/connect/oauth, that user's own.",
        querystring: Type.Object({
          code: Type.Optional(Type.String({ maxLength: 4096 })),
          state: Type.Optional(Type.String({ maxLength: 512 })),
          iss: Type.Optional(Type.String({ maxLength: 2048 })),
          error: Type.Optional(Type.String({ maxLength: 256 })),
          error_description: Type.Optional(Type.String({ maxLength: 4096 })),
        }),
        response: { 302: Type.Null(), ...errorResponses(400) },
      },
    },
    async (request, reply) => {
      const location = await oauth.callback(request.query, request, ctx.clock.now());
      return reply.redirect(location, 302);
    },
  );

  app.get(
    '/integration-connections/:id/connection',
    {
      config: { access: 'connections:read' },
      schema: {
        tags: ['connections'],
        summary: "The state of the connection's credential",
        params: IdParams,
        response: { 200: DataEnvelope(ConnectionView), ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => ({
      data: await credentials.connection(callerOf(request, ctx.clock), request.params.id),
    }),
  );

  app.patch(
    '/integration-connections/:id/credentials',
    {
      config: { access: 'connections:update' },
      schema: {
        tags: ['connections'],
        summary: 'Replace secret fields of the credential and test it again',
        description: 'Not for OAuth connections. Each key must be a secret field of the config_schema.',
        params: IdParams,
        body: Type.Object({ credentials: Credentials }, { additionalProperties: false }),
        response: connectResponses,
      },
    },
    async (request) => {
      const result = await credentials.update(
        callerOf(request, ctx.clock),
        request.params.id,
        request.body.credentials,
      );
      return { data: result };
    },
  );

  app.post(
    '/integration-connections/:id/disconnect',
    {
      config: { access: 'connections:update' },
      schema: {
        tags: ['connections'],
        summary: 'Delete the stored credential; the connection goes back to pending_setup',
        description:
          'OAuth tokens are first revoked at the provider when the integration declares a revocation endpoint; ' +
          'the outcome is in `revocation`. A failed revocation does not keep the tokens: they are deleted either way.',
        params: IdParams,
        response: { 200: DataEnvelope(DisconnectedView), ...errorResponses(401, 403, 404, 409) },
      },
    },
    async (request) => {
      const result = await credentials.disconnect(callerOf(request, ctx.clock), request.params.id);
      return { data: result };
    },
  );
};

import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectorDefinition } from '../../src/connectors/sdk.js';
import { connectorContext } from '../../src/connectors/toolkit/context.js';
import { createLogger } from '../../src/platform/logging/logger.js';
import { createOutbound } from '../../src/platform/outbound/outbound.js';
import type { ProviderAuth } from '../../src/platform/outbound/provider-fetch.js';

const definition: ConnectorDefinition = {
  slug: 'chat',
  name: 'Chat',
  provider: 'chat',
  category: 'communication',
  shortDescription: 'A chat API',
  description: 'Installed by OAuth, or with a pasted bot token.',
  iconUrl: 'https://example.com/icon.svg',
  authType: 'oauth2',
  configSchema: { type: 'object', properties: { bot_token: { type: 'string', format: 'password' } } },
  capabilities: [],
  entities: [],
  version: '1.0.0',
  tags: [],
  api: {
    baseUrl: 'https://chat.invalid/',
    credential: { kind: 'header', header: 'authorization', prefix: 'Bearer ', field: 'bot_token' },
  },
};

/** An OAuth credential holding `token` (none stored when undefined), counting refreshes asked for. */
function oauthHolding(token: string | undefined) {
  const state = { refreshes: 0 };
  const auth: ProviderAuth = {
    authorize: async (headers) => {
      if (token) headers.set('authorization', `Bearer ${token}`);
    },
    refreshAfterUnauthorized: async () => {
      state.refreshes += 1;
      return false;
    },
  };
  return { auth, state };
}

/** An OAuth2 connector that also takes a pasted token: which credential a request carries. */
describe('the context’s credential for an OAuth2 connector with a config token', () => {
  let server: Server;
  let baseUrl: string;
  const seen: IncomingHttpHeaders[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid_auth"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const ctx = (oauth: ProviderAuth, config: Record<string, unknown>) =>
    connectorContext(
      definition,
      { ...config, base_url: baseUrl },
      {
        logger: createLogger('silent'),
        signal: new AbortController().signal,
        outbound: createOutbound({ allowPrivateNetworks: true, maxWaitMs: 1000 }),
        oauth,
      },
    );

  it('sends the OAuth token when there is one, and asks for a refresh after a 401', async () => {
    const { auth, state } = oauthHolding('oauth-token');
    const response = await ctx(auth, { bot_token: 'pasted' }).fetch('/auth.test');
    await response.discard();
    expect(seen.at(-1)?.authorization).toBe('Bearer oauth-token');
    expect(state.refreshes).toBe(1);
  });

  it('sends the pasted token while no OAuth token is stored, and never refreshes for it', async () => {
    const { auth, state } = oauthHolding(undefined);
    const response = await ctx(auth, { bot_token: 'pasted' }).fetch('/auth.test');
    expect(response.status).toBe(401);
    await response.discard();
    expect(seen.at(-1)?.authorization).toBe('Bearer pasted');
    expect(state.refreshes).toBe(0);
  });
});

// Entry point of the auth benchmark's server process: Switchboard's full app with one extra GET route
// that accepts a caller but does not require one, so that one handler serves anonymous, JWT and API
// key requests. It seeds an org, a user and a key, and prints a token and the key with its address.
import Type from 'typebox';
import { type App, buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { registerAccount } from '../../src/modules/auth/accounts.js';
import { randomToken } from '../../src/platform/crypto/tokens.js';
import { DataEnvelope } from '../../src/platform/http/envelope.js';
import { createLogger } from '../../src/platform/logging/logger.js';
import { openContext } from '../../src/runtime.js';

const BENCH_PATH = '/api/v1/bench/whoami';

// Exit normally on a signal, so that --cpu-prof and similar flags get to write their output.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(0));

async function seed(app: App): Promise<{ token: string; key: string }> {
  // Seeded through the same service registration uses: a user administering a new org.
  const { user, org } = await registerAccount(
    app.services.ctx.database.db,
    { email: 'bench@example.com', name: 'Bench', password: randomToken(), orgName: 'Bench' },
    { requestId: null, ip: null },
    new Date(),
  );
  const userId = user.id;
  const orgId = org.id;
  const token = (await app.services.sessions.start(userId, orgId)).access_token;
  // The key is made by the API itself, so the bench uses exactly the keys clients get.
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/api-keys',
    headers: { authorization: `Bearer ${token}` },
    payload: { name: 'bench', scopes: ['users:read'] },
  });
  if (res.statusCode !== 201) throw new Error(`could not create the bench API key: ${res.body}`);
  return { token, key: res.json().data.key };
}

async function main() {
  const config = loadConfig(process.env);
  const ctx = openContext(config, createLogger(config.logLevel));
  await ctx.database.migrate();
  const app = await buildApp(ctx, {
    surface: 'api',
    extraRoutes: async (api) => {
      api.get(
        BENCH_PATH.slice('/api/v1'.length),
        {
          config: { access: 'optional' },
          schema: {
            hide: true,
            response: {
              200: DataEnvelope(Type.Object({ caller: Type.Union([Type.String(), Type.Null()]) })),
            },
          },
        },
        async (request) => ({ data: { caller: request.principal?.kind ?? null } }),
      );
    },
  });
  const { token, key } = await seed(app);
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  process.stdout.write(`${JSON.stringify({ msg: 'listening', url: `${url}${BENCH_PATH}`, token, key })}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error}\n`);
  process.exit(1);
});

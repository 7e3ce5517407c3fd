import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { VERSION } from '../src/version.js';
import { testApp } from './helpers/app.js';
import { runCli, startCli } from './helpers/cli.js';
import { postgresDatabase, type TestDatabase, tempDir } from './helpers/databases.js';
import { DATABASE_URL, TEST_ENCRYPTION_KEY, TEST_JWT_SECRET } from './helpers/env.js';
import { seedUser } from './helpers/identity.js';

/** Each CLI test gets a data dir and, on Postgres runs, a database of its own. */
async function processEnv(): Promise<{ env: Record<string, string>; dataDir: string; db?: TestDatabase }> {
  const dataDir = tempDir();
  const db = DATABASE_URL ? await postgresDatabase(DATABASE_URL) : undefined;
  return {
    env: {
      SWITCHBOARD_DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      SWITCHBOARD_JWT_SECRET: TEST_JWT_SECRET,
      SWITCHBOARD_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
      ...(db ? { DATABASE_URL: db.url! } : {}),
    },
    dataDir,
    db,
  };
}

describe('switchboard CLI', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  it('prints its version', async () => {
    const { code, stdout } = await runCli(['version'], {});
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(`switchboard ${VERSION}`);
  });

  it('lists its commands in --help', async () => {
    const { code, stdout } = await runCli(['--help'], {});
    expect(code).toBe(0);
    for (const command of ['serve', 'api', 'worker', 'migrate', 'create-admin', 'rotate-key', 'version'])
      expect(stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
  });

  it('refuses a bad configuration, naming each variable, with exit code 2', async () => {
    const { code, stderr } = await runCli(['serve'], { PORT: 'eighty', LOG_LEVEL: 'chatty' });
    expect(code).toBe(2);
    expect(stderr).toContain('PORT must be integer (got "eighty")');
    expect(stderr).toContain('LOG_LEVEL must be one of');
  });

  it('migrates, then finds nothing left to do', async () => {
    const { env, db } = await processEnv();
    if (db) cleanups.push(() => db.drop());
    const first = await runCli(['migrate'], env);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/Applied \d+ migration\(s\): 0001_system_settings/);
    const second = await runCli(['migrate'], env);
    expect(second.stdout).toContain('Database is up to date');
  });

  it('serves, becomes ready, and on SIGTERM stops cleanly with exit code 0', async () => {
    const { env, dataDir, db } = await processEnv();
    if (db) cleanups.push(() => db.drop());
    const cli = startCli(['serve'], env);
    cleanups.push(async () => {
      cli.child.kill('SIGKILL');
    });
    const started = await cli.waitForLog((l) => l.msg === 'switchboard started');
    const url = String(started.url);
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect((await fetch(`${url}/api/v1/openapi.json`)).status).toBe(200);

    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
    expect(cli.stdout.some((l) => l.includes('"msg":"stopped"'))).toBe(true);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    if (!db) {
      // The SQLite connection was closed properly: the WAL was checkpointed and removed.
      expect(fs.existsSync(path.join(dataDir, 'switchboard.db'))).toBe(true);
      expect(fs.existsSync(path.join(dataDir, 'switchboard.db-wal'))).toBe(false);
    }
  });

  it('creates a super admin on first start, prints its generated password once, and it can log in', async () => {
    const { env, db } = await processEnv();
    if (db) cleanups.push(() => db.drop());
    const cli = startCli(['serve'], env);
    cleanups.push(async () => {
      cli.child.kill('SIGKILL');
    });
    const started = await cli.waitForLog((l) => l.msg === 'switchboard started');
    const printed = cli.stdout.join('\n');
    const password = printed.match(/Password \(shown once, change it after logging in\): (\S+)/)?.[1];
    expect(printed).toContain('Created super admin admin@switchboard.local');
    expect(password).toBeDefined();
    // Printed to the console, never into a JSON log line.
    expect(cli.stdout.filter((l) => l.startsWith('{')).join('\n')).not.toContain(password!);
    const login = await fetch(`${started.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'admin@switchboard.local', password }),
    });
    expect(login.status).toBe(200);
    const me = await fetch(`${started.url}/api/v1/auth/me`, {
      headers: {
        authorization: `Bearer ${((await login.json()) as { data: { access_token: string } }).data.access_token}`,
      },
    });
    expect(
      ((await me.json()) as { data: { user: { is_super_admin: boolean } } }).data.user.is_super_admin,
    ).toBe(true);
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);

    // A second start finds the admin and prints nothing.
    const again = startCli(['serve'], env);
    cleanups.push(async () => {
      again.child.kill('SIGKILL');
    });
    await again.waitForLog((l) => l.msg === 'switchboard started');
    expect(again.stdout.join('\n')).not.toContain('Created super admin');
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
  });

  it('with SWITCHBOARD_DEMO, seeds demo connections on the first start only and prints how to log in', async () => {
    const { env, db } = await processEnv();
    if (db) cleanups.push(() => db.drop());
    const demoEnv = { ...env, SWITCHBOARD_DEMO: 'true' };
    const cli = startCli(['serve'], demoEnv);
    cleanups.push(async () => {
      cli.child.kill('SIGKILL');
    });
    const started = await cli.waitForLog((l) => l.msg === 'switchboard started');
    const url = String(started.url);
    // The banner comes right after the log line; wait until it is complete.
    await expect.poll(() => cli.stdout.join('\n'), { timeout: 5000 }).toContain('password":"<password>"}\'');
    const printed = cli.stdout.join('\n');
    const password = printed.match(/Password \(shown once, change it after logging in\): (\S+)/)?.[1];
    expect(password).toBeDefined();
    expect(printed).toContain(`Docs:  ${url}/docs`);
    expect(printed).toContain(`curl -s ${url}/api/v1/auth/login`);
    const login = await fetch(`${url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'admin@switchboard.local', password }),
    });
    expect(login.status).toBe(200);
    const token = ((await login.json()) as { data: { access_token: string } }).data.access_token;
    const listDemo = async (base: string) => {
      const response = await fetch(`${base}/api/v1/integration-connections?sort=name&order=asc`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.status).toBe(200);
      const body = (await response.json()) as {
        data: {
          name: string;
          status: string;
          health: string;
          integration_slug: string;
          last_sync_status: string | null;
        }[];
      };
      return body.data.map((c) => ({
        name: c.name,
        status: c.status,
        health: c.health,
        slug: c.integration_slug,
        last_sync: c.last_sync_status,
      }));
    };
    // The connected ones get a first sync at once: `syncing` until it ends, then `completed`.
    const expected = [
      { name: 'Demo Code', status: 'connected', health: 'healthy', slug: 'demo', last_sync: 'completed' },
      {
        name: 'Demo Directory',
        status: 'connected',
        health: 'healthy',
        slug: 'demo',
        last_sync: 'completed',
      },
      { name: 'Demo Revoked Token', status: 'error', health: 'unhealthy', slug: 'demo', last_sync: null },
    ];
    await expect.poll(() => listDemo(url), { timeout: 10_000, interval: 50 }).toEqual(expected);
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);

    // A second start on the same database seeds and prints nothing more.
    const again = startCli(['serve'], demoEnv);
    cleanups.push(async () => {
      again.child.kill('SIGKILL');
    });
    const restarted = await again.waitForLog((l) => l.msg === 'switchboard started');
    expect(again.stdout.join('\n')).not.toContain('demo is ready');
    expect(await listDemo(String(restarted.url))).toEqual(expected);
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
  });

  it('create-admin takes the password from the environment, or promotes an existing account', async () => {
    const { env, db } = await processEnv();
    if (db) cleanups.push(() => db.drop());
    const adminEnv = { ...env, SWITCHBOARD_ADMIN_PASSWORD: 'a very long admin password' };
    const created = await runCli(
      ['create-admin', '--email', 'ops@example.com', '--password-from-env'],
      adminEnv,
    );
    expect(created.code).toBe(0);
    expect(created.stdout).toContain('Created super admin ops@example.com');
    expect(created.stdout).not.toContain('a very long admin password');
    const promoted = await runCli(['create-admin', '--email', 'ops@example.com'], env);
    expect(promoted.stdout).toContain('ops@example.com is now a super admin');
  });

  it('runs a worker that serves health and metrics but not the API', async () => {
    const { env, db } = await processEnv();
    if (db) cleanups.push(() => db.drop());
    expect((await runCli(['migrate'], env)).code).toBe(0);
    const cli = startCli(['worker'], env);
    cleanups.push(async () => {
      cli.child.kill('SIGKILL');
    });
    const started = await cli.waitForLog((l) => l.msg === 'switchboard started');
    expect(started.role).toBe('worker');
    const url = String(started.url);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    expect((await fetch(`${url}/metrics`)).status).toBe(200);
    expect((await fetch(`${url}/api/v1/openapi.json`)).status).toBe(404);
    cli.child.kill('SIGINT');
    expect(await cli.exited).toBe(0);
  });

  it('rotate-key re-encrypts stored credentials under the new key, and exits 1 when some do not decrypt', async () => {
    const { env, dataDir, db } = await processEnv();
    if (db) cleanups.push(() => db.drop());
    // One connection, sealed with the current key through the API, in the CLI's database.
    const t = await testApp({
      database: {
        options: db?.options ?? { kind: 'sqlite', file: path.join(dataDir, 'switchboard.db') },
        drop: async () => {},
      },
    });
    const admin = await seedUser(t);
    const demo = await t.ctx.database.db
      .selectFrom('integration_definitions')
      .select('id')
      .where('slug', '=', 'demo')
      .executeTakeFirstOrThrow();
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/integration-connections',
      headers: admin.auth,
      payload: { definition_id: demo.id, name: 'Demo', config: { api_token: 'sk-cli-rotation-secret' } },
    });
    expect(created.statusCode, created.body).toBe(201);
    await t.close();

    const newKey = Buffer.alloc(32, 9).toString('base64');
    const rotating = {
      ...env,
      SWITCHBOARD_ENCRYPTION_KEY: newKey,
      SWITCHBOARD_ENCRYPTION_OLD_KEYS: TEST_ENCRYPTION_KEY,
    };
    const first = await runCli(['rotate-key'], rotating);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('1 re-encrypted, 0 already current, 0 changed meanwhile, 0 failed');
    expect(first.stdout).not.toContain('sk-cli-rotation-secret');
    const second = await runCli(['rotate-key'], rotating);
    expect(second.stdout).toContain('0 re-encrypted, 1 already current');

    // Under a key that never sealed it, the connection is reported by id and the exit code is 1.
    const lost = await runCli(['rotate-key'], {
      ...env,
      SWITCHBOARD_ENCRYPTION_KEY: Buffer.alloc(32, 8).toString('base64'),
    });
    expect(lost.code).toBe(1);
    expect(lost.stderr).toContain(created.json().data.id);
    // Three child processes in a row: give them the time a loaded machine needs.
  }, 60_000);
});

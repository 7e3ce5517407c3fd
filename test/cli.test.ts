import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { VERSION } from '../src/version.js';
import { runCli, startCli } from './helpers/cli.js';
import { postgresDatabase, type TestDatabase, tempDir } from './helpers/databases.js';
import { DATABASE_URL, TEST_ENCRYPTION_KEY, TEST_JWT_SECRET } from './helpers/env.js';

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
    for (const command of ['serve', 'api', 'worker', 'migrate', 'create-admin', 'version'])
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
});

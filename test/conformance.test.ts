import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testApp } from './helpers/app.js';
import { sqliteDatabase, tempDir } from './helpers/databases.js';
import { seedUser } from './helpers/identity.js';

const modeOf = (file: string) => fs.statSync(file).mode & 0o777;

describe('the public URL follows PORT when SWITCHBOARD_PUBLIC_URL is unset', () => {
  it('builds invitation accept URLs on that port', async () => {
    const t = await testApp({ env: { PORT: '9123' } });
    try {
      const admin = await seedUser(t);
      const res = await t.app.inject({
        method: 'POST',
        url: `/api/v1/orgs/${admin.orgId}/invitations`,
        headers: admin.auth,
        payload: { email: 'port.follower@example.com', role: 'member' },
      });
      expect(res.statusCode, res.body).toBe(201);
      const { token, accept_url } = res.json().data;
      expect(accept_url).toBe(`http://localhost:9123/api/v1/invitations/${token}/accept`);
    } finally {
      await t.close();
    }
  });
});

describe('what a start creates in the data directory', () => {
  const root = tempDir();
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('is readable by its owner only: the directory, the database with its WAL and SHM, the keys', async () => {
    const dataDir = path.join(root, 'data');
    // The embedded mode: SQLite in a data directory Switchboard creates, keys generated into it.
    const t = await testApp({
      database: sqliteDatabase(dataDir),
      config: (c) => ({
        ...c,
        dataDir,
        auth: { ...c.auth, jwtSecret: undefined },
        encryption: { ...c.encryption, key: undefined },
      }),
    });
    try {
      expect(modeOf(dataDir)).toBe(0o700);
      const files = [
        'switchboard.db',
        'switchboard.db-wal',
        'switchboard.db-shm',
        'jwt-secret',
        'encryption-key',
      ];
      for (const file of files) expect([file, modeOf(path.join(dataDir, file))]).toEqual([file, 0o600]);
    } finally {
      await t.close();
    }
  });
});

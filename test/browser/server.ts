import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { postgresDatabase, tempDir } from '../helpers/databases.js';
import { DATABASE_URL, REDIS_URL, uniqueName } from '../helpers/env.js';
import { deleteKeysWithPrefix } from '../helpers/redis-keys.js';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The newest modification time under `dir` (files only), 0 when there is none. */
function newestUnder(dir: string): number {
  if (!fs.existsSync(dir)) return 0;
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    newest = Math.max(newest, fs.statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

const mtime = (file: string) => (fs.existsSync(file) ? fs.statSync(file).mtimeMs : 0);

/**
 * Runs `npm run build` when the build is missing or older than its sources (the app's or the
 * server's), so the suite tests what the tree holds; CI builds first, and then this costs nothing.
 * index.html stands for the whole build: `npm run build` writes it last, every time (tsc's
 * incremental build leaves unchanged outputs as they were).
 */
export function ensureBuilt(): void {
  const built = mtime(path.join(root, 'dist/web/index.html'));
  const sources = Math.max(
    newestUnder(path.join(root, 'src')),
    newestUnder(path.join(root, 'web/src')),
    mtime(path.join(root, 'web/index.html')),
  );
  if (built > sources && fs.existsSync(path.join(root, 'dist/main.js'))) return;
  const run = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, encoding: 'utf8' });
  if (run.status !== 0) {
    throw new Error(`npm run build failed (${run.status}):\n${run.stdout}\n${run.stderr}`);
  }
}

export interface Server {
  origin: string;
  admin: { email: string; password: string };
  stop(): Promise<void>;
}

/**
 * `switchboard serve` from the build, as `npm start` runs it (demo mode, so the admin's org holds
 * the demo connections), on a fresh SQLite data dir, or a database of its own when DATABASE_URL
 * is set (with Redis under a prefix of its own when REDIS_URL is).
 */
export async function startServer(): Promise<Server> {
  const dir = tempDir('switchboard-browser-');
  const db = DATABASE_URL ? await postgresDatabase(DATABASE_URL) : undefined;
  const redisPrefix = `${uniqueName('sbweb')}:`;
  const admin = { email: 'admin@browser.example', password: crypto.randomBytes(18).toString('base64url') };
  const child: ChildProcess = spawn(process.execPath, [path.join(root, 'dist/main.js'), 'serve'], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      SWITCHBOARD_DATA_DIR: dir,
      ...(db ? { DATABASE_URL: db.url } : {}),
      ...(REDIS_URL ? { REDIS_URL, REDIS_KEY_PREFIX: redisPrefix } : {}),
      SWITCHBOARD_JWT_SECRET: crypto.randomBytes(32).toString('hex'),
      SWITCHBOARD_ENCRYPTION_KEY: crypto.randomBytes(32).toString('base64'),
      SWITCHBOARD_ADMIN_EMAIL: admin.email,
      SWITCHBOARD_ADMIN_PASSWORD: admin.password,
      SWITCHBOARD_DEMO: 'true',
      // The app keeps its refresh token in the HttpOnly cookie.
      SWITCHBOARD_REFRESH_COOKIE: 'true',
      // A browser session makes more calls a minute than the management API's default limits allow.
      SWITCHBOARD_RATE_LIMITS: 'false',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const cleanUp = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
    fs.rmSync(dir, { recursive: true, force: true });
    await db?.drop();
    if (REDIS_URL) await deleteKeysWithPrefix(REDIS_URL, redisPrefix);
  };
  try {
    const origin = await new Promise<string>((resolve, reject) => {
      let buffer = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        const lines = buffer.split('\n');
        buffer = lines.pop() ?? '';
        for (const line of lines) {
          output.push(line);
          let parsed: { msg?: string; url?: string };
          try {
            parsed = JSON.parse(line) as { msg?: string; url?: string };
          } catch {
            continue;
          }
          if (parsed.msg === 'switchboard started' && parsed.url) resolve(parsed.url);
        }
      });
      void exited.then(() =>
        reject(new Error(`switchboard exited before it started:\n${output.join('\n')}`)),
      );
    });
    return { origin, admin, stop: cleanUp };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}

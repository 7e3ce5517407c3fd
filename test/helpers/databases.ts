import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { Config } from '../../src/config.js';
import { DATABASE_URL, uniqueName } from './env.js';

export interface TestDatabase {
  options: Config['database'];
  /** A URL a child process can use (Postgres: a database of its own). */
  url?: string;
  drop(): Promise<void>;
}

async function admin<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export function tempDir(prefix = 'switchboard-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function sqliteDatabase(dir = tempDir()): TestDatabase {
  return {
    options: { kind: 'sqlite', file: path.join(dir, 'switchboard.db') },
    async drop() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A schema of its own inside the run's database: cheap, and runs never collide. */
export async function postgresSchema(url: string): Promise<TestDatabase> {
  const schema = uniqueName('t');
  await admin(url, (c) => c.query(`create schema ${schema}`));
  return {
    options: { kind: 'postgres', url, poolMax: 5, schema },
    async drop() {
      await admin(url, (c) => c.query(`drop schema if exists ${schema} cascade`));
    },
  };
}

/** A whole database, for tests that start the CLI in a child process. */
export async function postgresDatabase(url: string): Promise<TestDatabase & { url: string }> {
  const name = uniqueName('sbtest');
  await admin(url, (c) => c.query(`create database ${name}`));
  const own = new URL(url);
  own.pathname = `/${name}`;
  return {
    options: { kind: 'postgres', url: own.toString(), poolMax: 5 },
    url: own.toString(),
    async drop() {
      await admin(url, (c) => c.query(`drop database if exists ${name} with (force)`));
    },
  };
}

/** The dialects this run covers: SQLite always, Postgres when DATABASE_URL is set. */
export const dialects: { name: 'sqlite' | 'postgres'; create(): Promise<TestDatabase> }[] = [
  { name: 'sqlite', create: async () => sqliteDatabase() },
  ...(DATABASE_URL ? [{ name: 'postgres' as const, create: () => postgresSchema(DATABASE_URL!) }] : []),
];

/** The database the suite runs on: Postgres when DATABASE_URL is set, else SQLite. */
export function suiteDatabase(): Promise<TestDatabase> {
  return DATABASE_URL ? postgresSchema(DATABASE_URL) : Promise.resolve(sqliteDatabase());
}

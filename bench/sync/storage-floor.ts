import { hash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { CompiledQuery } from 'kysely';
import type { Db } from '../../src/platform/db/database.js';
import { type PagedItem, pagedItem } from '../../test/fakes/paged-provider.js';
import { tempDir } from '../lib.js';

const [CONNECTION, ORG, RUN] = ['connection', 'org', 'run'].map((k) => `${k}-${'0'.repeat(26)}`);

/** The records as the engine gets them, parsed, a page at a time: made before a clock starts. */
function pagesOf(records: number, perPage: number): PagedItem[][] {
  const pages: PagedItem[][] = [];
  for (let first = 0; first < records; first += perPage) {
    pages.push(Array.from({ length: Math.min(perPage, records - first) }, (_, i) => pagedItem(first + i)));
  }
  return pages;
}

/** A page as any engine must store it: each record's JSON text and content hash. */
function storedRows(page: PagedItem[]) {
  return page.map((item) => {
    const json = JSON.stringify(item);
    return { id: item.id, json, hash: hash('sha1', json, 'base64url') };
  });
}

/**
 * The least any engine could spend storing a sync on this machine's SQLite: the provider's records,
 * a page of `perPage` at a time, each page one transaction with the lookup of the stored hashes and
 * one prepared insert per record, straight through better-sqlite3 (no query builder, no run stats,
 * no cursor, no logs), into a copy of the engine's own `sync_records` table and connection settings.
 * What the engine's storage costs above it is the engine's; what it costs at all, any engine pays.
 */
export function sqliteStorageFloorMs(tableSql: string, records: number, perPage: number): number {
  const dir = tempDir();
  const db = new BetterSqlite3(path.join(dir, 'floor.db'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    // The table without its foreign key: the floor has no connections table to point at.
    db.exec(
      tableSql.replace(/references\s+"?integration_connections"?\s*\("?id"?\)\s*on delete cascade/i, ''),
    );
    const lookup = db.prepare(
      `select external_id, content_hash, deleted_at from sync_records
       where connection_id = ? and entity = ? and external_id in (select value from json_each(?))`,
    );
    const insert = db.prepare(
      `insert into sync_records (connection_id, entity, external_id, org_id, content_hash, data,
         last_seen_run_id, deleted_at, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, null, ?, ?)`,
    );
    const started = performance.now();
    for (const page of pagesOf(records, perPage)) {
      const rows = storedRows(page);
      const at = new Date().toISOString();
      db.transaction(() => {
        lookup.all(CONNECTION, 'items', JSON.stringify(rows.map((r) => r.id)));
        for (const r of rows) insert.run(CONNECTION, 'items', r.id, ORG, r.hash, r.json, RUN, at, at);
      })();
    }
    return performance.now() - started;
  } finally {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The least any engine could spend storing a sync in this PostgreSQL: the same pages, each one
 * statement (one round trip, one commit) inserting its records from arrays, with no lookup, run
 * stats, cursor or logs, into a copy of the engine's own `sync_records` table (its indexes, not its
 * foreign key) in the engine's database. Dropped after.
 */
export async function postgresStorageFloorMs(db: Db, records: number, perPage: number) {
  const run = (text: string, parameters: unknown[] = []) =>
    db.executeQuery(CompiledQuery.raw(text, parameters));
  await run('create table floor_records (like sync_records including all)');
  try {
    const insert = `insert into floor_records (connection_id, entity, external_id, org_id, content_hash, data,
        last_seen_run_id, deleted_at, created_at, updated_at)
      select $1, 'items', r.external_id, $2, r.content_hash, r.data::jsonb, $3, null, $4::timestamptz, $4::timestamptz
      from unnest($5::text[], $6::text[], $7::text[]) as r (external_id, content_hash, data)`;
    const started = performance.now();
    for (const page of pagesOf(records, perPage)) {
      const rows = storedRows(page);
      const columns = [rows.map((r) => r.id), rows.map((r) => r.hash), rows.map((r) => r.json)];
      await run(insert, [CONNECTION, ORG, RUN, new Date().toISOString(), ...columns]);
    }
    return performance.now() - started;
  } finally {
    await run('drop table floor_records');
  }
}

import { hash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { type PagedItem, pagedItem } from '../../test/fakes/paged-provider.js';
import { tempDir } from '../lib.js';

/**
 * The least any engine could spend storing a sync on this machine's SQLite: the provider's records,
 * a page of `perPage` at a time, each page one transaction with the lookup of the stored hashes and
 * one prepared insert per record, straight through better-sqlite3 (no query builder, no run stats,
 * no cursor, no logs), into a copy of the engine's own `sync_records` table and connection settings.
 * What the engine's storage costs above it is the engine's; what it costs at all, any engine pays.
 */
export function storageFloorMs(tableSql: string, records: number, perPage: number): number {
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
    const [connection, org, run] = ['connection', 'org', 'run'].map((k) => `${k}-${'0'.repeat(26)}`);
    // The records as the engine gets them, parsed: made before the clock starts.
    const pages: PagedItem[][] = [];
    for (let first = 0; first < records; first += perPage) {
      pages.push(Array.from({ length: Math.min(perPage, records - first) }, (_, i) => pagedItem(first + i)));
    }
    const started = performance.now();
    for (const page of pages) {
      const rows = page.map((item) => {
        const json = JSON.stringify(item);
        return { id: item.id, json, hash: hash('sha1', json, 'base64url') };
      });
      const at = new Date().toISOString();
      db.transaction(() => {
        lookup.all(connection, 'items', JSON.stringify(rows.map((r) => r.id)));
        for (const r of rows) insert.run(connection, 'items', r.id, org, r.hash, r.json, run, at, at);
      })();
    }
    return performance.now() - started;
  } finally {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Each table has one owner: only its module's storage code (`store.ts`, or files under a `storage/`
 * folder) names it in a query. Every other module goes through that module's service, so a table's
 * rules (its transitions, its events, its invariants) live in one place. A query naming a table
 * outside its owner fails here, as does a table with no owner. The one exception is READ_JOINS: a
 * store may join another module's table to read it, where listed with the reason; it never writes it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const SRC = join(ROOT, 'src');

/** Table → the module folder under src/modules that owns it. */
const OWNERS: Record<string, string> = {
  system_settings: 'system',
  orgs: 'orgs',
  users: 'users',
  memberships: 'members',
  teams: 'teams',
  team_members: 'teams',
  invitations: 'invitations',
  api_keys: 'api-keys',
  refresh_tokens: 'auth',
  audit_log: 'audit',
  integration_definitions: 'catalog',
  integration_connections: 'connections',
  oauth_states: 'credentials',
  user_credentials: 'credentials',
  sync_runs: 'sync',
  sync_run_logs: 'sync',
  sync_records: 'sync',
  // The records' full-text index on SQLite (kept by triggers), queried by the records' search.
  sync_records_fts: 'sync',
  sync_cursors: 'sync',
  sync_evidence: 'sync',
  events: 'events',
  event_consumers: 'events',
  webhooks: 'webhooks',
  webhook_events: 'webhooks',
  webhook_counts: 'webhooks',
  webhook_endpoints: 'webhook-endpoints',
  org_event_types: 'webhook-endpoints',
  published_event_keys: 'webhook-endpoints',
  webhook_messages: 'webhook-endpoints',
  webhook_attempts: 'webhook-endpoints',
};

/**
 * Module → tables of other modules its storage code may join, read-only. Each is a list page or a
 * hot path whose rows need a column of the other table, where a second query per page would cost.
 */
const READ_JOINS: Record<string, readonly string[]> = {
  // An org's users are its members: the user list shows each one's role.
  users: ['memberships'],
  // A team's member list shows each member's name, email and org role.
  teams: ['memberships', 'users'],
  // The org lists (GET /orgs, /auth/me) show the caller's role in each org.
  orgs: ['memberships'],
  // Authenticating a session (cache miss) reads its user and their role in one query.
  auth: ['memberships', 'users'],
  // Authenticating an API key (cache miss) reads its creator's role and account in one query.
  'api-keys': ['memberships', 'users'],
  // The catalog shows each entry's connection count (the org's, or all orgs' to its admins).
  catalog: ['integration_connections'],
  // A connection reads with its definition (name, category filter, config schema) and its creator's
  // name; a run's connection is locked through the run before the run is touched (claim, finish).
  connections: ['integration_definitions', 'users', 'sync_runs'],
  // The health report shows the connection's latest runs and its uptime rates over them.
  health: ['sync_runs'],
  // A batch takes its connection's key lock before its run's row (PostgreSQL), as a finish does.
  sync: ['integration_connections'],
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'migrations' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The file's code without its comments, so that prose naming a table is not a query. */
function code(path: string): string {
  return readFileSync(path, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

/** The tables a file names in a query (Kysely's builders and raw `sql` templates), and whether it writes them. */
function tablesQueried(text: string): Map<string, 'read' | 'write'> {
  const found = new Map<string, 'read' | 'write'>();
  const note = (table: string, writes: boolean) => {
    if (writes || !found.has(table)) found.set(table, writes ? 'write' : (found.get(table) ?? 'read'));
  };
  const builder =
    /\b(selectFrom|insertInto|updateTable|deleteFrom|replaceInto|mergeInto|innerJoin|leftJoin|rightJoin|fullJoin|table)\(\s*['"`]([a-z_]+)/g;
  for (const match of text.matchAll(builder))
    note(match[2]!, /^(insert|update|delete|replace|merge)/.test(match[1]!));
  for (const template of text.matchAll(/\bsql(?:<[^`]*?>)?`([^`]*)`/g)) {
    for (const match of template[1]!.matchAll(/\b(from|join|into|update)\s+"?([a-z_]+)"?/gi)) {
      note(match[2]!, /^(into|update)$/i.test(match[1]!));
    }
  }
  return found;
}

const isStorage = (path: string) => /\/(store\.ts|storage\/.+\.ts)$/.test(path);

describe('ownership: tables and routes', () => {
  const files = sourceFiles(SRC);

  it('gives every table of the schema an owner', () => {
    const tables = readFileSync(join(SRC, 'platform/db/tables.ts'), 'utf8');
    const declared = /export interface Tables \{([\s\S]*?)\n\}/.exec(tables)?.[1] ?? '';
    const names = [...declared.matchAll(/^\s+([a-z_]+):/gm)].map((m) => m[1]);
    expect(names.length).toBeGreaterThan(10);
    expect(names.filter((name) => !(name! in OWNERS))).toEqual([]);
  });

  it("names a table in a query only in its owner's storage code", () => {
    const strays: string[] = [];
    for (const path of files) {
      const file = relative(SRC, path);
      const module = /^modules\/([^/]+)\//.exec(file)?.[1];
      for (const [table, use] of tablesQueried(code(path))) {
        const owner = OWNERS[table];
        if (owner === undefined) continue;
        const joinedForReading =
          use === 'read' && module !== undefined && READ_JOINS[module]?.includes(table);
        if (isStorage(path) && (module === owner || joinedForReading)) continue;
        strays.push(`${file}: ${use}s ${table} (owner: modules/${owner}/)`);
      }
    }
    expect(strays.sort()).toEqual([]);
  });

  it('hands routes no database handle: they call services', () => {
    const isRoutes = (path: string) => /(^|[/-])routes\.ts$/.test(path);
    const handles = /\.database\b|\.db\b|\btransaction\(|platform\/db\/database\.js/;
    const routesWithDatabase = files
      .filter(isRoutes)
      .filter((path) => handles.test(code(path)))
      .map((path) => relative(SRC, path));
    expect(files.filter(isRoutes).length).toBeGreaterThan(10);
    expect(routesWithDatabase).toEqual([]);
  });

  it('finds the queries it looks for (the check can fail)', () => {
    expect(
      tablesQueried("db.selectFrom('users as u').innerJoin('memberships as m', 'm.user_id', 'u.id')"),
    ).toEqual(
      new Map([
        ['users', 'read'],
        ['memberships', 'read'],
      ]),
    );
    expect(tablesQueried('sql`update sync_runs set x = 1 from integration_connections c`')).toEqual(
      new Map([
        ['sync_runs', 'write'],
        ['integration_connections', 'read'],
      ]),
    );
    expect(tablesQueried("db.selectFrom('orgs'); db.updateTable('orgs')").get('orgs')).toBe('write');
  });
});

/**
 * Federated search through the API, over records stored by real syncs: a scripted connection with
 * hand-written records and a demo connection (which also searches live), on a fake clock. Relevance,
 * the query syntax, filters, paging, records leaving and changing in the index as syncs and deletes
 * happen, tenancy, roles, and query text no user could make a syntax error of.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../src/connectors/registry.js';
import type { SyncRecord } from '../../src/connectors/sdk.js';
import { isPostgres } from '../../src/platform/db/database.js';
import { type TestApp, testApp } from '../helpers/app.js';
import { FakeClock } from '../helpers/clock.js';
import { type SeededUser, seedUser } from '../helpers/identity.js';
import { SYNC_TEST_ENV, scripted, syncHarness } from '../helpers/sync.js';

type Json = Record<string, unknown>;
interface Item {
  connection_id: string;
  entity: string;
  id: string;
  title: string;
  score: number | null;
  source: string;
  data: Json;
  [field: string]: unknown;
}

const FIRST_SYNC = '2026-11-20T10:00:00.000Z';
const SECOND_SYNC = '2026-11-21T10:00:00.000Z';

const ITEMS: SyncRecord[] = [
  {
    id: 'a',
    data: { title: 'Quarterly review', body: 'Rotate the AWS keys before Friday', owner: 'alice@acme.com' },
  },
  { id: 'b', data: { title: 'Security', body: 'security, security and more security' } },
  { id: 'c', data: { name: 'Café Ünïcode', note: 'Crème brûlée — 100€', city: '東京' } },
  {
    id: 'd',
    data: {
      title: 'Keys and locks',
      nested: { deep: { value: 'needle in a haystack' } },
      tags: ['alpha', 'beta'],
      count: 4242,
      flag: true,
    },
  },
  // Field names are not searched: only this record's key says needle.
  { id: 'e', data: { needle_field: 'nothing to see', security_review: 'pending' } },
];
const NOTES: SyncRecord[] = [{ id: 'n1', data: { title: 'Security notes', text: 'about the review' } }];

describe('federated search', () => {
  const clock = new FakeClock(FIRST_SYNC);
  let t: TestApp;
  let owner: SeededUser;
  let viewer: SeededUser;
  let h: ReturnType<typeof syncHarness>;
  let items: string;
  let demo: string;
  let foreign: string;

  const post = (body: Json, as: SeededUser = viewer) =>
    t.app.inject({ method: 'POST', url: '/api/v1/integrations/search', headers: as.auth, payload: body });
  const search = async (body: Json, as?: SeededUser) => {
    const res = await post(body, as);
    expect(res.statusCode, res.body).toBe(200);
    return res.json().data as {
      results: Item[];
      total: number;
      took: number;
      has_more: boolean;
      partial: boolean;
      by_integration: Record<string, Item[]>;
      by_entity: Record<string, Item[]>;
      integration_status: Record<string, { name: string; total: number; has_more: boolean; live: string }>;
    };
  };
  /** The ids found in the scripted connection. */
  const found = async (query: string, extra: Json = {}) =>
    (await search({ query, integrations: [items], ...extra })).results.map((item) => item.id);

  async function syncItems(records: SyncRecord[], notes: SyncRecord[], at: string) {
    clock.advance(Date.parse(at) - clock.now().getTime());
    // Access tokens live a day at most: sign in again at the new time.
    for (const user of [owner, viewer]) {
      const { access_token } = await t.app.services.sessions.start(user.id, user.orgId);
      user.auth = { authorization: `Bearer ${access_token}` };
    }
    scripted.batches = [
      { entity: 'items', records },
      { entity: 'notes', records: notes },
    ];
    const run = await h.settled(items, await h.trigger(items, { full_sync: true }));
    expect(run.status).toBe('completed');
  }

  /** How many records the index holds for the connection (SQLite: FTS5's rows; PostgreSQL: vectors). */
  async function indexed(connectionId: string): Promise<number> {
    const db = t.ctx.database.db;
    const { rows } = isPostgres(db)
      ? await sql<{ n: number }>`select count(*)::int as n from sync_records
          where connection_id = ${connectionId} and search_vector is not null`.execute(db)
      : await sql<{ n: number }>`select count(*) as n from sync_records_fts_docsize d
          join sync_records r on r.rowid = d.id where r.connection_id = ${connectionId}`.execute(db);
    return Number(rows[0]?.n);
  }

  /** Every row FTS5 indexes is a record, and its structure is sound (SQLite). */
  async function indexIsSound() {
    const db = t.ctx.database.db;
    if (isPostgres(db)) return;
    await sql`insert into sync_records_fts (sync_records_fts) values ('integrity-check')`.execute(db);
    const { rows } = await sql<{ n: number }>`select count(*) as n from sync_records_fts_docsize d
      where not exists (select 1 from sync_records r where r.rowid = d.id and r.deleted_at is null)`.execute(
      db,
    );
    expect(Number(rows[0]?.n)).toBe(0);
  }

  beforeAll(async () => {
    t = await testApp({
      connectors: [...connectors, scripted],
      worker: true,
      queueBackend: 'in-process',
      clock,
      env: SYNC_TEST_ENV,
    });
    owner = await seedUser(t, { role: 'it_admin' });
    viewer = await seedUser(t, { orgId: owner.orgId, role: 'compliance_manager' });
    h = syncHarness(t, owner);

    // Another org's connection, holding a word nobody else has.
    const stranger = syncHarness(t, await seedUser(t, { role: 'it_admin' }));
    foreign = await stranger.connected('scripted', {});
    scripted.batches = [{ entity: 'items', records: [{ id: 'z', data: { title: 'Zanzibar security' } }] }];
    await stranger.settled(foreign, await stranger.trigger(foreign));

    items = await h.connected('scripted', {});
    await syncItems(ITEMS, NOTES, FIRST_SYNC);
    demo = await h.connected('demo', { api_token: 'x', seed: 7, users: 20, groups: 3, repositories: 5 });
    await h.settled(demo, await h.trigger(demo));
  });
  afterAll(() => t.close());

  it('ranks the records whose values hold the words, best first, in every field of the answer', async () => {
    const found = await search({ query: 'security', integrations: [items] });
    expect(found.results.map((r) => r.id)).toEqual(['b', 'n1']);
    const [best, next] = found.results;
    expect(best).toEqual({
      connection_id: items,
      connection_name: expect.any(String),
      integration_slug: 'scripted',
      integration_name: 'Scripted',
      entity: 'items',
      id: 'b',
      title: 'Security',
      data: ITEMS[1]!.data,
      score: expect.any(Number),
      source: 'stored',
      updated_at: FIRST_SYNC,
    });
    expect(best!.score!).toBeGreaterThan(next!.score!);
    expect(found).toMatchObject({
      total: 2,
      has_more: false,
      partial: false,
      took: expect.any(Number),
      by_integration: { [items]: found.results },
      by_entity: { items: [best], notes: [next] },
      integration_status: {
        [items]: { name: best!.connection_name, total: 2, has_more: false, live: 'none' },
      },
    });
  });

  it('searches values at any depth, numbers included, and never field names', async () => {
    expect(await found('needle')).toEqual(['d']);
    expect(await found('haystack beta')).toEqual(['d']);
    expect(await found('4242')).toEqual(['d']);
    expect(await found('true')).toEqual([]);
    expect(await found('needle_field')).toEqual([]);
    expect(await found('title')).toEqual([]);
  });

  it('reads phrases, OR, exclusions and words joined by punctuation the same on both databases', async () => {
    expect(await found('"needle in a haystack"')).toEqual(['d']);
    expect(await found('"haystack needle"')).toEqual([]);
    expect((await found('alpha OR café')).sort()).toEqual(['c', 'd']);
    expect((await found('keys')).sort()).toEqual(['a', 'd']);
    expect(await found('keys -aws')).toEqual(['d']);
    expect(await found('-aws keys')).toEqual(['d']);
    expect(await found('keys -"aws keys"')).toEqual(['d']);
    expect(await found('alice@acme.com')).toEqual(['a']);
    expect(await found('acme')).toEqual(['a']);
    expect(await found('ACME.COM')).toEqual(['a']);
    // Case folds; accents do not.
    expect(await found('CAFÉ')).toEqual(['c']);
    expect(await found('cafe')).toEqual([]);
    expect(await found('東京')).toEqual(['c']);
    expect(await found('brûlée 100')).toEqual(['c']);
  });

  it('filters by entity (both filters at once), by when records were stored, and pages each connection', async () => {
    expect(await found('security', { entities: ['notes'] })).toEqual(['n1']);
    expect(await found('security', { filters: { entity_types: ['items'] } })).toEqual(['b']);
    expect(await found('security', { entities: ['items'], filters: { entity_types: ['notes'] } })).toEqual(
      [],
    );
    expect(
      await found('security', { filters: { date_range: { start: FIRST_SYNC, end: FIRST_SYNC } } }),
    ).toEqual(['b', 'n1']);
    expect(await found('security', { filters: { date_range: { end: '2026-11-20T09:59:59.999Z' } } })).toEqual(
      [],
    );
    expect(
      await found('security', { filters: { date_range: { start: '2026-11-20T10:00:00.001Z' } } }),
    ).toEqual([]);

    const first = await search({ query: 'security', integrations: [items], limit: 1 });
    expect(first.results.map((r) => r.id)).toEqual(['b']);
    expect([first.total, first.has_more]).toEqual([2, true]);
    const second = await search({ query: 'security', integrations: [items], limit: 1, offset: 1 });
    expect(second.results.map((r) => r.id)).toEqual(['n1']);
    expect([second.total, second.has_more]).toEqual([2, false]);
    const past = await search({ query: 'security', integrations: [items], limit: 1, offset: 5 });
    expect([past.results, past.total, past.has_more]).toEqual([[], 2, false]);
  });

  it('merges the demo connector’s live hits with its stored records, and pages both', async () => {
    const users = (await h.records(demo)).filter((r) => r.entity === 'users').map((r) => r.data);
    const someone = users[3]!;
    const query = String(someone.email);
    const one = await search({ query, integrations: [demo] });
    expect(one.results).toEqual([
      expect.objectContaining({
        connection_id: demo,
        integration_slug: 'demo',
        entity: 'users',
        id: someone.id,
        title: someone.display_name,
        data: someone,
        score: expect.any(Number),
        // The provider returned it too: its copy is the one shown.
        source: 'live',
        updated_at: FIRST_SYNC,
      }),
    ]);
    expect(one.integration_status[demo]).toMatchObject({ total: 1, live: 'complete' });
    expect(one.partial).toBe(false);

    // Every user's email is at the demo's domain: pages of two, stored and live agreeing on the total.
    const pages = [];
    for (let offset = 0; offset < 22; offset += 2) {
      const page = await search({
        query: 'demo.example',
        integrations: [demo],
        entities: ['users'],
        limit: 2,
        offset,
      });
      expect(page.total).toBe(users.length);
      expect(page.has_more).toBe(offset + 2 < users.length);
      pages.push(...page.results.map((r) => r.id));
    }
    expect(pages.sort()).toEqual(users.map((u) => u.id).sort());

    // A date range is the index's alone: no live search then.
    const dated = await search({
      query,
      integrations: [demo],
      filters: { date_range: { start: FIRST_SYNC } },
    });
    expect(dated.results.map((r) => [r.id, r.source])).toEqual([[someone.id, 'stored']]);
    expect(dated.integration_status[demo]?.live).toBe('none');
  });

  it('searches every connection of the organisation when none is named, and no other organisation’s', async () => {
    const all = await search({ query: 'security OR zanzibar' });
    expect(new Set(all.results.map((r) => r.connection_id))).toEqual(new Set([items]));
    expect(Object.keys(all.integration_status)).toContain(items);
    expect(Object.keys(all.integration_status)).not.toContain(foreign);
    expect(Object.keys(all.by_integration)).toEqual([items]);
    // The demo searched live and found nothing: reported, with nothing in the results.
    expect(all.integration_status[demo]).toMatchObject({ total: 0, live: 'complete' });

    const refused = await post({ query: 'zanzibar', integrations: [items, foreign] });
    expect(refused.statusCode, refused.body).toBe(404);
    expect(refused.json().error.code).toBe('CONNECTION_NOT_FOUND');
    const single = await t.app.inject({
      method: 'GET',
      url: `/api/v1/integration-connections/${foreign}/search?query=zanzibar`,
      headers: viewer.auth,
    });
    expect(single.statusCode).toBe(404);
  });

  it('answers one connection’s search with its own shape, entities repeated or comma-separated', async () => {
    const get = (query: string) =>
      t.app.inject({
        method: 'GET',
        url: `/api/v1/integration-connections/${items}/search?${query}`,
        headers: viewer.auth,
      });
    const res = await get('query=security&entities=items,notes&limit=1');
    expect(res.statusCode, res.body).toBe(200);
    const data = res.json().data;
    expect(data).toEqual({
      results: [expect.objectContaining({ id: 'b' })],
      total: 2,
      took: expect.any(Number),
      has_more: true,
      partial: false,
      live: 'none',
    });
    const notes = (await get('query=security&entities=notes&entities=other')).json().data;
    expect(notes.results.map((r: Item) => r.id)).toEqual(['n1']);
    expect((await get('query=')).statusCode).toBe(400);
  });

  it('takes records out of the index when a sync deletes them, and reindexes changed ones', async () => {
    expect(await indexed(items)).toBe(ITEMS.length + NOTES.length);
    const changed = { ...ITEMS[3]!, data: { title: 'Pineapple', tags: ['gamma'] } };
    await syncItems([ITEMS[1]!, ITEMS[2]!, changed, ITEMS[4]!], NOTES, SECOND_SYNC);
    expect(await found('aws')).toEqual([]);
    expect(await found('needle')).toEqual([]);
    expect(await found('pineapple gamma')).toEqual(['d']);
    const updated = await search({ query: 'pineapple', integrations: [items] });
    expect(updated.results[0]).toMatchObject({ updated_at: SECOND_SYNC, title: 'Pineapple' });
    // Unchanged records were only marked seen: still found, still as first stored.
    expect((await search({ query: 'café', integrations: [items] })).results[0]?.updated_at).toBe(FIRST_SYNC);
    expect(await indexed(items)).toBe(4 + NOTES.length);
    await indexIsSound();

    // A record that comes back is found again.
    await syncItems(ITEMS, NOTES, SECOND_SYNC);
    expect(await found('aws')).toEqual(['a']);
    await indexIsSound();
  });

  it('forgets a deleted connection’s records', async () => {
    const doomed = await h.connected('scripted', {});
    scripted.batches = [{ entity: 'items', records: [{ id: 'q', data: { title: 'Quokka' } }] }];
    await h.settled(doomed, await h.trigger(doomed));
    expect((await search({ query: 'quokka' })).results.map((r) => r.connection_id)).toEqual([doomed]);
    const deleted = await h.call('DELETE', `/integration-connections/${doomed}`);
    expect(deleted.statusCode, deleted.body).toBe(204);
    expect((await search({ query: 'quokka' })).results).toEqual([]);
    expect(await indexed(doomed)).toBe(0);
    await indexIsSound();
  });

  it('answers 200 to any query text, finding what its words find; 400 to an empty or too long one', async () => {
    for (const query of [
      '"',
      '*',
      'AND (',
      ':',
      '"unclosed phrase',
      'NEAR(a b)',
      'title:security',
      "O'Brien",
      '\\',
      '((( ))) ^ {} [] | & ! <->',
      'OR',
      'or or OR',
      '-',
      '--',
      '- security',
      'NOT security',
      "'; drop table sync_records; --",
      '🚀 ∑ ⅷ',
      'security*',
      `${'x'.repeat(499)} `,
    ]) {
      const res = await post({ query, integrations: [items] });
      expect([query, res.statusCode], res.body).toEqual([query, 200]);
    }
    // No field syntax: `title:security` is the phrase "title security", which no value holds.
    expect(await found('title:security')).toEqual([]);
    // Operators of the databases' own syntaxes are words here: no record has "not".
    expect(await found('NOT security')).toEqual([]);
    expect(await found('security*')).toEqual(['b', 'n1']);
    expect(await found('"')).toEqual([]);
    for (const query of ['', '   ', 'x'.repeat(501)]) {
      const res = await post({ query, integrations: [items] });
      expect([query.length, res.statusCode]).toEqual([query.length, 400]);
      expect(res.json().error.details.fields.map((f: { field: string }) => f.field)).toEqual([
        expect.stringMatching(/query/),
      ]);
    }
  });

  it('refuses callers who may not read connections’ data', async () => {
    for (const role of ['auditor', 'member'] as const) {
      const user = await seedUser(t, { orgId: owner.orgId, role });
      expect((await post({ query: 'security' }, user)).statusCode).toBe(403);
    }
  });
});

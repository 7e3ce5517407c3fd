/**
 * Issue #17 item 5: an acknowledged event is never lost. A real `switchboard serve` is killed with
 * SIGKILL while a client streams signed deliveries; restarted on the same database, it has stored
 * every event that got a 200 and processes each exactly once, and the deliveries that got no answer
 * can be sent again without any being processed twice.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openDatabase } from '../../src/platform/db/database.js';
import { type CliProcess, startCli } from '../helpers/cli.js';
import { postgresDatabase, sqliteDatabase, type TestDatabase, tempDir } from '../helpers/databases.js';
import { DATABASE_URL, REDIS_URL, TEST_ENCRYPTION_KEY, TEST_JWT_SECRET, uniqueName } from '../helpers/env.js';
import { probeCalls, WEBHOOK_PROBE_SLUG } from '../helpers/webhook-probe-connector.js';
import { acknowledged, type Delivery, deliver, stream } from '../helpers/webhook-sender.js';

const TOTAL = 300;
const IN_FLIGHT = 8;
const KILL_AFTER_ACKS = 150;
/** The handler call that never returns in the first process: its processor dies holding claims. */
const HOLD_AT = 20;
/**
 * Deliveries whose 200 the client drops: stored, yet unacknowledged for the sender (a kill in the
 * middle of a request makes that case only by chance).
 */
const ANSWER_LOST = new Set(['d-25', 'd-75', 'd-125']);
const PRELOAD_PROBE = 'test/helpers/register-webhook-probe.ts';
/**
 * The processor's lease: after the kill, the event the dead processor held waits this long before
 * the restarted one takes it up. Long enough that the held handler (four fifths of it) outlasts the
 * stream until the kill.
 */
const LEASE_MS = 8_000;

const deliveries: Delivery[] = Array.from({ length: TOTAL }, (_, i) => ({
  id: `d-${i}`,
  body: JSON.stringify({ type: 'item.changed', seq: i }),
}));

interface Api {
  url: string;
  token: string;
}

async function call(api: Api, method: 'GET' | 'POST', route: string, body?: object) {
  const res = await fetch(`${api.url}/api/v1${route}`, {
    method,
    headers: {
      authorization: `Bearer ${api.token}`,
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  expect(res.status < 300, `${method} ${route}: ${res.status} ${text}`).toBe(true);
  return JSON.parse(text);
}

/** A new org through the public API: its admin's access token. */
async function register(url: string): Promise<string> {
  const res = await fetch(`${url}/api/v1/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      email: `${uniqueName('durable')}@example.com`,
      password: 'correct horse battery staple',
      name: 'Durable',
      org_name: 'Durability',
    }),
  });
  const text = await res.text();
  expect(res.status, text).toBe(201);
  return JSON.parse(text).data.access_token;
}

/** A connection of the probe connector and an HMAC webhook on it: what a provider is given. */
async function webhookOf(api: Api) {
  const definition = (await call(api, 'GET', `/integrations/${WEBHOOK_PROBE_SLUG}`)).data.id;
  const connection = (
    await call(api, 'POST', '/integration-connections', {
      definition_id: definition,
      name: 'Durable',
      config: {},
    })
  ).data.id;
  const hook = (
    await call(api, 'POST', `/integration-connections/${connection}/webhooks`, {
      name: 'Durable',
      scheme: 'hmac',
    })
  ).data as { id: string; webhook_secret: string };
  return { ...hook, base: `/integration-connections/${connection}/webhooks/${hook.id}` };
}

interface EventView {
  id: string;
  delivery_id: string | null;
  status: string;
  attempts: number;
  processed_at: string | null;
}

/** Every event of the webhook through the API, a page of 100 at a time. */
async function listedEvents(api: Api, base: string): Promise<EventView[]> {
  const events: EventView[] = [];
  for (let page = 1; ; page++) {
    const res = await call(api, 'GET', `${base}/events?per_page=100&page=${page}`);
    events.push(...res.data);
    if (page >= res.pagination.total_pages) return events;
  }
}

/** The webhook's events as the database holds them, with their leases (the API does not show those). */
async function storedEvents(database: TestDatabase, webhookId: string) {
  const opened = openDatabase(database.options);
  try {
    return await opened.db
      .selectFrom('webhook_events')
      .select(['id', 'delivery_id', 'status', 'attempts', 'lease_until', 'processed_at'])
      .where('webhook_id', '=', webhookId)
      .execute();
  } finally {
    await opened.close();
  }
}

const variants = [
  { name: 'sqlite', create: async (dir: string) => sqliteDatabase(dir), redis: false },
  ...(DATABASE_URL
    ? [
        {
          name: REDIS_URL ? 'postgres, redis' : 'postgres',
          create: async () => postgresDatabase(DATABASE_URL!),
          redis: Boolean(REDIS_URL),
        },
      ]
    : []),
];

describe.each(variants)(
  '`switchboard serve` killed with SIGKILL while receiving webhooks ($name)',
  (variant) => {
    const cleanups: (() => unknown)[] = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });

    it('has stored every acknowledged event, and after a restart processes each once and takes each unanswered delivery once', async () => {
      const dataDir = tempDir();
      const database = await variant.create(dataDir);
      cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
      cleanups.push(() => database.drop());
      const trace = path.join(dataDir, 'handler-calls.log');
      const env: Record<string, string> = {
        SWITCHBOARD_DATA_DIR: dataDir,
        PORT: '0',
        HOST: '127.0.0.1',
        SWITCHBOARD_JWT_SECRET: TEST_JWT_SECRET,
        SWITCHBOARD_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
        // The test polls the management API; its per-caller limits are not what is tested here.
        SWITCHBOARD_RATE_LIMITS: 'false',
        SWITCHBOARD_WEBHOOK_LEASE_MS: String(LEASE_MS),
        WEBHOOK_PROBE_LOG: trace,
        ...(database.url ? { DATABASE_URL: database.url } : {}),
        ...(variant.redis ? { REDIS_URL: REDIS_URL!, REDIS_KEY_PREFIX: `${uniqueName('sbdurable')}:` } : {}),
      };
      const serve = async (extra: Record<string, string>, imports: string[]) => {
        const cli: CliProcess = startCli(['serve'], { ...env, ...extra }, { imports });
        cleanups.push(() => cli.child.kill('SIGKILL'));
        const started = await cli.waitForLog((l) => l.msg === 'switchboard started');
        return { cli, url: String(started.url) };
      };

      // 1. A server, an org, a connection and an HMAC webhook, all through the API.
      const first = await serve({ WEBHOOK_PROBE_HOLD_AT: String(HOLD_AT) }, [PRELOAD_PROBE]);
      const api: Api = { url: first.url, token: await register(first.url) };
      const hook = await webhookOf(api);
      const receiveAt = (url: string) => (d: Delivery) =>
        deliver(`${url}/api/v1/webhooks/receive/${hook.id}`, hook.webhook_secret, d);
      const firstCalls = () => probeCalls(trace).get(first.cli.child.pid!) ?? [];

      // 2. Deliveries, IN_FLIGHT at a time, killed once enough are acknowledged and the processor is
      //    stuck in its handler: it dies with events it claimed and never settled.
      let killed = false;
      const before = await stream(
        receiveAt(first.url),
        deliveries.map((d) => ({ ...d, loseAnswer: ANSWER_LOST.has(d.id) })),
        {
          lanes: IN_FLIGHT,
          after: (outcomes) => {
            if (killed || acknowledged(outcomes).length < KILL_AFTER_ACKS) return;
            if (firstCalls().length < HOLD_AT) return;
            killed = first.cli.child.kill('SIGKILL');
          },
          stopped: () => killed,
        },
      );
      expect(killed, `${acknowledged(before).length} acknowledged, ${firstCalls().length} handled`).toBe(
        true,
      );
      await first.cli.exited;
      expect(first.cli.child.signalCode).toBe('SIGKILL');
      expect([...before.values()].filter((o) => o.kind === 'refused')).toEqual([]);
      const ackedBefore = acknowledged(before);
      expect(ackedBefore.length).toBeGreaterThanOrEqual(KILL_AFTER_ACKS);
      expect(ackedBefore.every((a) => a.status === 'accepted')).toBe(true);

      // 3. What the dead server left in the database: every acknowledged event, stored.
      const killedAt = Date.now();
      const atKill = await storedEvents(database, hook.id);
      const atKillById = new Map(atKill.map((e) => [e.id, e]));
      for (const { id, eventId } of ackedBefore) {
        expect(atKillById.get(eventId), `acknowledged ${id}`).toMatchObject({ delivery_id: id });
      }
      const storedDeliveries = new Set(atKill.map((e) => e.delivery_id));
      for (const id of ANSWER_LOST) expect(storedDeliveries).toContain(id);
      // Every state a kill can leave: processed, claimed by the dead processor (its lease running, the
      // attempt counted at the claim), and waiting unclaimed.
      const handledBefore = firstCalls();
      expect(handledBefore).toHaveLength(HOLD_AT);
      const processedBefore = atKill.filter((e) => e.status === 'processed');
      expect(processedBefore.map((e) => e.id).sort()).toEqual(handledBefore.slice(0, -1).sort());
      const leftAccepted = atKill.filter((e) => e.status === 'accepted');
      const held = atKillById.get(handledBefore.at(-1)!);
      expect(held).toMatchObject({ status: 'accepted', attempts: 1 });
      expect(leftAccepted.filter((e) => e.lease_until !== null).map((e) => e.id)).toEqual([held!.id]);
      expect(Date.parse(held!.lease_until!)).toBeGreaterThan(killedAt);
      expect(leftAccepted.some((e) => e.lease_until === null)).toBe(true);

      // 4. A restart on the same database: the held event is taken up once its lease expires.
      const second = await serve({}, [PRELOAD_PROBE]);
      const again: Api = { ...api, url: second.url };

      // 5. Each delivery without an acknowledgement, sent again with its delivery id: accepted if the
      //    kill came before it was stored, else recognised as the duplicate of the stored one.
      const unacked = deliveries.filter((d) => before.get(d.id)?.kind !== 'acked');
      const resent = await stream(receiveAt(second.url), unacked, { lanes: IN_FLIGHT });
      for (const { id } of unacked) {
        expect(resent.get(id), `resent ${id}`).toMatchObject({
          kind: 'acked',
          status: storedDeliveries.has(id) ? 'duplicate' : 'accepted',
        });
      }
      const ackedAfter = acknowledged(resent);

      // 6. Nothing left accepted: the dead process's leftovers claimed, the resent ones processed.
      await vi.waitFor(
        async () => {
          const waiting = await call(again, 'GET', `${hook.base}/events?status=accepted&per_page=1`);
          expect(waiting.pagination.total).toBe(0);
        },
        { timeout: 20_000, interval: 100 },
      );
      const events = await listedEvents(again, hook.base);
      const byId = new Map(events.map((e) => [e.id, e]));

      // Every acknowledged event is listed, processed on its first attempt; the held one on its
      // second (the first died with its process).
      const attemptsOf = (eventId: string) => (eventId === held!.id ? 2 : 1);
      for (const { id, eventId } of ackedBefore) {
        expect(byId.get(eventId), `acknowledged ${id}`).toMatchObject({
          delivery_id: id,
          status: 'processed',
          attempts: attemptsOf(eventId),
        });
      }
      // Each delivery id: one processed event; any other is a duplicate, never processed.
      for (const { id } of deliveries) {
        const ofDelivery = events.filter((e) => e.delivery_id === id);
        expect(
          ofDelivery.filter((e) => e.status !== 'duplicate'),
          `events of ${id}`,
        ).toEqual([expect.objectContaining({ status: 'processed' })]);
        for (const duplicate of ofDelivery.filter((e) => e.status === 'duplicate')) {
          expect(duplicate).toMatchObject({ attempts: 0, processed_at: null });
        }
      }
      expect(events.filter((e) => e.status === 'duplicate')).toHaveLength(
        ackedAfter.filter((a) => a.status === 'duplicate').length,
      );
      // Those processed before the kill kept their processing: not done again.
      for (const event of processedBefore) {
        expect(byId.get(event.id)).toMatchObject({ status: 'processed', processed_at: event.processed_at });
      }
      // Counters: one received per stored event, one processed per delivery id.
      expect((await call(again, 'GET', hook.base)).data).toMatchObject({
        total_received: events.length,
        total_processed: TOTAL,
        total_failed: 0,
      });

      // The handler across both processes: the first handled its HOLD_AT and no more; the restarted
      // one exactly what the first left accepted and the newly accepted resends, each once.
      const calls = probeCalls(trace);
      expect(calls.get(first.cli.child.pid!)).toEqual(handledBefore);
      expect([...(calls.get(second.cli.child.pid!) ?? [])].sort()).toEqual(
        [
          ...leftAccepted.map((e) => e.id),
          ...ackedAfter.filter((a) => a.status === 'accepted').map((a) => a.eventId),
        ].sort(),
      );
    }, 60_000);
  },
);

/**
 * Issue #18 item 5: outbound deliveries survive a killed worker and a flushed Redis. The process
 * that delivers (a `switchboard worker` beside an `api` in scale-out, `switchboard serve` embedded)
 * is killed with SIGKILL while deliveries are in flight, the run's Redis keys are deleted, and a new
 * one is started on the same database: every event reaches the receiver at least once, every
 * receipt verifies, a message sent again carries its first `webhook-id`, and each delivery's
 * recorded attempts are the receiver's answered ones.
 */
import fs from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openDatabase } from '../../src/platform/db/database.js';
import { type CliProcess, startCli } from '../helpers/cli.js';
import { type CliApi, callApi, registerOrg } from '../helpers/cli-api.js';
import { postgresDatabase, sqliteDatabase, type TestDatabase, tempDir } from '../helpers/databases.js';
import { DATABASE_URL, REDIS_URL, TEST_ENCRYPTION_KEY, TEST_JWT_SECRET, uniqueName } from '../helpers/env.js';
import { countKeysWithPrefix, deleteKeysWithPrefix } from '../helpers/redis-keys.js';
import { type Received, startReceiver } from './delivery-receiver.js';

/** The receiver answers this many deliveries, then holds every one until the kill. */
const ANSWERED_BEFORE_KILL = 3;
/** Published first: some are answered, the rest held in flight or left unclaimed. */
const FIRST_WAVE = 8;
/** Published while the dispatcher waits on held deliveries: queued, never claimed before the kill. */
const SECOND_WAVE = 4;
/** Published while no worker runs (scale-out only; embedded, the API dies with it): not yet fanned out. */
const THIRD_WAVE = 4;
/**
 * The dispatcher's and the fan-out's lease: what the killed process held is taken up this long
 * after. Long enough that held deliveries (four fifths of it) outlast the time until the kill.
 */
const LEASE_MS = 8_000;
const EVENT_TYPE = 'durability.tick';

interface DeliveryView {
  id: string;
  event_id: string;
  status: string;
  attempts: number;
}

interface AttemptView {
  attempt: number;
  status_code: number | null;
}

interface Deployment {
  /** Where the API is now (embedded, it moves with the restart). */
  api(): string;
  /** SIGKILLs the process that delivers; resolves once it is gone. */
  kill(): Promise<CliProcess>;
  /** Starts a new delivering process on the same database and Redis prefix. */
  restart(env: Record<string, string>, imports: string[]): Promise<void>;
  /** Whether the API still answers while no process delivers. */
  apiOutlivesKill: boolean;
  /** The run's Redis key prefix, in scale-out. */
  redisPrefix?: string;
}

type Start = (
  role: 'serve' | 'api' | 'worker',
  env: Record<string, string>,
  imports?: string[],
) => Promise<{ cli: CliProcess; url: string }>;

const variants = [
  ...(DATABASE_URL && REDIS_URL
    ? [
        {
          name: 'scale-out: `api` and `worker` on PostgreSQL and Redis',
          database: () => postgresDatabase(DATABASE_URL!),
          deploy: async (start: Start, env: Record<string, string>): Promise<Deployment> => {
            const redisPrefix = `${uniqueName('sbdeliver')}:`;
            const shared = { ...env, REDIS_URL: REDIS_URL!, REDIS_KEY_PREFIX: redisPrefix };
            const api = await start('api', shared);
            let worker = await start('worker', shared);
            return {
              api: () => api.url,
              kill: () => killed(worker.cli),
              restart: async (extra, imports) => {
                worker = await start('worker', { ...shared, ...extra }, imports);
              },
              apiOutlivesKill: true,
              redisPrefix,
            };
          },
        },
      ]
    : []),
  {
    name: 'embedded: `serve` on SQLite',
    database: async (dataDir: string) => sqliteDatabase(dataDir),
    deploy: async (start: Start, env: Record<string, string>): Promise<Deployment> => {
      let serve = await start('serve', env);
      return {
        api: () => serve.url,
        kill: () => killed(serve.cli),
        restart: async (extra, imports) => {
          serve = await start('serve', { ...env, ...extra }, imports);
        },
        apiOutlivesKill: false,
      };
    },
  },
];

async function killed(cli: CliProcess): Promise<CliProcess> {
  expect(cli.child.kill('SIGKILL')).toBe(true);
  await cli.exited;
  expect(cli.child.signalCode).toBe('SIGKILL');
  return cli;
}

/** The endpoint's messages as the database holds them, with their leases (the API does not show those). */
async function storedMessages(database: ReturnType<typeof openDatabase>, endpointId: string) {
  return database.db
    .selectFrom('webhook_messages')
    .select(['id', 'event_id', 'status', 'attempts', 'lease_until'])
    .where('endpoint_id', '=', endpointId)
    .execute();
}

const isOpen = (status: string) => status === 'pending' || status === 'retrying';
const webhookIdOf = (r: Received) => r.headers['webhook-id'];
const eventIdOf = (r: Received) => (JSON.parse(r.body) as { data: { event_id: string } }).data.event_id;

describe.each(variants)('outbound deliveries when the delivering process is killed ($name)', (variant) => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('delivers every event at least once, under one webhook-id each, after SIGKILL mid-delivery and lost Redis keys', async () => {
    const dataDir = tempDir();
    cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
    const database: TestDatabase = await variant.database(dataDir);
    cleanups.push(() => database.drop());
    const reader = openDatabase(database.options);
    cleanups.push(() => reader.close());
    let secret = '';
    const receiver = await startReceiver(() => [secret]);
    cleanups.push(() => receiver.close());

    const start: Start = async (role, extra, imports = []) => {
      const cli = startCli([role], extra, { imports });
      cleanups.push(() => cli.child.kill('SIGKILL'));
      const started = await cli.waitForLog((l) => l.msg === 'switchboard started');
      return { cli, url: String(started.url) };
    };
    const deployment = await variant.deploy(start, {
      SWITCHBOARD_DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      SWITCHBOARD_JWT_SECRET: TEST_JWT_SECRET,
      SWITCHBOARD_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
      // The receiver is on loopback, over http.
      SWITCHBOARD_ALLOW_PRIVATE_NETWORKS: 'true',
      // The test polls the API; its per-caller limits are not what is tested here.
      SWITCHBOARD_RATE_LIMITS: 'false',
      SWITCHBOARD_WEBHOOK_DELIVERY_LEASE_MS: String(LEASE_MS),
      ...(database.url ? { DATABASE_URL: database.url } : {}),
    });
    const token = await registerOrg(deployment.api());
    const api = (): CliApi => ({ url: deployment.api(), token });

    // 1. An endpoint at the receiver for one declared type; the receiver answers a few deliveries
    //    and then holds every request, so the dispatcher is stuck with deliveries in flight.
    await callApi(api(), 'POST', '/event-types', {
      name: EVENT_TYPE,
      schema: { type: 'object', properties: { seq: { type: 'integer' } }, required: ['seq'] },
    });
    const endpoint = (
      await callApi(api(), 'POST', '/webhook-endpoints', {
        name: 'Durable receiver',
        url: `${receiver.url}/hook`,
        event_types: [EVENT_TYPE],
        // Held requests must not time out before the kill.
        retry_policy: { timeout_ms: 30_000 },
      })
    ).data as { id: string; secret: string };
    secret = endpoint.secret;
    receiver.script.push(
      ...Array.from({ length: ANSWERED_BEFORE_KILL }, () => ({ status: 200, body: 'ok' })),
      ...Array.from({ length: FIRST_WAVE + SECOND_WAVE + THIRD_WAVE }, () => 'hang' as const),
    );
    let seq = 0;
    const publish = async (count: number) => {
      const ids: string[] = [];
      for (let i = 0; i < count; i++) {
        const event = await callApi(api(), 'POST', '/events', { type: EVENT_TYPE, payload: { seq: seq++ } });
        ids.push(event.data.id);
      }
      return ids;
    };

    // 2. The first wave: wait until the answered ones are settled and every claimed message is at
    //    the receiver, held (none claimed but not yet sent).
    const published = await publish(FIRST_WAVE);
    const receivedIds = () => new Set(receiver.received.map(webhookIdOf));
    await vi.waitFor(
      async () => {
        const stored = await storedMessages(reader, endpoint.id);
        expect(stored.filter((m) => m.status === 'succeeded')).toHaveLength(ANSWERED_BEFORE_KILL);
        expect(receiver.received.length).toBeGreaterThan(ANSWERED_BEFORE_KILL);
        const claimed = stored.filter((m) => isOpen(m.status) && m.lease_until !== null);
        expect(claimed.every((m) => receivedIds().has(m.id))).toBe(true);
      },
      { timeout: 15_000, interval: 50 },
    );
    // 3. The second wave, fanned out while the dispatcher waits: queued behind the held ones.
    published.push(...(await publish(SECOND_WAVE)));
    await vi.waitFor(
      async () => expect(await storedMessages(reader, endpoint.id)).toHaveLength(FIRST_WAVE + SECOND_WAVE),
      { timeout: 15_000, interval: 50 },
    );

    // 4. SIGKILL, deliveries in flight.
    const receivedAtKill = receiver.received.length;
    await deployment.kill();
    const killedAt = Date.now();
    const atKill = await storedMessages(reader, endpoint.id);
    const answered = receiver.received.slice(0, ANSWERED_BEFORE_KILL).map(webhookIdOf);
    const held = receiver.received.slice(ANSWERED_BEFORE_KILL, receivedAtKill).map(webhookIdOf);
    // Every state a kill can leave: delivered and settled; claimed with its request in flight (the
    // lease still running, no attempt recorded); queued and never claimed.
    const settled = atKill.filter((m) => m.status === 'succeeded');
    const inFlight = atKill.filter((m) => isOpen(m.status) && m.lease_until !== null);
    const queued = atKill.filter((m) => isOpen(m.status) && m.lease_until === null);
    expect(settled.map((m) => m.id).sort()).toEqual([...answered].sort());
    expect(inFlight.map((m) => m.id).sort()).toEqual([...held].sort());
    expect(inFlight.length).toBeGreaterThan(0);
    for (const m of inFlight) {
      expect(m.attempts).toBe(0);
      expect(Date.parse(m.lease_until!)).toBeGreaterThan(killedAt);
    }
    expect(queued.length).toBeGreaterThanOrEqual(SECOND_WAVE);
    expect(queued.every((m) => m.attempts === 0 && !receivedIds().has(m.id))).toBe(true);
    expect(settled.length + inFlight.length + queued.length).toBe(FIRST_WAVE + SECOND_WAVE);
    // From now on the receiver answers everything at once.
    receiver.script.length = 0;

    // 5. Scale-out: events published while no worker runs are stored but not fanned out; then the
    //    run's Redis keys go (a FLUSHALL of this deployment).
    let unfanned: string[] = [];
    if (deployment.apiOutlivesKill) {
      unfanned = await publish(THIRD_WAVE);
      published.push(...unfanned);
      expect(await storedMessages(reader, endpoint.id)).toHaveLength(FIRST_WAVE + SECOND_WAVE);
    }
    if (deployment.redisPrefix) {
      await deleteKeysWithPrefix(REDIS_URL!, deployment.redisPrefix);
      expect(await countKeysWithPrefix(REDIS_URL!, deployment.redisPrefix)).toBe(0);
    }

    // 6. A new process on the same database: it takes up the dead one's work as its leases expire.
    await deployment.restart({}, []);
    const total = published.length;
    await vi.waitFor(
      async () => {
        const done = await callApi(
          api(),
          'GET',
          `/webhook-endpoints/${endpoint.id}/deliveries?status=succeeded&per_page=1`,
        );
        expect(done.pagination.total).toBe(total);
      },
      { timeout: 30_000, interval: 200 },
    );

    // Every event: one delivery, succeeded.
    const deliveries = (
      await callApi(api(), 'GET', `/webhook-endpoints/${endpoint.id}/deliveries?per_page=100`)
    ).data as DeliveryView[];
    expect(deliveries.map((d) => d.event_id).sort()).toEqual([...published].sort());
    expect(deliveries.every((d) => d.status === 'succeeded')).toBe(true);

    // Every receipt verifies with the endpoint's secret, and every receipt of an event carries its
    // delivery's id as webhook-id: a message sent again is recognisable as the same.
    const received = receiver.received;
    expect(received.every((r) => r.verified[0]?.standard && r.verified[0]?.svix)).toBe(true);
    const byEvent = new Map(deliveries.map((d) => [d.event_id, d]));
    for (const r of received) expect(webhookIdOf(r)).toBe(byEvent.get(eventIdOf(r))?.id);

    // Each was received as often as its state at the kill makes necessary: the in-flight ones twice
    // (held, then again with the same body), every other once; the settled ones never again.
    const receiptsOf = (id: string) => received.filter((r) => webhookIdOf(r) === id);
    const inFlightIds = new Set(held);
    for (const d of deliveries) {
      const receipts = receiptsOf(d.id);
      expect(receipts, `receipts of ${d.id}`).toHaveLength(inFlightIds.has(d.id) ? 2 : 1);
      expect(new Set(receipts.map((r) => r.body)).size).toBe(1);
    }
    for (const id of unfanned) expect(receiptsOf(byEvent.get(id)!.id)).toHaveLength(1);

    // The recorded attempts are the answered receipts: a held one died with its process unrecorded.
    for (const d of deliveries) {
      const answeredReceipts = receiptsOf(d.id).length - (inFlightIds.has(d.id) ? 1 : 0);
      expect(d.attempts, `attempts of ${d.id}`).toBe(answeredReceipts);
      const history = (await callApi(api(), 'GET', `/webhook-endpoints/${endpoint.id}/deliveries/${d.id}`))
        .data.history as AttemptView[];
      expect(history.map((a) => [a.attempt, a.status_code])).toEqual([[1, 200]]);
    }
  }, 60_000);
});

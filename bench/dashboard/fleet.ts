// The org bench/dashboard reads: connections spread over the catalog and over the statuses a fleet
// is in, 30 days of their scheduled runs, and their inbound webhooks' deliveries, as rows of the
// tables the owners' stores write (the columns of migrations 0003, 0007 and 0011). Deterministic:
// the same fleet on every run and on both databases, but for its ids and its anchor in time.
import type { Insertable } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { hashKey, itemRandom, pick, randomInt } from '../../src/connectors/demo/random.js';
import type { ConnectionStatus } from '../../src/modules/connections/store.js';
import type { RunStatus } from '../../src/modules/sync/model.js';
import type { EventStatus } from '../../src/modules/webhooks/model.js';
import { DEFAULT_SIGNATURE_HEADER } from '../../src/modules/webhooks/model.js';
import type {
  IntegrationConnectionsTable,
  SyncRunsTable,
  WebhookEventsTable,
  WebhooksTable,
} from '../../src/platform/db/tables.js';

export const DAYS = 30;
export const SYNC_INTERVAL_MINS = 6 * 60;
/** Scheduled runs a connection that has synced for DAYS days has: one every six hours. */
export const RUNS_PER_CONNECTION = (DAYS * 24 * 60) / SYNC_INTERVAL_MINS;
/** Deliveries a webhook receives a day, on average (0 to 2 × this, evenly). */
export const EVENTS_PER_DAY = 4;
/** The share of connections that have synced with a webhook registered. */
const WEBHOOK_SHARE = 0.6;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const INTERVAL = SYNC_INTERVAL_MINS * MINUTE;

/** A catalog entry connections are made of. */
export interface Definition {
  id: string;
  slug: string;
  name: string;
}

export interface FleetRows {
  connections: Insertable<IntegrationConnectionsTable>[];
  runs: Insertable<SyncRunsTable>[];
  webhooks: Insertable<WebhooksTable>[];
  events: Insertable<WebhookEventsTable>[];
}

// Weighted as a fleet is: mostly connected, some failing or switched off, a few not set up yet.
// No `syncing`: that status is a run in progress, with a lease the reaper would act on.
const STATUSES: readonly [ConnectionStatus, ...ConnectionStatus[]] = [
  'configuring',
  'configuring',
  'pending_setup',
  'pending_setup',
  ...Array<ConnectionStatus>(84).fill('connected'),
  ...Array<ConnectionStatus>(7).fill('error'),
  ...Array<ConnectionStatus>(5).fill('disabled'),
];
const REGIONS = ['eu', 'us', 'apac', 'latam'] as const;
interface Failure {
  message: string;
  errorClass: string;
}
const FAILURES: readonly [Failure, ...Failure[]] = [
  { message: 'The provider answered 503 Service Unavailable', errorClass: 'transient' },
  {
    message: 'The provider did not answer in time: request timed out after 30000 ms',
    errorClass: 'transient',
  },
  { message: 'The provider refused the credentials (401): token expired', errorClass: 'auth' },
  { message: 'Rate limited by the provider; retry budget exhausted', errorClass: 'transient' },
];
const EVENT_TYPES = ['item.created', 'item.updated', 'item.deleted', 'member.added'] as const;

const iso = (ms: number) => new Date(ms).toISOString();
/** A UUIDv7 of the moment the row was written, as Switchboard's ids are (platform/ids.ts). */
const idAt = (ms: number) => uuidv7({ msecs: ms });

/** What one connection's history looks like, drawn once. */
interface Profile {
  status: ConnectionStatus;
  /** When its runs stop: now, or when it was disabled. */
  end: number;
  /** How far before `end` its last slot was: at least 10 minutes (no run is still going), and for a
   * connected one at most 5 hours, so that its next slot is an hour away or more and no scheduler
   * tick starts a run (of a provider no one fakes) while the bench measures. */
  phase: number;
  /** Items a run of it syncs, before each run's spread. */
  items: number;
  /** Seconds a run of it takes, before each run's spread. */
  seconds: number;
  failureRate: number;
  /** Its last runs that failed in a row (error connections). */
  failingLast: number;
}

function profile(random: () => number, now: number): Profile {
  const status = pick(random, STATUSES);
  const flaky = random() < 0.05;
  return {
    status,
    end: status === 'disabled' ? now - randomInt(random, 1, 11) * DAY : now,
    phase: randomInt(random, 10 * MINUTE, status === 'connected' ? 5 * HOUR : INTERVAL),
    items: randomInt(random, 20, 3_000),
    seconds: randomInt(random, 5, 150),
    failureRate: flaky ? 0.25 : 0.05,
    failingLast: status === 'error' ? randomInt(random, 1, 6) : 0,
  };
}

function runStatus(random: () => number, p: Profile, k: number): Exclude<RunStatus, 'pending' | 'running'> {
  if (k < p.failingLast) return 'failed';
  const r = random();
  if (r < p.failureRate) return 'failed';
  if (r < p.failureRate + 0.03) return 'partial';
  if (r < p.failureRate + 0.035) return 'cancelled';
  return 'completed';
}

function runRow(
  random: () => number,
  connection: Insertable<IntegrationConnectionsTable>,
  p: Profile,
  k: number,
): Insertable<SyncRunsTable> {
  const slot = p.end - p.phase - k * INTERVAL;
  const started = slot + randomInt(random, 200, 5_000);
  const durationMs = Math.round(p.seconds * 1000 * (0.5 + random()));
  const completed = started + durationMs;
  const status = runStatus(random, p, k);
  const failure = status === 'failed' ? pick(random, FAILURES) : undefined;
  const share = status === 'completed' ? 1 : status === 'partial' ? 0.7 : status === 'failed' ? 0.1 : 0.4;
  const items = Math.round(p.items * (0.6 + 0.8 * random()) * share * (status === 'failed' ? random() : 1));
  const failedItems = status === 'partial' ? randomInt(random, 1, 50) : 0;
  return {
    id: idAt(slot),
    org_id: connection.org_id,
    connection_id: connection.id,
    trigger: 'scheduled',
    triggered_by: null,
    triggered_by_name: null,
    status,
    full_sync: k % 28 === 0,
    scheduled_for: iso(slot),
    queued_at: iso(slot),
    not_before: null,
    started_at: iso(started),
    completed_at: iso(completed),
    duration_ms: durationMs,
    stats: {
      items_synced: items,
      items_created: Math.round(items * 0.05),
      items_updated: Math.round(items * 0.2),
      items_deleted: Math.round(items * 0.01),
      items_failed: failedItems,
      items_skipped: 0,
      evidence_collected: 0,
      bytes_transferred: items * randomInt(random, 400, 1_600),
    },
    items_synced: items,
    error_message: failure?.message ?? (status === 'partial' ? `${failedItems} items failed` : null),
    error_class: failure?.errorClass ?? null,
    error_details: null,
    retry_count: 0,
    max_retries: 3,
    config_snapshot: connection.config,
    log_counts: {
      debug: 0,
      info: randomInt(random, 4, 40),
      warn: failedItems > 0 ? 1 : 0,
      error: failure ? 1 : 0,
    },
    lease_owner: null,
    lease_expires_at: null,
    cancel_requested_at: status === 'cancelled' ? iso(completed) : null,
    created_at: iso(slot),
    updated_at: iso(completed),
  };
}

function webhookEvents(
  random: () => number,
  webhook: Insertable<WebhooksTable>,
  p: Profile,
): Insertable<WebhookEventsTable>[] {
  const events: Insertable<WebhookEventsTable>[] = [];
  const first = p.end - DAYS * DAY;
  for (let day = 0; day < DAYS; day++) {
    const count = randomInt(random, 0, 2 * EVENTS_PER_DAY + 1);
    for (let n = 0; n < count; n++) {
      const received = first + day * DAY + randomInt(random, 0, DAY);
      const r = random();
      const status: EventStatus =
        r < 0.93 ? 'processed' : r < 0.97 ? 'ignored' : r < 0.99 ? 'duplicate' : 'failed';
      const deliveryId = idAt(received);
      const type = pick(random, EVENT_TYPES);
      events.push({
        id: idAt(received),
        org_id: webhook.org_id,
        connection_id: webhook.connection_id,
        webhook_id: webhook.id!,
        delivery_id: deliveryId,
        dedupe_key: status === 'duplicate' ? null : deliveryId,
        event_type: type,
        status,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'provider-hooks/2.1',
          [DEFAULT_SIGNATURE_HEADER.toLowerCase()]: '[redacted]',
        },
        payload: {
          id: deliveryId,
          type,
          occurred_at: iso(received - randomInt(random, 50, 2_000)),
          data: {
            object: 'item',
            id: String(randomInt(random, 1, 1_000_000)),
            name: `Item ${n}`,
            changes: ['status'],
          },
        },
        error: status === 'failed' ? 'The handler failed: the record it names is gone' : null,
        attempts: status === 'duplicate' ? 0 : 1,
        next_attempt_at: null,
        lease_owner: null,
        lease_until: null,
        received_at: iso(received),
        processed_at: status === 'duplicate' ? null : iso(received + randomInt(random, 10, 500)),
      });
    }
  }
  return events;
}

export interface FleetOptions {
  orgId: string;
  /** Names the fleet's random stream: two fleets of one seed are the same fleet. */
  seed: string;
  count: number;
  definitions: readonly Definition[];
  createdBy: string | null;
  now: number;
  /** Seals a new webhook's secret as the webhooks module does (bound to the org and the webhook). */
  sealSecret(orgId: string, webhookId: string): string;
}

/** The rows of one org's fleet, ready to insert. */
export function fleet(o: FleetOptions): FleetRows {
  const rows: FleetRows = { connections: [], runs: [], webhooks: [], events: [] };
  const key = hashKey(o.seed);
  for (let i = 0; i < o.count; i++) {
    const random = itemRandom(key, i);
    const p = profile(random, o.now);
    const definition = o.definitions[i % o.definitions.length]!;
    const region = pick(random, REGIONS);
    const synced = p.status !== 'pending_setup' && p.status !== 'configuring';
    const created = p.end - (DAYS + randomInt(random, 1, 300)) * DAY;
    const connection: Insertable<IntegrationConnectionsTable> = {
      id: idAt(created),
      org_id: o.orgId,
      definition_id: definition.id,
      name: `${definition.name} ${region} ${String(i).padStart(4, '0')}`,
      description: random() < 0.5 ? null : `${definition.name} for the ${region} team`,
      instance_label: random() < 0.7 ? null : region,
      status: p.status,
      health: 'unknown',
      config: { region },
      secrets: null,
      sync_enabled: p.status !== 'disabled',
      sync_interval_mins: SYNC_INTERVAL_MINS,
      sync_cron: null,
      sync_timezone: null,
      health_check_interval_mins: 15,
      next_sync_at: null,
      next_health_check_at: null,
      last_sync_at: null,
      last_sync_status: null,
      last_sync_error: null,
      last_sync_duration_ms: null,
      last_sync_stats: null,
      last_health_check_at: null,
      last_health_error: null,
      last_tested_at: iso(created + 5 * MINUTE),
      last_test_passed_at: p.status === 'pending_setup' ? null : iso(created + 5 * MINUTE),
      consecutive_failures: p.failingLast,
      total_runs: 0,
      successful_runs: 0,
      failed_runs: 0,
      tags: [],
      metadata: {},
      disabled_reason: p.status === 'disabled' ? 'Paused by an admin' : null,
      created_by: o.createdBy,
      created_at: iso(created),
      updated_at: iso(created),
    };
    if (synced) {
      const runs = Array.from({ length: RUNS_PER_CONNECTION }, (_, k) => runRow(random, connection, p, k));
      const last = runs[0]!;
      const health =
        p.status === 'connected'
          ? pick(random, [
              'healthy',
              'healthy',
              'healthy',
              'healthy',
              'healthy',
              'healthy',
              'degraded',
              'unhealthy',
            ])
          : p.status === 'error'
            ? pick(random, ['unhealthy', 'unhealthy', 'degraded'])
            : 'unknown';
      Object.assign(connection, {
        health,
        next_sync_at: p.status === 'disabled' ? null : iso(Date.parse(last.scheduled_for!) + INTERVAL),
        last_sync_at: last.completed_at,
        last_sync_status: last.status,
        last_sync_error: last.status === 'failed' ? last.error_message : null,
        last_sync_duration_ms: last.duration_ms,
        last_sync_stats: last.stats,
        last_health_check_at: last.completed_at,
        last_health_error: health === 'unhealthy' ? 'The provider did not answer in time' : null,
        total_runs: runs.length,
        successful_runs: runs.filter((r) => r.status === 'completed' || r.status === 'partial').length,
        failed_runs: runs.filter((r) => r.status === 'failed').length,
        updated_at: last.updated_at,
      } satisfies Partial<Insertable<IntegrationConnectionsTable>>);
      rows.runs.push(...runs);
      if (random() < WEBHOOK_SHARE) {
        const id = idAt(created + 10 * MINUTE);
        const webhook: Insertable<WebhooksTable> = {
          id,
          org_id: o.orgId,
          connection_id: connection.id,
          name: 'Provider events',
          description: null,
          scheme: 'hmac',
          signature_header: DEFAULT_SIGNATURE_HEADER,
          signature_algo: 'sha256',
          event_types: [],
          status: 'active',
          secret: o.sealSecret(o.orgId, id),
          rate_limit_per_minute: null,
          last_received_at: null,
          last_error: null,
          created_at: iso(created + 10 * MINUTE),
          updated_at: iso(created + 10 * MINUTE),
        };
        const events = webhookEvents(random, webhook, p);
        const ended = events.filter((e) => e.status !== 'duplicate');
        Object.assign(webhook, {
          total_received: events.length,
          total_processed: ended.filter((e) => e.status !== 'failed').length,
          total_failed: ended.filter((e) => e.status === 'failed').length,
          last_received_at:
            events
              .map((e) => e.received_at)
              .sort()
              .at(-1) ?? null,
        } satisfies Partial<Insertable<WebhooksTable>>);
        rows.webhooks.push(webhook);
        rows.events.push(...events);
      }
    }
    rows.connections.push(connection);
  }
  return rows;
}

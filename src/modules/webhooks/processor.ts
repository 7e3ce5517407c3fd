import type { WebhookSettings } from '../../config.js';
import type { Connector, WebhookEffect } from '../../connectors/sdk.js';
import { ProviderError } from '../../connectors/sdk.js';
import { connectorContext } from '../../connectors/toolkit/context.js';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import { newId } from '../../platform/ids.js';
import type { Logger } from '../../platform/logging/logger.js';
import type { Outbound } from '../../platform/outbound/outbound.js';
import type { ProviderAuth } from '../../platform/outbound/provider-fetch.js';
import { ProviderRateLimitedError } from '../../platform/outbound/rate-limit.js';
import { Drainer } from '../../platform/wake-loop.js';
import { aborted } from '../catalog/connector-test.js';
import { type ConnectionSecrets, connectorConfig } from '../connections/secrets.js';
import { type ConnectionWithDefinition, findConnection } from '../connections/store.js';
import { applyRecordEffects } from '../sync/storage/webhook-records.js';
import { claimNext, settleEvent, type WebhookEventRow } from './storage/events.js';
import { countOutcome, foldCounts } from './storage/webhooks.js';

/** The share of the lease a connector's handler may take: the rest is for settling in time. */
const HANDLE_SHARE = 0.8;
const BACKOFF_BASE_MS = 1_000;
const BACKOFF_MAX_MS = 15 * 60_000;
/** How often a busy processor folds the webhooks' new counts into their totals. */
const FOLD_EVERY_MS = 1_000;

export interface ProcessorDeps {
  db: Db;
  connectors: readonly Connector[];
  secrets: ConnectionSecrets;
  auth: (row: ConnectionWithDefinition) => ProviderAuth | undefined;
  outbound: Outbound;
  /** Queues an incremental run with trigger `webhook` (the sync module's). */
  triggerSync: (orgId: string, connectionId: string, now: Date) => Promise<unknown>;
  settings: WebhookSettings;
  clock: Clock;
  logger: Logger;
}

/** The wait before attempt `attempts + 1`: exponential with jitter, or when the provider said. */
function retryDelay(attempts: number, error: unknown): number {
  const said =
    error instanceof ProviderError
      ? error.details.retryAfterMs
      : error instanceof ProviderRateLimitedError
        ? error.retryAfterMs
        : undefined;
  const backoff = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (attempts - 1));
  return Math.max(said ?? 0, backoff / 2 + Math.random() * (backoff / 2));
}

/** Errors that will not pass by retrying: the event fails at once. */
function isFinal(error: unknown): boolean {
  return error instanceof ProviderError && (error.failure === 'permanent' || error.failure === 'validation');
}

/**
 * Processes accepted events after their acknowledgement: each through its connection's connector
 * (`webhooks.handle`), whose effects are applied (records upserted or deleted as a sync stores
 * them, an incremental sync queued). A failure is retried with backoff up to the configured
 * attempts, then the event ends `failed` with its error. Events are claimed with a lease in the
 * database, so any number of processes share the work and none is lost with a process.
 */
export class WebhookProcessor extends Drainer {
  /** Who holds this process's leases. */
  readonly #owner = newId();
  #foldedAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly deps: ProcessorDeps) {
    super({
      pollMs: 1_000,
      onError: (err) =>
        deps.logger.error({ err }, 'webhook processing pass failed; retried on its next wake-up'),
    });
  }

  /**
   * Processes every event due now, one claimed at a time (a crash strands one event for a lease,
   * not a batch); how many were settled. Folds the webhooks' counts on the way.
   */
  async drain(): Promise<number> {
    let settled = 0;
    const { db, clock, settings } = this.deps;
    for (;;) {
      await this.#foldIfDue();
      const event = await claimNext(db, this.#owner, clock.now(), settings.leaseMs);
      if (!event) return settled;
      settled += (await this.#process(event)) ? 1 : 0;
    }
  }

  async #foldIfDue(): Promise<void> {
    const now = this.deps.clock.now().getTime();
    if (now - this.#foldedAt < FOLD_EVERY_MS) return;
    this.#foldedAt = now;
    await foldCounts(this.deps.db);
  }

  async #process(event: WebhookEventRow): Promise<boolean> {
    const { db, clock, logger, settings } = this.deps;
    // The claim counted this attempt; more than allowed means earlier ones died with their process.
    if (event.attempts > settings.maxAttempts) {
      return this.#failed(
        event,
        `Gave up after ${settings.maxAttempts} attempts: the processor stopped during the last`,
      );
    }
    try {
      const effects = await this.#effects(event);
      const now = clock.now();
      const done = await db.transaction().execute(async (tx) => {
        const settled = await settleEvent(tx, event.id, this.#owner, {
          status: 'processed',
          error: null,
          next_attempt_at: null,
          processed_at: now.toISOString(),
        });
        // Its lease went to another processor, or it was replayed: theirs to apply.
        if (!settled) return false;
        const scope = { orgId: event.org_id, connectionId: event.connection_id, eventId: event.id };
        await applyRecordEffects(tx, scope, effects, now);
        await countOutcome(tx, event.webhook_id, 'processed');
        return true;
      });
      if (done && effects.some((effect) => effect.kind === 'sync')) {
        await this.deps.triggerSync(event.org_id, event.connection_id, clock.now());
      }
      return done;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const last = event.attempts >= settings.maxAttempts || isFinal(error);
      logger.warn(
        { err: error, webhook_event_id: event.id, attempts: event.attempts, last },
        'webhook event processing failed',
      );
      if (last) return this.#failed(event, message);
      const next = new Date(clock.now().getTime() + retryDelay(event.attempts, error)).toISOString();
      await settleEvent(db, event.id, this.#owner, {
        status: 'accepted',
        error: message,
        next_attempt_at: next,
        processed_at: null,
      });
      return false;
    }
  }

  /** Ends the event `failed` with its error, counted on the webhook. */
  #failed(event: WebhookEventRow, error: string): Promise<boolean> {
    const now = this.deps.clock.now().toISOString();
    return this.deps.db.transaction().execute(async (tx) => {
      const settled = await settleEvent(tx, event.id, this.#owner, {
        status: 'failed',
        error,
        next_attempt_at: null,
        processed_at: now,
      });
      if (settled) await countOutcome(tx, event.webhook_id, { failed: error });
      return settled;
    });
  }

  /** What the event does, from its connection's connector; none for a connector without a handler. */
  async #effects(event: WebhookEventRow): Promise<WebhookEffect[]> {
    const row = await findConnection(this.deps.db, event.org_id, event.connection_id);
    if (!row) return [];
    const connector = this.deps.connectors.find((c) => c.definition.slug === row.connector);
    if (!connector?.webhooks) return [];
    const oauth = this.deps.auth(row);
    const signal = AbortSignal.timeout(Math.floor(this.deps.settings.leaseMs * HANDLE_SHARE));
    const ctx = connectorContext(connector.definition, connectorConfig(this.deps.secrets, row), {
      logger: this.deps.logger.child({ connection_id: row.id, webhook_event_id: event.id }),
      signal,
      outbound: this.deps.outbound,
      ...(oauth ? { oauth } : {}),
    });
    // Bounded even when a handler ignores its signal: the processor must go on to the next event.
    const handled = connector.webhooks.handle(
      {
        id: event.id,
        type: event.event_type,
        deliveryId: event.delivery_id,
        headers: event.headers,
        payload: event.payload,
        receivedAt: new Date(event.received_at),
      },
      ctx,
    );
    // One that settles after its timeout is ignored, not left as an unhandled rejection.
    handled.catch(() => {});
    return Promise.race([handled, aborted(signal)]);
  }
}

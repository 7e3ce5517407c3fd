import type { WebhookSettings } from '../../config.js';
import type { Connector, WebhookEffect } from '../../connectors/sdk.js';
import { ProviderError } from '../../connectors/sdk.js';
import { connectorContext } from '../../connectors/toolkit/context.js';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import type { Logger } from '../../platform/logging/logger.js';
import type { Outbound } from '../../platform/outbound/outbound.js';
import type { ProviderAuth } from '../../platform/outbound/provider-fetch.js';
import { ProviderRateLimitedError } from '../../platform/outbound/rate-limit.js';
import { WakeLoop } from '../../platform/wake-loop.js';
import { type ConnectionSecrets, connectorConfig } from '../connections/secrets.js';
import { type ConnectionWithDefinition, findConnection } from '../connections/store.js';
import { applyRecordEffects } from '../sync/storage/webhook-records.js';
import { claimDue, settleEvent, type WebhookEventRow } from './storage/events.js';
import { countOutcome } from './storage/webhooks.js';

/** How long a claimed event is this processor's; one taking longer may be claimed again. */
const LEASE_MS = 120_000;
/** How long a connector's handler may take for one event. */
const HANDLE_TIMEOUT_MS = 60_000;
const BATCH = 20;
const BACKOFF_BASE_MS = 1_000;
const BACKOFF_MAX_MS = 15 * 60_000;

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
export class WebhookProcessor {
  readonly #loop: WakeLoop;

  constructor(private readonly deps: ProcessorDeps) {
    this.#loop = new WakeLoop(() => this.drain(), {
      pollMs: 1_000,
      onError: (err) =>
        deps.logger.error({ err }, 'webhook processing pass failed; retried on its next wake-up'),
    });
  }

  start(): void {
    this.#loop.start();
  }

  wake(): void {
    this.#loop.wake();
  }

  idle(): Promise<void> {
    return this.#loop.idle();
  }

  stop(): Promise<void> {
    return this.#loop.stop();
  }

  /** Processes every event due now; how many were settled. */
  async drain(): Promise<number> {
    let settled = 0;
    for (;;) {
      const events = await claimDue(this.deps.db, this.deps.clock.now(), LEASE_MS, BATCH);
      for (const event of events) settled += (await this.#process(event)) ? 1 : 0;
      if (events.length < BATCH) return settled;
    }
  }

  async #process(event: WebhookEventRow): Promise<boolean> {
    const { db, clock, logger, settings } = this.deps;
    const attempts = event.attempts + 1;
    try {
      const effects = await this.#effects(event);
      const now = clock.now();
      const done = await db.transaction().execute(async (tx) => {
        const settled = await settleEvent(tx, event.id, {
          status: 'processed',
          error: null,
          attempts,
          next_attempt_at: null,
          processed_at: now.toISOString(),
        });
        // Replayed or claimed again meanwhile: whoever holds it now applies it.
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
      const now = clock.now();
      const last = attempts >= settings.maxAttempts || isFinal(error);
      logger.warn(
        { err: error, webhook_event_id: event.id, attempts, last },
        'webhook event processing failed',
      );
      return db.transaction().execute(async (tx) => {
        const settledNow = await settleEvent(tx, event.id, {
          status: last ? 'failed' : 'accepted',
          error: message,
          attempts,
          next_attempt_at: last ? null : new Date(now.getTime() + retryDelay(attempts, error)).toISOString(),
          processed_at: last ? now.toISOString() : null,
        });
        if (settledNow && last) await countOutcome(tx, event.webhook_id, { failed: message });
        return settledNow && last;
      });
    }
  }

  /** What the event does, from its connection's connector; none for a connector without a handler. */
  async #effects(event: WebhookEventRow): Promise<WebhookEffect[]> {
    const row = await findConnection(this.deps.db, event.org_id, event.connection_id);
    if (!row) return [];
    const connector = this.deps.connectors.find((c) => c.definition.slug === row.connector);
    if (!connector?.webhooks) return [];
    const oauth = this.deps.auth(row);
    const ctx = connectorContext(connector.definition, connectorConfig(this.deps.secrets, row), {
      logger: this.deps.logger.child({ connection_id: row.id, webhook_event_id: event.id }),
      signal: AbortSignal.timeout(HANDLE_TIMEOUT_MS),
      outbound: this.deps.outbound,
      ...(oauth ? { oauth } : {}),
    });
    return connector.webhooks.handle(
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
  }
}

import { canonicalJson } from '../../platform/canonical-json.js';
import { sha256Hex } from '../../platform/crypto/tokens.js';
import type { Db } from '../../platform/db/database.js';
import { Retention } from '../../platform/db/retention.js';
import { AppError } from '../../platform/errors.js';
import type { Caller } from '../auth/principal.js';
import { recordPublishedEvent } from '../events/outbox.js';
import type { EventTypeService } from './event-types.js';
import {
  claimPublishedKey,
  deleteKeysBefore,
  findPublishedKey,
  type PublishedKeyRow,
} from './storage/published-keys.js';

/** How long an Idempotency-Key names the event it published. */
const KEY_TTL_MS = 86_400_000;

export interface PublishRequest {
  type: string;
  payload: Record<string, unknown>;
}

export interface Published {
  event: { id: string; type: string; version: number; payload: Record<string, unknown>; occurred_at: string };
  /** True when an earlier request with the same Idempotency-Key published it. */
  replayed: boolean;
}

/** Rolls the publishing transaction back: the key already names `earlier`. */
class KeyTaken extends Error {
  constructor(readonly earlier: PublishedKeyRow) {
    super('idempotency key taken');
  }
}

/**
 * Events an org publishes of the types it declared: validated against the type's schema and
 * recorded in the outbox (with its Idempotency-Key, in one transaction), so they reach subscribed
 * endpoints as Switchboard's own do. An Idempotency-Key names the event for 24 hours: the same request again answers that
 * event; a different request with the key is refused (IDEMPOTENCY_KEY_REUSED), as Stripe does.
 * Not audited, as Svix and Stripe do not audit message creation: the event itself is the record
 * (GET /events), and an audit row beside each would double the writes of the hottest path.
 */
export class EventPublisher {
  readonly #retention: Retention;

  constructor(
    private readonly db: Db,
    private readonly eventTypes: EventTypeService,
  ) {
    this.#retention = new Retention(KEY_TTL_MS, (cutoff, limit) =>
      deleteKeysBefore(db, cutoff.toISOString(), limit),
    );
  }

  /** Forgets Idempotency-Keys past their 24 hours (at most once an hour); how many went. */
  prune(now: Date): Promise<number> {
    return this.#retention.prune(now);
  }

  async publish(caller: Caller, request: PublishRequest, key?: string): Promise<Published> {
    const payload = await this.eventTypes.validPayload(caller.orgId, request.type, request.payload);
    if (key === undefined)
      return { event: await this.#record(caller, request.type, payload), replayed: false };
    const hash = requestHash(request);
    try {
      const event = await this.#record(caller, request.type, payload, { key, hash });
      return { event, replayed: false };
    } catch (error) {
      if (!(error instanceof KeyTaken)) throw error;
      return replay(error.earlier, hash, request.type, payload);
    }
  }

  /**
   * The event alone: one statement, committed on its own. With a key, the event and the key naming
   * it, two statements in one transaction; a key still naming an earlier event rolls the event
   * back (KeyTaken, carrying that event's key row).
   */
  async #record(
    { orgId, now }: Caller,
    type: string,
    payload: Record<string, unknown>,
    idempotency?: { key: string; hash: string },
  ) {
    const event = { orgId, type, payload };
    const id = idempotency
      ? await this.db.transaction().execute(async (tx) => {
          const eventId = await recordPublishedEvent(tx, event, now);
          const row = {
            org_id: orgId,
            key: idempotency.key,
            event_id: eventId,
            request_hash: idempotency.hash,
            created_at: now.toISOString(),
          };
          const cutoff = new Date(now.getTime() - KEY_TTL_MS).toISOString();
          if (await claimPublishedKey(tx, row, cutoff)) return eventId;
          // Refused because the key is there; the claim locked its row, so it is still there.
          throw new KeyTaken((await findPublishedKey(tx, orgId, idempotency.key))!);
        })
      : await recordPublishedEvent(this.db, event, now);
    return { id, type, version: 1, payload, occurred_at: now.toISOString() };
  }
}

function replay(
  earlier: PublishedKeyRow,
  hash: string,
  type: string,
  payload: Record<string, unknown>,
): Published {
  if (earlier.request_hash !== hash) {
    throw new AppError('IDEMPOTENCY_KEY_REUSED', undefined, { idempotency_key: earlier.key });
  }
  // The same request, validated the same way: the same type and payload as the event recorded.
  return {
    event: { id: earlier.event_id, type, version: 1, payload, occurred_at: earlier.created_at },
    replayed: true,
  };
}

/** The request as the key remembers it: key order does not make two requests different. */
function requestHash(request: PublishRequest): string {
  return sha256Hex(canonicalJson(request));
}

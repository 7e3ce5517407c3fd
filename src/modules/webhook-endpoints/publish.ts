import { canonicalJson } from '../../platform/canonical-json.js';
import { sha256Hex } from '../../platform/crypto/tokens.js';
import type { Db } from '../../platform/db/database.js';
import { isUniqueViolation } from '../../platform/db/errors.js';
import { AppError } from '../../platform/errors.js';
import { recordAudit } from '../audit/service.js';
import type { Caller } from '../auth/principal.js';
import { recordPublishedEvent } from '../events/outbox.js';
import type { EventTypeService } from './event-types.js';
import {
  deleteExpiredKey,
  findPublishedKey,
  insertPublishedKey,
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

/**
 * Events an org publishes of the types it declared: validated against the type's schema and
 * recorded in the outbox in one transaction, so they reach subscribed endpoints as Switchboard's
 * own do. An Idempotency-Key names the event for 24 hours: the same request again answers that
 * event; a different request with the key is refused (IDEMPOTENCY_KEY_REUSED), as Stripe does.
 */
export class EventPublisher {
  constructor(
    private readonly db: Db,
    private readonly eventTypes: EventTypeService,
  ) {}

  async publish(caller: Caller, request: PublishRequest, key?: string): Promise<Published> {
    const payload = await this.eventTypes.validPayload(caller.orgId, request.type, request.payload);
    const hash = requestHash(request);
    if (key === undefined)
      return { event: await this.#record(caller, request.type, payload), replayed: false };
    const cutoff = new Date(caller.now.getTime() - KEY_TTL_MS).toISOString();
    await deleteExpiredKey(this.db, caller.orgId, key, cutoff);
    const earlier = await findPublishedKey(this.db, caller.orgId, key);
    if (earlier) return replay(earlier, hash, request.type, payload);
    try {
      const event = await this.#record(caller, request.type, payload, { key, hash });
      return { event, replayed: false };
    } catch (error) {
      // Another request with this key committed first: answer as if this one came after it.
      if (!isUniqueViolation(error)) throw error;
      const winner = await findPublishedKey(this.db, caller.orgId, key);
      if (!winner) throw error;
      return replay(winner, hash, request.type, payload);
    }
  }

  async #record(
    { orgId, actor, now }: Caller,
    type: string,
    payload: Record<string, unknown>,
    idempotency?: { key: string; hash: string },
  ) {
    const id = await this.db.transaction().execute(async (tx) => {
      const eventId = await recordPublishedEvent(tx, { orgId, type, payload }, now);
      if (idempotency) {
        await insertPublishedKey(tx, {
          org_id: orgId,
          key: idempotency.key,
          event_id: eventId,
          request_hash: idempotency.hash,
          created_at: now.toISOString(),
        });
      }
      await recordAudit(
        tx,
        actor,
        { orgId, action: 'event.published', targetType: 'event', targetId: eventId },
        now,
      );
      return eventId;
    });
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

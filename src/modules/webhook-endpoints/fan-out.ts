import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import type { EventConsumer } from '../events/consumer.js';
import { PUBLISHED_SUBJECT } from '../events/outbox.js';
import type { EventService } from '../events/service.js';
import type { StoredEvent } from '../events/store.js';
import { subscribes } from './event-types.js';
import type { MessageBody, NewMessage } from './model.js';
import { type EndpointRow, enabledEndpoints } from './storage/endpoints.js';
import { insertMessages } from './storage/messages-insert.js';

/** The durable cursor of the fan-out in the outbox. */
export const FAN_OUT_CONSUMER = 'webhook-endpoints';

/**
 * Turns outbox events into webhook messages: for each event, one `pending` message per enabled
 * endpoint of the event's org whose patterns match its type. At least once, and idempotent: the
 * (endpoint, event) key keeps a re-read batch from inserting anything twice. Started by the
 * processes that run background work; the dispatcher is woken after each batch that queued some.
 */
export class WebhookFanOut {
  readonly consumer: EventConsumer;

  constructor(
    events: EventService,
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly onQueued: () => void,
    /** How long a process reads for the fan-out after its last read: another takes over once it passes. */
    leaseMs: number,
  ) {
    this.consumer = events.consumer(
      FAN_OUT_CONSUMER,
      async (batch) => {
        await this.handle(batch);
      },
      { leaseMs },
    );
  }

  start(): void {
    this.consumer.start();
  }

  /** Inserts the batch's messages; returns how many are new. */
  async handle(batch: readonly StoredEvent[]): Promise<number> {
    const endpointsOf = new Map<string, Promise<EndpointRow[]>>();
    const messages: NewMessage[] = [];
    for (const event of batch) {
      let endpoints = endpointsOf.get(event.org_id);
      if (!endpoints) {
        endpoints = enabledEndpoints(this.db, event.org_id);
        endpointsOf.set(event.org_id, endpoints);
      }
      const body = messageBody(event);
      for (const endpoint of await endpoints) {
        if (subscribes(endpoint.event_types, event.type)) {
          messages.push({ orgId: event.org_id, endpointId: endpoint.id, eventId: event.id, body });
        }
      }
    }
    const inserted = await insertMessages(this.db, messages, this.clock.now());
    if (inserted.length > 0) this.onQueued();
    return inserted.length;
  }
}

/** The Standard Webhooks body of an event (its `data` as model.ts documents). */
function messageBody(event: StoredEvent): MessageBody {
  const data =
    event.subject_type === PUBLISHED_SUBJECT
      ? { event_id: event.id, ...event.payload }
      : {
          ...event.payload,
          event_id: event.id,
          org_id: event.org_id,
          subject_type: event.subject_type,
          subject_id: event.subject_id,
        };
  return { type: event.type, timestamp: event.occurred_at, data };
}

import type { Connector, WebhookDelivery } from '../../connectors/sdk.js';
import type { SecretBox } from '../../platform/crypto/secret-box.js';
import type { Db } from '../../platform/db/database.js';
import { AppError } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { Logger } from '../../platform/logging/logger.js';
import { findConnection } from '../connections/store.js';
import { recordEvent } from '../events/outbox.js';
import type { EventStatus } from './model.js';
import type { RateGate } from './rate-gate.js';
import { schemeOf } from './scheme-of.js';
import { openWebhookSecret } from './secret.js';
import { insertReceived } from './storage/events.js';
import { countReceived, findWebhookById, noteError } from './storage/webhooks.js';

/** What the receiver answers: an event stored, or a provider's handshake. */
export type ReceiverAnswer =
  | { kind: 'stored'; status: Extract<EventStatus, 'accepted' | 'ignored' | 'duplicate'>; eventId: string }
  | { kind: 'handshake'; status: number; body: unknown };

// Headers that carry a credential or a signature: kept out of what is stored and shown.
const SECRET_HEADERS = new Set([
  'authorization',
  'cookie',
  'proxy-authorization',
  'x-hub-signature',
  'x-hub-signature-256',
  'x-slack-signature',
  'webhook-signature',
]);

function redacted(headers: WebhookDelivery['headers'], signatureHeader: string): Record<string, string> {
  const own = signatureHeader.toLowerCase();
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    kept[name] = SECRET_HEADERS.has(name) || name === own ? '[redacted]' : value;
  }
  return kept;
}

/** The body as JSON: an object or an array, as providers send events. */
function parsed(delivery: WebhookDelivery): object | null {
  if (delivery.method === 'GET') return null;
  let value: unknown;
  try {
    value = JSON.parse(delivery.rawBody.toString('utf8'));
  } catch {
    throw new AppError('WEBHOOK_PAYLOAD_INVALID', 'The body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null) {
    throw new AppError('WEBHOOK_PAYLOAD_INVALID', 'The body must be a JSON object or array');
  }
  return value;
}

/**
 * The public receiver (spec §5, endpoint #22): the raw body verified before anything else, then
 * the event committed (with the webhook's counters and a `webhook.received` outbox event) before
 * it is acknowledged. Processing happens after, in the processor.
 */
export class WebhookReceiver {
  constructor(
    private readonly db: Db,
    private readonly connectors: readonly Connector[],
    private readonly box: SecretBox,
    private readonly gate: RateGate,
    private readonly logger: Logger,
    /** Told after each accepted event is committed: the processor picks it up. */
    private readonly onAccepted: () => void,
  ) {}

  async receive(id: string, delivery: WebhookDelivery): Promise<ReceiverAnswer> {
    const webhook = await findWebhookById(this.db, id);
    if (!webhook) throw new AppError('WEBHOOK_NOT_FOUND');
    if (webhook.status !== 'active') throw new AppError('WEBHOOK_INACTIVE');
    const limited = await this.gate.take(webhook.id, webhook.rate_limit_per_minute);
    if (limited !== undefined) {
      throw new AppError('RATE_LIMIT_EXCEEDED', undefined, undefined, {
        retry_after: Math.ceil(limited / 1000),
      });
    }
    const connection = await findConnection(this.db, webhook.org_id, webhook.connection_id);
    const connector = this.connectors.find((c) => c.definition.slug === connection?.connector);
    const scheme = schemeOf(webhook, connector);
    if (!scheme) {
      this.logger.warn(
        { webhook_id: webhook.id, scheme: webhook.scheme },
        'a webhook’s scheme is not in this build',
      );
      throw new AppError('CONNECTOR_UNAVAILABLE');
    }
    const secret = openWebhookSecret(this.box, webhook.org_id, webhook.id, webhook.secret);
    const verdict = await scheme.verify(delivery, secret);
    if (!verdict.ok) {
      await noteError(this.db, webhook.id, `Refused a delivery: ${verdict.reason}`);
      throw new AppError('WEBHOOK_SIGNATURE_INVALID', `Invalid signature: ${verdict.reason}`);
    }
    const payload = parsed(delivery);
    const handshake = scheme.handshake?.(delivery, payload);
    if (handshake) return { kind: 'handshake', ...handshake };
    if (payload === null)
      throw new AppError('WEBHOOK_PAYLOAD_INVALID', 'An event is sent with POST and a JSON body');

    const { id: deliveryId, type } = scheme.describe(delivery, payload);
    const wanted = webhook.event_types.length === 0 || (type !== null && webhook.event_types.includes(type));
    const eventId = newId();
    const at = delivery.receivedAt.toISOString();
    const status = await this.db.transaction().execute(async (tx) => {
      const stored = await insertReceived(tx, {
        id: eventId,
        org_id: webhook.org_id,
        connection_id: webhook.connection_id,
        webhook_id: webhook.id,
        delivery_id: deliveryId,
        dedupe_key: deliveryId,
        event_type: type,
        status: wanted ? 'accepted' : 'ignored',
        headers: redacted(delivery.headers, scheme.signatureHeader),
        payload,
        next_attempt_at: wanted ? at : null,
        received_at: at,
        processed_at: wanted ? null : at,
      });
      await countReceived(tx, webhook.id, at);
      await recordEvent(
        tx,
        {
          type: 'webhook.received',
          orgId: webhook.org_id,
          subjectId: webhook.id,
          payload: {
            connection_id: webhook.connection_id,
            event_id: eventId,
            event_type: type,
            delivery_id: deliveryId,
            status: stored,
          },
        },
        delivery.receivedAt,
      );
      return stored;
    });
    if (status === 'accepted') this.onAccepted();
    return { kind: 'stored', status: status as 'accepted' | 'ignored' | 'duplicate', eventId };
  }
}

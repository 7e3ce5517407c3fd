import type { Db } from '../../platform/db/database.js';
import { Retention } from '../../platform/db/retention.js';
import { AppError } from '../../platform/errors.js';
import type { PageQuery } from '../../platform/http/envelope.js';
import { recordAudit } from '../audit/service.js';
import type { Caller } from '../auth/principal.js';
import { endpointStats } from './stats.js';
import { attemptsOf } from './storage/attempts.js';
import { type EndpointRow, findEndpoint } from './storage/endpoints.js';
import {
  findMessage,
  listMessages,
  type MessageFilter,
  type MessageRow,
  pruneMessages,
  requeueFailed,
  requeueMessage,
} from './storage/messages.js';

const DAY_MS = 86_400_000;

/** What the API shows of a message: its state, not its body. */
function view(row: MessageRow) {
  const { org_id: _org, payload: _payload, lease_until: _lease, ...shown } = row;
  return shown;
}

/**
 * An endpoint's delivery history (messages and their attempts), redelivery and recovery, its
 * 24-hour stats, and the retention of messages.
 */
export class DeliveryService {
  readonly #retention: Retention;

  constructor(
    private readonly db: Db,
    /** Told when messages are queued again: the dispatchers pick them up. */
    private readonly onQueued: () => void,
    retentionDays: number,
  ) {
    this.#retention = new Retention(retentionDays * DAY_MS, (cutoff, limit) =>
      pruneMessages(db, cutoff, limit),
    );
  }

  async list({ orgId }: Caller, endpointId: string, filter: MessageFilter, page: PageQuery) {
    await this.#endpoint(orgId, endpointId);
    const { rows, total } = await listMessages(this.db, endpointId, filter, page);
    return { items: rows.map(view), total };
  }

  /** A message with its body and every attempt. */
  async get({ orgId }: Caller, endpointId: string, id: string) {
    await this.#endpoint(orgId, endpointId);
    const message = await this.#message(endpointId, id);
    const history = await attemptsOf(this.db, id);
    return {
      ...view(message),
      payload: message.payload,
      history: history.map(({ message_id: _m, endpoint_id: _e, ...attempt }) => attempt),
    };
  }

  /** Queues a new attempt of the message now, whatever its state. */
  async redeliver({ orgId, actor, now }: Caller, endpointId: string, id: string) {
    const endpoint = await this.#endpoint(orgId, endpointId);
    await this.#message(endpointId, id);
    this.#refuseDisabled(endpoint);
    const at = now.toISOString();
    await this.db.transaction().execute(async (tx) => {
      await requeueMessage(tx, id, at);
      await recordAudit(
        tx,
        actor,
        {
          orgId,
          action: 'webhook_endpoint.delivery_redelivered',
          targetType: 'webhook_endpoint',
          targetId: endpointId,
        },
        now,
      );
    });
    this.onQueued();
    return view(await this.#message(endpointId, id));
  }

  /** Queues the endpoint's failed messages created since `since` again; how many. */
  async recover({ orgId, actor, now }: Caller, endpointId: string, since: Date) {
    const endpoint = await this.#endpoint(orgId, endpointId);
    this.#refuseDisabled(endpoint);
    const at = now.toISOString();
    const queued = await this.db.transaction().execute(async (tx) => {
      const count = await requeueFailed(tx, endpointId, since.toISOString(), at);
      await recordAudit(
        tx,
        actor,
        { orgId, action: 'webhook_endpoint.recovered', targetType: 'webhook_endpoint', targetId: endpointId },
        now,
      );
      return count;
    });
    if (queued > 0) this.onQueued();
    return { since: since.toISOString(), queued };
  }

  async stats({ orgId, now }: Caller, endpointId: string) {
    await this.#endpoint(orgId, endpointId);
    return endpointStats(this.db, endpointId, now);
  }

  /** Deletes messages older than the retention (at most once an hour); how many went. */
  prune(now: Date): Promise<number> {
    return this.#retention.prune(now);
  }

  async #endpoint(orgId: string, id: string): Promise<EndpointRow> {
    const endpoint = await findEndpoint(this.db, orgId, id);
    if (!endpoint) throw new AppError('WEBHOOK_ENDPOINT_NOT_FOUND');
    return endpoint;
  }

  async #message(endpointId: string, id: string): Promise<MessageRow> {
    const message = await findMessage(this.db, endpointId, id);
    if (!message) throw new AppError('WEBHOOK_DELIVERY_NOT_FOUND');
    return message;
  }

  /** A disabled endpoint's messages are not delivered: queueing them would leave them waiting unseen. */
  #refuseDisabled(endpoint: EndpointRow): void {
    if (!endpoint.enabled) {
      throw new AppError(
        'WEBHOOK_ENDPOINT_DISABLED',
        'The webhook endpoint is disabled; enable it before redelivering to it',
      );
    }
  }
}

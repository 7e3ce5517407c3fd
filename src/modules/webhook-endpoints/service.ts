import type { SecretBox } from '../../platform/crypto/secret-box.js';
import type { Db } from '../../platform/db/database.js';
import { uniqueOr } from '../../platform/db/errors.js';
import { AppError, InvalidFieldsError } from '../../platform/errors.js';
import { type PageQuery, pageWindow } from '../../platform/http/envelope.js';
import { newId } from '../../platform/ids.js';
import type { Outbound } from '../../platform/outbound/outbound.js';
import { ForbiddenTargetError } from '../../platform/outbound/ssrf-guard.js';
import { recordAudit } from '../audit/service.js';
import type { Caller } from '../auth/principal.js';
import { newWebhookSecret } from '../webhooks/secret.js';
import type { EventTypeService } from './event-types.js';
import { DEFAULT_OVERLAP_HOURS, type RetryPolicy, TEST_EVENT_TYPE } from './model.js';
import { sealEndpointSecret } from './secret.js';
import {
  deleteEndpoint,
  type EndpointRow,
  findEndpoint,
  insertEndpoint,
  listEndpoints,
  updateEndpoint,
} from './storage/endpoints.js';
import { insertMessages } from './storage/messages-insert.js';

export interface EndpointInput {
  url: string;
  name: string;
  description?: string | null;
  event_types?: string[];
  enabled?: boolean;
  rate_limit_per_second?: number | null;
  retry_policy?: RetryPolicy | null;
  ordered?: boolean;
}

export type EndpointChange = Partial<EndpointInput>;

const HOUR_MS = 3_600_000;

const nameTaken = () => new AppError('NAME_TAKEN', 'The organisation has a webhook endpoint of that name');

/**
 * An org's outbound webhook endpoints: created with a `whsec_` secret shown once, listed, changed,
 * deleted, their secret rotated with an overlap during which the previous one signs too, and sent
 * a test message. Targets pass the SSRF guard, and must be https unless private networks are allowed.
 */
export class WebhookEndpointService {
  constructor(
    private readonly db: Db,
    private readonly box: SecretBox,
    private readonly outbound: Outbound,
    private readonly eventTypes: EventTypeService,
    /** http targets (and private addresses) only where the operator allows private networks. */
    private readonly allowPrivateNetworks: boolean,
    /** Told when messages are queued: the dispatcher claims them. */
    private readonly onQueued: () => void,
  ) {}

  async list({ orgId }: Caller, page: PageQuery) {
    const { rows, total } = await listEndpoints(this.db, orgId, pageWindow(page));
    return { items: rows.map(view), total };
  }

  async get({ orgId }: Caller, id: string) {
    return view(await this.#endpoint(orgId, id));
  }

  async create({ orgId, actor, now }: Caller, input: EndpointInput) {
    await this.#checkUrl(input.url);
    await this.eventTypes.checkPatterns(orgId, input.event_types ?? []);
    const id = newId();
    const secret = newWebhookSecret();
    const at = now.toISOString();
    const row: EndpointRow = {
      id,
      org_id: orgId,
      name: input.name,
      description: input.description ?? null,
      url: input.url,
      event_types: input.event_types ?? [],
      enabled: input.enabled ?? true,
      disabled_reason: null,
      secret: sealEndpointSecret(this.box, orgId, id, secret),
      previous_secret: null,
      previous_secret_expires_at: null,
      rate_limit_per_second: input.rate_limit_per_second ?? null,
      retry_policy: input.retry_policy ?? null,
      ordered: input.ordered ?? false,
      failing_since: null,
      created_at: at,
      updated_at: at,
    };
    await uniqueOr(nameTaken, () =>
      this.db.transaction().execute(async (tx) => {
        await insertEndpoint(tx, row);
        await recordAudit(tx, actor, audit(orgId, 'webhook_endpoint.created', id), now);
      }),
    );
    return { ...view(row), secret };
  }

  async update({ orgId, actor, now }: Caller, id: string, change: EndpointChange) {
    const current = await this.#endpoint(orgId, id);
    if (change.url !== undefined) await this.#checkUrl(change.url);
    if (change.event_types !== undefined) await this.eventTypes.checkPatterns(orgId, change.event_types);
    const set = {
      ...change,
      // Enabled again by hand: the failures that disabled it are forgiven.
      ...(change.enabled === true && !current.enabled && { disabled_reason: null, failing_since: null }),
      updated_at: now.toISOString(),
    };
    await uniqueOr(nameTaken, () =>
      this.db.transaction().execute(async (tx) => {
        await updateEndpoint(tx, id, set);
        await recordAudit(
          tx,
          actor,
          { ...audit(orgId, 'webhook_endpoint.updated', id), changedFields: Object.keys(change) },
          now,
        );
      }),
    );
    return this.get({ orgId, actor, now }, id);
  }

  async delete({ orgId, actor, now }: Caller, id: string): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      if (!(await deleteEndpoint(tx, orgId, id))) throw new AppError('WEBHOOK_ENDPOINT_NOT_FOUND');
      await recordAudit(tx, actor, audit(orgId, 'webhook_endpoint.deleted', id), now);
    });
  }

  /**
   * A new secret, shown once. The current one becomes the previous and keeps signing beside it for
   * `overlapHours` (0: refused at once), so receivers can switch without losing a delivery.
   */
  async rotateSecret({ orgId, actor, now }: Caller, id: string, overlapHours = DEFAULT_OVERLAP_HOURS) {
    const current = await this.#endpoint(orgId, id);
    const secret = newWebhookSecret();
    const expiresAt =
      overlapHours > 0 ? new Date(now.getTime() + overlapHours * HOUR_MS).toISOString() : null;
    await this.db.transaction().execute(async (tx) => {
      await updateEndpoint(tx, id, {
        secret: sealEndpointSecret(this.box, orgId, id, secret),
        // Sealed for this org and endpoint already: it opens as it is.
        previous_secret: expiresAt ? current.secret : null,
        previous_secret_expires_at: expiresAt,
        updated_at: now.toISOString(),
      });
      await recordAudit(
        tx,
        actor,
        { ...audit(orgId, 'webhook_endpoint.secret_rotated', id), changedFields: ['secret'] },
        now,
      );
    });
    return { id, secret, previous_secret_expires_at: expiresAt };
  }

  /**
   * Queues a test message for this endpoint alone, whatever its event types: of type `webhook.test`,
   * or of a known type the caller names (with the test's data, not that type's payload). Refused
   * while the endpoint is disabled (nothing would deliver it). Returns the message id.
   */
  async sendTest({ orgId, actor, now }: Caller, id: string, eventType = TEST_EVENT_TYPE) {
    const endpoint = await this.#endpoint(orgId, id);
    if (!endpoint.enabled) throw new AppError('WEBHOOK_ENDPOINT_DISABLED');
    if (eventType !== TEST_EVENT_TYPE && !(await this.eventTypes.isKnown(orgId, eventType))) {
      throw new InvalidFieldsError([{ field: 'event_type', message: `"${eventType}" is not an event type` }]);
    }
    const eventId = newId();
    const body = {
      type: eventType,
      timestamp: now.toISOString(),
      data: { event_id: eventId, endpoint_id: id, message: 'A test message from Switchboard.' },
    };
    const [messageId] = await this.db.transaction().execute(async (tx) => {
      const ids = await insertMessages(tx, [{ orgId, endpointId: id, eventId, body }], now);
      await recordAudit(tx, actor, audit(orgId, 'webhook_endpoint.test_sent', id), now);
      return ids;
    });
    this.onQueued();
    return { message_id: messageId ?? eventId, event_id: eventId, event_type: eventType };
  }

  async #endpoint(orgId: string, id: string): Promise<EndpointRow> {
    const row = await findEndpoint(this.db, orgId, id);
    if (!row) throw new AppError('WEBHOOK_ENDPOINT_NOT_FOUND');
    return row;
  }

  async #checkUrl(raw: string): Promise<void> {
    const refuse = (message: string) => new InvalidFieldsError([{ field: 'url', message }]);
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw refuse('is not a URL');
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && this.allowPrivateNetworks)) {
      throw refuse(
        this.allowPrivateNetworks
          ? 'must be an http or https URL'
          : 'must be an https URL (http needs SWITCHBOARD_ALLOW_PRIVATE_NETWORKS=true)',
      );
    }
    if (url.username || url.password) throw refuse('must not carry credentials');
    try {
      await this.outbound.checkTarget(url);
    } catch (error) {
      if (error instanceof ForbiddenTargetError) throw refuse(error.message);
      throw error;
    }
  }
}

const audit = (orgId: string, action: string, id: string) => ({
  orgId,
  action,
  targetType: 'webhook_endpoint',
  targetId: id,
});

/** What the API shows of an endpoint: never a secret, only until when a previous one signs. */
function view(row: EndpointRow) {
  const { secret: _s, previous_secret: _p, org_id: _o, ...shown } = row;
  return shown;
}

import type { Connector } from '../../connectors/sdk.js';
import type { SecretBox } from '../../platform/crypto/secret-box.js';
import type { Db } from '../../platform/db/database.js';
import { uniqueOr } from '../../platform/db/errors.js';
import { Retention } from '../../platform/db/retention.js';
import { AppError } from '../../platform/errors.js';
import type { PageQuery } from '../../platform/http/envelope.js';
import { newId } from '../../platform/ids.js';
import { recordAudit } from '../audit/service.js';
import type { Caller } from '../auth/principal.js';
import { findConnection } from '../connections/store.js';
import type { SignatureAlgo, WebhookStatus } from './model.js';
import { chooseScheme, signatureHeaderOf } from './scheme-of.js';
import { newWebhookSecret, sealWebhookSecret } from './secret.js';
import { type EventFilter, findEvent, listEvents, pruneEvents, requeueEvent } from './storage/events.js';
import {
  deleteWebhook,
  findWebhook,
  insertWebhook,
  listWebhooks,
  updateWebhook,
  type WebhookRow,
} from './storage/webhooks.js';

export interface WebhookInput {
  name: string;
  description?: string | null;
  event_types?: string[];
  signature_header?: string;
  signature_algo?: SignatureAlgo;
  scheme?: string;
  /** A provider-issued secret (Slack's signing secret); a random `whsec_` one otherwise. */
  webhook_secret?: string;
  rate_limit_per_minute?: number | null;
}

export interface WebhookChange {
  name?: string;
  description?: string | null;
  event_types?: string[];
  status?: WebhookStatus;
  rate_limit_per_minute?: number | null;
}

const CREATED_MESSAGE =
  'Webhook created. Configure your provider to send events to the webhook_url with the secret for HMAC verification. The secret is shown once — save it now.';
const ROTATED_MESSAGE =
  'Webhook secret rotated. Update your provider configuration with the new secret. The old secret is now invalid.';

const DAY_MS = 86_400_000;

const nameTaken = () => new AppError('NAME_TAKEN', 'A webhook of this connection already has that name');

/**
 * A connection's inbound webhooks (spec §5): created with a secret shown once (random, or the
 * provider's own), listed with their counters, changed, paused, deleted, their secret rotated.
 */
export class WebhookService {
  readonly #retention: Retention;

  constructor(
    private readonly db: Db,
    private readonly connectors: readonly Connector[],
    private readonly box: SecretBox,
    private readonly publicUrl: string,
    /** Told when an event is queued again: the processor picks it up. */
    private readonly onQueued: () => void,
    retentionDays: number,
  ) {
    this.#retention = new Retention(retentionDays * DAY_MS, (cutoff, limit) =>
      pruneEvents(db, cutoff, limit),
    );
  }

  /** Deletes received events older than the retention (at most once an hour); how many went. */
  prune(now: Date): Promise<number> {
    return this.#retention.prune(now);
  }

  /** What the API shows of a webhook: never its secret. */
  view(row: WebhookRow) {
    const { secret: _sealed, org_id: _org, ...shown } = row;
    return { ...shown, webhook_url: `${this.publicUrl}/api/v1/webhooks/receive/${row.id}` };
  }

  async list({ orgId }: Caller, connectionId: string) {
    await this.#connection(orgId, connectionId);
    return (await listWebhooks(this.db, orgId, connectionId)).map((row) => this.view(row));
  }

  async get({ orgId }: Caller, connectionId: string, id: string) {
    return this.view(await this.#webhook(orgId, connectionId, id));
  }

  async create({ orgId, actor, now }: Caller, connectionId: string, input: WebhookInput) {
    const connection = await this.#connection(orgId, connectionId);
    const connector = this.connectors.find((c) => c.definition.slug === connection.connector);
    const scheme = chooseScheme(connector, input.scheme);
    const id = newId();
    const secret = input.webhook_secret ?? newWebhookSecret();
    const at = now.toISOString();
    const row = {
      id,
      org_id: orgId,
      connection_id: connectionId,
      name: input.name,
      description: input.description ?? null,
      scheme,
      signature_header: signatureHeaderOf(scheme, connector, input.signature_header),
      signature_algo: input.signature_algo ?? 'sha256',
      event_types: input.event_types ?? [],
      status: 'active' satisfies WebhookStatus,
      secret: sealWebhookSecret(this.box, orgId, id, secret),
      rate_limit_per_minute: input.rate_limit_per_minute ?? null,
      last_received_at: null,
      last_error: null,
      created_at: at,
      updated_at: at,
    };
    await uniqueOr(nameTaken, () =>
      this.db.transaction().execute(async (tx) => {
        await insertWebhook(tx, row);
        await recordAudit(
          tx,
          actor,
          { orgId, action: 'webhook.created', targetType: 'webhook', targetId: id },
          now,
        );
      }),
    );
    return {
      ...this.view({ ...row, total_received: 0, total_processed: 0, total_failed: 0 }),
      webhook_secret: secret,
      message: CREATED_MESSAGE,
    };
  }

  async update({ orgId, actor, now }: Caller, connectionId: string, id: string, change: WebhookChange) {
    await this.#webhook(orgId, connectionId, id);
    const set = { ...change, updated_at: now.toISOString() };
    await uniqueOr(nameTaken, () =>
      this.db.transaction().execute(async (tx) => {
        await updateWebhook(tx, id, set);
        await recordAudit(
          tx,
          actor,
          {
            orgId,
            action: 'webhook.updated',
            targetType: 'webhook',
            targetId: id,
            changedFields: Object.keys(change),
          },
          now,
        );
      }),
    );
    return this.get({ orgId, actor, now }, connectionId, id);
  }

  async delete({ orgId, actor, now }: Caller, connectionId: string, id: string): Promise<void> {
    await this.#webhook(orgId, connectionId, id);
    await this.db.transaction().execute(async (tx) => {
      if (!(await deleteWebhook(tx, orgId, id))) throw new AppError('WEBHOOK_NOT_FOUND');
      await recordAudit(
        tx,
        actor,
        { orgId, action: 'webhook.deleted', targetType: 'webhook', targetId: id },
        now,
      );
    });
  }

  /** A new secret, effective at once: the old one no longer verifies. */
  async rotateSecret({ orgId, actor, now }: Caller, connectionId: string, id: string, provided?: string) {
    await this.#webhook(orgId, connectionId, id);
    const secret = provided ?? newWebhookSecret();
    await this.db.transaction().execute(async (tx) => {
      await updateWebhook(tx, id, {
        secret: sealWebhookSecret(this.box, orgId, id, secret),
        updated_at: now.toISOString(),
      });
      await recordAudit(
        tx,
        actor,
        {
          orgId,
          action: 'webhook.secret_rotated',
          targetType: 'webhook',
          targetId: id,
          changedFields: ['secret'],
        },
        now,
      );
    });
    return { id, webhook_secret: secret, message: ROTATED_MESSAGE };
  }

  /** A webhook's received events, newest first, without their headers and payloads. */
  async events({ orgId }: Caller, connectionId: string, id: string, filter: EventFilter, page: PageQuery) {
    await this.#webhook(orgId, connectionId, id);
    const { rows, total } = await listEvents(this.db, id, filter, page);
    return {
      items: rows.map(
        ({ headers: _h, payload: _p, dedupe_key: _d, lease_until: _l, org_id: _o, ...row }) => row,
      ),
      total,
    };
  }

  async event({ orgId }: Caller, connectionId: string, id: string, eventId: string) {
    await this.#webhook(orgId, connectionId, id);
    const row = await findEvent(this.db, id, eventId);
    if (!row) throw new AppError('WEBHOOK_EVENT_NOT_FOUND');
    const { dedupe_key: _d, lease_until: _l, org_id: _o, ...shown } = row;
    return shown;
  }

  /** Processes a received event again from its first attempt, whatever it ended as. */
  async replay({ orgId, actor, now }: Caller, connectionId: string, id: string, eventId: string) {
    await this.#webhook(orgId, connectionId, id);
    if (!(await findEvent(this.db, id, eventId))) throw new AppError('WEBHOOK_EVENT_NOT_FOUND');
    await this.db.transaction().execute(async (tx) => {
      await requeueEvent(tx, eventId, now.toISOString());
      await recordAudit(
        tx,
        actor,
        { orgId, action: 'webhook.event_replayed', targetType: 'webhook', targetId: id },
        now,
      );
    });
    this.onQueued();
    return {
      id: eventId,
      status: 'accepted' as const,
      message: 'The event is queued to be processed again.',
    };
  }

  async #connection(orgId: string, id: string) {
    const connection = await findConnection(this.db, orgId, id);
    if (!connection) throw new AppError('CONNECTION_NOT_FOUND');
    return connection;
  }

  async #webhook(orgId: string, connectionId: string, id: string): Promise<WebhookRow> {
    await this.#connection(orgId, connectionId);
    const row = await findWebhook(this.db, orgId, connectionId, id);
    if (!row) throw new AppError('WEBHOOK_NOT_FOUND');
    return row;
  }
}

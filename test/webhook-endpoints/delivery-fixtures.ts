import { randomBytes } from 'node:crypto';
import type { RetryPolicy } from '../../src/modules/webhook-endpoints/model.js';
import { sealEndpointSecret } from '../../src/modules/webhook-endpoints/secret.js';
import { insertEndpoint } from '../../src/modules/webhook-endpoints/storage/endpoints.js';
import { insertMessages } from '../../src/modules/webhook-endpoints/storage/messages-insert.js';
import type { WebhookEndpointsTable } from '../../src/platform/db/tables.js';
import { newId } from '../../src/platform/ids.js';
import type { TestApp } from '../helpers/app.js';

export const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

type EndpointOptions = Partial<
  Pick<WebhookEndpointsTable, 'ordered' | 'rate_limit_per_second' | 'previous_secret_expires_at' | 'enabled'>
> & { previousSecret?: string; retry_policy?: RetryPolicy };

/** An endpoint stored as the endpoint API stores one; its secrets in the clear for the test. */
export async function createEndpoint(t: TestApp, orgId: string, url: string, options: EndpointOptions = {}) {
  const { previousSecret, ...fields } = options;
  const id = newId();
  const secret = newSecret();
  const at = t.ctx.clock.now().toISOString();
  const box = t.app.services.secretBox;
  await insertEndpoint(t.ctx.database.db, {
    id,
    org_id: orgId,
    name: `Endpoint ${id}`,
    description: null,
    url,
    event_types: [],
    enabled: true,
    disabled_reason: null,
    secret: sealEndpointSecret(box, orgId, id, secret),
    previous_secret: previousSecret ? sealEndpointSecret(box, orgId, id, previousSecret) : null,
    previous_secret_expires_at: null,
    rate_limit_per_second: null,
    retry_policy: null,
    ordered: false,
    failing_since: null,
    created_at: at,
    updated_at: at,
    ...fields,
  });
  return { id, secret };
}

/** A message as the fan-out queues one; its id. */
export async function queueMessage(
  t: TestApp,
  orgId: string,
  endpointId: string,
  type = 'connection.created',
): Promise<string> {
  const eventId = newId();
  const [id] = await insertMessages(
    t.ctx.database.db,
    [
      {
        orgId,
        endpointId,
        eventId,
        body: {
          type,
          timestamp: t.ctx.clock.now().toISOString(),
          data: { event_id: eventId, org_id: orgId },
        },
      },
    ],
    t.ctx.clock.now(),
  );
  if (!id) throw new Error('message not inserted');
  return id;
}

export function messageRow(t: TestApp, id: string) {
  return t.ctx.database.db
    .selectFrom('webhook_messages')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
}

export function attemptRows(t: TestApp, messageId: string) {
  return t.ctx.database.db
    .selectFrom('webhook_attempts')
    .selectAll()
    .where('message_id', '=', messageId)
    .orderBy('attempt')
    .execute();
}

export function endpointRow(t: TestApp, id: string) {
  return t.ctx.database.db
    .selectFrom('webhook_endpoints')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
}

import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header every side of the bench signs in: Switchboard's default for scheme `hmac`. */
export const SIGNATURE_HEADER = 'x-webhook-signature';

/** What a provider's event carries besides its id: about 1 KB of JSON in all. */
const DATA = {
  object: 'ticket',
  account: { id: 'acct_4f1c2a9e', name: 'Acme Corporation', plan: 'enterprise', region: 'eu-west-1' },
  ticket: {
    id: 'tkt_8d1e5b27',
    title: 'Checkout fails with a 502 after the payment step for customers paying by card in EUR',
    status: 'open',
    priority: 'high',
    assignee: { id: 'usr_19ab', email: 'jane.doe@acme.example', name: 'Jane Doe' },
    labels: ['payments', 'checkout', 'regression', 'customer-reported'],
    custom_fields: { component: 'payments-gateway', environment: 'production', customer_tier: 'gold' },
    description:
      'Several customers report that after entering card details the checkout page shows a 502 error. ' +
      'The payment is authorised but the order is not created. Started after the 14:05 deploy.',
  },
  changes: { status: { from: 'new', to: 'open' }, priority: { from: 'normal', to: 'high' } },
};

/** A distinct event (its own id, its own signature), as a provider sends each delivery. */
export interface SignedEvent {
  body: string;
  headers: Record<string, string>;
}

/** Event `n`, signed with `secret`: `sha256=` and the hex HMAC-SHA256 of the body, as GitHub signs. */
export function signedEvent(secret: string, n: number): SignedEvent {
  const id = `evt_${n.toString(36).padStart(10, '0')}`;
  const body = JSON.stringify({
    id,
    type: 'ticket.updated',
    created_at: new Date().toISOString(),
    data: DATA,
  });
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'idempotency-key': id,
      [SIGNATURE_HEADER]: `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
    },
  };
}

/** The baselines' check: `header` holds `sha256=` and the hex HMAC of `body`, compared in constant time. */
export function verified(secret: string, body: Buffer, header: string | undefined): boolean {
  if (header === undefined || !header.startsWith('sha256=')) return false;
  const given = Buffer.from(header.slice('sha256='.length), 'hex');
  const expected = createHmac('sha256', secret).update(body).digest();
  return given.length === expected.length && timingSafeEqual(given, expected);
}

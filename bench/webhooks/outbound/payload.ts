import type { MessageBody } from '../../../src/modules/webhook-endpoints/model.js';

/** The org event types the bench declares: one per part, so each part's endpoints see only its events. */
export const EVENT_TYPES = {
  drain: 'bench.drained',
  latency: 'bench.paced',
  /** The latency floor's, at a fifth of the rate. */
  slow: 'bench.paced_slowly',
  fanOut: 'bench.fanned_out',
  /** Subscribed by no endpoint: publishing alone. */
  unheard: 'bench.unheard',
} as const;

/** What each event carries besides its numbers: about 1 KB of JSON with the envelope. */
const DATA = {
  invoice: {
    id: 'inv_4f1c2a9e8d1e5b27',
    number: 'INV-2024-004217',
    status: 'paid',
    currency: 'EUR',
    amount_due: 129900,
    amount_paid: 129900,
    customer: { id: 'cus_19ab77c2', email: 'billing@acme.example', name: 'Acme Corporation' },
    lines: [
      { description: 'Enterprise plan, 12 seats, monthly', quantity: 12, unit_amount: 9900 },
      { description: 'Additional audit log retention (365 days)', quantity: 1, unit_amount: 11100 },
    ],
    metadata: { region: 'eu-west-1', sales_channel: 'self-serve', cost_centre: 'finance-ops' },
    memo:
      'Paid by card ending 4242 after the second reminder. The customer asked for the invoice to be ' +
      'sent to the billing address on file and for the PO number to appear on every future invoice.',
  },
};

/** The payload of event `seq` as published; `due_ms` (epoch ms) when the bench timed its sending. */
export function benchPayload(seq: number, dueMs?: number): Record<string, unknown> {
  return { seq, ...(dueMs === undefined ? {} : { due_ms: dueMs }), ...DATA };
}

/** The body Switchboard delivers for a published event (fan-out.ts): the payload with `event_id` added. */
export function deliveredBody(type: string, eventId: string, occurredAt: Date, seq: number): MessageBody {
  return { type, timestamp: occurredAt.toISOString(), data: { event_id: eventId, ...benchPayload(seq) } };
}

/** Wall-clock milliseconds with a fraction: comparable across the bench's processes on one machine. */
export const wallMs = () => performance.timeOrigin + performance.now();

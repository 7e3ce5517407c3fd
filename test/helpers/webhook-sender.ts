/**
 * A sender of signed deliveries, as a provider streams them to a webhook of scheme `hmac`: the
 * HMAC-SHA256 of the raw body with the webhook's secret in X-Webhook-Signature, its delivery id in
 * Idempotency-Key. Each delivery's outcome is recorded as the sender saw it.
 */
import { createHmac } from 'node:crypto';

export type Outcome =
  | { kind: 'acked'; status: string; eventId: string }
  | { kind: 'refused'; status: number; body: string }
  /** No complete answer: refused connection, reset, a cut body, or an answer dropped on purpose. */
  | { kind: 'unanswered'; error: string };

export interface Delivery {
  id: string;
  body: string;
  /** Drop the 200 once read, as a sender whose connection broke before it saw it. */
  loseAnswer?: boolean;
}

export async function deliver(url: string, secret: string, delivery: Delivery): Promise<Outcome> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'idempotency-key': delivery.id,
        'x-webhook-signature': `sha256=${createHmac('sha256', secret).update(delivery.body).digest('hex')}`,
      },
      body: delivery.body,
    });
    const text = await res.text();
    if (res.status !== 200) return { kind: 'refused', status: res.status, body: text };
    if (delivery.loseAnswer) return { kind: 'unanswered', error: 'the answer was dropped' };
    const answer = JSON.parse(text) as { status: string; event_id: string };
    return { kind: 'acked', status: answer.status, eventId: answer.event_id };
  } catch (error) {
    return { kind: 'unanswered', error: String(error) };
  }
}

export interface StreamOptions {
  /** Requests in flight at once. */
  lanes: number;
  /** Called after each outcome, with all so far. */
  after?: (outcomes: ReadonlyMap<string, Outcome>) => void;
  /** Checked before each send: no delivery starts once it is true. */
  stopped?: () => boolean;
}

/** Sends the deliveries in order, `lanes` at a time; the outcome of each one sent, by delivery id. */
export async function stream(
  send: (delivery: Delivery) => Promise<Outcome>,
  deliveries: readonly Delivery[],
  { lanes, after, stopped = () => false }: StreamOptions,
): Promise<Map<string, Outcome>> {
  const outcomes = new Map<string, Outcome>();
  let next = 0;
  const lane = async () => {
    while (next < deliveries.length && !stopped()) {
      const delivery = deliveries[next++]!;
      outcomes.set(delivery.id, await send(delivery));
      after?.(outcomes);
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
  return outcomes;
}

/** The acknowledged deliveries among `outcomes`. */
export function acknowledged(outcomes: ReadonlyMap<string, Outcome>) {
  return [...outcomes].flatMap(([id, o]) =>
    o.kind === 'acked' ? [{ id, status: o.status, eventId: o.eventId }] : [],
  );
}

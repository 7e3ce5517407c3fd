import { Counter, Histogram, type Registry } from 'prom-client';

/** How an attempt ended, as the metrics count it. */
export type AttemptOutcomeLabel = 'succeeded' | 'failed' | 'timeout' | 'refused';

/** Outbound webhook attempts on /metrics: how many by outcome, and how long they took. */
export class DeliveryMetrics {
  readonly #attempts: Counter<'outcome'>;
  readonly #latency: Histogram<'outcome'>;

  constructor(registry: Registry) {
    this.#attempts = new Counter({
      name: 'switchboard_webhook_delivery_attempts_total',
      help: 'Outbound webhook delivery attempts, by outcome (succeeded, failed, timeout, refused)',
      labelNames: ['outcome'],
      registers: [registry],
    });
    this.#latency = new Histogram({
      name: 'switchboard_webhook_delivery_duration_seconds',
      help: 'Outbound webhook delivery attempt latency, by outcome',
      labelNames: ['outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    });
  }

  observe(outcome: AttemptOutcomeLabel, seconds: number): void {
    this.#attempts.inc({ outcome });
    this.#latency.observe({ outcome }, seconds);
  }
}

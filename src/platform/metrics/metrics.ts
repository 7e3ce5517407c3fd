import { collectDefaultMetrics, Registry } from 'prom-client';
import { type RequestLabels, RequestMetrics } from './request-metrics.js';

export interface Metrics {
  /** The exposition format's content type, for the /metrics response. */
  readonly contentType: string;
  /** Every metric in the Prometheus text exposition format. */
  render(): Promise<string>;
  observeRequest(labels: RequestLabels, seconds: number): void;
  /** The prom-client registry rendered at /metrics, where modules register their own metrics. */
  readonly registry: Registry;
}

/** Metrics per app (tests build many): process metrics from prom-client, request metrics our own. */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new RequestMetrics();
  return {
    contentType: registry.contentType,
    registry,
    async render() {
      return (await registry.metrics()) + requests.render();
    },
    observeRequest(labels, seconds) {
      requests.observe(labels, seconds);
    },
  };
}

import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

export interface Metrics {
  readonly registry: Registry;
  observeRequest(labels: { method: string; route: string; status_code: number }, seconds: number): void;
}

/** A registry per app (tests build many), with process metrics and HTTP request metrics. */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const labelNames = ['method', 'route', 'status_code'] as const;
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests served, by route template and status',
    labelNames,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency, by route template and status',
    labelNames,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  // Resolving label values is the costly part of an observation; do it once per series.
  const series = new Map<
    string,
    { count: ReturnType<typeof requests.labels>; latency: ReturnType<typeof duration.labels> }
  >();
  return {
    registry,
    observeRequest(labels, seconds) {
      const key = `${labels.method} ${labels.status_code} ${labels.route}`;
      let s = series.get(key);
      if (!s) {
        s = { count: requests.labels(labels), latency: duration.labels(labels) };
        series.set(key, s);
      }
      s.count.inc();
      s.latency.observe(seconds);
    },
  };
}

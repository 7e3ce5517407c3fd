import type { Health } from '../connections/store.js';

/** When consecutive failures turn a connection degraded, then unhealthy (config: SWITCHBOARD_HEALTH_*). */
export interface HealthThresholds {
  degradedAt: number;
  unhealthyAt: number;
}

/** Health from the count of consecutive failed checks and syncs: 0 healthy, then degraded, then unhealthy. */
export function healthFor(consecutiveFailures: number, thresholds: HealthThresholds): Health {
  if (consecutiveFailures >= thresholds.unhealthyAt) return 'unhealthy';
  if (consecutiveFailures >= thresholds.degradedAt) return 'degraded';
  return 'healthy';
}

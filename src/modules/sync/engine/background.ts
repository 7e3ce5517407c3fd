import type { Services } from '../../../services.js';
import type { TickTask } from './worker.js';

/** What the worker's tick runs besides scheduling syncs and reaping runs. */
export function backgroundTasks(services: Services): TickTask[] {
  return [
    { name: 'health checks', run: (now) => services.health.runDue(now) },
    { name: 'event retention', run: (now) => services.events.prune(now) },
    { name: 'webhook event retention', run: (now) => services.webhooks.prune(now) },
    { name: 'webhook delivery retention', run: (now) => services.webhookDeliveries.prune(now) },
    { name: 'idempotency key expiry', run: (now) => services.eventPublisher.prune(now) },
  ];
}

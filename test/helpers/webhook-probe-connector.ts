/**
 * `webhook-probe`: a connector whose webhook handler leaves a trace a test can read across
 * processes (register-webhook-probe.ts adds it to a child process's build). Each call
 * appends `<pid> <event id>` to the file named by WEBHOOK_PROBE_LOG before returning
 * no effects. With WEBHOOK_PROBE_HOLD_AT=n, the n-th call (its line written) never returns: the
 * processor is then stuck mid-batch, holding its claims, until the process is killed.
 */
import fs from 'node:fs';
import type { Connector, ConnectorDefinition } from '../../src/connectors/sdk.js';
import { hmacScheme } from '../../src/modules/webhooks/schemes/hmac.js';

export const WEBHOOK_PROBE_SLUG = 'webhook-probe';

const definition: ConnectorDefinition = {
  slug: WEBHOOK_PROBE_SLUG,
  name: 'Webhook probe',
  provider: 'webhook_probe',
  category: 'custom',
  shortDescription: 'Records each webhook event it handles, for tests.',
  description: 'A test connector whose webhook handler writes a line per call to a file.',
  iconUrl: 'https://example.com/icon.svg',
  authType: 'none',
  configSchema: { type: 'object', properties: {} },
  capabilities: ['receive_webhooks'],
  entities: [{ name: 'items', description: 'Items' }],
  version: '1.0.0',
  tags: ['test'],
};

const traceFile = process.env.WEBHOOK_PROBE_LOG;
const holdAt = process.env.WEBHOOK_PROBE_HOLD_AT ? Number(process.env.WEBHOOK_PROBE_HOLD_AT) : undefined;
let calls = 0;

export const webhookProbeConnector: Connector = {
  definition,
  test: async () => ({ ok: true, message: 'Connected', details: {} }),
  webhooks: {
    scheme: { ...hmacScheme('X-Probe-Signature', 'sha256'), name: WEBHOOK_PROBE_SLUG },
    handle: async (event) => {
      calls += 1;
      // Synchronous, so the line is in the file (the OS's page cache) before anything else runs.
      if (traceFile) fs.appendFileSync(traceFile, `${process.pid} ${event.id}\n`);
      if (calls === holdAt) await new Promise<never>(() => {});
      return [];
    },
  },
};

/** The handler's calls as WEBHOOK_PROBE_LOG recorded them: event ids in call order, by process id. */
export function probeCalls(file: string): Map<number, string[]> {
  const byProcess = new Map<number, string[]>();
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  for (const line of text.split('\n').filter(Boolean)) {
    const [pid, eventId] = line.split(' ');
    byProcess.set(Number(pid), [...(byProcess.get(Number(pid)) ?? []), eventId!]);
  }
  return byProcess;
}

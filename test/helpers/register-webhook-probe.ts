/**
 * Preloaded into a `switchboard` child process (startCli's `imports`) so that it has the
 * `webhook-probe` connector: adds it to the build's registry before the CLI reads it.
 */
import { connectors } from '../../src/connectors/registry.js';
import type { Connector } from '../../src/connectors/sdk.js';
import { webhookProbeConnector } from './webhook-probe-connector.js';

// The registry is read-only to the app; a test process is the one place that extends it.
(connectors as Connector[]).push(webhookProbeConnector);

/**
 * Preloaded into a `switchboard` child process (startCli's `imports`) so that it can sync the
 * paged fake provider: adds the paged connector to the build's registry before the CLI reads it.
 */
import { connectors } from '../../src/connectors/registry.js';
import type { Connector } from '../../src/connectors/sdk.js';
import { PagedConnector } from './paged-connector.js';

// The registry is read-only to the app; a test process is the one place that extends it.
(connectors as Connector[]).push(new PagedConnector());

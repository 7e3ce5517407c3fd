import { demoConnector } from './demo/index.js';
import type { Connector } from './sdk.js';

/** Every connector in this build. The catalog is upserted from these definitions at start. */
export const connectors: readonly Connector[] = [demoConnector];

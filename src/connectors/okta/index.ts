import { OktaConnector } from './connector.js';

export { OktaConnector } from './connector.js';
export { type OktaConfig, oktaDefinition } from './definition.js';
export { INACTIVE_AFTER_DAYS } from './evidence.js';
export { LOOKBACK_MS } from './users.js';

/** The instance the registry serves. */
export const oktaConnector = new OktaConnector();

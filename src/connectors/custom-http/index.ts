import { CustomHttpConnector } from './connector.js';

export { CustomHttpConnector } from './connector.js';
export { customHttpDefinition } from './definition.js';
export { type CustomHttpConfig, customHttpConfigSchema, type EntityConfig } from './schema.js';

/** The instance the registry serves. */
export const customHttpConnector = new CustomHttpConnector();

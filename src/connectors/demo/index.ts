import { DemoConnector } from './connector.js';

export { DemoConnector } from './connector.js';
export {
  DEMO_ENTITIES,
  type DemoDataOptions,
  type DemoEntity,
  type DemoGroup,
  type DemoGroupMembership,
  type DemoRecordMap,
  type DemoRepository,
  type DemoUser,
  demoCounts,
  demoPage,
  demoRecord,
  demoRecords,
} from './data.js';
export { DEMO_DEFAULTS, DEMO_MAXIMA, type DemoConfig, demoDefinition } from './definition.js';
export { type DemoFailure, demoFailure } from './failures.js';

/** The instance the registry serves. */
export const demoConnector = new DemoConnector();

import { AwsConfigConnector } from './connector.js';

export { AwsConfigConnector, type AwsConfigConnectorOptions } from './connector.js';
export {
  AWS_CONFIG_ENTITIES,
  type AwsConfigConfig,
  awsConfigDefinition,
  DEFAULT_REGIONS,
} from './definition.js';
export { type AwsConfigPreview, awsConfigPreviewSchema, TOP_VIOLATIONS } from './preview.js';
export type { EvaluationRecord, ResourceRecord, RuleRecord } from './records.js';
export type {
  RegionEvaluation,
  StartRulesEvaluationInput,
  StartRulesEvaluationOutput,
} from './scan.js';
export { REFRESH_BEFORE_MS, ROLE_SESSION_NAME } from './session.js';

/** The instance the registry serves. */
export const awsConfigConnector = new AwsConfigConnector();

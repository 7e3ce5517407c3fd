import type { ConfigOf, ConfigSchema, ConnectorDefinition } from '../sdk.js';
import { letterIcon } from '../toolkit/icon.js';

/** The entities a sync yields, region after region, in this order within each. */
export const AWS_CONFIG_ENTITIES = ['config_rules', 'evaluation_results', 'resources'] as const;

/** An AWS region name (`us-east-1`, `eu-central-2`, `us-gov-west-1`, `cn-north-1`). */
export const REGION_PATTERN = '^[a-z]{2}(-[a-z]+)+-\\d{1,2}$';

export const DEFAULT_REGIONS = ['us-east-1'];

const awsConfigSchema = {
  type: 'object',
  required: ['access_key_id', 'secret_access_key'],
  additionalProperties: false,
  properties: {
    access_key_id: {
      type: 'string',
      title: 'Access key ID',
      description:
        "An IAM user's access key (AKIA…), or temporary credentials' (ASIA…, with the session token). " +
        'It needs the AWS managed policy AWS_ConfigRole or ReadOnlyAccess, and config:StartConfigRulesEvaluation to run scans.',
      pattern: '^[A-Z0-9]{16,128}$',
    },
    secret_access_key: {
      type: 'string',
      title: 'Secret access key',
      format: 'password',
      minLength: 1,
      maxLength: 128,
    },
    session_token: {
      type: 'string',
      title: 'Session token',
      description: 'Only for temporary credentials (an access key starting with ASIA).',
      format: 'password',
      minLength: 1,
    },
    role_arn: {
      type: 'string',
      title: 'Role to assume',
      description:
        'A role the keys assume (STS AssumeRole), typically in the audited account: arn:aws:iam::ACCOUNT:role/NAME.',
      pattern: '^arn:aws[a-z-]*:iam::\\d{12}:role/[\\w+=,.@/-]+$',
      maxLength: 2048,
    },
    external_id: {
      type: 'string',
      title: 'External ID',
      description: "The external ID the role's trust policy requires, if any.",
      pattern: '^[\\w+=,.@:/-]+$',
      minLength: 2,
      maxLength: 1224,
    },
    regions: {
      type: 'array',
      title: 'Regions',
      description: 'The regions whose AWS Config rules and resources are synced.',
      items: { type: 'string', pattern: REGION_PATTERN },
      default: DEFAULT_REGIONS,
    },
    base_url: {
      type: 'string',
      title: 'Endpoint URL',
      description:
        'Calls this URL instead of the regional endpoints (config.REGION.amazonaws.com, sts.REGION.amazonaws.com): a VPC endpoint or a proxy.',
      format: 'uri',
    },
  },
} as const satisfies ConfigSchema;

/** An AWS Config connection's config. */
export type AwsConfigConfig = ConfigOf<typeof awsConfigSchema>;

/** The connection's regions, as configured (duplicates dropped), or the default. */
export function configuredRegions(config: AwsConfigConfig): string[] {
  const regions = config.regions && config.regions.length > 0 ? config.regions : DEFAULT_REGIONS;
  return [...new Set(regions)];
}

/** The DNS suffix of a region's partition (China's regions have their own). */
export function dnsSuffix(region: string): string {
  return region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
}

/** The regional endpoints the SDK calls: AWS Config's and STS's, in any region. */
const AWS_HOSTS = /^(config|sts)\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/;

export const awsConfigDefinition: ConnectorDefinition = {
  slug: 'aws-config',
  name: 'AWS Config',
  provider: 'aws_config',
  category: 'cloud_infrastructure',
  shortDescription: 'Cloud resource compliance monitoring via AWS Config rules',
  description:
    'Syncs the AWS Config rules of each region with their compliance, every evaluation result, and ' +
    'the resources AWS Config records with their compliance per rule. Evidence: non-compliant rules ' +
    'and non-compliant resources. Runs on-demand rule evaluations. Authenticates with IAM access ' +
    'keys, optionally assuming a role (cross-account, with an external ID).',
  iconUrl: letterIcon('aws-config', 'A', '#ff9900'),
  documentationUrl: 'https://docs.aws.amazon.com/config/latest/APIReference/Welcome.html',
  websiteUrl: 'https://aws.amazon.com/config/',
  authType: 'aws_iam',
  configSchema: awsConfigSchema,
  capabilities: ['sync_configurations', 'collect_evidence', 'run_scans'],
  entities: [
    {
      name: 'config_rules',
      description: 'AWS Config rules per region, with their compliance and non-compliant resource count.',
    },
    {
      name: 'evaluation_results',
      description:
        'Each rule’s latest evaluation of each resource in its scope: compliant, non-compliant or not applicable.',
    },
    {
      name: 'resources',
      description:
        'Resources AWS Config records per region, with their compliance under each rule that evaluates them.',
    },
  ],
  version: '1.0.0',
  tags: ['aws', 'cloud', 'compliance'],
  api: {
    // The first region's endpoint: where the engine checks the host before any request; the SDK
    // calls each region's own (and STS's), which `hosts` allows.
    baseUrl: (config) => {
      const regions = Array.isArray(config.regions) ? config.regions : DEFAULT_REGIONS;
      const region = typeof regions[0] === 'string' ? regions[0] : DEFAULT_REGIONS[0]!;
      return `https://config.${region}.${dnsSuffix(region)}/`;
    },
    baseUrlFrom: 'regions',
    hosts: (hostname) => AWS_HOSTS.test(hostname),
    // The SDK signs each request with SigV4 itself.
    credential: { kind: 'none' },
  },
};

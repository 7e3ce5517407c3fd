// AWS Config in the benchmark: the connection, and its sync's requests (sync.ts, rules.ts,
// evaluations.ts, resources.ts), made by the bare loop or through the SDK's ConfigServiceClient,
// one at a time as the connector makes them, in each region: the rules a page at a time, each page followed by its rules' compliance (25 names a
// request); each rule's evaluation results; the resource counts; then each recorded type's
// resources. The bare loop signs each request as the SDK signs it: SigV4 with
// @smithy/signature-v4 and the SDK's own SHA-256.

import {
  ConfigServiceClient,
  DescribeComplianceByConfigRuleCommand,
  DescribeConfigRulesCommand,
  GetComplianceDetailsByConfigRuleCommand,
  GetDiscoveredResourceCountsCommand,
  ListDiscoveredResourcesCommand,
  type ResourceType,
} from '@aws-sdk/client-config-service';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsConfigConfig } from '../../src/connectors/aws-config/definition.js';
import { EVALUATIONS_PER_PAGE } from '../../src/connectors/aws-config/evaluations.js';
import { awsConfigConnector } from '../../src/connectors/aws-config/index.js';
import { RESOURCES_PER_PAGE } from '../../src/connectors/aws-config/resources.js';
import { chunks, RULE_NAMES_PER_REQUEST } from '../../src/connectors/aws-config/rules.js';
import { clientSettings, keys } from '../../src/connectors/aws-config/session.js';
import { DEFAULT_KEY } from '../../test/fakes/aws-config/server.js';
import { type Provider, post } from './bare.js';

export const AWS_REGIONS = ['us-east-1'];
// evaluations.ts: ALL_RESULTS.
const ALL_RESULTS = ['COMPLIANT', 'NON_COMPLIANT', 'NOT_APPLICABLE'];

/** An AWS Config operation in a region, its JSON input in, its JSON output back. */
type Call = <T>(operation: string, input: Record<string, unknown>) => Promise<T>;

/** The bare loop's AWS Config: its JSON 1.1 protocol at `url`, signed for `region` with the fake's key. */
function configIn(url: string, region: string): Call {
  const endpoint = new URL(url);
  const signer = new SignatureV4({
    credentials: { accessKeyId: DEFAULT_KEY.accessKeyId, secretAccessKey: DEFAULT_KEY.secretAccessKey },
    region,
    service: 'config',
    sha256: Sha256,
    uriEscapePath: true,
  });
  return async (operation, input) => {
    const body = JSON.stringify(input);
    const signed = await signer.sign({
      method: 'POST',
      protocol: endpoint.protocol,
      hostname: endpoint.hostname,
      port: Number(endpoint.port),
      path: '/',
      query: {},
      headers: {
        host: endpoint.host,
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': `StarlingDoveService.${operation}`,
      },
      body,
    });
    return post(endpoint.href, signed.headers, body);
  };
}

/**
 * An operation's pages, `input` with the token of the page before (in `token`, as the operation
 * names it), `each` awaited on every page before the next is asked for.
 */
async function pages<T>(
  call: Call,
  operation: string,
  input: Record<string, unknown>,
  token: 'NextToken' | 'nextToken',
  each: (page: T) => Promise<void> | void,
): Promise<void> {
  let next: string | undefined;
  do {
    const page = await call<T & Partial<Record<typeof token, string>>>(operation, {
      ...input,
      [token]: next,
    });
    await each(page);
    next = page[token] || undefined;
  } while (next);
}

interface RulesPage {
  ConfigRules?: { ConfigRuleName?: string }[];
}
interface EvaluationsPage {
  EvaluationResults?: {
    EvaluationResultIdentifier?: {
      EvaluationResultQualifier?: {
        ConfigRuleName?: string;
        ResourceType?: string;
        ResourceId?: string;
        EvaluationMode?: string;
      };
    };
  }[];
}
interface CountsPage {
  resourceCounts?: { resourceType?: string; count?: number }[];
}
interface ResourcesPage {
  resourceIdentifiers?: { resourceId?: string }[];
}

/**
 * The SDK's floor: the connector's ConfigServiceClient options, on the SDK's default request handler.
 * The operations the sync calls, by name.
 */
function configClientIn(url: string, region: string): Call {
  const config = awsConfig.config(url) as AwsConfigConfig;
  const client = new ConfigServiceClient({ ...clientSettings(config), region, credentials: keys(config) });
  const commands: Record<string, (input: Record<string, unknown>) => Promise<object>> = {
    DescribeConfigRules: (input) => client.send(new DescribeConfigRulesCommand(input)),
    DescribeComplianceByConfigRule: (input) => client.send(new DescribeComplianceByConfigRuleCommand(input)),
    GetComplianceDetailsByConfigRule: (input) =>
      client.send(
        new GetComplianceDetailsByConfigRuleCommand({
          ...input,
          ConfigRuleName: String(input.ConfigRuleName),
        }),
      ),
    GetDiscoveredResourceCounts: (input) => client.send(new GetDiscoveredResourceCountsCommand(input)),
    ListDiscoveredResources: (input) =>
      client.send(
        new ListDiscoveredResourcesCommand({ ...input, resourceType: input.resourceType as ResourceType }),
      ),
  };
  return async <T>(operation: string, input: Record<string, unknown>) => {
    const send = commands[operation];
    if (!send) throw new Error(`the sync calls no ${operation}`);
    return (await send(input)) as T;
  };
}

/** A region's sync requests, made by `call`; the records the connector stores from them. */
async function regionLoop(call: Call): Promise<number> {
  const rules: string[] = [];
  await pages<RulesPage>(call, 'DescribeConfigRules', {}, 'NextToken', async (page) => {
    const names = (page.ConfigRules ?? []).flatMap((rule) => rule.ConfigRuleName ?? []);
    for (const batch of chunks(names, RULE_NAMES_PER_REQUEST)) {
      await pages(call, 'DescribeComplianceByConfigRule', { ConfigRuleNames: batch }, 'NextToken', () => {});
    }
    rules.push(...names);
  });
  let evaluations = 0;
  // The resources rules evaluate (detectively): those of a type AWS Config does not record are
  // stored as resources too.
  const evaluated = new Map<string, string>();
  for (const rule of rules) {
    const input = { ConfigRuleName: rule, ComplianceTypes: ALL_RESULTS, Limit: EVALUATIONS_PER_PAGE };
    await pages<EvaluationsPage>(call, 'GetComplianceDetailsByConfigRule', input, 'NextToken', (page) => {
      for (const result of page.EvaluationResults ?? []) {
        const q = result.EvaluationResultIdentifier?.EvaluationResultQualifier;
        if (!q?.ConfigRuleName || !q.ResourceType || !q.ResourceId) continue;
        evaluations += 1;
        if (q.EvaluationMode !== 'PROACTIVE')
          evaluated.set(`${q.ResourceType} ${q.ResourceId}`, q.ResourceType);
      }
    });
  }
  const types = new Set<string>();
  await pages<CountsPage>(
    call,
    'GetDiscoveredResourceCounts',
    { limit: RESOURCES_PER_PAGE },
    'nextToken',
    (page) => {
      for (const c of page.resourceCounts ?? [])
        if (c.resourceType && (c.count ?? 0) > 0) types.add(c.resourceType);
    },
  );
  let resources = 0;
  for (const type of [...types].sort()) {
    const input = { resourceType: type, limit: RESOURCES_PER_PAGE };
    await pages<ResourcesPage>(call, 'ListDiscoveredResources', input, 'nextToken', (page) => {
      resources += (page.resourceIdentifiers ?? []).filter((r) => r.resourceId).length;
    });
  }
  const outside = [...evaluated.values()].filter((type) => !types.has(type)).length;
  return rules.length + evaluations + resources + outside;
}

/** The sync's requests in every region, each region's through `callIn`. */
async function awsConfigLoop(url: string, callIn: (url: string, region: string) => Call): Promise<number> {
  let records = 0;
  for (const region of AWS_REGIONS) records += await regionLoop(callIn(url, region));
  return records;
}

export const awsConfig: Provider = {
  connector: awsConfigConnector,
  config: (url) => ({
    access_key_id: DEFAULT_KEY.accessKeyId,
    secret_access_key: DEFAULT_KEY.secretAccessKey,
    regions: AWS_REGIONS,
    base_url: url,
  }),
  bareLoop: (url) => awsConfigLoop(url, configIn),
  sdk: { name: 'the AWS SDK v3 ConfigServiceClient', loop: (url) => awsConfigLoop(url, configClientIn) },
};

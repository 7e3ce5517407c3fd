/**
 * The AWS Config connector through the test kit (the context the engine builds), against the fake
 * AWS of test/fakes/aws-config (AWS Config over JSON 1.1, STS over Query, SigV4 checked on every
 * request): the SDK's HTTP through the context, error mapping, pagination, resuming, assume-role
 * with refresh, throttling, evidence, the preview against the fake's ground truth, and the action.
 */
import Ajv2020Module from 'ajv/dist/2020.js';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type AwsConfigConfig,
  AwsConfigConnector,
  awsConfigDefinition,
  type StartRulesEvaluationOutput,
} from '../../src/connectors/aws-config/index.js';
import { ProviderError, type StoredRecords, type SyncBatch } from '../../src/connectors/sdk.js';
import { collectSync, type TestKit, testContext } from '../../src/connectors/toolkit/test-kit.js';
import { expectedPreview, expectedRecords } from '../fakes/aws-config/account.js';
import { DEFAULT_KEY, type FakeAws, type FakeAwsOptions, startFakeAws } from '../fakes/aws-config/server.js';

const waits: number[] = [];
/** The connector's own waits (throttling and server-error backoff) recorded instead of slept. */
const connector = new AwsConfigConnector({
  wait: async (ms, signal) => {
    signal.throwIfAborted();
    waits.push(ms);
  },
});

const ROLE = 'arn:aws:iam::210987654321:role/SwitchboardAudit';
const REGIONS = ['us-east-1', 'eu-west-1'];

let fake: FakeAws | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
  waits.length = 0;
});

async function start(options: FakeAwsOptions = {}): Promise<FakeAws> {
  fake = await startFakeAws({ regions: REGIONS, rules: 12, resources: 300, ...options });
  return fake;
}

function kit(
  aws: FakeAws,
  config: Partial<AwsConfigConfig> = {},
  options: { maxWaitMs?: number; signal?: AbortSignal } = {},
): TestKit<AwsConfigConfig> {
  return testContext(
    connector,
    {
      access_key_id: DEFAULT_KEY.accessKeyId,
      secret_access_key: DEFAULT_KEY.secretAccessKey,
      regions: REGIONS,
      base_url: aws.url,
      ...config,
    },
    options,
  );
}

function records(batches: SyncBatch[], entity: string): Record<string, unknown>[] {
  return batches.filter((b) => b.entity === entity).flatMap((b) => b.records.map((r) => r.data));
}

function stored(batches: SyncBatch[]): StoredRecords {
  const byEntity = new Map<string, Map<string, Record<string, unknown>>>();
  for (const batch of batches) {
    const entity = byEntity.get(batch.entity) ?? new Map<string, Record<string, unknown>>();
    for (const record of batch.records) entity.set(record.id, record.data);
    byEntity.set(batch.entity, entity);
  }
  return {
    async *each(entity) {
      const found = byEntity.get(entity) ?? new Map();
      for (const id of [...found.keys()].sort()) yield found.get(id);
    },
  };
}

const calls = (aws: FakeAws, operation: string) => aws.requests.filter((r) => r.operation === operation);

describe('AWS Config connector: test and health check', () => {
  it('reads the caller identity, then each region’s recorder and rules, every request through the context', async () => {
    const aws = await start();
    aws.account.regions.get('eu-west-1')!.recorder = null;
    const k = kit(aws);
    const outcome = await connector.test(k.ctx);
    expect(outcome).toEqual({
      ok: true,
      message:
        `Successfully authenticated with AWS as arn:aws:iam::123456789012:user/auditor (account 123456789012). ` +
        'Regions checked: us-east-1, eu-west-1. Configuration recorder recording in 1 of 2 regions (not in eu-west-1).',
      details: {
        account_id: '123456789012',
        arn: 'arn:aws:iam::123456789012:user/auditor',
        user_id: expect.stringMatching(/^AIDA/),
        assumed_role: null,
        regions_checked: REGIONS,
        recorders: {
          'us-east-1': { name: 'default', recording: true, last_status: 'SUCCESS' },
          'eu-west-1': null,
        },
        permissions_verified: ['config:DescribeConfigurationRecorderStatus', 'config:DescribeConfigRules'],
      },
    });
    expect(aws.requests.map((r) => `${r.operation} ${r.region} ${r.status}`)).toEqual([
      'sts:GetCallerIdentity us-east-1 200',
      'config:DescribeConfigurationRecorderStatus us-east-1 200',
      'config:DescribeConfigRules us-east-1 200',
      'config:DescribeConfigurationRecorderStatus eu-west-1 200',
      'config:DescribeConfigRules eu-west-1 200',
    ]);
    // The SDK's requests went through the engine's context (recorded by its agent), SigV4-signed.
    expect(k.requests).toHaveLength(aws.requests.length);
    for (const request of k.requests) {
      expect(request).toMatchObject({ method: 'POST', path: '/' });
      expect(request.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE\//);
    }
  });

  it('reports a wrong secret as an auth_error with STS’s SignatureDoesNotMatch', async () => {
    const aws = await start();
    const outcome = await connector.test(kit(aws, { secret_access_key: 'wrong-secret' }).ctx);
    expect(outcome).toMatchObject({
      ok: false,
      errorType: 'auth_error',
      httpStatus: 403,
      message: expect.stringContaining('SignatureDoesNotMatch'),
      providerMessage: expect.stringContaining('does not match the signature you provided'),
    });
    expect(aws.requests.map((r) => r.code)).toEqual(['SignatureDoesNotMatch']);
  });

  it('reports an unknown access key as an auth_error (STS InvalidClientTokenId)', async () => {
    const aws = await start();
    const outcome = await connector.test(kit(aws, { access_key_id: 'AKIAUNKNOWNKEY000000' }).ctx);
    expect(outcome).toMatchObject({ ok: false, errorType: 'auth_error', httpStatus: 403 });
    expect(aws.requests.map((r) => r.code)).toEqual(['InvalidClientTokenId']);
  });

  it('reads Config’s expired or unrecognized credentials as auth_error and AccessDeniedException as permission_error', async () => {
    const aws = await start();
    aws.failNext({
      operation: 'config:DescribeConfigurationRecorderStatus',
      code: 'ExpiredTokenException',
      message: 'The security token included in the request is expired',
    });
    expect(await connector.test(kit(aws).ctx)).toMatchObject({
      ok: false,
      errorType: 'auth_error',
      httpStatus: 400,
    });
    aws.failNext({
      operation: 'config:DescribeConfigurationRecorderStatus',
      code: 'UnrecognizedClientException',
    });
    expect(await connector.healthCheck(kit(aws).ctx)).toMatchObject({ ok: false, errorType: 'auth_error' });
    aws.deny('config:DescribeConfigRules');
    expect(await connector.test(kit(aws).ctx)).toMatchObject({
      ok: false,
      errorType: 'permission_error',
      message:
        'Listing the AWS Config rules of us-east-1: the credentials lack a permission (AccessDeniedException).',
      providerMessage: expect.stringContaining('is not authorized to perform: config:DescribeConfigRules'),
    });
  });

  it('reports STS throttling past the wait budget as rate_limited', async () => {
    const aws = await start();
    aws.failNext({ operation: 'sts:GetCallerIdentity', code: 'Throttling' });
    const outcome = await connector.test(kit(aws, {}, { maxWaitMs: 100 }).ctx);
    expect(outcome).toMatchObject({
      ok: false,
      errorType: 'rate_limited',
      httpStatus: 400,
      providerMessage: 'Rate exceeded',
    });
    expect(waits).toEqual([]);
  });

  it('health check: the identity and each region’s recorder, no rules listed', async () => {
    const aws = await start();
    const outcome = await connector.healthCheck(kit(aws).ctx);
    expect(outcome).toMatchObject({
      ok: true,
      details: {
        account_id: '123456789012',
        regions_checked: REGIONS,
        permissions_verified: ['config:DescribeConfigurationRecorderStatus'],
      },
    });
    expect(calls(aws, 'config:DescribeConfigRules')).toEqual([]);
  });
});

describe('AWS Config connector: where it calls', () => {
  it('checks the first region’s endpoint first, and lets the SDK call AWS Config and STS in any region, nothing else', () => {
    const api = awsConfigDefinition.api!;
    const baseUrl = api.baseUrl as (config: Record<string, unknown>) => string;
    expect(baseUrl({ regions: ['eu-central-1', 'us-east-1'] })).toBe(
      'https://config.eu-central-1.amazonaws.com/',
    );
    expect(baseUrl({})).toBe('https://config.us-east-1.amazonaws.com/');
    expect(baseUrl({ regions: ['cn-north-1'] })).toBe('https://config.cn-north-1.amazonaws.com.cn/');
    const hosts = api.hosts!;
    for (const host of [
      'config.eu-west-1.amazonaws.com',
      'sts.us-east-1.amazonaws.com',
      'config.cn-north-1.amazonaws.com.cn',
    ]) {
      expect(hosts(host), host).toBe(true);
    }
    for (const host of [
      's3.us-east-1.amazonaws.com',
      'config.eu-west-1.amazonaws.com.evil.example',
      '169.254.169.254',
      'sts.amazonaws.com.example',
    ]) {
      expect(hosts(host), host).toBe(false);
    }
  });
});

describe('AWS Config connector: assuming a role', () => {
  const role = { arn: ROLE, externalId: 'switchboard-7f3a' };

  it('assumes the role once, with its external ID, and signs every Config call with its session', async () => {
    const aws = await start({ roles: [role] });
    const k = kit(aws, { role_arn: ROLE, external_id: role.externalId });
    const outcome = await connector.test(k.ctx);
    expect(outcome).toMatchObject({
      ok: true,
      details: {
        arn: 'arn:aws:sts::210987654321:assumed-role/SwitchboardAudit/switchboard-aws-config',
        assumed_role: ROLE,
        permissions_verified: [
          'sts:AssumeRole',
          'config:DescribeConfigurationRecorderStatus',
          'config:DescribeConfigRules',
        ],
      },
    });
    const { batches } = await collectSync(
      connector,
      kit(aws, { role_arn: ROLE, external_id: role.externalId }),
    );
    expect(records(batches, 'config_rules')).toHaveLength(12);
    // One session for the test, one for the sync: each shared by both regions' clients.
    expect(aws.sessions.map((s) => [s.roleArn, s.externalId])).toEqual([
      [ROLE, role.externalId],
      [ROLE, role.externalId],
    ]);
    expect(calls(aws, 'sts:AssumeRole').every((r) => r.accessKeyId === DEFAULT_KEY.accessKeyId)).toBe(true);
    const config = aws.requests.filter((r) => r.operation.startsWith('config:'));
    expect(config.every((r) => r.accessKeyId?.startsWith('ASIA') && r.status === 200)).toBe(true);
  });

  it('reports a refused AssumeRole (wrong external ID) as an auth_error', async () => {
    const aws = await start({ roles: [role] });
    const outcome = await connector.test(kit(aws, { role_arn: ROLE, external_id: 'someone-else' }).ctx);
    expect(outcome).toMatchObject({
      ok: false,
      errorType: 'auth_error',
      httpStatus: 403,
      providerMessage: `User: arn:aws:iam::123456789012:user/auditor is not authorized to perform: sts:AssumeRole on resource: ${ROLE}`,
    });
  });

  it('assumes the role again before its credentials expire', async () => {
    // Sessions of four minutes: inside the five-minute margin as soon as they are issued.
    const aws = await start({ roles: [role], roleSessionSeconds: 240 });
    const { batches } = await collectSync(
      connector,
      kit(aws, { role_arn: ROLE, external_id: role.externalId }),
    );
    expect(records(batches, 'config_rules')).toHaveLength(12);
    const config = aws.requests.filter((r) => r.operation.startsWith('config:'));
    // Each call found its credentials inside the margin, so it assumed the role anew first.
    expect(aws.sessions.length).toBeGreaterThanOrEqual(config.length);
    expect(new Set(config.map((r) => r.accessKeyId)).size).toBe(config.length);
    expect(config.every((r) => r.status === 200)).toBe(true);
  });
});

describe('AWS Config connector: sync', () => {
  it('syncs rules, evaluation results and resources of every region, equal to the fake’s truth, in documented pages', async () => {
    const aws = await start({ rules: 60, resources: 2400 });
    const { batches } = await collectSync(connector, kit(aws));
    const truth = expectedRecords(aws.account);
    expect(records(batches, 'config_rules')).toHaveLength(truth.config_rules);
    expect(records(batches, 'evaluation_results')).toHaveLength(truth.evaluation_results);
    expect(records(batches, 'resources')).toHaveLength(truth.resources);
    // 30 rules a region: two DescribeConfigRules pages of 25, each page's compliance in one request.
    expect(calls(aws, 'config:DescribeConfigRules')).toHaveLength(4);
    expect(
      calls(aws, 'config:DescribeComplianceByConfigRule').map(
        (r) => (r.input.ConfigRuleNames as string[]).length,
      ),
    ).toEqual([25, 5, 25, 5]);
    const details = calls(aws, 'config:GetComplianceDetailsByConfigRule');
    expect(details.every((r) => r.input.Limit === 100)).toBe(true);
    expect(details.some((r) => typeof r.input.NextToken === 'string')).toBe(true);
    expect(calls(aws, 'config:ListDiscoveredResources').every((r) => r.input.limit === 100)).toBe(true);
    // Requests in proportion: no request per resource.
    expect(aws.requests.length).toBeLessThan(truth.resources / 3);
    // Ids stable across runs: region, type and id.
    const bucket = aws.account.regions.get('us-east-1')!.resources.find((r) => r.type === 'AWS::S3::Bucket')!;
    const ids = batches.filter((b) => b.entity === 'resources').flatMap((b) => b.records.map((r) => r.id));
    expect(ids).toContain(`us-east-1/AWS::S3::Bucket/${bucket.id}`);
  });

  it('gives each resource its compliance under each rule, the account itself included', async () => {
    const aws = await start();
    const { batches } = await collectSync(connector, kit(aws));
    const region = aws.account.regions.get('us-east-1')!;
    const rule = region.rules.find((r) =>
      (region.evaluations.get(r.name) ?? []).some((e) => e.compliance === 'NON_COMPLIANT'),
    )!;
    const failing = region.evaluations.get(rule.name)!.find((e) => e.compliance === 'NON_COMPLIANT')!;
    const resource = records(batches, 'resources').find(
      (r) => r.resource_id === failing.id && r.region === 'us-east-1',
    );
    expect(resource).toMatchObject({
      resource_type: failing.type,
      compliance: 'NON_COMPLIANT',
      rules: { [rule.name]: 'NON_COMPLIANT' },
      non_compliant_rules: [rule.name],
    });
    expect(records(batches, 'resources').find((r) => r.resource_type === 'AWS::::Account')).toMatchObject({
      resource_id: '123456789012',
      discovered: false,
    });
  });

  it('previews the spec’s numbers from the stored records: equal to the fake’s ground truth', async () => {
    const aws = await start({ rules: 30, resources: 800 });
    const { batches } = await collectSync(connector, kit(aws));
    const preview = await connector.preview(stored(batches));
    expect(preview).toEqual(expectedPreview(aws.account));
    const validate = new Ajv2020Module.default({ strict: true }).compile(connector.previewSchema);
    expect(validate(preview), JSON.stringify(validate.errors)).toBe(true);
    const { resources } = expectedPreview(aws.account);
    expect(resources.compliant + resources.non_compliant + resources.not_applicable).toBe(
      resources.total_tracked,
    );
  });

  it('collects evidence of non-compliant rules and resources, with summaries', async () => {
    const aws = await start();
    const { batches } = await collectSync(connector, kit(aws));
    const evidence = batches.flatMap((b) => b.evidence ?? []);
    const truth = expectedPreview(aws.account);
    expect(evidence.map((e) => e.kind)).toEqual(['non_compliant_rules', 'non_compliant_resources']);
    expect(evidence[0]).toMatchObject({
      summary: `${truth.rules.non_compliant} of ${truth.rules.total} AWS Config rules are non-compliant (2 regions)`,
      data: { non_compliant: truth.rules.non_compliant },
    });
    expect(evidence[1]).toMatchObject({
      summary: `${truth.resources.non_compliant} of ${truth.resources.total_tracked} tracked resources are non-compliant (${truth.resources.compliance_rate}% compliant)`,
      data: { non_compliant: truth.resources.non_compliant },
    });
    expect((evidence[1]!.data.non_compliant_resources as unknown[]).length).toBe(
      truth.resources.non_compliant,
    );
  });

  it('resumes each entity from its cursor: nothing stored twice, the resources still carry every rule’s verdict', async () => {
    const aws = await start({ rules: 12, resources: 2400 });
    const full = await collectSync(connector, kit(aws));
    // Stop mid-way through the first region's evaluation results (an attempt that failed there).
    const cut = full.batches.findIndex(
      (b) =>
        b.entity === 'evaluation_results' &&
        b.cursor?.includes('"step"') &&
        JSON.parse(b.cursor).next !== null,
    );
    expect(cut).toBeGreaterThan(0);
    const before = full.batches.slice(0, cut + 1);
    const cursors: Record<string, string> = {};
    for (const batch of before) if (batch.cursor) cursors[batch.entity] = batch.cursor;
    const resumed = await collectSync(connector, kit(aws), { fullSync: true, cursors });
    const key = (b: SyncBatch) => b.records.map((r) => `${b.entity}:${r.id}`);
    const first = before.flatMap(key);
    const second = resumed.batches.flatMap(key);
    expect(second.filter((k) => first.includes(k))).toEqual([]);
    expect(new Set([...first, ...second])).toEqual(new Set(full.batches.flatMap(key)));
    // The resources of the resumed region were rebuilt from all its evaluations.
    const resources = (batches: SyncBatch[]) =>
      new Map(
        batches.filter((b) => b.entity === 'resources').flatMap((b) => b.records.map((r) => [r.id, r.data])),
      );
    expect(resources(resumed.batches)).toEqual(resources(full.batches));
  });

  it('lists everything again in an incremental run after a complete one', async () => {
    const aws = await start();
    const full = await collectSync(connector, kit(aws));
    const cursors: Record<string, string> = {};
    for (const batch of full.batches) if (batch.cursor) cursors[batch.entity] = batch.cursor;
    expect(Object.values(cursors)).toEqual(['complete', 'complete', 'complete']);
    const again = await collectSync(connector, kit(aws), { fullSync: false, cursors });
    expect(records(again.batches, 'resources')).toHaveLength(records(full.batches, 'resources').length);
    const skipped = await collectSync(connector, kit(aws), { fullSync: true, cursors });
    expect(skipped.batches).toEqual([]);
  });

  it('waits out ThrottlingException with backoff, within the wait budget', async () => {
    const aws = await start();
    aws.failNext(
      { operation: 'config:GetComplianceDetailsByConfigRule', code: 'ThrottlingException' },
      { operation: 'config:GetComplianceDetailsByConfigRule', code: 'ThrottlingException' },
    );
    const { batches } = await collectSync(connector, kit(aws));
    expect(records(batches, 'evaluation_results')).toHaveLength(
      expectedRecords(aws.account).evaluation_results,
    );
    expect(
      calls(aws, 'config:GetComplianceDetailsByConfigRule')
        .slice(0, 3)
        .map((r) => r.code),
    ).toEqual(['ThrottlingException', 'ThrottlingException', null]);
    expect(waits).toHaveLength(2);
    expect(waits[0]).toBeGreaterThanOrEqual(250);
    expect(waits[0]).toBeLessThanOrEqual(500);
    expect(waits[1]).toBeGreaterThanOrEqual(500);
    expect(waits[1]).toBeLessThanOrEqual(1000);
  });

  it('hands a throttle longer than the budget back to the engine as transient, with when to retry', async () => {
    const aws = await start();
    aws.failNext({ operation: 'config:DescribeConfigRules', code: 'ThrottlingException' });
    const failure = await collectSync(connector, kit(aws, {}, { maxWaitMs: 100 })).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ProviderError);
    expect(failure).toMatchObject({
      failure: 'transient',
      details: { httpStatus: 400, retryAfterMs: expect.any(Number), providerMessage: 'Rate exceeded' },
    });
    expect((failure as ProviderError).message).toContain('Listing the AWS Config rules of us-east-1 failed');
    expect(waits).toEqual([]);
  });

  it('retries a server error, then gives up as transient; a missing permission fails the sync as permanent', async () => {
    const aws = await start();
    aws.failNext({
      operation: 'config:ListDiscoveredResources',
      code: 'InternalFailure',
      status: 500,
      message: 'Internal failure',
    });
    const { batches } = await collectSync(connector, kit(aws));
    expect(records(batches, 'resources')).toHaveLength(expectedRecords(aws.account).resources);
    expect(waits).toHaveLength(1);
    aws.deny('config:GetDiscoveredResourceCounts');
    const failure = await collectSync(connector, kit(aws)).catch((e: unknown) => e);
    expect(failure).toMatchObject({ failure: 'permanent', details: { httpStatus: 400 } });
    expect((failure as Error).message).toContain('the credentials lack a permission (AccessDeniedException');
  });

  it('fails with the auth failure when AWS refuses the keys mid-sync', async () => {
    const aws = await start();
    aws.failNext({
      operation: 'config:GetComplianceDetailsByConfigRule',
      code: 'ExpiredTokenException',
      message: 'The security token included in the request is expired',
    });
    const failure = await collectSync(connector, kit(aws)).catch((e: unknown) => e);
    expect(failure).toMatchObject({
      failure: 'authentication',
      details: { providerMessage: 'The security token included in the request is expired' },
    });
  });

  it('stops with the abort reason when cancelled', async () => {
    const aws = await start();
    const controller = new AbortController();
    const held = aws.hold('config:GetComplianceDetailsByConfigRule');
    const reason = new Error('cancelled');
    const running = collectSync(connector, kit(aws, {}, { signal: controller.signal }));
    await held;
    controller.abort(reason);
    await expect(running).rejects.toBe(reason);
    aws.release();
  });
});

describe('AWS Config connector: startRulesEvaluation', () => {
  const run = (k: TestKit<AwsConfigConfig>, input: Record<string, unknown>) =>
    connector.actions.startRulesEvaluation!.run(k.ctx, input as never) as Promise<StartRulesEvaluationOutput>;

  it('starts every rule of each region, 25 names a request', async () => {
    const aws = await start({ rules: 60 });
    const result = await run(kit(aws), {});
    const names = (region: string) => aws.account.regions.get(region)!.rules.map((r) => r.name);
    expect(result).toEqual({
      regions: REGIONS.map((region) => ({ region, started: names(region), not_found: [], refused: [] })),
    });
    expect(aws.evaluationsStarted.map((s) => `${s.region}:${s.rules.length}`)).toEqual([
      'us-east-1:25',
      'us-east-1:5',
      'eu-west-1:25',
      'eu-west-1:5',
    ]);
  });

  it('starts the named rules in one region, reports names it lacks and rules AWS refuses to start again', async () => {
    const aws = await start();
    const [a, b] = aws.account.regions.get('eu-west-1')!.rules.map((r) => r.name);
    const first = await run(kit(aws), { rule_names: [a, 'no-such-rule'], region: 'eu-west-1' });
    expect(first).toEqual({
      regions: [{ region: 'eu-west-1', started: [a], not_found: ['no-such-rule'], refused: [] }],
    });
    const again = await run(kit(aws), { rule_names: [a, b], region: 'eu-west-1' });
    expect(again.regions[0]).toMatchObject({
      started: [],
      refused: [{ rule_names: [a, b], code: 'LimitExceededException' }],
    });
    await expect(run(kit(aws), { region: 'ap-south-1' })).rejects.toMatchObject({ failure: 'validation' });
  });
});

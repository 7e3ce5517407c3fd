/**
 * The AWS Config connector end to end through the public API, against the fake AWS: connect, test
 * with good and bad keys, sync, re-sync, throttling survived, cancel mid-sync, and the preview
 * (endpoint #25) equal to the fake's ground truth.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { AwsConfigConnector } from '../../src/connectors/aws-config/index.js';
import { connectors } from '../../src/connectors/registry.js';
import { expectedPreview, expectedRecords } from '../fakes/aws-config/account.js';
import { DEFAULT_KEY, type FakeAws, startFakeAws } from '../fakes/aws-config/server.js';
import { type TestApp, testApp } from '../helpers/app.js';
import { FakeClock } from '../helpers/clock.js';
import { type SeededUser, seedUser } from '../helpers/identity.js';
import { SYNC_TEST_ENV, syncHarness } from '../helpers/sync.js';

/** The connector's throttling backoff recorded instead of slept. */
const connectorWaits: number[] = [];
const awsConfig = new AwsConfigConnector({
  wait: async (ms, signal) => {
    signal.throwIfAborted();
    connectorWaits.push(ms);
  },
});
const REGIONS = ['us-east-1', 'eu-west-1'];
const ROLE = { arn: 'arn:aws:iam::210987654321:role/SwitchboardAudit', externalId: 'switchboard-7f3a' };

describe('aws-config through the API', () => {
  let t: TestApp;
  let admin: SeededUser;
  let h: ReturnType<typeof syncHarness>;
  let aws: FakeAws;
  const clock = new FakeClock();

  beforeAll(async () => {
    t = await testApp({
      connectors: [...connectors.filter((c) => c.definition.slug !== 'aws-config'), awsConfig],
      worker: true,
      queueBackend: 'in-process',
      clock,
      env: { ...SYNC_TEST_ENV, SWITCHBOARD_SYNC_RETRY_BASE_MS: '10000', SWITCHBOARD_SYNC_MAX_RETRIES: '2' },
    });
    admin = await seedUser(t);
    h = syncHarness(t, admin);
  });
  beforeEach(async () => {
    await aws?.close();
    connectorWaits.length = 0;
    aws = await startFakeAws({ regions: REGIONS, rules: 30, resources: 1200, roles: [ROLE] });
  });
  afterAll(async () => {
    await aws.close();
    await t.close();
  });

  const config = (secret = DEFAULT_KEY.secretAccessKey) => ({
    access_key_id: DEFAULT_KEY.accessKeyId,
    secret_access_key: secret,
    regions: REGIONS,
    base_url: aws.url,
  });

  it('tests good keys: the account, the regions checked and their recorders; the secret is never shown', async () => {
    const id = await h.create('aws-config', config());
    const res = await h.call('POST', `/integration-connections/${id}/test`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().data).toMatchObject({
      test_result: 'success',
      message: expect.stringContaining(
        'Successfully authenticated with AWS as arn:aws:iam::123456789012:user/auditor',
      ),
      health: 'healthy',
      details: {
        account_id: '123456789012',
        regions_checked: REGIONS,
        recorders: { 'us-east-1': { recording: true }, 'eu-west-1': { recording: true } },
        permissions_verified: ['config:DescribeConfigurationRecorderStatus', 'config:DescribeConfigRules'],
        provider_response_time_ms: expect.any(Number),
      },
    });
    const shown = await h.call('GET', `/integration-connections/${id}`);
    expect(shown.body).not.toContain(DEFAULT_KEY.secretAccessKey);
  });

  it('connects through an assumed role with its external ID (the config schema accepts both)', async () => {
    const id = await h.create('aws-config', {
      ...config(),
      role_arn: ROLE.arn,
      external_id: ROLE.externalId,
    });
    const res = await h.call('POST', `/integration-connections/${id}/test`);
    expect(res.json().data).toMatchObject({
      test_result: 'success',
      details: {
        assumed_role: ROLE.arn,
        arn: 'arn:aws:sts::210987654321:assumed-role/SwitchboardAudit/switchboard-aws-config',
        permissions_verified: [
          'sts:AssumeRole',
          'config:DescribeConfigurationRecorderStatus',
          'config:DescribeConfigRules',
        ],
      },
    });
    expect(aws.sessions.map((s) => s.externalId)).toEqual([ROLE.externalId]);
  });

  it('tests a wrong secret as an auth_error: the connection goes to error', async () => {
    const id = await h.create('aws-config', config('not-the-secret'));
    const res = await h.call('POST', `/integration-connections/${id}/test`);
    expect(res.json().data).toMatchObject({
      test_result: 'failed',
      details: {
        error_type: 'auth_error',
        http_status: 403,
        provider_message: expect.stringContaining('does not match the signature you provided'),
      },
      status: 'error',
      health: 'unhealthy',
    });
  });

  it('syncs and re-syncs every region; the preview equals the fake’s ground truth', async () => {
    const id = await h.connected('aws-config', config());
    const before = await h.call('GET', `/integration-connections/${id}/preview`);
    expect(before.statusCode).toBe(422);

    const run = await h.settled(id, await h.trigger(id, { full_sync: true }));
    expect(run.status, run.error_message ?? '').toBe('completed');
    const truth = expectedRecords(aws.account);
    const total = truth.config_rules + truth.evaluation_results + truth.resources;
    expect(run.stats).toMatchObject({
      items_synced: total,
      items_created: total,
      items_failed: 0,
      evidence_collected: 2,
    });
    expect(await h.entityCounts(id)).toEqual(truth);

    const res = await h.call('GET', `/integration-connections/${id}/preview`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().data).toEqual({
      provider: 'aws_config',
      preview: expectedPreview(aws.account),
      last_synced_at: run.completed_at,
    });

    // A resource fixed since: the re-sync stores its new verdicts, nothing else changes.
    const region = aws.account.regions.get('us-east-1')!;
    const failing = [...region.evaluations.values()].flat().find((e) => e.compliance === 'NON_COMPLIANT')!;
    failing.compliance = 'COMPLIANT';
    const next = await h.settled(id, await h.trigger(id));
    expect(next.status, next.error_message ?? '').toBe('completed');
    expect(next.stats).toMatchObject({
      items_created: 0,
      items_deleted: 0,
      items_updated: expect.any(Number),
    });
    expect(next.stats.items_updated).toBeGreaterThanOrEqual(1);
    const after = await h.call('GET', `/integration-connections/${id}/preview`);
    expect(after.json().data.preview).toEqual(expectedPreview(aws.account));
  });

  it('survives ThrottlingException: waits, then the run completes', async () => {
    const id = await h.connected('aws-config', config());
    aws.failNext(
      { operation: 'config:DescribeConfigRules', code: 'ThrottlingException' },
      { operation: 'config:ListDiscoveredResources', code: 'ThrottlingException' },
    );
    const run = await h.settled(id, await h.trigger(id, { full_sync: true }));
    expect(run.status, run.error_message ?? '').toBe('completed');
    expect(aws.requests.filter((r) => r.code === 'ThrottlingException')).toHaveLength(2);
    expect(connectorWaits).toHaveLength(2);
    expect(await h.entityCounts(id)).toEqual(expectedRecords(aws.account));
  });

  it('cancels a sync held mid-way: the request is dropped and the run ends cancelled', async () => {
    const id = await h.connected('aws-config', config());
    const held = aws.hold('config:GetDiscoveredResourceCounts');
    const runId = await h.trigger(id, { full_sync: true });
    await held;
    const region = aws.account.regions.get('us-east-1')!;
    const evaluations = [...region.evaluations.values()].flat().length;
    // The first region's rules and evaluations are stored while its resources' request is held.
    await vi.waitFor(
      async () => expect((await h.run(id, runId)).stats.items_synced).toBe(region.rules.length + evaluations),
      { timeout: 5000, interval: 5 },
    );
    const res = await h.call('POST', `/integration-connections/${id}/runs/${runId}/cancel`);
    expect(res.statusCode).toBe(200);
    expect(res.json().data.status).toBe('cancelled');
    await vi.waitFor(() => expect(aws.abandoned).toEqual(['config:GetDiscoveredResourceCounts']), {
      timeout: 5000,
      interval: 5,
    });
    aws.release();
    expect((await h.run(id, runId)).status).toBe('cancelled');
    expect(await h.entityCounts(id)).toEqual({
      config_rules: region.rules.length,
      evaluation_results: evaluations,
    });
    expect(aws.requests.filter((r) => r.operation === 'config:ListDiscoveredResources')).toEqual([]);
  });
});

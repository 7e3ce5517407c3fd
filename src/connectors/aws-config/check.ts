/**
 * The connection test and the health check: who the keys are (STS GetCallerIdentity, after
 * assuming the role when there is one), then a light AWS Config call in each region. The engine
 * adds `provider_response_time_ms`.
 */
import {
  type ConfigurationRecorderStatus,
  DescribeConfigRulesCommand,
  DescribeConfigurationRecorderStatusCommand,
} from '@aws-sdk/client-config-service';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { ConnectorContext, TestOutcome } from '../sdk.js';
import type { AwsConfigConfig } from './definition.js';
import { testFailure } from './errors.js';
import type { Wait } from './retry.js';
import { type AwsSession, awsSession } from './session.js';

type Ctx = ConnectorContext<AwsConfigConfig>;

/** A region's configuration recorder, as the test reports it; null when the region has none. */
interface Recorder {
  name: string | null;
  recording: boolean;
  last_status: string | null;
}

function recorderOf(statuses: ConfigurationRecorderStatus[]): Recorder | null {
  // A region has one customer-managed recorder, and possibly service-linked ones: the recording one counts.
  const status = statuses.find((s) => s.recording) ?? statuses[0];
  if (!status) return null;
  return {
    name: status.name ?? null,
    recording: status.recording ?? false,
    last_status: status.lastStatus ?? null,
  };
}

interface Checked {
  identity: { account_id: string | null; arn: string | null; user_id: string | null };
  recorders: Record<string, Recorder | null>;
  permissions: string[];
}

/** Runs the checks, naming the step each failure happened at. */
async function check(ctx: Ctx, wait: Wait, withRules: boolean): Promise<Checked | TestOutcome> {
  ctx.signal.throwIfAborted();
  const session = awsSession(ctx, wait);
  let step = session.roleArn ? `Assuming the role ${session.roleArn}` : 'Reading the caller identity';
  try {
    const permissions: string[] = [];
    const caller = await session.call('Reading the caller identity', () =>
      session.sts(true).send(new GetCallerIdentityCommand({})),
    );
    if (session.roleArn) permissions.push('sts:AssumeRole');
    const identity = {
      account_id: caller.Account ?? null,
      arn: caller.Arn ?? null,
      user_id: caller.UserId ?? null,
    };
    const recorders: Record<string, Recorder | null> = {};
    for (const region of session.regions) {
      step = `Reading the configuration recorder status in ${region}`;
      const { ConfigurationRecordersStatus: statuses = [] } = await session.call(step, () =>
        session.config(region).send(new DescribeConfigurationRecorderStatusCommand({})),
      );
      recorders[region] = recorderOf(statuses);
      if (withRules) {
        step = `Listing the AWS Config rules of ${region}`;
        await firstRulesPage(session, region, step);
      }
    }
    permissions.push('config:DescribeConfigurationRecorderStatus');
    if (withRules) permissions.push('config:DescribeConfigRules');
    return { identity, recorders, permissions };
  } catch (error) {
    return testFailure(error, step, ctx.signal);
  }
}

async function firstRulesPage(session: AwsSession, region: string, what: string): Promise<void> {
  await session.call(what, () => session.config(region).send(new DescribeConfigRulesCommand({})));
}

function recordingNote(recorders: Record<string, Recorder | null>): string {
  const regions = Object.keys(recorders);
  const recording = regions.filter((region) => recorders[region]?.recording);
  const idle = regions.filter((region) => !recorders[region]?.recording);
  return (
    `Configuration recorder recording in ${recording.length} of ${regions.length} regions` +
    (idle.length > 0 ? ` (not in ${idle.join(', ')}).` : '.')
  );
}

function details(checked: Checked, roleArn: string | undefined) {
  return {
    account_id: checked.identity.account_id,
    arn: checked.identity.arn,
    user_id: checked.identity.user_id,
    assumed_role: roleArn ?? null,
    regions_checked: Object.keys(checked.recorders),
    recorders: checked.recorders,
    permissions_verified: checked.permissions,
  };
}

export async function awsConfigTest(ctx: Ctx, wait: Wait): Promise<TestOutcome> {
  const checked = await check(ctx, wait, true);
  if ('ok' in checked) return checked;
  const roleArn = ctx.config.role_arn || undefined;
  return {
    ok: true,
    message:
      `Successfully authenticated with AWS as ${checked.identity.arn} (account ${checked.identity.account_id}). ` +
      `Regions checked: ${Object.keys(checked.recorders).join(', ')}. ${recordingNote(checked.recorders)}`,
    details: details(checked, roleArn),
  };
}

/** Lighter than the test: the identity and each region's recorder, no rules. */
export async function awsConfigHealthCheck(ctx: Ctx, wait: Wait): Promise<TestOutcome> {
  const checked = await check(ctx, wait, false);
  if ('ok' in checked) return checked;
  return {
    ok: true,
    message: `Health check passed. AWS Config responding in ${Object.keys(checked.recorders).length} regions. ${recordingNote(checked.recorders)}`,
    details: details(checked, ctx.config.role_arn || undefined),
  };
}

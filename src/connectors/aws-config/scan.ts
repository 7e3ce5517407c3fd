/**
 * The `run_scans` action: StartConfigRulesEvaluation for the named rules (default: every rule) in
 * one region or each configured one, 25 rules a request as AWS allows. AWS refuses a rule whose
 * evaluation is still running or was started less than a minute ago (LimitExceededException,
 * ResourceInUseException): that is reported per request, the other requests go on.
 */
import {
  DescribeConfigRulesCommand,
  StartConfigRulesEvaluationCommand,
} from '@aws-sdk/client-config-service';
import type { FromSchema } from 'json-schema-to-ts';
import { type ConnectorAction, type ConnectorContext, ProviderError } from '../sdk.js';
import { type AwsConfigConfig, REGION_PATTERN } from './definition.js';
import { awsRefusal, operationFailure } from './errors.js';
import type { Wait } from './retry.js';
import { chunks, RULE_NAMES_PER_REQUEST } from './rules.js';
import { type AwsSession, awsSession } from './session.js';

export const startRulesEvaluationInput = {
  type: 'object',
  additionalProperties: false,
  properties: {
    rule_names: {
      type: 'array',
      description: 'The rules to evaluate; every rule of each region when absent.',
      items: { type: 'string', minLength: 1, maxLength: 128 },
      minItems: 1,
    },
    region: {
      type: 'string',
      description: 'Only this region (one of the connection’s); each configured region when absent.',
      pattern: REGION_PATTERN,
    },
  },
} as const;

export type StartRulesEvaluationInput = FromSchema<typeof startRulesEvaluationInput>;

/** AWS's refusal to start some rules now; the rules were not started. */
interface Refused {
  rule_names: string[];
  code: string;
  message: string;
}

export interface RegionEvaluation {
  region: string;
  /** Rules whose evaluation AWS Config started. */
  started: string[];
  /** Requested rules the region does not have. */
  not_found: string[];
  refused: Refused[];
}

export interface StartRulesEvaluationOutput {
  regions: RegionEvaluation[];
}

/** Refusals that concern only the rules of one request, not the connection. */
const BUSY = new Set(['LimitExceededException', 'ResourceInUseException']);

async function ruleNames(session: AwsSession, region: string): Promise<string[]> {
  const names: string[] = [];
  let next: string | undefined;
  do {
    const token = next;
    const page = await session.call(`Listing the AWS Config rules of ${region}`, () =>
      session.config(region).send(new DescribeConfigRulesCommand({ NextToken: token })),
    );
    for (const rule of page.ConfigRules ?? []) if (rule.ConfigRuleName) names.push(rule.ConfigRuleName);
    next = page.NextToken || undefined;
  } while (next);
  return names;
}

async function startIn(
  session: AwsSession,
  region: string,
  requested: string[] | undefined,
): Promise<RegionEvaluation> {
  const existing = await ruleNames(session, region);
  const wanted = requested ? [...new Set(requested)] : existing;
  const result: RegionEvaluation = {
    region,
    started: [],
    not_found: wanted.filter((name) => !existing.includes(name)),
    refused: [],
  };
  for (const batch of chunks(
    wanted.filter((name) => existing.includes(name)),
    RULE_NAMES_PER_REQUEST,
  )) {
    try {
      await session.call(`Starting the evaluation of AWS Config rules in ${region}`, () =>
        session.config(region).send(new StartConfigRulesEvaluationCommand({ ConfigRuleNames: batch })),
      );
      result.started.push(...batch);
    } catch (error) {
      const refusal = awsRefusal(error);
      if (!refusal || !BUSY.has(refusal.code)) throw error;
      result.refused.push({ rule_names: batch, code: refusal.code, message: refusal.message });
    }
  }
  return result;
}

export function startRulesEvaluation(
  wait: Wait,
): ConnectorAction<AwsConfigConfig, StartRulesEvaluationInput, StartRulesEvaluationOutput> {
  return {
    description:
      'Runs an on-demand evaluation of AWS Config rules (StartConfigRulesEvaluation): the named rules, or all, in one region or each configured one.',
    inputSchema: startRulesEvaluationInput,
    async run(ctx: ConnectorContext<AwsConfigConfig>, input) {
      ctx.signal.throwIfAborted();
      const session = awsSession(ctx, wait);
      let step = 'Starting the evaluation of AWS Config rules';
      try {
        if (input.region !== undefined && !session.regions.includes(input.region)) {
          throw new ProviderError(
            'validation',
            `${input.region} is not one of this connection's regions (${session.regions.join(', ')})`,
          );
        }
        const regions = input.region === undefined ? session.regions : [input.region];
        const results: RegionEvaluation[] = [];
        for (const region of regions) {
          step = `Starting the evaluation of AWS Config rules in ${region}`;
          results.push(await startIn(session, region, input.rule_names));
        }
        return { regions: results };
      } catch (error) {
        throw operationFailure(error, step, ctx.signal);
      }
    },
  };
}

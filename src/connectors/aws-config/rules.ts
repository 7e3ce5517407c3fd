/**
 * A region's rules, a page at a time (DescribeConfigRules, which takes no page size: AWS answers 25
 * a page), each page with its rules' compliance (DescribeComplianceByConfigRule, at most 25 names a
 * request, paged by NextToken as well).
 */
import {
  type ComplianceByConfigRule,
  DescribeComplianceByConfigRuleCommand,
  DescribeConfigRulesCommand,
} from '@aws-sdk/client-config-service';
import { type RuleRecord, ruleRecord } from './records.js';
import type { AwsSession } from './session.js';

/** Names a DescribeComplianceByConfigRule or StartConfigRulesEvaluation request takes at most. */
export const RULE_NAMES_PER_REQUEST = 25;

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

async function complianceOf(
  session: AwsSession,
  region: string,
  names: string[],
): Promise<Map<string, ComplianceByConfigRule>> {
  const found = new Map<string, ComplianceByConfigRule>();
  for (const batch of chunks(names, RULE_NAMES_PER_REQUEST)) {
    let next: string | undefined;
    do {
      const token = next;
      const page = await session.call(`Reading the compliance of AWS Config rules in ${region}`, () =>
        session
          .config(region)
          .send(new DescribeComplianceByConfigRuleCommand({ ConfigRuleNames: batch, NextToken: token })),
      );
      for (const entry of page.ComplianceByConfigRules ?? []) {
        if (entry.ConfigRuleName) found.set(entry.ConfigRuleName, entry);
      }
      next = page.NextToken || undefined;
    } while (next);
  }
  return found;
}

export interface RulePage {
  rules: RuleRecord[];
  last: boolean;
}

/** The region's rules with their compliance, a page at a time, from the first. */
export async function* rulePages(session: AwsSession, region: string): AsyncGenerator<RulePage> {
  let next: string | undefined;
  do {
    const token = next;
    const page = await session.call(`Listing the AWS Config rules of ${region}`, () =>
      session.config(region).send(new DescribeConfigRulesCommand({ NextToken: token })),
    );
    const rules = (page.ConfigRules ?? []).filter((rule) => rule.ConfigRuleName);
    const compliance = await complianceOf(
      session,
      region,
      rules.map((rule) => rule.ConfigRuleName!),
    );
    next = page.NextToken || undefined;
    yield {
      rules: rules.map((rule) => ruleRecord(region, rule, compliance.get(rule.ConfigRuleName!))),
      last: next === undefined,
    };
  } while (next);
}

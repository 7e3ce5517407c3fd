/** The records an AWS Config sync stores, as previews and evidence read them back. */
import type { ComplianceByConfigRule, ConfigRule, EvaluationResult } from '@aws-sdk/client-config-service';

/** A rule's or an evaluation's compliance, as AWS Config names it. */
export type ComplianceType = 'COMPLIANT' | 'NON_COMPLIANT' | 'NOT_APPLICABLE' | 'INSUFFICIENT_DATA';
/** A resource's compliance over every rule that evaluates it (see `resourceCompliance`). */
export type ResourceCompliance = 'COMPLIANT' | 'NON_COMPLIANT' | 'NOT_APPLICABLE';

export interface RuleRecord {
  region: string;
  name: string;
  arn: string | null;
  rule_id: string | null;
  state: string | null;
  description: string | null;
  source_owner: string | null;
  source_identifier: string | null;
  resource_types: string[];
  maximum_execution_frequency: string | null;
  /** INSUFFICIENT_DATA when AWS Config has no current evaluation of the rule. */
  compliance: ComplianceType;
  /** As AWS Config counts them: capped at 100 (`capped` says when there are more). */
  non_compliant_resources: { count: number; capped: boolean } | null;
}

export interface EvaluationRecord {
  region: string;
  rule: string;
  resource_type: string;
  resource_id: string;
  compliance: ComplianceType;
  evaluation_mode: string | null;
  annotation: string | null;
  result_recorded_time: string | null;
  config_rule_invoked_time: string | null;
}

export interface ResourceRecord {
  region: string;
  resource_type: string;
  resource_id: string;
  resource_name: string | null;
  /**
   * NON_COMPLIANT when a rule finds it non-compliant; COMPLIANT when none does and one finds it
   * compliant; NOT_APPLICABLE when no rule applies to it (no evaluation, or only not-applicable ones).
   */
  compliance: ResourceCompliance;
  /** Each rule that evaluates it, with its compliance under that rule. */
  rules: Record<string, ComplianceType>;
  non_compliant_rules: string[];
  /** False for what rules evaluate but AWS Config does not list as a recorded resource (the account itself). */
  discovered: boolean;
}

const COMPLIANCE_TYPES: readonly string[] = [
  'COMPLIANT',
  'NON_COMPLIANT',
  'NOT_APPLICABLE',
  'INSUFFICIENT_DATA',
];

export function complianceType(value: string | undefined): ComplianceType {
  return value !== undefined && COMPLIANCE_TYPES.includes(value)
    ? (value as ComplianceType)
    : 'INSUFFICIENT_DATA';
}

/** Ids stable across runs: region, then what the rule or resource is called at AWS. */
export const ruleId = (region: string, name: string) => `${region}/${name}`;
export const resourceId = (region: string, type: string, id: string) => `${region}/${type}/${id}`;
export const evaluationId = (region: string, rule: string, type: string, id: string, mode: string | null) =>
  `${region}/${rule}/${type}/${id}${mode === 'PROACTIVE' ? '/PROACTIVE' : ''}`;

const text = (value: string | undefined) => value ?? null;
const time = (value: Date | undefined) => (value ? value.toISOString() : null);

export function ruleRecord(
  region: string,
  rule: ConfigRule,
  compliance?: ComplianceByConfigRule,
): RuleRecord {
  const counted = compliance?.Compliance?.ComplianceContributorCount;
  return {
    region,
    name: rule.ConfigRuleName ?? '',
    arn: text(rule.ConfigRuleArn),
    rule_id: text(rule.ConfigRuleId),
    state: text(rule.ConfigRuleState),
    description: text(rule.Description),
    source_owner: text(rule.Source?.Owner),
    source_identifier: text(rule.Source?.SourceIdentifier),
    resource_types: rule.Scope?.ComplianceResourceTypes ?? [],
    maximum_execution_frequency: text(rule.MaximumExecutionFrequency),
    compliance: complianceType(compliance?.Compliance?.ComplianceType),
    non_compliant_resources: counted
      ? { count: counted.CappedCount ?? 0, capped: counted.CapExceeded ?? false }
      : null,
  };
}

export function evaluationRecord(region: string, result: EvaluationResult): EvaluationRecord | null {
  const qualifier = result.EvaluationResultIdentifier?.EvaluationResultQualifier;
  if (!qualifier?.ConfigRuleName || !qualifier.ResourceType || !qualifier.ResourceId) return null;
  return {
    region,
    rule: qualifier.ConfigRuleName,
    resource_type: qualifier.ResourceType,
    resource_id: qualifier.ResourceId,
    compliance: complianceType(result.ComplianceType),
    evaluation_mode: text(qualifier.EvaluationMode),
    annotation: text(result.Annotation),
    result_recorded_time: time(result.ResultRecordedTime),
    config_rule_invoked_time: time(result.ConfigRuleInvokedTime),
  };
}

/** A resource's overall compliance from its compliance under each rule. */
export function resourceCompliance(rules: Record<string, ComplianceType>): ResourceCompliance {
  const values = Object.values(rules);
  if (values.includes('NON_COMPLIANT')) return 'NON_COMPLIANT';
  if (values.includes('COMPLIANT')) return 'COMPLIANT';
  return 'NOT_APPLICABLE';
}

export function resourceRecord(
  region: string,
  identifier: {
    resourceType?: string | undefined;
    resourceId?: string | undefined;
    resourceName?: string | undefined;
  },
  rules: Record<string, ComplianceType>,
  discovered: boolean,
): ResourceRecord {
  return {
    region,
    resource_type: identifier.resourceType ?? '',
    resource_id: identifier.resourceId ?? '',
    resource_name: text(identifier.resourceName),
    compliance: resourceCompliance(rules),
    rules,
    non_compliant_rules: Object.keys(rules)
      .filter((rule) => rules[rule] === 'NON_COMPLIANT')
      .sort(),
    discovered,
  };
}

/** A record's data as the engine stores it: a plain JSON object. */
export function asData(record: object): Record<string, unknown> {
  return { ...record };
}

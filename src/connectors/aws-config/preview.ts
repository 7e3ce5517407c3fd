/**
 * The AWS Config preview (endpoint #25, the spec's "AWS Config example" to the letter), counted from
 * the stored records of the last successful sync. Every tracked resource is compliant,
 * non-compliant or not applicable (no rule applies to it), so the three add up to
 * `total_tracked`, and `compliance_rate` is the compliant share of all of them, as in the spec's
 * example (792 of 847: 93.5).
 */
import type { JSONSchema } from 'json-schema-to-ts';
import type { StoredRecords } from '../sdk.js';
import { percent } from '../toolkit/preview.js';

/** Rules listed in `top_violations` at most. */
export const TOP_VIOLATIONS = 5;

export interface AwsConfigPreview {
  resources: {
    total_tracked: number;
    compliant: number;
    non_compliant: number;
    not_applicable: number;
    compliance_rate: number | null;
  };
  rules: { total: number; compliant: number; non_compliant: number };
  top_violations: { rule: string; non_compliant_resources: number }[];
}

const count = { type: 'integer', minimum: 0 } as const;

export const awsConfigPreviewSchema = {
  type: 'object',
  required: ['resources', 'rules', 'top_violations'],
  additionalProperties: false,
  properties: {
    resources: {
      type: 'object',
      required: ['total_tracked', 'compliant', 'non_compliant', 'not_applicable', 'compliance_rate'],
      additionalProperties: false,
      properties: {
        total_tracked: count,
        compliant: count,
        non_compliant: count,
        not_applicable: count,
        compliance_rate: {
          type: ['number', 'null'],
          description:
            'Compliant resources in percent of those tracked, one decimal; null when none is tracked.',
        },
      },
    },
    rules: {
      type: 'object',
      required: ['total', 'compliant', 'non_compliant'],
      additionalProperties: false,
      properties: { total: count, compliant: count, non_compliant: count },
    },
    top_violations: {
      type: 'array',
      description: `The rules with the most non-compliant resources (at most ${TOP_VIOLATIONS}), most first.`,
      items: {
        type: 'object',
        required: ['rule', 'non_compliant_resources'],
        additionalProperties: false,
        properties: { rule: { type: 'string' }, non_compliant_resources: count },
      },
    },
  },
} as const satisfies JSONSchema;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export async function awsConfigPreview(records: StoredRecords): Promise<AwsConfigPreview> {
  const resources = { total_tracked: 0, compliant: 0, non_compliant: 0, not_applicable: 0 };
  // A rule's name counts its non-compliant resources in every region it exists in.
  const violations = new Map<string, number>();
  for await (const resource of records.each('resources')) {
    resources.total_tracked += 1;
    if (resource.compliance === 'COMPLIANT') resources.compliant += 1;
    else if (resource.compliance === 'NON_COMPLIANT') resources.non_compliant += 1;
    else resources.not_applicable += 1;
    const rules = isRecord(resource.rules) ? resource.rules : {};
    for (const [rule, compliance] of Object.entries(rules)) {
      if (compliance === 'NON_COMPLIANT') violations.set(rule, (violations.get(rule) ?? 0) + 1);
    }
  }
  const rules = { total: 0, compliant: 0, non_compliant: 0 };
  for await (const rule of records.each('config_rules')) {
    rules.total += 1;
    if (rule.compliance === 'COMPLIANT') rules.compliant += 1;
    if (rule.compliance === 'NON_COMPLIANT') rules.non_compliant += 1;
  }
  const top = [...violations]
    .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, TOP_VIOLATIONS)
    .map(([rule, n]) => ({ rule, non_compliant_resources: n }));
  return {
    resources: { ...resources, compliance_rate: percent(resources.compliant, resources.total_tracked) },
    rules,
    top_violations: top,
  };
}

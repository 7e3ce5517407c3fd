/**
 * The AWS Config operations the fake answers, over the JSON 1.1 protocol (`X-Amz-Target:
 * StarlingDoveService.<Operation>`), as the AWS Config API Reference documents them: request and
 * response members, page sizes (`Limit` defaults and maxima), NextToken pagination, and the errors
 * each operation names (HTTP 400 with `{"__type", "message"}`).
 */
import { type FakeAccount, type FakeRegion, ruleCompliance } from './account.js';

export class ConfigError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

type Body = Record<string, unknown>;

export interface ConfigCall {
  operation: string;
  region: string;
  body: Body;
  now: number;
  account: FakeAccount;
  /** StartConfigRulesEvaluation's record: when each rule's last evaluation started, by region. */
  started: Map<string, number>;
  onStarted: (region: string, rules: string[]) => void;
}

const emptyRegion = (name: string): FakeRegion => ({
  name,
  recorder: null,
  rules: [],
  resources: [],
  evaluations: new Map(),
});

/** NextTokens are opaque to clients; here they name the listing they belong to and an offset. */
function token(listing: string, offset: number): string {
  return Buffer.from(JSON.stringify({ listing, offset })).toString('base64url');
}

function offsetOf(body: Body, member: string, listing: string): number {
  const raw = body[member];
  if (raw === undefined || raw === null || raw === '') return 0;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(String(raw), 'base64url').toString('utf8'));
    if (
      typeof parsed === 'object' &&
      parsed !== null &&
      'listing' in parsed &&
      'offset' in parsed &&
      parsed.listing === listing &&
      Number.isInteger(parsed.offset)
    ) {
      return Number(parsed.offset);
    }
  } catch {
    // Not one of ours: refused below.
  }
  throw new ConfigError('InvalidNextTokenException', 'The nextToken provided is invalid');
}

/** A member's page size: `fallback` when absent or 0, refused above `max` (the model's range). */
function limitOf(body: Body, member: string, fallback: number, max: number): number {
  const raw = body[member];
  if (raw === undefined || raw === null || raw === 0) return fallback;
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 0 || raw > max) {
    throw new ConfigError(
      'ValidationException',
      `1 validation error detected: Value '${String(raw)}' at '${member.charAt(0).toLowerCase()}${member.slice(1)}' failed to satisfy constraint: Member must have value less than or equal to ${max}`,
    );
  }
  return raw;
}

function names(body: Body, member: string, max: number, required = false): string[] | undefined {
  const raw = body[member];
  if (raw === undefined || raw === null) {
    if (required)
      throw new ConfigError(
        'ValidationException',
        `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`,
      );
    return undefined;
  }
  if (!Array.isArray(raw) || !raw.every((n) => typeof n === 'string')) {
    throw new ConfigError('SerializationException', `Unexpected value for ${member}`);
  }
  if (raw.length > max || (required && raw.length === 0)) {
    throw new ConfigError(
      'ValidationException',
      `1 validation error detected: Value '[${raw.join(', ')}]' at '${member}' failed to satisfy constraint: Member must have length less than or equal to ${max}`,
    );
  }
  return raw;
}

function page<T>(items: T[], offset: number, size: number, listing: string, member: string) {
  const slice = items.slice(offset, offset + size);
  const end = offset + slice.length;
  return { slice, more: end < items.length ? { [member]: token(listing, end) } : {} };
}

const seconds = (ms: number) => ms / 1000;

function rulesNamed(region: FakeRegion, wanted: string[] | undefined) {
  if (!wanted) return region.rules;
  return wanted.map((name) => {
    const rule = region.rules.find((r) => r.name === name);
    if (!rule) {
      throw new ConfigError(
        'NoSuchConfigRuleException',
        `The ConfigRule '${name}' provided in the request is invalid. Please check the configRule name`,
      );
    }
    return rule;
  });
}

/** DescribeConfigRules takes no page size: AWS answers 25 rules a page. */
const RULES_PER_PAGE = 25;

const operations: Record<string, (call: ConfigCall, region: FakeRegion) => Body> = {
  DescribeConfigRules({ body, region: name }, region) {
    const listing = `rules:${name}`;
    const rules = rulesNamed(region, names(body, 'ConfigRuleNames', 25));
    const { slice, more } = page(
      rules,
      offsetOf(body, 'NextToken', listing),
      RULES_PER_PAGE,
      listing,
      'NextToken',
    );
    return {
      ConfigRules: slice.map((rule) => ({
        ConfigRuleName: rule.name,
        ConfigRuleArn: rule.arn,
        ConfigRuleId: rule.id,
        Description: rule.description,
        Scope: { ComplianceResourceTypes: [rule.resourceType] },
        Source: { Owner: 'AWS', SourceIdentifier: rule.identifier },
        ConfigRuleState: 'ACTIVE',
        EvaluationModes: [{ Mode: 'DETECTIVE' }],
      })),
      ...more,
    };
  },

  DescribeComplianceByConfigRule({ body, region: name }, region) {
    const listing = `compliance:${name}`;
    const wanted = names(body, 'ConfigRuleNames', 25);
    const types = names(body, 'ComplianceTypes', 3);
    const entries = rulesNamed(region, wanted)
      .map((rule) => ({ rule, compliance: ruleCompliance(region, rule.name) }))
      .filter(({ compliance }) => !types || types.includes(compliance.type));
    const { slice, more } = page(
      entries,
      offsetOf(body, 'NextToken', listing),
      RULES_PER_PAGE,
      listing,
      'NextToken',
    );
    return {
      ComplianceByConfigRules: slice.map(({ rule, compliance }) => ({
        ConfigRuleName: rule.name,
        Compliance: {
          ComplianceType: compliance.type,
          // "up to a maximum of 25 for rules and 100 for resources"
          ...(compliance.type === 'NON_COMPLIANT'
            ? {
                ComplianceContributorCount: {
                  CappedCount: Math.min(compliance.nonCompliant, 100),
                  CapExceeded: compliance.nonCompliant > 100,
                },
              }
            : {}),
        },
      })),
      ...more,
    };
  },

  GetComplianceDetailsByConfigRule({ body, region: name }, region) {
    const ruleName = body.ConfigRuleName;
    if (typeof ruleName !== 'string' || ruleName === '') {
      throw new ConfigError(
        'ValidationException',
        "1 validation error detected: Value null at 'configRuleName' failed to satisfy constraint: Member must not be null",
      );
    }
    const [rule] = rulesNamed(region, [ruleName]);
    const types = names(body, 'ComplianceTypes', 3);
    const limit = limitOf(body, 'Limit', 10, 100);
    const listing = `details:${name}:${rule!.name}:${(types ?? []).join(',')}`;
    const results = (region.evaluations.get(rule!.name) ?? []).filter(
      (e) => !types || types.includes(e.compliance),
    );
    const { slice, more } = page(results, offsetOf(body, 'NextToken', listing), limit, listing, 'NextToken');
    return {
      EvaluationResults: slice.map((e) => ({
        EvaluationResultIdentifier: {
          EvaluationResultQualifier: {
            ConfigRuleName: e.rule,
            ResourceType: e.type,
            ResourceId: e.id,
            EvaluationMode: 'DETECTIVE',
          },
          OrderingTimestamp: seconds(e.recordedAt),
        },
        ComplianceType: e.compliance,
        ResultRecordedTime: seconds(e.recordedAt),
        ConfigRuleInvokedTime: seconds(e.recordedAt - 60_000),
        ...(e.annotation ? { Annotation: e.annotation } : {}),
      })),
      ...more,
    };
  },

  GetDiscoveredResourceCounts({ body, region: name }, region) {
    const wanted = names(body, 'resourceTypes', 20);
    const limit = limitOf(body, 'limit', 100, 100);
    const counts = new Map<string, number>();
    for (const resource of region.resources) counts.set(resource.type, (counts.get(resource.type) ?? 0) + 1);
    const entries = [...counts]
      .filter(([type]) => !wanted || wanted.includes(type))
      .sort(([, a], [, b]) => b - a)
      .map(([resourceType, count]) => ({ resourceType, count }));
    const listing = `counts:${name}:${(wanted ?? []).join(',')}`;
    const { slice, more } = page(entries, offsetOf(body, 'nextToken', listing), limit, listing, 'nextToken');
    return {
      totalDiscoveredResources: entries.reduce((sum, e) => sum + e.count, 0),
      resourceCounts: slice,
      ...more,
    };
  },

  ListDiscoveredResources({ body, region: name }, region) {
    const type = body.resourceType;
    if (typeof type !== 'string' || type === '') {
      throw new ConfigError(
        'ValidationException',
        "1 validation error detected: Value null at 'resourceType' failed to satisfy constraint: Member must not be null",
      );
    }
    const limit = limitOf(body, 'limit', 100, 100);
    const ids = names(body, 'resourceIds', 20);
    const listing = `resources:${name}:${type}`;
    const resources = region.resources.filter((r) => r.type === type && (!ids || ids.includes(r.id)));
    const { slice, more } = page(
      resources,
      offsetOf(body, 'nextToken', listing),
      limit,
      listing,
      'nextToken',
    );
    return {
      resourceIdentifiers: slice.map((r) => ({
        resourceType: r.type,
        resourceId: r.id,
        ...(r.name === null ? {} : { resourceName: r.name }),
      })),
      ...more,
    };
  },

  DescribeConfigurationRecorderStatus({ account, region: name }, region) {
    const recorder = region.recorder;
    return {
      ConfigurationRecordersStatus: recorder
        ? [
            {
              arn: `arn:aws:config:${name}:${account.id}:configuration-recorder/${recorder.name}/fake`,
              name: recorder.name,
              recording: recorder.recording,
              lastStatus: recorder.lastStatus,
              lastStartTime: seconds(Date.UTC(2026, 0, 1)),
              lastStatusChangeTime: seconds(Date.UTC(2026, 1, 21)),
            },
          ]
        : [],
    };
  },

  StartConfigRulesEvaluation({ body, region: name, now, started, onStarted }, region) {
    const wanted = names(body, 'ConfigRuleNames', 25, true)!;
    rulesNamed(region, wanted);
    // "An existing StartConfigRulesEvaluation call for the specified rules must complete before you
    // can call the API again": here, a rule started less than a minute ago.
    const busy = wanted.filter(
      (rule) => now - (started.get(`${name}/${rule}`) ?? Number.NEGATIVE_INFINITY) < 60_000,
    );
    if (busy.length > 0) {
      throw new ConfigError(
        'LimitExceededException',
        `An evaluation is in progress for ${busy.join(', ')}, or StartConfigRulesEvaluation was called more than once per minute.`,
      );
    }
    for (const rule of wanted) started.set(`${name}/${rule}`, now);
    onStarted(name, wanted);
    return {};
  },
};

export function configOperation(call: ConfigCall): Body {
  const handler = operations[call.operation];
  if (!handler) throw new ConfigError('UnknownOperationException', '');
  return handler(call, call.account.regions.get(call.region) ?? emptyRegion(call.region));
}

export const CONFIG_OPERATIONS = Object.keys(operations);

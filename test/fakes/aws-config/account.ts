/**
 * A fake AWS account as AWS Config sees it, region by region: the configuration recorder, the
 * rules (managed rules with their scope), the resources it records, and each rule's latest
 * evaluation of each resource in its scope; generated from a seed, so a size (5,000 resources, 50
 * rules) always gives the same account. `expectedPreview` is the ground truth a sync's preview
 * must equal, counted from this model alone.
 */

export type Compliance = 'COMPLIANT' | 'NON_COMPLIANT' | 'NOT_APPLICABLE';

export interface FakeRule {
  name: string;
  id: string;
  arn: string;
  identifier: string;
  description: string;
  /** Its scope: the resource types it evaluates (`AWS::::Account` for account-level rules). */
  resourceType: string;
}

export interface FakeResource {
  type: string;
  id: string;
  name: string | null;
}

export interface FakeEvaluation {
  rule: string;
  type: string;
  id: string;
  compliance: Compliance;
  recordedAt: number;
  annotation?: string;
}

export interface FakeRegion {
  name: string;
  recorder: { name: string; recording: boolean; lastStatus: 'SUCCESS' | 'PENDING' | 'FAILURE' } | null;
  rules: FakeRule[];
  resources: FakeResource[];
  /** Each rule's evaluations by rule name, in the order AWS lists them. */
  evaluations: Map<string, FakeEvaluation[]>;
}

export interface FakeAccount {
  id: string;
  regions: Map<string, FakeRegion>;
}

export interface AccountOptions {
  accountId?: string;
  regions?: string[];
  /** Resources across all regions (default 60). */
  resources?: number;
  /** Rules across all regions (default 8). */
  rules?: number;
  seed?: number;
}

/** AWS managed rules (their identifiers and the resource type each evaluates). */
const MANAGED_RULES: { identifier: string; type: string; description: string }[] = [
  {
    identifier: 'S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED',
    type: 'AWS::S3::Bucket',
    description: 'S3 buckets encrypt at rest.',
  },
  {
    identifier: 'EC2_INSTANCE_NO_PUBLIC_IP',
    type: 'AWS::EC2::Instance',
    description: 'EC2 instances have no public IP.',
  },
  {
    identifier: 'IAM_PASSWORD_POLICY',
    type: 'AWS::::Account',
    description: 'The account password policy meets the requirements.',
  },
  {
    identifier: 'RESTRICTED_INCOMING_TRAFFIC',
    type: 'AWS::EC2::SecurityGroup',
    description: 'Security groups restrict common ports.',
  },
  {
    identifier: 'RDS_STORAGE_ENCRYPTED',
    type: 'AWS::RDS::DBInstance',
    description: 'RDS instances encrypt storage.',
  },
  {
    identifier: 'ENCRYPTED_VOLUMES',
    type: 'AWS::EC2::Volume',
    description: 'Attached EBS volumes are encrypted.',
  },
  { identifier: 'IAM_USER_MFA_ENABLED', type: 'AWS::IAM::User', description: 'IAM users have MFA enabled.' },
  {
    identifier: 'LAMBDA_FUNCTION_PUBLIC_ACCESS_PROHIBITED',
    type: 'AWS::Lambda::Function',
    description: 'Lambda functions are not public.',
  },
  { identifier: 'CMK_BACKING_KEY_ROTATION_ENABLED', type: 'AWS::KMS::Key', description: 'KMS keys rotate.' },
  {
    identifier: 'DYNAMODB_TABLE_ENCRYPTED_KMS',
    type: 'AWS::DynamoDB::Table',
    description: 'DynamoDB tables are KMS-encrypted.',
  },
];

/** Recorded resource types, with how common each is. */
const RESOURCE_TYPES: { type: string; weight: number; prefix: string }[] = [
  { type: 'AWS::EC2::Instance', weight: 6, prefix: 'i-' },
  { type: 'AWS::EC2::SecurityGroup', weight: 5, prefix: 'sg-' },
  { type: 'AWS::S3::Bucket', weight: 4, prefix: 'bucket-' },
  { type: 'AWS::EC2::Volume', weight: 4, prefix: 'vol-' },
  { type: 'AWS::IAM::Role', weight: 3, prefix: 'AROA' },
  { type: 'AWS::IAM::User', weight: 2, prefix: 'AIDA' },
  { type: 'AWS::Lambda::Function', weight: 2, prefix: 'fn-' },
  { type: 'AWS::RDS::DBInstance', weight: 1, prefix: 'db-' },
  { type: 'AWS::KMS::Key', weight: 1, prefix: 'key-' },
];

/** mulberry32: a small seeded generator, so an account of a given size is always the same. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The resource type a draw in [0, total weight) falls on. */
function weighted(draw: number): (typeof RESOURCE_TYPES)[number] {
  let left = draw;
  for (const type of RESOURCE_TYPES) {
    left -= type.weight;
    if (left < 0) return type;
  }
  return RESOURCE_TYPES[0]!;
}

const kebab = (identifier: string) => identifier.toLowerCase().replace(/_/g, '-');

export function generateAccount(options: AccountOptions = {}): FakeAccount {
  const accountId = options.accountId ?? '123456789012';
  const regionNames = options.regions ?? ['us-east-1'];
  const rand = random(options.seed ?? 7);
  const regions = new Map<string, FakeRegion>();
  for (const name of regionNames) {
    regions.set(name, {
      name,
      recorder: { name: 'default', recording: true, lastStatus: 'SUCCESS' },
      rules: [],
      resources: [],
      evaluations: new Map(),
    });
  }
  const list = [...regions.values()];
  const weights = RESOURCE_TYPES.reduce((sum, t) => sum + t.weight, 0);
  for (let i = 0; i < (options.resources ?? 60); i += 1) {
    const region = list[i % list.length]!;
    const kind = weighted(rand() * weights);
    const id = `${kind.prefix}${i.toString(16).padStart(8, '0')}`;
    region.resources.push({
      type: kind.type,
      id,
      name: kind.type === 'AWS::EC2::Volume' ? null : `${kebab(kind.prefix)}${i}`,
    });
  }
  const ruleCount = options.rules ?? 8;
  for (let i = 0; i < ruleCount; i += 1) {
    const region = list[i % list.length]!;
    const managed = MANAGED_RULES[i % MANAGED_RULES.length]!;
    const round = Math.floor(i / MANAGED_RULES.length);
    const name = `${kebab(managed.identifier)}${round === 0 ? '' : `-${round + 1}`}`;
    const id = `config-rule-${i.toString(36).padStart(6, '0')}`;
    region.rules.push({
      name,
      id,
      arn: `arn:aws:config:${region.name}:${accountId}:config-rule/${id}`,
      identifier: managed.identifier,
      description: managed.description,
      resourceType: managed.type,
    });
  }
  // Each rule evaluates every resource of its type in its region; some rules are clean, others
  // find a share of them non-compliant, a few resources are out of their scope.
  for (const region of list) {
    for (const [index, rule] of region.rules.entries()) {
      const failRate = index % 3 === 0 ? 0 : 0.05 + rand() * 0.2;
      const targets =
        rule.resourceType === 'AWS::::Account'
          ? [{ type: 'AWS::::Account', id: accountId }]
          : region.resources.filter((r) => r.type === rule.resourceType);
      const evaluations = targets.map((target, n): FakeEvaluation => {
        const roll = rand();
        const compliance: Compliance =
          roll < failRate ? 'NON_COMPLIANT' : roll > 0.95 ? 'NOT_APPLICABLE' : 'COMPLIANT';
        return {
          rule: rule.name,
          type: target.type,
          id: target.id,
          compliance,
          recordedAt: Date.UTC(2026, 1, 21, 10, 0, n % 60),
          ...(compliance === 'NON_COMPLIANT' ? { annotation: `${rule.identifier} is not met.` } : {}),
        };
      });
      region.evaluations.set(rule.name, evaluations);
    }
  }
  return { id: accountId, regions };
}

/** A rule's compliance as DescribeComplianceByConfigRule reports it, with its non-compliant count. */
export function ruleCompliance(region: FakeRegion, rule: string): { type: string; nonCompliant: number } {
  const evaluations = region.evaluations.get(rule) ?? [];
  const nonCompliant = evaluations.filter((e) => e.compliance === 'NON_COMPLIANT').length;
  if (nonCompliant > 0) return { type: 'NON_COMPLIANT', nonCompliant };
  // No current result but not-applicable ones: AWS reports INSUFFICIENT_DATA.
  if (evaluations.some((e) => e.compliance === 'COMPLIANT')) return { type: 'COMPLIANT', nonCompliant };
  return { type: 'INSUFFICIENT_DATA', nonCompliant };
}

/**
 * The spec's preview for the account: every recorded resource and every evaluated one (the account
 * itself) is tracked; non-compliant if a rule says so, else compliant if a rule says so, else not
 * applicable.
 */
export function expectedPreview(account: FakeAccount, top = 5) {
  const resources = { total_tracked: 0, compliant: 0, non_compliant: 0, not_applicable: 0 };
  const rules = { total: 0, compliant: 0, non_compliant: 0 };
  const violations = new Map<string, number>();
  for (const region of account.regions.values()) {
    const verdicts = new Map<string, Compliance[]>();
    for (const resource of region.resources) verdicts.set(`${resource.type} ${resource.id}`, []);
    for (const evaluations of region.evaluations.values()) {
      for (const e of evaluations) {
        const key = `${e.type} ${e.id}`;
        verdicts.set(key, [...(verdicts.get(key) ?? []), e.compliance]);
        if (e.compliance === 'NON_COMPLIANT') violations.set(e.rule, (violations.get(e.rule) ?? 0) + 1);
      }
    }
    for (const found of verdicts.values()) {
      resources.total_tracked += 1;
      if (found.includes('NON_COMPLIANT')) resources.non_compliant += 1;
      else if (found.includes('COMPLIANT')) resources.compliant += 1;
      else resources.not_applicable += 1;
    }
    for (const rule of region.rules) {
      rules.total += 1;
      const { type } = ruleCompliance(region, rule.name);
      if (type === 'COMPLIANT') rules.compliant += 1;
      if (type === 'NON_COMPLIANT') rules.non_compliant += 1;
    }
  }
  const total = resources.total_tracked;
  return {
    resources: {
      ...resources,
      compliance_rate: total === 0 ? null : Math.round((resources.compliant / total) * 1000) / 10,
    },
    rules,
    top_violations: [...violations]
      .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1))
      .slice(0, top)
      .map(([rule, n]) => ({ rule, non_compliant_resources: n })),
  };
}

/** How many records a full sync of the account stores: rules, evaluation results, tracked resources. */
export function expectedRecords(account: FakeAccount) {
  let rules = 0;
  let evaluations = 0;
  const preview = expectedPreview(account);
  for (const region of account.regions.values()) {
    rules += region.rules.length;
    for (const list of region.evaluations.values()) evaluations += list.length;
  }
  return { config_rules: rules, evaluation_results: evaluations, resources: preview.resources.total_tracked };
}

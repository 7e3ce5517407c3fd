/**
 * A rule's evaluation results (GetComplianceDetailsByConfigRule, 100 a page, the documented
 * maximum), and each resource's compliance under every rule gathered from them: what a region's
 * resource records carry.
 */
import { GetComplianceDetailsByConfigRuleCommand } from '@aws-sdk/client-config-service';
import { type ComplianceType, type EvaluationRecord, evaluationRecord } from './records.js';
import type { AwsSession } from './session.js';

export const EVALUATIONS_PER_PAGE = 100;
/** Every evaluation result: AWS documents these three as the filter's values. */
const ALL_RESULTS = ['COMPLIANT', 'NON_COMPLIANT', 'NOT_APPLICABLE'] as const;

export interface EvaluationPage {
  evaluations: EvaluationRecord[];
  /** Where the rule's listing goes on; null after its last page. */
  next: string | null;
}

/** A rule's evaluation results, a page at a time, from `from` (a NextToken) or the first page. */
export async function* evaluationPages(
  session: AwsSession,
  region: string,
  rule: string,
  from: string | null = null,
): AsyncGenerator<EvaluationPage> {
  let next = from;
  do {
    const token = next ?? undefined;
    const page = await session.call(`Listing the evaluation results of ${rule} in ${region}`, () =>
      session.config(region).send(
        new GetComplianceDetailsByConfigRuleCommand({
          ConfigRuleName: rule,
          ComplianceTypes: [...ALL_RESULTS],
          Limit: EVALUATIONS_PER_PAGE,
          NextToken: token,
        }),
      ),
    );
    next = page.NextToken || null;
    const evaluations = (page.EvaluationResults ?? []).flatMap(
      (result) => evaluationRecord(region, result) ?? [],
    );
    yield { evaluations, next };
  } while (next);
}

const key = (type: string, id: string) => `${type}\u0000${id}`;

/** Each evaluated resource of a region with its compliance under each rule (detective evaluations only). */
export class ComplianceMap {
  readonly #resources = new Map<
    string,
    { type: string; id: string; rules: Record<string, ComplianceType> }
  >();

  add(evaluations: EvaluationRecord[]): void {
    for (const evaluation of evaluations) {
      // A proactive evaluation judges a resource before it is deployed, not as it is.
      if (evaluation.evaluation_mode === 'PROACTIVE') continue;
      const k = key(evaluation.resource_type, evaluation.resource_id);
      let entry = this.#resources.get(k);
      if (!entry) {
        entry = { type: evaluation.resource_type, id: evaluation.resource_id, rules: {} };
        this.#resources.set(k, entry);
      }
      entry.rules[evaluation.rule] = evaluation.compliance;
    }
  }

  rulesOf(type: string, id: string): Record<string, ComplianceType> {
    return { ...(this.#resources.get(key(type, id))?.rules ?? {}) };
  }

  /** Evaluated resources whose type is none of `types`, in a stable order. */
  outside(types: ReadonlySet<string>): { type: string; id: string; rules: Record<string, ComplianceType> }[] {
    return [...this.#resources.values()]
      .filter((entry) => !types.has(entry.type))
      .sort((a, b) => (key(a.type, a.id) < key(b.type, b.id) ? -1 : 1));
  }
}

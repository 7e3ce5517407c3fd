/**
 * Evidence gathered while a sync's rules and resources stream by: the non-compliant rules and the
 * non-compliant resources. Only a listing that started from the first region makes it (a resumed
 * one has not seen everything).
 */
import type { EvidenceItem } from '../sdk.js';
import { percent } from '../toolkit/preview.js';
import type { ResourceRecord, RuleRecord } from './records.js';

/** Items named in a piece of evidence at most; the counts cover all of them. */
const LISTED_MAX = 1_000;

export class RuleTally {
  total = 0;
  compliant = 0;
  nonCompliantCount = 0;
  readonly regions = new Set<string>();
  readonly nonCompliant: { region: string; name: string; non_compliant_resources: number | null }[] = [];

  add(rules: RuleRecord[]): void {
    for (const rule of rules) {
      this.total += 1;
      this.regions.add(rule.region);
      if (rule.compliance === 'COMPLIANT') this.compliant += 1;
      if (rule.compliance !== 'NON_COMPLIANT') continue;
      this.nonCompliantCount += 1;
      if (this.nonCompliant.length < LISTED_MAX) {
        this.nonCompliant.push({
          region: rule.region,
          name: rule.name,
          non_compliant_resources: rule.non_compliant_resources?.count ?? null,
        });
      }
    }
  }

  evidence(): EvidenceItem {
    return {
      kind: 'non_compliant_rules',
      summary: `${this.nonCompliantCount} of ${this.total} AWS Config rules are non-compliant (${this.regions.size} regions)`,
      data: {
        rules_total: this.total,
        compliant: this.compliant,
        non_compliant: this.nonCompliantCount,
        non_compliant_rules: this.nonCompliant,
      },
    };
  }
}

export class ResourceTally {
  total = 0;
  compliant = 0;
  notApplicable = 0;
  nonCompliantCount = 0;
  readonly nonCompliant: { region: string; resource_type: string; resource_id: string; rules: string[] }[] =
    [];

  add(resources: ResourceRecord[]): void {
    for (const resource of resources) {
      this.total += 1;
      if (resource.compliance === 'COMPLIANT') this.compliant += 1;
      else if (resource.compliance === 'NOT_APPLICABLE') this.notApplicable += 1;
      else {
        this.nonCompliantCount += 1;
        if (this.nonCompliant.length < LISTED_MAX) {
          this.nonCompliant.push({
            region: resource.region,
            resource_type: resource.resource_type,
            resource_id: resource.resource_id,
            rules: resource.non_compliant_rules,
          });
        }
      }
    }
  }

  evidence(): EvidenceItem {
    const rate = percent(this.compliant, this.total);
    return {
      kind: 'non_compliant_resources',
      summary:
        `${this.nonCompliantCount} of ${this.total} tracked resources are non-compliant` +
        (rate === null ? '' : ` (${rate}% compliant)`),
      data: {
        total_tracked: this.total,
        compliant: this.compliant,
        non_compliant: this.nonCompliantCount,
        not_applicable: this.notApplicable,
        compliance_rate: rate,
        non_compliant_resources: this.nonCompliant,
      },
    };
  }
}

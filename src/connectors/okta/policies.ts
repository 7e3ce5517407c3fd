/**
 * The password, MFA enrollment and sign-on policies, each with its rules (List Policies by `type`,
 * List Policy Rules): session lifetimes live in the sign-on rules. One batch per policy type; the
 * cursor names the last type stored.
 */
import type { EvidenceItem, SyncBatch, SyncContext } from '../sdk.js';
import { oktaAll, PATHS } from './client.js';
import { COMPLETE } from './cursor.js';
import { type OktaPolicy, type OktaRule, withoutLinks } from './okta-types.js';
import { passwordPolicySummary, passwordRules } from './posture.js';

const ENTITY = 'policies';
export const POLICY_TYPES = ['PASSWORD', 'MFA_ENROLL', 'OKTA_SIGN_ON'] as const;

/** The types this run still lists: after the cursor's, or all of them. */
function remainingTypes(ctx: SyncContext<unknown>): readonly string[] {
  const cursor = ctx.cursors[ENTITY];
  if (cursor === COMPLETE) return ctx.fullSync ? [] : POLICY_TYPES;
  const types: readonly string[] = POLICY_TYPES;
  return types.slice(types.indexOf(cursor ?? '') + 1);
}

function passwordEvidence(policies: Record<string, unknown>[]): EvidenceItem {
  return {
    kind: 'password_policy',
    summary: passwordPolicySummary(policies) ?? 'No active password policy',
    data: {
      policies: policies.map((policy) => ({
        id: policy.id,
        name: policy.name ?? null,
        status: policy.status ?? null,
        priority: policy.priority ?? null,
        ...passwordRules(policy),
      })),
    },
  };
}

export async function* syncPolicies(ctx: SyncContext<unknown>): AsyncGenerator<SyncBatch> {
  const types = remainingTypes(ctx);
  for (const [index, type] of types.entries()) {
    const policies = await oktaAll<OktaPolicy>(ctx, PATHS.policies(type), `Listing Okta ${type} policies`);
    const records: Record<string, unknown>[] = [];
    for (const policy of policies) {
      const rules = await oktaAll<OktaRule>(
        ctx,
        PATHS.rules(policy.id),
        `Listing the rules of Okta policy ${policy.id}`,
      );
      records.push({ ...withoutLinks(policy), rules: rules.map(withoutLinks) });
    }
    ctx.runLog.log('info', `Synced ${records.length} ${type} policies`, {
      details: { type, synced: records.length },
      source: 'okta_connector.sync_policies',
    });
    yield {
      entity: ENTITY,
      records: records.map((data) => ({ id: String(data.id), data })),
      cursor: index === types.length - 1 ? COMPLETE : type,
      evidence: type === 'PASSWORD' ? [passwordEvidence(records)] : [],
    };
  }
}

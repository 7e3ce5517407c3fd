/**
 * The Okta preview (spec §7, GET /integration-connections/:id/preview, "Okta example"), from the
 * records of the last successful sync: never a call to Okta.
 */
import type { StoredRecords } from '../sdk.js';
import { countsSchema, previewSchemaOf } from '../toolkit/preview.js';
import { ACTIVE_STATUSES, DEPROVISIONED, isMfaEnrolled } from './okta-types.js';
import { mfaPolicySummary, passwordPolicySummary, sessionLifetimeMins } from './posture.js';

/** A share in percent with one decimal (143 of 156 → 91.7). */
const percent = (part: number, whole: number) => (whole === 0 ? 0 : Math.round((part / whole) * 1000) / 10);

export async function oktaPreview(records: StoredRecords): Promise<Record<string, unknown>> {
  const users = { total: 0, active: 0, deprovisioned: 0, mfa_enrolled: 0 };
  for await (const user of records.each('users')) {
    users.total += 1;
    if (typeof user.status === 'string' && ACTIVE_STATUSES.has(user.status)) users.active += 1;
    if (user.status === DEPROVISIONED) users.deprovisioned += 1;
    if (isMfaEnrolled(user.factors)) users.mfa_enrolled += 1;
  }
  const applications = { total: 0, active: 0, inactive: 0 };
  for await (const app of records.each('applications')) {
    applications.total += 1;
    if (app.status === 'ACTIVE') applications.active += 1;
    if (app.status === 'INACTIVE') applications.inactive += 1;
  }
  let groups = 0;
  for await (const _ of records.each('groups')) groups += 1;
  const policies: Record<string, unknown>[] = [];
  for await (const policy of records.each('policies')) policies.push(policy);
  return {
    users: { ...users, mfa_enrolled_pct: percent(users.mfa_enrolled, users.total) },
    applications,
    groups: { total: groups },
    security_policies: {
      password_policy: passwordPolicySummary(policies),
      mfa_policy: mfaPolicySummary(policies),
      session_lifetime_mins: sessionLifetimeMins(policies),
    },
  };
}

const summary = {
  type: ['string', 'null'],
  description: 'null when Okta has no such policy active',
} as const;

export const oktaPreviewSchema = previewSchemaOf({
  users: countsSchema(['total', 'active', 'deprovisioned', 'mfa_enrolled'], {
    mfa_enrolled_pct: { type: 'number', minimum: 0, maximum: 100, description: 'Percent with one decimal' },
  }),
  applications: countsSchema(['total', 'active', 'inactive']),
  groups: countsSchema(['total']),
  security_policies: {
    type: 'object',
    required: ['password_policy', 'mfa_policy', 'session_lifetime_mins'],
    additionalProperties: false,
    properties: {
      password_policy: summary,
      mfa_policy: summary,
      session_lifetime_mins: { type: ['integer', 'null'], minimum: 0 },
    },
  },
});

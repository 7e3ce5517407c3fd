import type { StoredRecords } from '../sdk.js';
import { countRecords, countsSchema, percent, percentSchema, previewSchemaOf } from '../toolkit/preview.js';

/** The demo's preview, in the style of the spec's (§7): its people, groups and repositories. */
export async function demoPreview(records: StoredRecords): Promise<Record<string, unknown>> {
  const users = await countRecords(records, 'users', {
    active: (u) => u.status === 'active',
    suspended: (u) => u.status === 'suspended',
    deprovisioned: (u) => u.status === 'deprovisioned',
    admins: (u) => u.is_admin === true,
    mfa_enabled: (u) => u.mfa_enabled === true,
  });
  const groups = await countRecords(records, 'groups', {});
  const repositories = await countRecords(records, 'repositories', {
    public: (r) => r.visibility === 'public',
    internal: (r) => r.visibility === 'internal',
    private: (r) => r.visibility === 'private',
    archived: (r) => r.archived === true,
    with_branch_protection: (r) => r.branch_protection === true,
  });
  return {
    users: { ...users, mfa_enabled_pct: percent(users.mfa_enabled, users.total) },
    groups: { total: groups.total },
    repositories,
  };
}

export const demoPreviewSchema = previewSchemaOf({
  users: countsSchema(['total', 'active', 'suspended', 'deprovisioned', 'admins', 'mfa_enabled'], {
    mfa_enabled_pct: percentSchema,
  }),
  groups: countsSchema(['total']),
  repositories: countsSchema([
    'total',
    'public',
    'internal',
    'private',
    'archived',
    'with_branch_protection',
  ]),
});

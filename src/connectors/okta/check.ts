/**
 * Test and health check (spec §2, POST /integration-connections/:id/test): the org the token
 * belongs to, its user count, and which reads the token is allowed. The engine adds
 * `provider_response_time_ms`.
 */
import { type ConnectorContext, ProviderError, type TestOutcome } from '../sdk.js';
import { oktaPages, PAGE_SIZE, PATHS, withQuery } from './client.js';
import type { OktaConfig } from './definition.js';
import { failedOutcome } from './errors.js';
import type { OktaObject, OktaOrgSetting } from './okta-types.js';

type Ctx = ConnectorContext<OktaConfig>;

/** A read the token needs, and the request that proves it (one object of the listing). */
const READS = [
  { permission: 'users.read', what: 'users', path: withQuery(PATHS.users, { limit: 1 }) },
  { permission: 'apps.read', what: 'applications', path: withQuery(PATHS.apps, { limit: 1 }) },
  { permission: 'groups.read', what: 'groups', path: withQuery(PATHS.groups, { limit: 1 }) },
  { permission: 'policies.read', what: 'policies', path: PATHS.policies('PASSWORD') },
] as const;

function organization(org: OktaOrgSetting) {
  return {
    id: org.id ?? null,
    name: org.companyName ?? null,
    subdomain: org.subdomain ?? null,
  };
}

/** Users Okta lists (all but DEPROVISIONED), counted a page at a time. */
async function countUsers(ctx: Ctx): Promise<number> {
  let count = 0;
  for await (const page of oktaPages<OktaObject>(
    ctx,
    withQuery(PATHS.users, { limit: PAGE_SIZE }),
    'Counting Okta users',
  )) {
    count += page.items.length;
  }
  return count;
}

/** Runs the steps in order; a ProviderError becomes the failed outcome naming what was being read. */
async function checked(
  ctx: Ctx,
  run: (reading: (what: string) => void) => Promise<TestOutcome>,
): Promise<TestOutcome> {
  ctx.signal.throwIfAborted();
  let current = 'the organization';
  try {
    return await run((what) => {
      current = what;
    });
  } catch (error) {
    // Anything else (unreachable, rate limited past the budget, aborted) is the engine's to report.
    if (error instanceof ProviderError) return failedOutcome(error, current);
    throw error;
  }
}

export function oktaTest(ctx: Ctx): Promise<TestOutcome> {
  return checked(ctx, async (reading) => {
    const org = await ctx.json<OktaOrgSetting>(PATHS.org, 'Reading the Okta org');
    reading('users');
    const users = await countUsers(ctx);
    const verified: string[] = ['users.read'];
    for (const read of READS.slice(1)) {
      reading(read.what);
      await ctx.json<unknown>(read.path, `Reading Okta ${read.what}`);
      verified.push(read.permission);
    }
    const name = org.companyName ?? org.subdomain ?? ctx.config.domain;
    return {
      ok: true,
      message: `Successfully authenticated with Okta (${ctx.config.domain}). Organization: ${name}. Users: ${users}.`,
      details: { organization: organization(org), users_total: users, permissions_verified: verified },
    };
  });
}

/** Lighter than `test`: the org and one user, no count. */
export function oktaHealthCheck(ctx: Ctx): Promise<TestOutcome> {
  return checked(ctx, async (reading) => {
    const org = await ctx.json<OktaOrgSetting>(PATHS.org, 'Reading the Okta org');
    reading('users');
    await ctx.json<unknown>(READS[0].path, 'Reading Okta users');
    return {
      ok: true,
      message: 'Health check passed. Okta API responding normally.',
      details: { organization: organization(org), permissions_verified: [READS[0].permission] },
    };
  });
}

/**
 * The connection test and the health check: who the token is (auth.test) and which scopes it was
 * granted (Slack announces them in `x-oauth-scopes` on every answer); the test also reads the
 * workspace (team.info). A token without a scope the sync cannot do without fails the check as a
 * permission error before any listing; one without an optional scope passes with a note.
 */
import type { WebClient } from '@slack/web-api';
import type { ConnectorContext, TestOutcome } from '../sdk.js';
import { slackClient } from './client.js';
import { SLACK_BOT_SCOPES, type SlackConfig } from './definition.js';
import { testFailure } from './errors.js';

type Ctx = ConnectorContext<SlackConfig>;

/** Scopes a sync fails without, with what each one reads. */
const SYNC_SCOPES: Record<string, string> = {
  'team:read': 'the workspace',
  'users:read': 'members',
  'channels:read': 'public channels',
  'groups:read': 'private channels',
};
/** Scopes whose absence a sync survives, with what is missing without each. */
const OPTIONAL_SCOPES: Record<string, string> = {
  'users:read.email': "members' email addresses",
  'chat:write': 'posting messages',
};

interface Identity {
  team_id: string | null;
  team: string | null;
  url: string | null;
  user_id: string | null;
  user: string | null;
  bot_id: string | null;
  /** Granted scopes; null when Slack did not announce them. */
  scopes: string[] | null;
}

async function identity(client: WebClient): Promise<Identity> {
  const found = await client.auth.test();
  return {
    team_id: found.team_id ?? null,
    team: found.team ?? null,
    url: found.url ?? null,
    user_id: found.user_id ?? null,
    user: found.user ?? null,
    bot_id: found.bot_id ?? null,
    scopes: found.response_metadata?.scopes ?? null,
  };
}

interface Access {
  permissionsVerified: string[];
  missing: string[];
}

/** What the granted scopes allow; nothing is known of a token whose scopes Slack did not announce. */
function access(scopes: string[] | null): Access {
  if (scopes === null) return { permissionsVerified: [], missing: [] };
  return {
    permissionsVerified: SLACK_BOT_SCOPES.filter((scope) => scopes.includes(scope)),
    missing: SLACK_BOT_SCOPES.filter((scope) => !scopes.includes(scope)),
  };
}

/** The permission error for scopes a sync cannot do without, if any are missing. */
function lacking(missing: string[]): TestOutcome | undefined {
  const needed = missing.filter((scope) => scope in SYNC_SCOPES);
  if (needed.length === 0) return undefined;
  return {
    ok: false,
    errorType: 'permission_error',
    message:
      `The token lacks the scopes a sync needs: ${needed.map((s) => `${s} (${SYNC_SCOPES[s]})`).join(', ')}. ` +
      'Add them to the Slack app and reinstall it in the workspace.',
    providerMessage: `missing_scope: ${needed.join(',')}`,
  };
}

function optionalNote(missing: string[]): string {
  const optional = missing.filter((scope) => scope in OPTIONAL_SCOPES);
  if (optional.length === 0) return '';
  return ` Missing scopes: ${optional.map((s) => `${s} (${OPTIONAL_SCOPES[s]} unavailable)`).join(', ')}.`;
}

function authenticatedAs(who: Identity) {
  return { user_id: who.user_id, user: who.user, bot_id: who.bot_id };
}

export async function slackTest(ctx: Ctx): Promise<TestOutcome> {
  ctx.signal.throwIfAborted();
  const client = slackClient(ctx);
  let step = 'Checking the token (auth.test)';
  try {
    const who = await identity(client);
    const { permissionsVerified, missing } = access(who.scopes);
    const refused = lacking(missing);
    if (refused) return refused;
    step = 'Reading the workspace (team.info)';
    const { team } = await client.team.info();
    const name = team?.name ?? who.team ?? 'unknown';
    const domain = team?.domain ?? null;
    return {
      ok: true,
      message:
        `Successfully authenticated with Slack as ${who.user ?? who.user_id ?? 'unknown'} in ${name}` +
        `${domain ? ` (${domain}.slack.com)` : ''}.${optionalNote(missing)}`,
      details: {
        team: {
          id: team?.id ?? who.team_id,
          name,
          domain,
          email_domain: team?.email_domain || null,
        },
        authenticated_as: authenticatedAs(who),
        token_scopes: who.scopes,
        permissions_verified: permissionsVerified,
        missing_scopes: missing,
      },
    };
  } catch (error) {
    return testFailure(error, step, ctx.signal);
  }
}

/** Lighter than the test: auth.test alone. */
export async function slackHealthCheck(ctx: Ctx): Promise<TestOutcome> {
  ctx.signal.throwIfAborted();
  try {
    const who = await identity(slackClient(ctx));
    const { permissionsVerified, missing } = access(who.scopes);
    const refused = lacking(missing);
    if (refused) return refused;
    return {
      ok: true,
      message: `Health check passed. Slack API responding normally.${optionalNote(missing)}`,
      details: {
        team: { id: who.team_id, name: who.team, url: who.url },
        authenticated_as: authenticatedAs(who),
        token_scopes: who.scopes,
        permissions_verified: permissionsVerified,
        missing_scopes: missing,
      },
    };
  } catch (error) {
    return testFailure(error, 'Checking the token (auth.test)', ctx.signal);
  }
}

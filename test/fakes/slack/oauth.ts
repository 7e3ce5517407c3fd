/**
 * Slack's OAuth v2 for installing an app (docs.slack.dev, "Installing with OAuth"):
 * `GET /oauth/v2/authorize?client_id&scope&redirect_uri&state` sends the browser back to the
 * redirect URI with `code` and `state` (or `error`); `scope` is a comma-separated list of bot
 * scopes. `oauth.v2.access` exchanges the code, with the app's client id and secret as HTTP Basic or
 * as arguments, for a bot token: `{ok, access_token, token_type: "bot", scope, bot_user_id, app_id,
 * team, enterprise, authed_user}`; failures are `ok: false` (invalid_code, bad_client_secret,
 * bad_redirect_uri…), HTTP 200 like every other method.
 */
import { randomBytes } from 'node:crypto';
import { type Answer, fail, ok, type SlackRequest } from './http.js';
import type { FakeToken } from './methods.js';
import type { WorkspaceData } from './workspace.js';

export interface OAuthApp {
  clientId: string;
  clientSecret: string;
  /** What the installing user answers at the consent page. */
  decision: 'allow' | 'deny';
}

interface Grant {
  clientId: string;
  redirectUri: string | null;
  scopes: string[];
}

/** Scopes as Slack names them (`users:read.email`, `incoming-webhook`): no spaces, no other separators. */
const SCOPE = /^[a-z][a-z.:_-]*$/;

export class FakeSlackOAuth {
  readonly #grants = new Map<string, Grant>();

  constructor(
    readonly app: OAuthApp,
    private readonly data: WorkspaceData,
    private readonly tokens: FakeToken[],
  ) {}

  /** The authorize page: a redirect back with a code, or an error page for an unknown app. */
  authorize(url: URL): { status: number; location?: string; text?: string } {
    const q = url.searchParams;
    if (q.get('client_id') !== this.app.clientId) return { status: 400, text: 'invalid_client_id' };
    const redirect = q.get('redirect_uri');
    if (redirect === null || !URL.canParse(redirect)) return { status: 400, text: 'bad_redirect_uri' };
    const back = new URL(redirect);
    const state = q.get('state');
    if (state !== null) back.searchParams.set('state', state);
    const scopes = (q.get('scope') ?? '').split(',').filter((s) => s !== '');
    if (scopes.length === 0 || !scopes.every((s) => SCOPE.test(s))) {
      back.searchParams.set('error', 'invalid_scope');
    } else if (this.app.decision === 'deny') {
      back.searchParams.set('error', 'access_denied');
    } else {
      const code = `${Date.now()}.${randomBytes(12).toString('hex')}`;
      this.#grants.set(code, { clientId: this.app.clientId, redirectUri: redirect, scopes });
      back.searchParams.set('code', code);
    }
    return { status: 302, location: back.href };
  }

  /** oauth.v2.access: the code for a bot token. */
  access(request: SlackRequest): Answer {
    const param = (name: string) =>
      typeof request.params[name] === 'string' ? request.params[name] : undefined;
    const clientId = request.basic?.user ?? param('client_id');
    const clientSecret = request.basic?.password ?? param('client_secret');
    if (clientId !== this.app.clientId) return fail('invalid_client_id');
    if (clientSecret !== this.app.clientSecret) return fail('bad_client_secret');
    const code = param('code') ?? '';
    const grant = this.#grants.get(code);
    if (!grant) return fail('invalid_code');
    this.#grants.delete(code);
    if (grant.redirectUri !== null && param('redirect_uri') !== grant.redirectUri)
      return fail('bad_redirect_uri');
    const token: FakeToken = {
      token: `xoxb-${randomBytes(16).toString('hex')}`,
      scopes: grant.scopes,
      userId: this.data.bot.userId,
    };
    this.tokens.push(token);
    return ok({
      access_token: token.token,
      token_type: 'bot',
      scope: grant.scopes.join(','),
      bot_user_id: this.data.bot.userId,
      app_id: this.data.bot.appId,
      team: { id: this.data.team.id, name: this.data.team.name },
      enterprise: null,
      is_enterprise_install: false,
      authed_user: { id: 'U0INSTALLR' },
    });
  }
}

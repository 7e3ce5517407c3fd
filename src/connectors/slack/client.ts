/**
 * The Slack WebClient an operation talks through, built per operation on the engine's `ctx.fetch`
 * (the SDK's `fetch` option): the engine resolves the URL against the connection's base URL, guards
 * the host, authenticates, and waits out a 429's `Retry-After` within the wait budget (a longer one
 * ends the attempt as a transient failure, retried when Slack said), so the SDK never sees a rate
 * limit. Attempts are the engine's too: the SDK retries nothing.
 * The credential is the engine's too: the OAuth token, or the config's bot token (definition.ts).
 */
import { type FetchFunction, LogLevel, type Logger as SlackLogger, WebClient } from '@slack/web-api';
import type { Logger } from '../../platform/logging/logger.js';
import type { ConnectorContext, ProviderRequest } from '../sdk.js';
import { apiBaseUrl } from '../toolkit/context.js';
import { type SlackConfig, slackDefinition } from './definition.js';

const METHODS: readonly string[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];

function isMethod(method: string): method is NonNullable<ProviderRequest['method']> {
  return METHODS.includes(method);
}

/** The SDK's fetch, as `ctx.fetch`: every request through the engine's guard, credential and pacing. */
function engineFetch(ctx: ConnectorContext<unknown>): FetchFunction {
  return async (url, init = {}) => {
    const method = (init.method ?? 'GET').toUpperCase();
    if (!isMethod(method)) throw new TypeError(`unsupported HTTP method ${method}`);
    // Multipart bodies are file uploads, which this connector never makes.
    if (init.body !== undefined && typeof init.body !== 'string') {
      throw new TypeError('Slack requests through the engine send form or JSON bodies');
    }
    const answer = await ctx.fetch(String(url), {
      method,
      ...(init.headers ? { headers: init.headers } : {}),
      ...(init.body === undefined ? {} : { body: init.body }),
      ...(init.signal ? { signal: init.signal } : {}),
    });
    // Slack answers every call with a JSON body, errors included.
    return new Response(await answer.bytes(), { status: answer.status, headers: answer.headers.all() });
  };
}

/**
 * The SDK's log lines worth keeping (its debug lines repeat each request) into the operation's
 * logger. The WebClient still builds its debug line of every answer (a redacted copy, stringified)
 * before calling `debug`, whatever the level: no option of @slack/web-api 8.2 skips it.
 */
function sdkLogger(logger: Logger): SlackLogger {
  const line = (msg: unknown[]) => msg.map(String).join(' ');
  return {
    debug: () => {},
    info: () => {},
    warn: (...msg: unknown[]) => logger.warn({ source: 'slack-web-api' }, line(msg)),
    error: (...msg: unknown[]) => logger.error({ source: 'slack-web-api' }, line(msg)),
    setLevel: () => {},
    getLevel: () => LogLevel.WARN,
    setName: () => {},
  };
}

/**
 * A WebClient with the connector's options on `fetch` (bench/connectors builds its SDK floor from
 * it); `token` only where the engine does not set the credential itself.
 */
export function configuredWebClient(
  slackApiUrl: string,
  fetch: FetchFunction,
  logger: Logger,
  token?: string,
): WebClient {
  return new WebClient(token, { slackApiUrl, fetch, logger: sdkLogger(logger), retryConfig: { retries: 0 } });
}

export function slackClient(ctx: ConnectorContext<SlackConfig>): WebClient {
  return configuredWebClient(apiBaseUrl(slackDefinition, ctx.config).href, engineFetch(ctx), ctx.logger);
}

/**
 * The Octokit a GitHub operation talks through, built per operation on the engine's fetch: the
 * engine authenticates (`Authorization: token …` from the definition's scheme), guards the host and
 * paces announced budgets; Octokit's plugins follow `Link` pages, retry server errors and read
 * GitHub's rate-limit answers. A rate-limit wait is taken only when it fits the engine's budget
 * (`ctx.mayWait`), else the attempt goes back to the engine; every wait here is abortable, so a
 * cancelled run stops at once.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { Octokit } from '@octokit/core';
import type { OctokitPlugin } from '@octokit/core/types';
import { paginateRest } from '@octokit/plugin-paginate-rest';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { RequestError } from '@octokit/request-error';
import Bottleneck from 'bottleneck';
import type { Logger } from '../../platform/logging/logger.js';
import type { ConnectorContext } from '../sdk.js';
import { apiBaseUrl } from '../toolkit/context.js';
import { GITHUB_MEDIA_TYPE, type GitHubConfig, githubDefinition } from './definition.js';

/** Sleeps `ms`, rejecting with the signal's reason when it aborts first. */
export type Wait = (ms: number, signal: AbortSignal) => Promise<void>;

export const realWait: Wait = async (ms, signal) => {
  await delay(ms, undefined, { signal });
};

export const USER_AGENT = 'Switchboard-GitHub-Connector/1.0';

/** Retries of a request GitHub answered with a server error (its backoff: 1 s, 4 s). */
export const SERVER_ERROR_RETRIES = 2;
/** Retries of one request refused by a rate limit before the attempt is handed back to the engine. */
export const RATE_LIMIT_RETRIES = 3;

/**
 * An engine failure (cancellation, a refused host, a rate limit over the wait budget, an unreachable
 * provider) on its way through Octokit. Named `AbortError` because @octokit/request rethrows those
 * as they are, where it turns any other fetch failure into an HTTP 500 that the retry plugin retries.
 */
export class EngineFailure extends Error {
  override readonly name = 'AbortError';
  constructor(readonly failure: unknown) {
    super(failure instanceof Error ? failure.message : String(failure), { cause: failure });
  }
}

/**
 * The innermost plugin: it sees every attempt, so it takes the retry plugin's backoff itself (the
 * plugin's own timer is set to zero), through `wait` and the operation's signal.
 */
function serverErrorBackoff(wait: Wait, signal: AbortSignal): OctokitPlugin {
  return (octokit) => {
    const failures = new WeakMap<object, number>();
    octokit.hook.wrap('request', async (request, options) => {
      try {
        const response = await request(options);
        failures.delete(options);
        return response;
      } catch (error) {
        if (error instanceof RequestError && error.status >= 500 && error.response) {
          const failed = (failures.get(options) ?? 0) + 1;
          failures.set(options, failed);
          if (failed <= SERVER_ERROR_RETRIES) await wait(failed * failed * 1000, signal);
        } else {
          failures.delete(options);
        }
        throw error;
      }
    });
  };
}

function clientClass(backoff: OctokitPlugin) {
  // Order matters: the first plugin's hook is the innermost.
  return Octokit.plugin(backoff).plugin(paginateRest, retry, throttling);
}

export type GitHubClient = InstanceType<ReturnType<typeof clientClass>>;

/** The API base Octokit prefixes to routes: the engine's, without its trailing slash. */
export function githubApiBase(config: GitHubConfig): string {
  return apiBaseUrl(githubDefinition, config).href.replace(/\/+$/, '');
}

/**
 * The throttling plugin's own concurrency, lifted: its process-wide group holds ten requests in
 * flight per id, which the connector's concurrent requests queued behind (bench/connectors: GitHub
 * 2.6 x the bare loop); the engine already keeps requests inside GitHub's announced budget. One id
 * per operation, so one connection's requests never queue behind another's.
 */
function unthrottledConcurrency() {
  const id = randomUUID();
  return { id, global: new Bottleneck.Group({ id: `octokit-global-${id}`, maxConcurrent: null }) };
}

/** What an Octokit is built from: the connector's transport and budget, or a benchmark's. */
export interface OctokitSettings {
  baseUrl: string;
  fetch: typeof globalThis.fetch;
  signal: AbortSignal;
  logger: Logger;
  /** Whether a rate-limit wait of `ms` fits the operation's budget. */
  mayWait: (ms: number) => boolean;
  wait: Wait;
  /** A token Octokit sends itself; the connector's is set by the engine instead. */
  auth?: string;
}

/** Octokit with the connector's plugins and options (bench/connectors builds its SDK floor from it). */
export function configuredOctokit(settings: OctokitSettings): GitHubClient {
  const { signal, logger, mayWait, wait } = settings;
  const Client = clientClass(serverErrorBackoff(wait, signal));
  const octokit = new Client({
    baseUrl: settings.baseUrl,
    userAgent: USER_AGENT,
    ...(settings.auth === undefined ? {} : { auth: settings.auth }),
    request: { fetch: settings.fetch, signal },
    log: {
      debug: (message: string) => logger.debug(message),
      info: (message: string) => logger.info(message),
      warn: (message: string) => logger.warn(message),
      error: (message: string) => logger.error(message),
    },
    // 429s are the throttling plugin's (the default leaves them to this one, which would retry them
    // at once whatever the wait budget says).
    retry: {
      retries: SERVER_ERROR_RETRIES,
      retryAfterBaseValue: 0,
      doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451],
    },
    throttle: {
      ...unthrottledConcurrency(),
      retryAfterBaseValue: 0,
      // The primary limit: the engine saw `x-ratelimit-remaining: 0` and waits for the reset before
      // the retried request goes out; here only whether that wait fits the budget.
      onRateLimit: (retryAfter: number, _options: unknown, _octokit: unknown, retryCount: number) =>
        retryCount < RATE_LIMIT_RETRIES && mayWait(retryAfter * 1000),
      // A secondary limit's `retry-after` is GitHub's alone: waited here.
      onSecondaryRateLimit: async (
        retryAfter: number,
        _options: unknown,
        _octokit: unknown,
        retryCount: number,
      ) => {
        const ms = retryAfter * 1000;
        if (retryCount >= RATE_LIMIT_RETRIES || !mayWait(ms)) return false;
        logger.info({ retry_after_s: retryAfter }, 'GitHub secondary rate limit: waiting');
        await wait(ms, signal);
        return true;
      },
    },
  });
  // GitHub's documented media type, rather than Octokit's default v3 one.
  octokit.hook.before('request', (options) => {
    options.headers.accept = GITHUB_MEDIA_TYPE;
  });
  return octokit;
}

export function githubClient(ctx: ConnectorContext<GitHubConfig>, wait: Wait = realWait): GitHubClient {
  const fetch: typeof globalThis.fetch = async (input, init) => {
    try {
      return await ctx.webFetch(input, init);
    } catch (error) {
      throw new EngineFailure(error);
    }
  };
  return configuredOctokit({
    baseUrl: githubApiBase(ctx.config),
    fetch,
    signal: ctx.signal,
    logger: ctx.logger,
    mayWait: ctx.mayWait,
    wait,
  });
}

import { setMaxListeners } from 'node:events';
import type { Logger } from '../../platform/logging/logger.js';
import {
  type CredentialScheme,
  configCredential,
  credentialSchemeOf,
} from '../../platform/outbound/credential-scheme.js';
import type { Outbound } from '../../platform/outbound/outbound.js';
import {
  type ProviderAuth,
  type ProviderFetch,
  type ProviderFetchOptions,
  parseBaseUrl,
  providerFetch,
  providerWebFetch,
} from '../../platform/outbound/provider-fetch.js';
import { type ConnectorContext, type ConnectorDefinition, providerErrorFrom } from '../sdk.js';
import { paginate } from './pagination.js';

type Config = Record<string, unknown>;

/** Requests of one operation in flight at once before Node warns of a listener leak on its signal. */
const CONCURRENT_REQUESTS = 64;

/**
 * The provider API's base URL for a connection: its config's `base_url` where it has one, else the
 * definition's. A connector without an API definition calls what its config's `base_url` says.
 */
export function apiBaseUrl(definition: ConnectorDefinition, config: Config): URL {
  const override = config.base_url;
  if (typeof override === 'string' && override !== '') return parseBaseUrl(override);
  const base = definition.api?.baseUrl;
  return parseBaseUrl(typeof base === 'function' ? base(config) : base);
}

/**
 * The connection's OAuth token where it has one, else the credential its config carries (Slack: a
 * bot token pasted instead of installing the app by OAuth). Which one a request carried decides
 * whether a 401 is worth an OAuth refresh.
 */
function oauthOrConfig(oauth: ProviderAuth, scheme: CredentialScheme, config: Config): ProviderAuth {
  if (scheme.kind === 'oauth2' || scheme.kind === 'none') return oauth;
  let fallback: ProviderAuth | undefined;
  let usedFallback = false;
  return {
    async authorize(headers) {
      await oauth.authorize(headers);
      usedFallback = !headers.has('authorization');
      if (!usedFallback) return;
      fallback ??= configCredential(scheme, config);
      await fallback?.authorize(headers);
    },
    refreshAfterUnauthorized: async () => !usedFallback && oauth.refreshAfterUnauthorized(),
  };
}

export interface ContextOptions {
  logger: Logger;
  signal: AbortSignal;
  outbound: Outbound;
  /**
   * The connection's OAuth credential (OAuth2 connectors): its token wins over the scheme's, which
   * applies while the connection has none.
   */
  oauth?: ProviderAuth;
  /** Told the size of each response body the connector reads (bytes_transferred). */
  onBytes?: (bytes: number) => void;
}

/**
 * The one place a connector's context is built, for test, health check, sync, actions and search
 * alike: the provider's base URL, credential, SSRF guard and rate-limit pacing come from the
 * definition and the process's outbound settings, never from the connector's requests.
 */
export function connectorContext<C extends Config>(
  definition: ConnectorDefinition,
  config: C,
  options: ContextOptions,
): ConnectorContext<C> {
  const scheme = credentialSchemeOf(definition.api?.credential, config);
  // Each request in flight listens on the operation's signal, and connectors run several at once.
  setMaxListeners(CONCURRENT_REQUESTS, options.signal);
  // Built at the first request: a connector that calls nothing (the demo) needs no base URL.
  let fetchOptions: ProviderFetchOptions | undefined;
  const settings = (): ProviderFetchOptions => {
    fetchOptions ??= {
      baseUrl: apiBaseUrl(definition, config),
      signal: options.signal,
      auth: options.oauth ? oauthOrConfig(options.oauth, scheme, config) : configCredential(scheme, config),
      ...(definition.api?.headers ? { headers: definition.api.headers } : {}),
      ...(definition.api?.rateLimitFamily ? { rateLimitFamily: definition.api.rateLimitFamily } : {}),
      ...(definition.api?.hosts ? { otherHosts: definition.api.hosts } : {}),
      dispatcher: options.outbound.dispatcher,
      pacing: options.outbound.pacing,
      ...(options.onBytes ? { onBytes: options.onBytes } : {}),
    };
    return fetchOptions;
  };
  let call: ProviderFetch | undefined;
  const fetch: ProviderFetch = async (path, init) => {
    call ??= providerFetch(settings());
    return call(path, init);
  };
  let web: typeof globalThis.fetch | undefined;
  const failed = definition.api?.readError ?? providerErrorFrom;
  return {
    config,
    logger: options.logger,
    signal: options.signal,
    fetch,
    async json<T>(path: string, what: string, init?: Parameters<ProviderFetch>[1]) {
      const response = await fetch(path, init);
      if (!response.ok) throw await failed(response, what);
      return response.json<T>();
    },
    paginate: (start, pagination, what) =>
      paginate(fetch, start, pagination, (response) => failed(response, what)),
    webFetch: async (input, init) => {
      web ??= providerWebFetch(settings());
      return web(input, init);
    },
    mayWait: (ms) => ms <= options.outbound.pacing.maxWaitMs,
  };
}

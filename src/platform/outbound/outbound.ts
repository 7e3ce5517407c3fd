import type { Dispatcher } from 'undici';
import { type Pacing, realPacing } from './rate-limit.js';
import { checkTarget, guardedDispatcher } from './ssrf-guard.js';

/** Settings of every request to a provider (config: SWITCHBOARD_ALLOW_PRIVATE_NETWORKS, …_PROVIDER_MAX_WAIT_MS). */
export interface OutboundSettings {
  allowPrivateNetworks: boolean;
  maxWaitMs: number;
}

/** What calls providers, built once per process: the SSRF-guarded agent and the rate-limit pacing. */
export interface Outbound {
  dispatcher: Dispatcher;
  pacing: Pacing;
  /** Throws ForbiddenTargetError when `url`'s host resolves to an address the guard refuses. */
  checkTarget(url: URL): Promise<void>;
}

export function createOutbound(settings: OutboundSettings): Outbound {
  const options = { allowPrivateNetworks: settings.allowPrivateNetworks };
  return {
    dispatcher: guardedDispatcher(options),
    pacing: realPacing(settings.maxWaitMs),
    checkTarget: (url) => checkTarget(url, options),
  };
}

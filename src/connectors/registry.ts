import { awsConfigConnector } from './aws-config/index.js';
import { customHttpConnector } from './custom-http/index.js';
import { demoConnector } from './demo/index.js';
import { githubConnector } from './github/index.js';
import { oktaConnector } from './okta/index.js';
import type { Connector } from './sdk.js';
import { slackConnector } from './slack/index.js';

const bySlug = new Map<string, Connector>();

/** Adds a connector to this build; a second one with the same slug is a mistake in the build. */
export function register(connector: Connector): void {
  const { slug } = connector.definition;
  if (bySlug.has(slug)) throw new Error(`two connectors are registered as "${slug}"`);
  bySlug.set(slug, connector);
}

register(demoConnector);
register(oktaConnector);
register(githubConnector);
register(awsConfigConnector);
register(customHttpConnector);
register(slackConnector);

/** Every connector in this build. The catalog is upserted from these definitions at start. */
export const connectors: readonly Connector[] = [...bySlug.values()];

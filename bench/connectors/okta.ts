// Okta in the benchmark: the connection, and the bare loop making its sync's requests (users.ts,
// directory.ts, policies.ts): the users a page at a time, each page's users' factors eight at a
// time, then groups, applications, and the policies of each type with their rules.
import pMap from 'p-map';
import { PAGE_SIZE, PATHS, withQuery } from '../../src/connectors/okta/client.js';
import { APPLICATIONS, GROUPS } from '../../src/connectors/okta/directory.js';
import { oktaConnector } from '../../src/connectors/okta/index.js';
import { POLICY_TYPES } from '../../src/connectors/okta/policies.js';
import { get, type Provider, pages } from './bare.js';

export const OKTA_TOKEN = 'okta-token';
// users.ts: FACTOR_REQUESTS_AT_ONCE.
const FACTOR_REQUESTS_AT_ONCE = 8;
const HEADERS = { authorization: `SSWS ${OKTA_TOKEN}`, accept: 'application/json' };

async function oktaBareLoop(url: string): Promise<number> {
  let records = 0;
  const count = (items: unknown[]) => {
    records += items.length;
  };
  await pages<{ id: string; status: string }>(
    `${url}${withQuery(PATHS.users, { limit: PAGE_SIZE })}`,
    HEADERS,
    async (users) => {
      // The plain listing has no DEPROVISIONED users; the connector asks none of them for factors.
      const asked = users.filter((user) => user.status !== 'DEPROVISIONED');
      await pMap(asked, (user) => get(`${url}${PATHS.factors(user.id)}`, HEADERS), {
        concurrency: FACTOR_REQUESTS_AT_ONCE,
      });
      count(asked);
    },
  );
  for (const listing of [GROUPS, APPLICATIONS]) await pages(`${url}${listing.start}`, HEADERS, count);
  for (const type of POLICY_TYPES) {
    const policies: { id: string }[] = [];
    await pages<{ id: string }>(`${url}${PATHS.policies(type)}`, HEADERS, (page) => {
      policies.push(...page);
    });
    for (const policy of policies) await pages(`${url}${PATHS.rules(policy.id)}`, HEADERS, () => {});
    count(policies);
  }
  return records;
}

export const okta: Provider = {
  connector: oktaConnector,
  config: (url) => ({ domain: 'acme.okta.com', api_token: OKTA_TOKEN, base_url: url }),
  bareLoop: oktaBareLoop,
};

// GitHub in the benchmark: the connection, and its sync's requests (repositories.ts, people.ts,
// organization.ts), made by the bare loop or through Octokit: the repositories a page at a time, eight of a
// page's at once, each with its branch protection, Dependabot state (then its open alerts) and code
// scanning alerts in parallel; then the members (admins, without 2FA, all), the outside
// collaborators (without 2FA, all) and the organization.

import { RequestError } from '@octokit/request-error';
import pMap from 'p-map';
import { configuredOctokit, realWait, USER_AGENT } from '../../src/connectors/github/client.js';
import { GITHUB_API_VERSION, GITHUB_MEDIA_TYPE } from '../../src/connectors/github/definition.js';
import { githubConnector } from '../../src/connectors/github/index.js';
import { createLogger } from '../../src/platform/logging/logger.js';
import { ownerToken } from '../../test/fakes/github/model.js';
import { get, type Provider, pages } from './bare.js';

export const GITHUB_TOKEN = ownerToken().token;
export const GITHUB_ORG = 'acme-corp';
// repositories.ts: DETAIL_CONCURRENCY.
const REPOSITORIES_AT_ONCE = 8;
const HEADERS = {
  authorization: `token ${GITHUB_TOKEN}`,
  'user-agent': USER_AGENT,
  accept: GITHUB_MEDIA_TYPE,
  'x-github-api-version': GITHUB_API_VERSION,
};

interface Repository {
  name: string;
  owner: { login: string };
  default_branch?: string;
}

/**
 * How the sync's requests are made: by undici (the bare loop), or through Octokit as the connector
 * configures it (the SDK's floor).
 */
interface Requests {
  /** GET `url`: its status (a refusal is an answer, not a failure). */
  status(url: string): Promise<number>;
  /** A listing from `first`, page after page, `each` awaited on every page's items; a refusal ends it. */
  pages<T>(first: string, each: (items: T[]) => Promise<void> | void): Promise<void>;
}

const bare: Requests = {
  status: async (url) => (await get(url, HEADERS)).status,
  pages: (first, each) => pages(first, HEADERS, each),
};

/** Octokit's refusals (403, 404) are answers; anything else is thrown. */
function refusalStatus(error: unknown): number {
  if (error instanceof RequestError && (error.status === 403 || error.status === 404)) return error.status;
  throw error;
}

/**
 * The operation's signal is the engine's: undici's fetch keeps a listener on it for every request
 * until that request is collected, so one signal under thousands of requests would count against
 * the SDK (and warn of a leak). The floor's requests go without it.
 */
const unsignalled: typeof globalThis.fetch = (input, init) =>
  globalThis.fetch(input, { ...init, signal: null });

/** Octokit with the connector's plugins and options, on its default fetch, sending the token itself. */
function octokit(url: string): Requests {
  const client = configuredOctokit({
    baseUrl: url,
    fetch: unsignalled,
    signal: new AbortController().signal,
    logger: createLogger('silent'),
    mayWait: () => true,
    wait: realWait,
    auth: GITHUB_TOKEN,
  });
  return {
    async status(url) {
      try {
        return (await client.request({ method: 'GET', url })).status;
      } catch (error) {
        return refusalStatus(error);
      }
    },
    async pages<T>(first: string, each: (items: T[]) => Promise<void> | void) {
      try {
        for await (const { data } of client.paginate.iterator({ method: 'GET', url: first })) {
          await each(data as T[]);
        }
      } catch (error) {
        refusalStatus(error);
      }
    },
  };
}

const ignore = () => {};

async function details(requests: Requests, url: string, repository: Repository): Promise<void> {
  const repo = `${url}/repos/${repository.owner.login}/${repository.name}`;
  const branch = repository.default_branch;
  await Promise.all([
    branch === undefined
      ? undefined
      : requests.status(`${repo}/branches/${encodeURIComponent(branch)}/protection`),
    requests
      .status(`${repo}/vulnerability-alerts`)
      .then((status) =>
        status === 204
          ? requests.pages(`${repo}/dependabot/alerts?state=open&per_page=100`, ignore)
          : undefined,
      ),
    requests.pages(`${repo}/code-scanning/alerts?state=open&per_page=100`, ignore),
  ]);
}

/** The sync's requests to the fake at `url`, made by `requests`; the records a sync stores from them. */
async function githubLoop(requests: Requests, url: string): Promise<number> {
  const org = `${url}/orgs/${GITHUB_ORG}`;
  let records = 0;
  const count = (items: unknown[]) => {
    records += items.length;
  };
  await requests.pages<Repository>(
    `${org}/repos?type=all&sort=created&direction=asc&per_page=100&page=1`,
    async (repositories) => {
      await pMap(repositories, (repository) => details(requests, url, repository), {
        concurrency: REPOSITORIES_AT_ONCE,
      });
      count(repositories);
    },
  );
  await requests.pages(`${org}/members?role=admin&per_page=100`, ignore);
  await requests.pages(`${org}/members?filter=2fa_disabled&per_page=100`, ignore);
  await requests.pages(`${org}/members?role=all&per_page=100&page=1`, count);
  await requests.pages(`${org}/outside_collaborators?filter=2fa_disabled&per_page=100`, ignore);
  await requests.pages(`${org}/outside_collaborators?per_page=100&page=1`, count);
  await requests.status(org);
  return records + 1;
}

export const github: Provider = {
  connector: githubConnector,
  config: (url) => ({ token: GITHUB_TOKEN, organization: GITHUB_ORG, base_url: url }),
  bareLoop: (url) => githubLoop(bare, url),
  sdk: {
    name: 'Octokit with its paginate, retry and throttling plugins',
    loop: (url) => githubLoop(octokit(url), url),
  },
};

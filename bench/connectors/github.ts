// GitHub in the benchmark: the connection, and the bare loop making its sync's requests
// (repositories.ts, people.ts, organization.ts): the repositories a page at a time, eight of a
// page's at once, each with its branch protection, Dependabot state (then its open alerts) and code
// scanning alerts in parallel; then the members (admins, without 2FA, all), the outside
// collaborators (without 2FA, all) and the organization.
import pMap from 'p-map';
import { USER_AGENT } from '../../src/connectors/github/client.js';
import { GITHUB_API_VERSION, GITHUB_MEDIA_TYPE } from '../../src/connectors/github/definition.js';
import { githubConnector } from '../../src/connectors/github/index.js';
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

const ignore = () => {};

async function details(url: string, repository: Repository): Promise<void> {
  const repo = `${url}/repos/${repository.owner.login}/${repository.name}`;
  const branch = repository.default_branch;
  await Promise.all([
    branch === undefined
      ? undefined
      : get(`${repo}/branches/${encodeURIComponent(branch)}/protection`, HEADERS),
    get(`${repo}/vulnerability-alerts`, HEADERS).then((answer) =>
      answer.status === 204
        ? pages(`${repo}/dependabot/alerts?state=open&per_page=100`, HEADERS, ignore)
        : undefined,
    ),
    pages(`${repo}/code-scanning/alerts?state=open&per_page=100`, HEADERS, ignore),
  ]);
}

async function githubBareLoop(url: string): Promise<number> {
  const org = `${url}/orgs/${GITHUB_ORG}`;
  let records = 0;
  const count = (items: unknown[]) => {
    records += items.length;
  };
  await pages<Repository>(
    `${org}/repos?type=all&sort=created&direction=asc&per_page=100&page=1`,
    HEADERS,
    async (repositories) => {
      await pMap(repositories, (repository) => details(url, repository), {
        concurrency: REPOSITORIES_AT_ONCE,
      });
      count(repositories);
    },
  );
  await pages(`${org}/members?role=admin&per_page=100`, HEADERS, ignore);
  await pages(`${org}/members?filter=2fa_disabled&per_page=100`, HEADERS, ignore);
  await pages(`${org}/members?role=all&per_page=100&page=1`, HEADERS, count);
  await pages(`${org}/outside_collaborators?filter=2fa_disabled&per_page=100`, HEADERS, ignore);
  await pages(`${org}/outside_collaborators?per_page=100&page=1`, HEADERS, count);
  await get(org, HEADERS);
  return records + 1;
}

export const github: Provider = {
  connector: githubConnector,
  config: (url) => ({ token: GITHUB_TOKEN, organization: GITHUB_ORG, base_url: url }),
  bareLoop: githubBareLoop,
};

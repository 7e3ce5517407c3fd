// Entry point of the connectors benchmark's provider processes: `fake.ts PROVIDER SIZE LATENCY_MS`,
// the fake of the connector's tests (test/fakes/) serving an org of that size (Okta's users,
// GitHub's repositories, AWS Config's resources, Slack's members), each answer after LATENCY_MS. A
// process of its own, so that serving does not compete with the engine (or the bare loop) for their
// event loop. A second server on loopback is its control channel (control.ts). Prints one JSON line:
// where both listen and how many records a full sync stores.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expectedRecords } from '../../test/fakes/aws-config/account.js';
import { startFakeAws } from '../../test/fakes/aws-config/server.js';
import { generateOrg, ownerToken } from '../../test/fakes/github/model.js';
import { startFakeGitHub } from '../../test/fakes/github/server.js';
import { startFakeOkta } from '../../test/fakes/okta/server.js';
import { startFakeSlack } from '../../test/fakes/slack/server.js';
import { visibleChannels } from '../../test/fakes/slack/workspace.js';
import { AWS_REGIONS } from './aws-config.js';
import type { Budget, FakeStats } from './control.js';
import { GITHUB_ORG, GITHUB_TOKEN } from './github.js';
import { OKTA_TOKEN } from './okta.js';

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(0));

/** A budget no sync here comes near: the fakes' defaults (Okta's per-minute ones) would pace. */
const UNLIMITED = { limit: 1_000_000_000, windowMs: 3_600_000 };

/** A fake as the control channel drives it. */
interface Served {
  url: string;
  /** Records a full sync of the org stores. */
  records: number;
  setBudget(budget: Budget): void;
  /** Each request answered since the log was cleared: its rate-limit family, and whether the budget refused it. */
  log(): { family: string; rateLimited: boolean }[];
  clearLog(): void;
}

/** The endpoint families the fake Okta counts apart (its BUCKETS). */
function oktaFamily(path: string): string {
  const pathname = path.split('?')[0]!;
  if (pathname === '/api/v1/users') return 'users';
  if (pathname.startsWith('/api/v1/users/')) return 'users/{id}';
  const family = ['groups', 'apps', 'policies'].find((f) => pathname.startsWith(`/api/v1/${f}`));
  return family ?? 'other';
}

async function okta(users: number, latencyMs: number): Promise<Served> {
  const fake = await startFakeOkta({ users, latencyMs, tokens: [OKTA_TOKEN], rateLimit: UNLIMITED });
  const { data } = fake;
  return {
    url: fake.url,
    // The plain listing leaves DEPROVISIONED users out (and the connection keeps sync_deprovisioned off).
    records:
      data.users.filter((u) => u.status !== 'DEPROVISIONED').length +
      data.groups.length +
      data.apps.length +
      data.policies.length,
    setBudget: (budget) => {
      fake.rateLimit = budget ?? UNLIMITED;
    },
    log: () => fake.requests.map((r) => ({ family: oktaFamily(r.path), rateLimited: r.status === 429 })),
    clearLog: () => {
      fake.requests.length = 0;
    },
  };
}

async function github(repositories: number, latencyMs: number): Promise<Served> {
  // People in proportion: a member for every five repositories, an outside collaborator for fifty.
  const org = generateOrg({
    login: GITHUB_ORG,
    repos: repositories,
    members: Math.ceil(repositories / 5),
    outsideCollaborators: Math.ceil(repositories / 50),
  });
  const fake = await startFakeGitHub({
    org,
    tokens: [ownerToken(GITHUB_TOKEN)],
    latencyMs,
    budget: UNLIMITED,
  });
  return {
    url: fake.url,
    // Repositories, members, outside collaborators and the organization itself.
    records: org.repos.length + org.members.length + org.outsideCollaborators.length + 1,
    setBudget: (budget) => {
      const { limit, windowMs } = budget ?? UNLIMITED;
      fake.setBudget(limit, windowMs);
    },
    // Every request of a token counts against its one `core` budget.
    log: () => fake.requests.map((r) => ({ family: 'core', rateLimited: r.rateLimited })),
    clearLog: () => {
      fake.requests.length = 0;
    },
  };
}

/** AWS Config's account: a rule for every hundred resources, at least one of each of the fake's ten managed rules. */
async function awsConfig(resources: number, latencyMs: number): Promise<Served> {
  const fake = await startFakeAws({
    regions: AWS_REGIONS,
    resources,
    rules: Math.max(10, Math.round(resources / 100)),
    latencyMs,
  });
  const expected = expectedRecords(fake.account);
  return {
    url: fake.url,
    records: expected.config_rules + expected.evaluation_results + expected.resources,
    setBudget: (budget) => {
      fake.setBudget(budget ?? undefined);
    },
    // The fake counts every operation against one budget, and refuses with ThrottlingException (STS: Throttling).
    log: () =>
      fake.requests.map((r) => ({
        family: 'all',
        rateLimited: r.code === 'ThrottlingException' || r.code === 'Throttling',
      })),
    clearLog: () => {
      fake.requests.length = 0;
    },
  };
}

/** A Slack workspace: a channel for every 25 members. */
async function slack(members: number, latencyMs: number): Promise<Served> {
  const fake = await startFakeSlack({ members, channels: Math.ceil(members / 25), latencyMs });
  const { data } = fake;
  return {
    url: fake.url,
    // Every member listed (deactivated ones and bots too), the channels the bot sees, the workspace.
    records: data.members.length + visibleChannels(data, data.bot.userId).length + 1,
    setBudget: (budget) => {
      fake.budget = budget ?? undefined;
    },
    // Slack counts calls per method.
    log: () => fake.requests.map((r) => ({ family: r.method, rateLimited: r.rateLimited })),
    clearLog: () => {
      fake.requests.length = 0;
    },
  };
}

const PROVIDERS: Record<string, (size: number, latencyMs: number) => Promise<Served>> = {
  okta,
  github,
  'aws-config': awsConfig,
  slack,
};

function stats(served: Served): FakeStats {
  const families: Record<string, number> = {};
  let rateLimited = 0;
  const log = served.log();
  for (const entry of log) {
    families[entry.family] = (families[entry.family] ?? 0) + 1;
    if (entry.rateLimited) rateLimited += 1;
  }
  return { requests: log.length, families, rateLimited };
}

async function bodyOf(req: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req) text += chunk;
  return text;
}

async function serveControl(served: Served): Promise<string> {
  const server = createServer(async (req, res) => {
    if (req.method === 'POST' && req.url === '/reset') {
      const { budget } = JSON.parse(await bodyOf(req)) as { budget: Budget };
      served.setBudget(budget);
      served.clearLog();
      res.writeHead(204).end();
    } else if (req.method === 'GET' && req.url === '/stats') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(stats(served)));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const [provider, size, latency] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const serve = PROVIDERS[provider ?? ''];
if (!serve || !(size >= 1) || !(latency >= 0)) {
  throw new Error(
    `usage: fake.ts ${Object.keys(PROVIDERS).join('|')} SIZE LATENCY_MS (got ${process.argv.slice(2).join(' ')})`,
  );
}
const served = await serve(size, latency);
const control = await serveControl(served);
process.stdout.write(
  `${JSON.stringify({ msg: 'listening', url: served.url, control, records: served.records })}\n`,
);

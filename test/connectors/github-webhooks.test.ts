/**
 * GitHub's webhooks through the connector contract: deliveries signed by Octokit's own
 * `@octokit/webhooks-methods`, payloads shaped as GitHub's "Webhook events and payloads" documents
 * them, and every effect compared with what a sync of the fake GitHub (test/fakes/github/) stores.
 */
import { createHmac } from 'node:crypto';
import { sign } from '@octokit/webhooks-methods';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type GitHubConfig, GitHubConnector } from '../../src/connectors/github/index.js';
import {
  ProviderError,
  type SyncRecord,
  type WebhookDelivery,
  type WebhookEffect,
  type WebhookEvent,
} from '../../src/connectors/sdk.js';
import { collectSync, type TestKit, testContext } from '../../src/connectors/toolkit/test-kit.js';
import {
  type FakeOrg,
  type FakeRepo,
  type FakeUser,
  fakeMember,
  fakeOutsideCollaborator,
  generateOrg,
  ownerToken,
} from '../fakes/github/model.js';
import { type FakeGitHub, startFakeGitHub } from '../fakes/github/server.js';

const SECRET = 'It’s a Secret to Everybody';
const OWNER = ownerToken();
const connector = new GitHubConnector({ wait: async (_ms, signal) => signal.throwIfAborted() });
const webhooks = connector.webhooks;
const { scheme } = webhooks;

let github: FakeGitHub;
beforeEach(async () => {
  github = await startFakeGitHub({
    org: generateOrg({ repos: 12, members: 10, outsideCollaborators: 4 }),
    tokens: [OWNER],
  });
});
afterEach(async () => {
  await github.close();
});

function kit(config: Partial<GitHubConfig> = {}): TestKit<GitHubConfig> {
  return testContext(connector, {
    token: OWNER.token,
    organization: github.org.login,
    base_url: github.url,
    ...config,
  });
}

// --- Deliveries as GitHub sends them ---------------------------------------------------------------

function delivery(rawBody: string | Buffer, headers: Record<string, string>): WebhookDelivery {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': 'GitHub-Hookshot/044aadd', ...headers },
    rawBody: Buffer.isBuffer(rawBody) ? rawBody : Buffer.from(rawBody),
    receivedAt: new Date(),
  };
}

async function signed(name: string, body: string, secret = SECRET): Promise<WebhookDelivery> {
  return delivery(body, {
    'x-github-event': name,
    'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
    'x-github-hook-id': '292430182',
    'x-hub-signature-256': await sign(secret, body),
  });
}

/** A delivery through the receiver's steps: verified, parsed, described, stored as an event. */
async function received(name: string, payload: Record<string, unknown>): Promise<WebhookEvent> {
  const sent = await signed(name, JSON.stringify(payload));
  expect(await scheme.verify(sent, SECRET)).toEqual({ ok: true });
  const parsed: unknown = JSON.parse(sent.rawBody.toString('utf8'));
  const { id, type } = scheme.describe(sent, parsed);
  const headers: Record<string, string> = {};
  for (const [header, value] of Object.entries(sent.headers))
    if (value !== undefined) headers[header] = value;
  return { id: 'evt-1', type, deliveryId: id, headers, payload: parsed, receivedAt: sent.receivedAt };
}

// --- Payloads as GitHub documents them -------------------------------------------------------------

const sender = { login: 'octo-admin', id: 5000, type: 'User', site_admin: false };

function organizationOf(org: FakeOrg) {
  return { login: org.login, id: org.id, node_id: `O_${org.id}`, description: null };
}

function repositoryOf(org: FakeOrg, repo: FakeRepo, owner = org.login) {
  return {
    id: repo.id,
    node_id: `R_${repo.id}`,
    name: repo.name,
    full_name: `${owner}/${repo.name}`,
    private: repo.visibility !== 'public',
    owner: { login: owner, id: org.id, type: 'Organization', site_admin: false },
    html_url: `https://github.example/${owner}/${repo.name}`,
    fork: repo.fork,
    created_at: repo.createdAt,
    default_branch: repo.defaultBranch,
    visibility: repo.visibility,
    archived: repo.archived,
  };
}

function userOf(person: FakeUser) {
  return {
    login: person.login,
    id: person.id,
    node_id: `U_${person.id}`,
    html_url: `https://github.example/${person.login}`,
    type: 'User',
    site_admin: false,
  };
}

function repositoryEvent(action: string, repo: FakeRepo, owner?: string) {
  const org = github.org;
  return { action, repository: repositoryOf(org, repo, owner), organization: organizationOf(org), sender };
}

function membershipEvent(action: string, person: FakeUser, role = 'member') {
  const org = github.org;
  return {
    action,
    membership: {
      url: `https://api.github.com/orgs/${org.login}/memberships/${person.login}`,
      state: 'active',
      role,
      organization_url: `https://api.github.com/orgs/${org.login}`,
      user: userOf(person),
    },
    organization: organizationOf(org),
    sender,
  };
}

function collaboratorEvent(action: string, person: FakeUser, repo: FakeRepo) {
  return { ...repositoryEvent(action, repo), member: userOf(person), changes: {} };
}

// --- What a sync stores ------------------------------------------------------------------------------

async function synced(entity: string, id: number): Promise<SyncRecord | undefined> {
  const { batches } = await collectSync(connector, kit());
  return batches
    .filter((batch) => batch.entity === entity)
    .flatMap((batch) => batch.records)
    .find((record) => record.id === String(id));
}

async function upsertOfSynced(entity: string, id: number): Promise<WebhookEffect> {
  const record = await synced(entity, id);
  expect(record).toBeDefined();
  return { kind: 'upsert', entity, records: [record as SyncRecord] };
}

function repo(index: number): FakeRepo {
  return github.org.repos[index] as FakeRepo;
}

async function handled(name: string, payload: Record<string, unknown>, k = kit()) {
  return webhooks.handle(await received(name, payload), k.ctx);
}

describe('GitHub webhooks: signatures', () => {
  it('accepts a delivery signed by @octokit/webhooks-methods with the webhook secret', async () => {
    const body = JSON.stringify({ zen: 'Design for failure.', hook_id: 292430182 });
    expect(await scheme.verify(await signed('ping', body), SECRET)).toEqual({ ok: true });
    expect(scheme.name).toBe('github');
    expect(scheme.signatureHeader).toBe('X-Hub-Signature-256');
  });

  it('checks the raw bytes, not a re-serialization of the JSON', async () => {
    const body = '{ "zen" :  "Café, then commit.",\n  "hook_id": 1 }';
    const sent = await signed('ping', body);
    expect(await scheme.verify(sent, SECRET)).toEqual({ ok: true });
    const reserialized = { ...sent, rawBody: Buffer.from(JSON.stringify(JSON.parse(body))) };
    expect(await scheme.verify(reserialized, SECRET)).toMatchObject({ ok: false });
  });

  it('refuses a signature made with another secret', async () => {
    const sent = await signed('push', '{"ref":"refs/heads/main"}', 'another secret');
    expect(await scheme.verify(sent, SECRET)).toEqual({
      ok: false,
      reason: "X-Hub-Signature-256 does not match the body signed with this webhook's secret",
    });
  });

  it('refuses a body changed after signing', async () => {
    const sent = await signed('push', '{"ref":"refs/heads/main"}');
    const tampered = { ...sent, rawBody: Buffer.from('{"ref":"refs/heads/evil"}') };
    expect(await scheme.verify(tampered, SECRET)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('does not match'),
    });
  });

  it('refuses a delivery without X-Hub-Signature-256', async () => {
    const sent = delivery('{}', { 'x-github-event': 'ping' });
    expect(await scheme.verify(sent, SECRET)).toEqual({
      ok: false,
      reason: 'missing the X-Hub-Signature-256 header',
    });
  });

  it('refuses a delivery signed only with the legacy SHA-1 X-Hub-Signature', async () => {
    const body = '{"zen":"Keep it logically awesome."}';
    const sha1 = `sha1=${createHmac('sha1', SECRET).update(body).digest('hex')}`;
    const sent = delivery(body, { 'x-github-event': 'ping', 'x-hub-signature': sha1 });
    expect(await scheme.verify(sent, SECRET)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('only the legacy SHA-1 X-Hub-Signature was sent'),
    });
  });

  it.each([
    ['a SHA-1 digest under the SHA-256 header', `sha1=${'a'.repeat(40)}`],
    ['no algorithm label', 'a'.repeat(64)],
    ['a short digest', `sha256=${'a'.repeat(63)}`],
    ['upper-case hex, which GitHub never sends', `sha256=${'A'.repeat(64)}`],
  ])('refuses a malformed X-Hub-Signature-256: %s', async (_, value) => {
    const sent = delivery('{}', { 'x-hub-signature-256': value });
    expect(await scheme.verify(sent, SECRET)).toEqual({
      ok: false,
      reason: 'malformed X-Hub-Signature-256: expected sha256= and 64 lower-case hex digits',
    });
  });

  it('refuses to check with an empty secret (GitHub signs nothing without one)', async () => {
    // Octokit's sign refuses an empty secret too: the HMAC an empty key would give, made by hand.
    const sent = delivery('{}', {
      'x-hub-signature-256': `sha256=${createHmac('sha256', '').update('{}').digest('hex')}`,
    });
    expect(await scheme.verify(sent, '')).toEqual({
      ok: false,
      reason: 'the webhook has no secret to check signatures with',
    });
  });
});

describe('GitHub webhooks: describe', () => {
  it('reads the delivery GUID and the event name with its action', async () => {
    const sent = await signed('repository', '{}');
    expect(scheme.describe(sent, { action: 'deleted', repository: {} })).toEqual({
      id: '72d3162e-cc78-11e3-81ab-4c9367dc0958',
      type: 'repository.deleted',
    });
  });

  it('describes an event without an action (ping, push) by its name alone', async () => {
    const sent = await signed('ping', '{}');
    expect(scheme.describe(sent, { zen: 'Practicality beats purity.', hook_id: 1 })).toEqual({
      id: '72d3162e-cc78-11e3-81ab-4c9367dc0958',
      type: 'ping',
    });
  });

  it('gives nulls for a delivery without GitHub’s headers', () => {
    expect(scheme.describe(delivery('{}', {}), { action: 'created' })).toEqual({ id: null, type: null });
  });

  it('has no handshake: a ping is stored like any event', () => {
    expect(scheme.handshake).toBeUndefined();
  });
});

describe('GitHub webhooks: effects', () => {
  it('records a ping and reads nothing', async () => {
    const k = kit();
    const event = await received('ping', { zen: 'Avoid administrative distraction.', hook_id: 292430182 });
    expect(event.type).toBe('ping');
    expect(await webhooks.handle(event, k.ctx)).toEqual([]);
    expect(k.requests).toEqual([]);
  });

  it.each([
    'created',
    'edited',
    'renamed',
    'publicized',
    'privatized',
    'archived',
    'unarchived',
    'transferred',
  ])('repository.%s stores the repository as a sync does', async (action) => {
    const target = repo(2);
    const effects = await handled('repository', repositoryEvent(action, target));
    expect(effects).toEqual([await upsertOfSynced('repositories', target.id)]);
  });

  it('stores what changed: an archived repository reads as archived, as the next sync would', async () => {
    const target = repo(5);
    const before = await synced('repositories', target.id);
    target.archived = true;
    target.visibility = 'public';
    const effects = await handled('repository', repositoryEvent('archived', target));
    expect(effects).toEqual([await upsertOfSynced('repositories', target.id)]);
    expect(effects[0]).toMatchObject({ records: [{ data: { archived: true, private: false } }] });
    expect(before?.data).toMatchObject({ archived: false, private: true });
  });

  it('repository.deleted deletes it without asking GitHub', async () => {
    const k = kit();
    const target = repo(3);
    github.org.repos = github.org.repos.filter((r) => r !== target);
    const effects = await handled('repository', repositoryEvent('deleted', target), k);
    expect(effects).toEqual([{ kind: 'delete', entity: 'repositories', ids: [String(target.id)] }]);
    expect(k.requests).toEqual([]);
  });

  it('deletes a repository transferred out of the organization', async () => {
    const k = kit();
    const target = repo(4);
    const effects = await handled('repository', repositoryEvent('transferred', target, 'elsewhere'), k);
    expect(effects).toEqual([{ kind: 'delete', entity: 'repositories', ids: [String(target.id)] }]);
    expect(k.requests).toEqual([]);
  });

  it('deletes a repository GitHub no longer shows (404), as a sync would not find it', async () => {
    const target = repo(6);
    github.org.repos = github.org.repos.filter((r) => r !== target);
    const effects = await handled('repository', repositoryEvent('edited', target));
    expect(effects).toEqual([{ kind: 'delete', entity: 'repositories', ids: [String(target.id)] }]);
  });

  it('leaves a repository renamed again since the event (301) to the event that renamed it', async () => {
    const target = repo(7);
    const oldName = target.name;
    const event = repositoryEvent('edited', target);
    target.formerNames = [oldName];
    target.name = 'renamed-since';
    const k = kit();
    expect(await handled('repository', event, k)).toEqual([]);
    expect(k.requests.map((r) => r.path)).toEqual([`/repos/${github.org.login}/${oldName}`]);
  });

  it.each(['created', 'edited', 'deleted'])(
    'branch_protection_rule.%s reads the default branch protection again and stores the repository',
    async (action) => {
      const target = repo(1);
      expect((await synced('repositories', target.id))?.data).toMatchObject({
        branch_protection: { status: 'unprotected' },
      });
      target.protection = { requiredApprovingReviewCount: 2, enforceAdmins: true, contexts: ['ci', 'lint'] };
      const payload = {
        ...repositoryEvent(action, target),
        rule: { id: 21796960, repository_id: target.id, name: target.defaultBranch, admin_enforced: true },
      };
      const effects = await handled('branch_protection_rule', payload);
      expect(effects).toEqual([await upsertOfSynced('repositories', target.id)]);
      expect(effects[0]).toMatchObject({
        records: [
          {
            data: {
              branch_protection: {
                status: 'protected',
                required_approving_review_count: 2,
                enforce_admins: true,
                required_status_checks: ['ci', 'lint'],
              },
            },
          },
        ],
      });
    },
  );

  it.each([
    ['dependabot_alert', 'created'],
    ['code_scanning_alert', 'fixed'],
    ['security_and_analysis', undefined],
  ])('%s stores the repository with its alert counts read again', async (name, action) => {
    const target = repo(4);
    target.dependabotAlerts.push({ number: 7, state: 'open', severity: 'critical', package: 'left-pad' });
    target.codeScanningAlerts = target.codeScanningAlerts.map((alert) => ({ ...alert, state: 'fixed' }));
    const { action: _, ...rest } = repositoryEvent(action ?? '', target);
    const effects = await handled(
      name,
      action === undefined ? { ...rest, changes: {} } : { action, ...rest },
    );
    expect(effects).toEqual([await upsertOfSynced('repositories', target.id)]);
    expect(effects[0]).toMatchObject({
      records: [{ data: { dependabot_alerts: { open: { critical: expect.any(Number) } } } }],
    });
  });

  it('a push creating the default branch of an empty repository stores it (its protection now applies)', async () => {
    const target = repo(2);
    target.empty = true;
    expect((await synced('repositories', target.id))?.data).toMatchObject({
      pushed_at: null,
      branch_protection: { status: 'unprotected' },
    });
    target.empty = false;
    const { action: _, ...base } = repositoryEvent('', target);
    const push = {
      ...base,
      ref: `refs/heads/${target.defaultBranch}`,
      before: '0000000000000000000000000000000000000000',
      after: '6113728f27ae82c7b1a177c8d03f9e96e0adf246',
      created: true,
      deleted: false,
      forced: false,
      base_ref: null,
      commits: [],
      pusher: { name: 'octo-admin', email: 'octo-admin@example.com' },
    };
    const effects = await handled('push', push);
    expect(effects).toEqual([await upsertOfSynced('repositories', target.id)]);
    expect(effects[0]).toMatchObject({ records: [{ data: { branch_protection: { status: 'protected' } } }] });
  });

  it('records other pushes and pull requests without reading GitHub', async () => {
    const k = kit();
    const target = repo(2);
    const { action: _, ...base } = repositoryEvent('', target);
    const push = {
      ...base,
      ref: `refs/heads/${target.defaultBranch}`,
      before: '6113728f27ae82c7b1a177c8d03f9e96e0adf246',
      after: '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c',
      created: false,
      deleted: false,
      commits: [{ id: '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c', message: 'Update README.md' }],
    };
    expect(await handled('push', push, k)).toEqual([]);
    const merged = {
      ...repositoryEvent('closed', target),
      number: 2,
      pull_request: { number: 2, state: 'closed', merged: true, base: { ref: target.defaultBranch } },
    };
    expect(await handled('pull_request', merged, k)).toEqual([]);
    expect(await handled('pull_request', { ...merged, action: 'opened' }, k)).toEqual([]);
    expect(k.requests).toEqual([]);
  });

  it('organization.member_added stores the member as a sync does, and no longer as an outside collaborator', async () => {
    const joined = { ...fakeMember(20), role: 'admin' as const, twoFactor: false };
    github.org.members.push(joined);
    const effects = await handled('organization', membershipEvent('member_added', joined, 'admin'));
    expect(effects).toEqual([
      await upsertOfSynced('members', joined.id),
      { kind: 'delete', entity: 'outside_collaborators', ids: [String(joined.id)] },
    ]);
    expect(effects[0]).toMatchObject({ records: [{ data: { role: 'admin', two_factor_enabled: false } }] });
  });

  it('organization.member_removed deletes the member GitHub no longer lists', async () => {
    const leaving = github.org.members[3] as FakeUser;
    github.org.members = github.org.members.filter((m) => m !== leaving);
    const effects = await handled('organization', membershipEvent('member_removed', leaving));
    expect(effects).toEqual([{ kind: 'delete', entity: 'members', ids: [String(leaving.id)] }]);
    expect(await synced('members', leaving.id)).toBeUndefined();
  });

  it('member.added stores the outside collaborator as a sync does', async () => {
    const contractor = { ...fakeOutsideCollaborator(40), twoFactor: false };
    github.org.outsideCollaborators.push(contractor);
    const effects = await handled('member', collaboratorEvent('added', contractor, repo(2)));
    expect(effects).toEqual([await upsertOfSynced('outside_collaborators', contractor.id)]);
    expect(effects[0]).toMatchObject({ records: [{ data: { two_factor_enabled: false } }] });
  });

  it('member.removed deletes an outside collaborator no longer listed', async () => {
    const contractor = github.org.outsideCollaborators[1] as FakeUser;
    github.org.outsideCollaborators = github.org.outsideCollaborators.filter((u) => u !== contractor);
    const effects = await handled('member', collaboratorEvent('removed', contractor, repo(2)));
    expect(effects).toEqual([
      { kind: 'delete', entity: 'outside_collaborators', ids: [String(contractor.id)] },
    ]);
  });

  it('keeps an outside collaborator removed from one repository who still has another', async () => {
    const contractor = github.org.outsideCollaborators[2] as FakeUser;
    const effects = await handled('member', collaboratorEvent('removed', contractor, repo(2)));
    expect(effects).toEqual([await upsertOfSynced('outside_collaborators', contractor.id)]);
  });

  it('ignores events about another organization', async () => {
    const k = kit();
    const stranger = fakeMember(30);
    const payload = {
      ...membershipEvent('member_added', stranger),
      organization: { login: 'other-org', id: 1 },
    };
    expect(await handled('organization', payload, k)).toEqual([]);
    const elsewhere = repositoryEvent('added', repo(2), 'other-org');
    expect(await handled('member', { ...elsewhere, member: userOf(stranger) }, k)).toEqual([]);
    expect(k.requests).toEqual([]);
  });

  it('records unknown events and actions without effects', async () => {
    const k = kit();
    expect(
      await handled('issues', { ...repositoryEvent('opened', repo(2)), issue: { number: 1 } }, k),
    ).toEqual([]);
    expect(await handled('repository', repositoryEvent('starred', repo(2)), k)).toEqual([]);
    expect(
      await handled(
        'organization',
        { action: 'member_invited', organization: organizationOf(github.org) },
        k,
      ),
    ).toEqual([]);
    expect(k.requests).toEqual([]);
  });

  it('fails as a sync does when GitHub refuses: a revoked token is an authentication failure', async () => {
    const event = await received('repository', repositoryEvent('edited', repo(2)));
    const failure = await webhooks.handle(event, kit({ token: 'ghp_revoked' }).ctx).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ProviderError);
    expect(failure).toMatchObject({ failure: 'authentication', details: { httpStatus: 401 } });
  });

  it('fails transiently when GitHub keeps answering server errors, for the engine to retry', async () => {
    github.failNext(
      ...[1, 2, 3].map(() => ({ kind: 'status' as const, status: 502, path: /^\/repos\/[^/]+\/[^/]+$/ })),
    );
    const event = await received('repository', repositoryEvent('edited', repo(2)));
    const failure = await webhooks.handle(event, kit().ctx).catch((e: unknown) => e);
    expect(failure).toMatchObject({ failure: 'transient', details: { httpStatus: 502 } });
  });
});

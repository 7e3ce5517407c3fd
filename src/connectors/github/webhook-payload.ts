/**
 * The few parts of GitHub's webhook payloads ("Webhook events and payloads") the handlers read,
 * checked as they are read: a payload is the provider's JSON, not a type.
 */

/** The value at `path` in a parsed payload, if every step is an object holding it. */
function at(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null || !(key in current)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function id(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) ? value : undefined;
}

export interface RepositoryRef {
  id: number;
  name: string;
  owner: string;
  defaultBranch: string | undefined;
}

/** The `repository` an event is about. */
export function repositoryOf(payload: unknown): RepositoryRef | undefined {
  const repositoryId = id(at(payload, 'repository', 'id'));
  const name = text(at(payload, 'repository', 'name'));
  const owner = text(at(payload, 'repository', 'owner', 'login'));
  if (repositoryId === undefined || name === undefined || owner === undefined) return undefined;
  return { id: repositoryId, name, owner, defaultBranch: text(at(payload, 'repository', 'default_branch')) };
}

export interface UserRef {
  id: number;
  login: string;
}

/** A user at `path` (`member`, `membership.user`). */
export function userAt(payload: unknown, ...path: string[]): UserRef | undefined {
  const userId = id(at(payload, ...path, 'id'));
  const login = text(at(payload, ...path, 'login'));
  return userId === undefined || login === undefined ? undefined : { id: userId, login };
}

/** The organization an organization-level event is about. */
export function organizationLogin(payload: unknown): string | undefined {
  return text(at(payload, 'organization', 'login'));
}

/** Whether a `push` created the repository's default branch (the first push to an empty repository). */
export function createsDefaultBranch(payload: unknown, repository: RepositoryRef): boolean {
  return (
    at(payload, 'created') === true &&
    repository.defaultBranch !== undefined &&
    at(payload, 'ref') === `refs/heads/${repository.defaultBranch}`
  );
}

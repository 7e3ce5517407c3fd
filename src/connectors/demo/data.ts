/**
 * The demo provider's data. Every record is a pure function of (seed, entity, index), so a page at
 * any offset costs only its own records: the sync engine can stream a million of them, resume from a
 * cursor, or re-read a page on retry and always see the same ids and values.
 */
import { DEMO_DEFAULTS, DEMO_MAXIMA, type DemoConfig } from './definition.js';
import { hashKey, hex8, itemRandom, mix32, pick, randomInt } from './random.js';
import {
  DEPARTMENTS,
  FIRST_NAMES,
  GROUP_KINDS,
  JOB_TITLES,
  LANGUAGES,
  LAST_NAMES,
  REPO_ADJECTIVES,
  REPO_NOUNS,
  SENIORITIES,
} from './words.js';

export const DEMO_ENTITIES = ['users', 'groups', 'group_memberships', 'repositories'] as const;
export type DemoEntity = (typeof DEMO_ENTITIES)[number];

export interface DemoUser {
  id: string;
  email: string;
  first_name: string;
  last_name: string;
  display_name: string;
  department: string;
  title: string;
  status: 'active' | 'suspended' | 'deprovisioned';
  is_admin: boolean;
  mfa_enabled: boolean;
  created_at: string;
  last_login_at: string | null;
}

export interface DemoGroup {
  id: string;
  name: string;
  slug: string;
  description: string;
  department: string;
  created_at: string;
}

export interface DemoGroupMembership {
  id: string;
  group_id: string;
  user_id: string;
  role: 'member' | 'maintainer';
}

export interface DemoRepository {
  id: string;
  name: string;
  full_name: string;
  visibility: 'private' | 'internal' | 'public';
  default_branch: string;
  language: string;
  owner_group_id: string | null;
  archived: boolean;
  branch_protection: boolean;
  created_at: string;
  pushed_at: string;
}

export interface DemoRecordMap {
  users: DemoUser;
  groups: DemoGroup;
  group_memberships: DemoGroupMembership;
  repositories: DemoRepository;
}

/** The parts of a demo config that shape its data; absent fields take the schema's defaults. */
export type DemoDataOptions = Pick<DemoConfig, 'seed' | 'domain' | 'users' | 'groups' | 'repositories'>;

const ID_PREFIX: Record<DemoEntity, string> = {
  users: 'usr',
  groups: 'grp',
  group_memberships: 'mbr',
  repositories: 'repo',
};

// Timestamps come from a fixed window, never the clock, so records do not change between runs.
const EPOCH = Date.UTC(2020, 0, 1);
const HORIZON = Date.UTC(2025, 0, 1);

/** A seeded bijection on [0, size): spreads name combinations while keeping them unique per round. */
function permutation(size: number, key: number): (index: number) => number {
  let step = 1 + (key % size);
  while (gcd(step, size) !== 1) step++;
  const offset = mix32(key) % size;
  return (index) => (index * step + offset) % size;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** Item `index` of the product `first × second`, unique until it is exhausted, then numbered by round. */
function combination(
  permute: (index: number) => number,
  first: readonly string[],
  second: readonly string[],
  index: number,
): { first: string; second: string; round: number } {
  const size = first.length * second.length;
  const p = permute(index % size);
  return {
    first: first[Math.floor(p / second.length)] ?? '',
    second: second[p % second.length] ?? '',
    round: Math.floor(index / size),
  };
}

function count(name: keyof typeof DEMO_MAXIMA, value: number | undefined, fallback: number): number {
  const n = value ?? fallback;
  const max = DEMO_MAXIMA[name];
  if (!Number.isInteger(n) || n < 0 || n > max) {
    throw new RangeError(`demo config: ${name} must be an integer from 0 to ${max}, got ${n}`);
  }
  return n;
}

interface Dataset {
  domain: string;
  owner: string;
  counts: Record<DemoEntity, number>;
  membershipsPerUser: number;
  /** Per-entity keys: one seeds record contents, the other scrambles indexes into ids. */
  dataKey: Record<DemoEntity, number>;
  idKey: Record<DemoEntity, number>;
  userNames: (index: number) => number;
  groupNames: (index: number) => number;
  repoNames: (index: number) => number;
}

function dataset(options: DemoDataOptions): Dataset {
  const seed = count('seed', options.seed, DEMO_DEFAULTS.seed);
  const users = count('users', options.users, DEMO_DEFAULTS.users);
  const groups = count('groups', options.groups, DEMO_DEFAULTS.groups);
  const repositories = count('repositories', options.repositories, DEMO_DEFAULTS.repositories);
  const domain = options.domain ?? DEMO_DEFAULTS.domain;
  const membershipsPerUser = Math.min(groups, 2);
  const keys = (purpose: string): Record<DemoEntity, number> => {
    const key = (entity: DemoEntity) => hashKey(`${seed}:${entity}:${purpose}`);
    return {
      users: key('users'),
      groups: key('groups'),
      group_memberships: key('group_memberships'),
      repositories: key('repositories'),
    };
  };
  const dataKey = keys('data');
  return {
    domain,
    owner: domain.split('.')[0] ?? domain,
    counts: { users, groups, group_memberships: users * membershipsPerUser, repositories },
    membershipsPerUser,
    dataKey,
    idKey: keys('id'),
    userNames: permutation(FIRST_NAMES.length * LAST_NAMES.length, dataKey.users),
    groupNames: permutation(DEPARTMENTS.length * GROUP_KINDS.length, dataKey.groups),
    repoNames: permutation(REPO_ADJECTIVES.length * REPO_NOUNS.length, dataKey.repositories),
  };
}

// Ids are unique within an entity because the scramble is a bijection on 32-bit indexes.
function recordId(ds: Dataset, entity: DemoEntity, index: number): string {
  return `${ID_PREFIX[entity]}_${hex8(mix32((index ^ ds.idKey[entity]) >>> 0))}`;
}

function timestamp(random: () => number, from = EPOCH): string {
  return new Date(from + Math.floor(random() * (HORIZON - from))).toISOString();
}

function user(ds: Dataset, index: number): DemoUser {
  const random = itemRandom(ds.dataKey.users, index);
  const name = combination(ds.userNames, FIRST_NAMES, LAST_NAMES, index);
  const local = `${name.first}.${name.second}${name.round > 0 ? name.round + 1 : ''}`.toLowerCase();
  const roll = random();
  const status = roll < 0.9 ? 'active' : roll < 0.96 ? 'suspended' : 'deprovisioned';
  const created = timestamp(random);
  const neverLoggedIn = status === 'deprovisioned' || random() < 0.05;
  return {
    id: recordId(ds, 'users', index),
    email: `${local}@${ds.domain}`,
    first_name: name.first,
    last_name: name.second,
    display_name: `${name.first} ${name.second}`,
    department: pick(random, DEPARTMENTS),
    title: `${pick(random, SENIORITIES)} ${pick(random, JOB_TITLES)}`,
    status,
    is_admin: random() < 0.03,
    mfa_enabled: random() < 0.85,
    created_at: created,
    last_login_at: neverLoggedIn ? null : timestamp(random, Date.parse(created)),
  };
}

function group(ds: Dataset, index: number): DemoGroup {
  const random = itemRandom(ds.dataKey.groups, index);
  const name = combination(ds.groupNames, DEPARTMENTS, GROUP_KINDS, index);
  const label = `${name.first} ${name.second}${name.round > 0 ? ` ${name.round + 1}` : ''}`;
  return {
    id: recordId(ds, 'groups', index),
    name: label,
    slug: label.toLowerCase().replaceAll(' ', '-'),
    description: `${name.second} of the ${name.first} department.`,
    department: name.first,
    created_at: timestamp(random),
  };
}

/** Membership `index` is slot `index % perUser` of user `index / perUser`: two distinct groups per user. */
function membership(ds: Dataset, index: number): DemoGroupMembership {
  const userIndex = Math.floor(index / ds.membershipsPerUser);
  const slot = index % ds.membershipsPerUser;
  // Seeded by the user, not the membership, so both slots see the same draws and never collide.
  const random = itemRandom(ds.dataKey.group_memberships, userIndex);
  const groups = ds.counts.groups;
  const first = randomInt(random, 0, groups);
  const second = (first + 1 + randomInt(random, 0, groups - 1)) % groups;
  const maintainer = random() < 0.1;
  return {
    id: recordId(ds, 'group_memberships', index),
    group_id: recordId(ds, 'groups', slot === 0 ? first : second),
    user_id: recordId(ds, 'users', userIndex),
    role: slot === 0 && maintainer ? 'maintainer' : 'member',
  };
}

function repository(ds: Dataset, index: number): DemoRepository {
  const random = itemRandom(ds.dataKey.repositories, index);
  const name = combination(ds.repoNames, REPO_ADJECTIVES, REPO_NOUNS, index);
  const repoName = `${name.first}-${name.second}${name.round > 0 ? `-${name.round + 1}` : ''}`;
  const roll = random();
  const created = timestamp(random);
  return {
    id: recordId(ds, 'repositories', index),
    name: repoName,
    full_name: `${ds.owner}/${repoName}`,
    visibility: roll < 0.7 ? 'private' : roll < 0.85 ? 'internal' : 'public',
    default_branch: random() < 0.9 ? 'main' : 'master',
    language: pick(random, LANGUAGES),
    owner_group_id:
      ds.counts.groups > 0 ? recordId(ds, 'groups', randomInt(random, 0, ds.counts.groups)) : null,
    archived: random() < 0.08,
    branch_protection: random() < 0.65,
    created_at: created,
    pushed_at: timestamp(random, Date.parse(created)),
  };
}

const build: { [E in DemoEntity]: (ds: Dataset, index: number) => DemoRecordMap[E] } = {
  users: user,
  groups: group,
  group_memberships: membership,
  repositories: repository,
};

function checkIndex(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
  }
}

/** How many records of each entity the options describe. */
export function demoCounts(options: DemoDataOptions): Record<DemoEntity, number> {
  return dataset(options).counts;
}

/** Record `index` of an entity; a RangeError past the end. */
export function demoRecord<E extends DemoEntity>(
  options: DemoDataOptions,
  entity: E,
  index: number,
): DemoRecordMap[E] {
  const ds = dataset(options);
  checkIndex('index', index);
  if (index >= ds.counts[entity]) {
    throw new RangeError(`${entity} has ${ds.counts[entity]} records; there is no record ${index}`);
  }
  return build[entity](ds, index);
}

/** Up to `limit` records from `offset`; empty past the end. Builds only the page it returns. */
export function demoPage<E extends DemoEntity>(
  options: DemoDataOptions,
  entity: E,
  offset: number,
  limit: number,
): DemoRecordMap[E][] {
  const ds = dataset(options);
  checkIndex('offset', offset);
  checkIndex('limit', limit);
  const end = Math.min(offset + limit, ds.counts[entity]);
  const page: DemoRecordMap[E][] = [];
  for (let i = offset; i < end; i++) page.push(build[entity](ds, i));
  return page;
}

/** Every record from `offset` on, one at a time: holds a single record however many there are. */
export function* demoRecords<E extends DemoEntity>(
  options: DemoDataOptions,
  entity: E,
  offset = 0,
): Generator<DemoRecordMap[E], void, undefined> {
  const ds = dataset(options);
  checkIndex('offset', offset);
  for (let i = offset; i < ds.counts[entity]; i++) yield build[entity](ds, i);
}

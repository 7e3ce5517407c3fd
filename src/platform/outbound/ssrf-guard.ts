import type { LookupAddress } from 'node:dns';
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import { Agent, buildConnector, type Dispatcher } from 'undici';

/**
 * The SSRF guard: tenants choose the hosts Switchboard calls (a `base_url`, an Okta domain), so
 * every outbound connection is checked against the address it actually goes to, unless the operator
 * allows private networks (SWITCHBOARD_ALLOW_PRIVATE_NETWORKS).
 */

/** Resolves a host name to every address it has (the injection point for tests). */
export type Resolver = (hostname: string) => Promise<readonly LookupAddress[]>;

export interface GuardOptions {
  allowPrivateNetworks: boolean;
  /** Defaults to `dns.lookup` with `all: true` (the system resolver, /etc/hosts included). */
  resolve?: Resolver;
}

const systemResolver: Resolver = (hostname) => dnsLookup(hostname, { all: true });

type IPv4 = ipaddr.IPv4;
type IPv6 = ipaddr.IPv6;

/** ipaddr.js's IPv4 range names, in the words a tenant reads. Anything else not unicast is "reserved". */
const V4_WORDS: Record<string, string> = {
  unspecified: 'unspecified',
  broadcast: 'broadcast',
  multicast: 'multicast',
  linkLocal: 'link-local',
  loopback: 'loopback',
  carrierGradeNat: 'carrier-grade NAT',
  private: 'private',
};

const V6_WORDS: Record<string, string> = {
  unspecified: 'unspecified',
  linkLocal: 'link-local',
  multicast: 'multicast',
  loopback: 'loopback',
  uniqueLocal: 'unique-local',
  deprecatedSiteLocal: 'site-local',
};

// IANA's global unicast block: the rest of the IPv6 space is reserved, unallocated or local.
const GLOBAL_UNICAST = ipaddr.IPv6.parseCIDR('2000::/3');
const IPV4_COMPATIBLE = ipaddr.IPv6.parseCIDR('::/96');
const NAT64 = ipaddr.IPv6.parseCIDR('64:ff9b::/96');

function v4Range(address: IPv4): string | undefined {
  const range = address.range();
  return range === 'unicast' ? undefined : (V4_WORDS[range] ?? 'reserved');
}

function embeddedV4(parts: readonly number[], high: number): IPv4 {
  const hi = parts[high] ?? 0;
  const lo = parts[high + 1] ?? 0;
  return new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
}

function v6Range(address: IPv6): string | undefined {
  const range = address.range();
  // Forms that carry an IPv4 address reach that address (dual-stack sockets, SIIT, NAT64, 6to4),
  // so the IPv4 address decides. The deprecated IPv4-compatible form (::a.b.c.d, which ipaddr.js
  // calls unicast) is judged the same way.
  const carriesV4 =
    range === 'ipv4Mapped' ||
    range === 'rfc6145' ||
    address.match(NAT64) ||
    (range === 'unicast' && address.match(IPV4_COMPATIBLE));
  if (carriesV4) return v4Range(embeddedV4(address.parts, 6));
  if (range === '6to4') return v4Range(embeddedV4(address.parts, 1));
  if (range === 'unicast' && address.match(GLOBAL_UNICAST)) return undefined;
  return V6_WORDS[range] ?? 'reserved';
}

/**
 * The kind of non-public range an address is in ("loopback", "private", "link-local", "reserved"…),
 * or undefined for a public address. Takes every form ipaddr.js reads, including the IPv4 shorthands
 * the system resolver accepts (`127.1`, `0x7f.1`, `2130706433`); what is not an address at all is
 * "unrecognised", so it is refused too.
 */
export function forbiddenRangeOf(address: string): string | undefined {
  if (!ipaddr.isValid(address)) return 'unrecognised';
  const parsed = ipaddr.parse(address);
  return parsed instanceof ipaddr.IPv4 ? v4Range(parsed) : v6Range(parsed);
}

/** True for any address a tenant's target must not resolve to (see forbiddenRangeOf). */
export function isForbiddenAddress(address: string): boolean {
  return forbiddenRangeOf(address) !== undefined;
}

const HOW_TO_ALLOW =
  'Switchboard refuses private, loopback, link-local and other non-public targets unless SWITCHBOARD_ALLOW_PRIVATE_NETWORKS=true';

function withArticle(range: string): string {
  return `${/^(unspecified|unrecognised)$/.test(range) ? 'an' : 'a'} ${range} address`;
}

/** A provider host that is, or resolves to, an address Switchboard refuses to connect to. */
export class ForbiddenTargetError extends Error {
  override readonly name = 'ForbiddenTargetError';

  constructor(
    /** The host as the tenant gave it (a name or a literal address). */
    readonly host: string,
    /** The refused address. */
    readonly address: string,
    /** Its range, as forbiddenRangeOf names it. */
    readonly range: string,
  ) {
    const what = host === address ? `${host} is` : `${host} resolves to ${address},`;
    super(`${what} ${withArticle(range)}; ${HOW_TO_ALLOW}`);
  }
}

/** The ForbiddenTargetError behind an error, however the HTTP client wrapped it (cause, AggregateError). */
export function forbiddenTargetOf(error: unknown): ForbiddenTargetError | undefined {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0) {
    const current = queue.shift();
    if (current instanceof ForbiddenTargetError) return current;
    if (!(current instanceof Error) || seen.has(current)) continue;
    seen.add(current);
    queue.push(current.cause);
    if (current instanceof AggregateError) queue.push(...current.errors);
  }
  return undefined;
}

function refusal(host: string, addresses: readonly LookupAddress[]): ForbiddenTargetError | undefined {
  for (const { address } of addresses) {
    const range = forbiddenRangeOf(address);
    if (range !== undefined) return new ForbiddenTargetError(host, address, range);
  }
  return undefined;
}

function bare(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

function notFound(hostname: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), {
    code: 'ENOTFOUND',
    hostname,
  });
}

/**
 * A `lookup` for net/tls.connect that resolves every address of the host, refuses the connection if
 * any is forbidden (a name with one public and one private record cannot pick the private one), and
 * hands the checked addresses to the socket, so nothing resolves the name a second time.
 */
export function guardedLookup(resolve: Resolver = systemResolver): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (addresses) => {
        const refused = refusal(hostname, addresses);
        if (refused) return callback(refused, []);
        const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
        const usable =
          family === 4 || family === 6 ? addresses.filter((a) => a.family === family) : addresses;
        const first = usable[0];
        if (!first) return callback(notFound(hostname), []);
        // With autoSelectFamily (Node's default) the socket asks for all of them and tries each.
        if (options.all) return callback(null, [...usable]);
        callback(null, first.address, first.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, []),
    );
  };
}

/**
 * undici's connector with the guarded lookup. net.connect skips `lookup` for a literal IP host, so a
 * literal is checked here, with the same test (net.isIP) that makes net skip it.
 */
function guardedConnector(resolve?: Resolver): buildConnector.connector {
  const connect = buildConnector({ lookup: guardedLookup(resolve) });
  return (options, callback) => {
    const host = bare(options.hostname);
    const range = isIP(host) === 0 ? undefined : forbiddenRangeOf(host);
    if (range !== undefined) return callback(new ForbiddenTargetError(host, host, range), null);
    connect(options, callback);
  };
}

/**
 * The dispatcher every request to a provider goes through: an undici Agent whose connections are
 * refused (ForbiddenTargetError, see forbiddenTargetOf) when their host is or resolves to a forbidden
 * address; a plain Agent when private networks are allowed. It pools connections: build it once.
 */
export function guardedDispatcher(options: GuardOptions): Dispatcher {
  if (options.allowPrivateNetworks) return new Agent();
  return new Agent({ connect: guardedConnector(options.resolve) });
}

/**
 * Checks a provider URL before any request (a `base_url` at create, update or test time), with the
 * same resolution the dispatcher does. A name that does not resolve passes: the request will fail as
 * unreachable, and the dispatcher checks again when it connects.
 */
export async function checkTarget(url: URL, options: GuardOptions): Promise<void> {
  if (options.allowPrivateNetworks) return;
  const host = bare(url.hostname);
  if (isIP(host) !== 0) {
    const range = forbiddenRangeOf(host);
    if (range !== undefined) throw new ForbiddenTargetError(host, host, range);
    return;
  }
  let addresses: readonly LookupAddress[];
  try {
    addresses = await (options.resolve ?? systemResolver)(host);
  } catch (error) {
    // A resolver failure (ENOTFOUND, EAI_AGAIN…) carries a code; anything else is a bug to surface.
    if (error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string') return;
    throw error;
  }
  const refused = refusal(host, addresses);
  if (refused) throw refused;
}

import { normalizeIP } from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';
import { sha256Hex } from '../../crypto/tokens.js';
import type { LimitKey } from './limits.js';

/**
 * Who authenticated the request, as a stable key (`user:<id>`, `api_key:<id>`), or undefined for an
 * anonymous one. Given by whoever authenticates (the guard), which runs before the limits.
 */
export type CallerKey = (request: FastifyRequest) => string | undefined;

/** Who a request is counted as, for one kind of limit. */
export type RequestKey = (request: FastifyRequest) => string;

// IPv6 clients usually hold a whole /64: counting per address would let one client rotate freely.
const ipOf: RequestKey = (request) => `ip:${normalizeIP(request.ip)}`;

const accountOf: RequestKey = (request) => {
  const body = request.body;
  if (typeof body !== 'object' || body === null || !('email' in body) || typeof body.email !== 'string') {
    return ipOf(request);
  }
  // Normalised as login looks accounts up, so case or spaces do not open fresh counters; hashed so
  // addresses do not sit in Redis key names.
  return `account:${sha256Hex(body.email.trim().toLowerCase())}`;
};

/** How each kind of limit keys its counters: the caller when signed in, else the address. */
export function requestKeys(callerKey: CallerKey): Record<LimitKey, RequestKey> {
  return {
    caller: (request) => callerKey(request) ?? ipOf(request),
    ip: ipOf,
    account: accountOf,
  };
}

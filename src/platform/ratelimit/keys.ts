import { normalizeIP } from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';
// The guard declares request.principal (the caller it authenticated in onRequest).
import type {} from '../../modules/auth/guard.js';
import { sha256Hex } from '../crypto/tokens.js';
import type { LimitKey } from './limits.js';

// IPv6 clients usually hold a whole /64: counting per address would let one client rotate freely.
const ipOf = (request: FastifyRequest) => `ip:${normalizeIP(request.ip)}`;

function callerOf(request: FastifyRequest): string {
  const principal = request.principal;
  return principal ? `${principal.kind}:${principal.id}` : ipOf(request);
}

function accountOf(request: FastifyRequest): string {
  const body = request.body;
  if (typeof body !== 'object' || body === null || !('email' in body) || typeof body.email !== 'string') {
    return ipOf(request);
  }
  // Normalised as login looks accounts up, so case or spaces do not open fresh counters; hashed so
  // addresses do not sit in Redis key names.
  return `account:${sha256Hex(body.email.trim().toLowerCase())}`;
}

const keyers: Record<LimitKey, (request: FastifyRequest) => string> = {
  caller: callerOf,
  ip: ipOf,
  account: accountOf,
};

/** The counter a request falls into for a limit: the limit's name, then who is counted. */
export function counterKey(name: string, per: LimitKey, request: FastifyRequest): string {
  return `${name}:${keyers[per](request)}`;
}

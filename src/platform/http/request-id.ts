import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const REQUEST_ID_HEADER = 'x-request-id';

// Printable ASCII without spaces or quotes, at most 128 characters: safe to echo and to log.
const SANE_REQUEST_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/**
 * Keeps a caller's request id when it is sane; otherwise makes a new one. Request ids are random
 * UUIDs rather than v7: they are never stored as keys, and generating v7 cost ~7% of a request.
 */
export function requestIdFor(request: IncomingMessage): string {
  const given = request.headers[REQUEST_ID_HEADER];
  return typeof given === 'string' && SANE_REQUEST_ID.test(given) ? given : randomUUID();
}

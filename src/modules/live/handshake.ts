import { AppError, type ErrorCode } from '../../platform/errors.js';
import type { Authenticator } from '../auth/authenticator.js';
import type { Principal } from '../auth/principal.js';

/** What a client sends in its handshake: `io({ auth: { token, org_id, since } })`. */
export type HandshakeAuth = Record<string, unknown>;

/** A socket let in: whose it is, the org whose room it joins, the last event it saw. */
export interface Admission {
  principal: Principal;
  orgId: string;
  since?: string;
}

const EVENT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Checks a handshake as the HTTP guard checks a request: the access token (or API key) through the
 * Authenticator, as the credential stands now; the `events:read` permission (live updates are the
 * event list, pushed); then the org asked for, which must be the token's (a token acts in one org:
 * switching org gives a new one).
 */
export async function admit(authenticator: Authenticator, auth: HandshakeAuth): Promise<Admission> {
  const { token, org_id: orgId, since } = auth;
  if (typeof token !== 'string' || token === '')
    throw new AppError('UNAUTHORIZED', 'Authentication required: send auth.token, an access token');
  const principal = await authenticator.authenticate(`Bearer ${token}`);
  if (!principal) throw new AppError('UNAUTHORIZED');
  if (!principal.permissions.has('events:read'))
    throw new AppError('FORBIDDEN', 'Requires the events:read permission', { permission: 'events:read' });
  if (orgId !== undefined && typeof orgId !== 'string') throw invalid('org_id', 'must be a string');
  if (since !== undefined && since !== null && (typeof since !== 'string' || !EVENT_ID.test(since)))
    throw invalid('since', 'must be the id of an event');
  if (orgId !== undefined && orgId !== principal.orgId)
    throw new AppError(
      'FORBIDDEN',
      'The token is for another organisation: switch organisation and connect with its token',
    );
  return { principal, orgId: principal.orgId, ...(typeof since === 'string' ? { since } : {}) };
}

const invalid = (field: string, message: string) =>
  new AppError('VALIDATION_ERROR', `Invalid handshake: auth.${field} ${message}`, {
    fields: [{ field, location: 'auth', message }],
  });

/**
 * A refused handshake, as Socket.io hands it to the client's `connect_error`: `message` is what the
 * client acts on (UNAUTHENTICATED: refresh the token and reconnect; FORBIDDEN: stop), `data` the
 * registry's code and the reason, for people.
 */
export interface Refusal extends Error {
  data: { code: ErrorCode; message: string; details?: Record<string, unknown> };
}

export function refusal(error: unknown): Refusal {
  const appError = error instanceof AppError ? error : new AppError('INTERNAL_ERROR');
  const kind = appError.kind;
  const message =
    kind === 'unauthenticated' ? 'UNAUTHENTICATED' : kind === 'forbidden' ? 'FORBIDDEN' : appError.code;
  return Object.assign(new Error(message), {
    data: {
      code: appError.code,
      message: appError.message,
      ...(appError.details ? { details: appError.details } : {}),
    },
  });
}

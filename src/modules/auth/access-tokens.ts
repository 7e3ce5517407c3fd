import { errors, jwtVerify, SignJWT } from 'jose';
import { LRUCache } from 'lru-cache';
import type { Clock } from '../../platform/clock.js';
import { AppError } from '../../platform/errors.js';

const ALGORITHM = 'HS256';
const ISSUER = 'switchboard';
const AUDIENCE = 'switchboard-api';

/**
 * Who the token was issued to, for which org, in which login session. Never the role or the
 * account state: those are read as they are now on every request (Authenticator), so that a
 * removal, demotion, deactivation or logout takes effect at once.
 */
export interface AccessClaims {
  userId: string;
  orgId: string;
  /** The refresh-token family (one login) the token was issued in. */
  sessionId: string;
  expiresAt: Date;
}

/**
 * Short-lived JWTs (jose). Only the configured algorithm is accepted (never `none`), with issuer,
 * audience and expiry checked. A verified token is remembered until it expires: the same string
 * always verifies the same way, and verification is the costly part of an authenticated request.
 */
export class AccessTokens {
  readonly #verified = new LRUCache<string, AccessClaims>({ max: 10_000 });

  constructor(
    private readonly key: Uint8Array,
    private readonly ttlSeconds: number,
    private readonly clock: Clock,
  ) {}

  async sign(claims: Omit<AccessClaims, 'expiresAt'>): Promise<{ token: string; expiresAt: Date }> {
    const now = Math.floor(this.clock.now().getTime() / 1000);
    const exp = now + this.ttlSeconds;
    const token = await new SignJWT({ org: claims.orgId, sid: claims.sessionId })
      .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
      .setSubject(claims.userId)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(exp)
      .sign(this.key);
    return { token, expiresAt: new Date(exp * 1000) };
  }

  async verify(token: string): Promise<AccessClaims> {
    const now = this.clock.now();
    const cached = this.#verified.get(token);
    if (cached) {
      if (cached.expiresAt > now) return cached;
      this.#verified.delete(token);
      throw new AppError('UNAUTHORIZED', 'Access token expired');
    }
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, this.key, {
        algorithms: [ALGORITHM],
        issuer: ISSUER,
        audience: AUDIENCE,
        currentDate: now,
        requiredClaims: ['sub', 'exp', 'iat'],
      }));
    } catch (error) {
      if (error instanceof errors.JWTExpired) throw new AppError('UNAUTHORIZED', 'Access token expired');
      throw new AppError('UNAUTHORIZED', 'Invalid access token');
    }
    const { sub, org, sid, exp } = payload;
    if (typeof sub !== 'string' || typeof org !== 'string' || typeof sid !== 'string') {
      throw new AppError('UNAUTHORIZED', 'Invalid access token');
    }
    const claims: AccessClaims = {
      userId: sub,
      orgId: org,
      sessionId: sid,
      expiresAt: new Date(Number(exp) * 1000),
    };
    this.#verified.set(token, claims);
    return claims;
  }
}

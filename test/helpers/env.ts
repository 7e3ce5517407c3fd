/** Postgres and Redis are used when CI (or a developer) sets these; otherwise tests run on SQLite only. */
export const DATABASE_URL = process.env.DATABASE_URL || undefined;
export const REDIS_URL = process.env.REDIS_URL || undefined;

export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
}

/** Every test process signs access tokens with this key (Postgres runs need one configured). */
export const TEST_JWT_SECRET = 'test-signing-key-0123456789abcdef0123456789';

/** Every test process encrypts credentials with this key (Postgres runs need one configured). */
export const TEST_ENCRYPTION_KEY = Buffer.alloc(32, 7).toString('base64');

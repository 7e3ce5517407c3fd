import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogLevelName } from '../../config.js';

export type { Logger } from 'pino';

export const REDACTED = '[redacted]';

// Names that carry secrets wherever they appear: credentials, tokens, keys, cookies, signatures.
const SECRET_NAME =
  /pass(word|phrase)?|secret|token|authorization|cookie|api[-_]?key|private[-_]?key|credential|signature|session/i;

export function looksSecret(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** Copies a value with every secret-looking field masked, to any depth (cycles and depth bounded). */
export function redactSecrets(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (value === null || typeof value !== 'object' || depth > 8) return value;
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, depth + 1, seen));
  if (value instanceof Error) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] =
      looksSecret(key) && v !== null && v !== undefined ? REDACTED : redactSecrets(v, depth + 1, seen);
  }
  return out;
}

/** The route a URL matched, and which of its path parameters are secrets (`['token']`). */
export interface SecretPath {
  /** The route's pattern, e.g. `/api/v1/invitations/:token/accept`. */
  pattern: string;
  secretParams: readonly string[];
}

/** Masks the path segments that hold a secret parameter, matched by position against the pattern. */
function redactPath(path: string, { pattern, secretParams }: SecretPath): string {
  const names = pattern.split('/');
  // A segment is masked whole when it names a secret (`:token`, `:token.json`); erring towards
  // masking (`:tokenId`) only hides an id.
  const secret = (segment: string) => secretParams.some((name) => segment.includes(`:${name}`));
  return path
    .split('/')
    .map((segment, i) => (names[i] !== undefined && secret(names[i]) ? REDACTED : segment))
    .join('/');
}

/**
 * Masks what a URL carries that must not be logged: the values of secret-looking query parameters
 * (`?token=…`) and, given the route it matched, the path segments its route declares secret.
 */
export function redactUrl(url: string, secretPath?: SecretPath): string {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const loggedPath = secretPath ? redactPath(path, secretPath) : path;
  if (q < 0) return loggedPath;
  const params = new URLSearchParams(url.slice(q + 1));
  let changed = false;
  for (const key of new Set(params.keys())) {
    if (looksSecret(key) || key === 'code' || key === 'state') {
      params.set(key, REDACTED);
      changed = true;
    }
  }
  if (changed) return `${loggedPath}?${params.toString()}`;
  return loggedPath === path ? url : `${loggedPath}${url.slice(q)}`;
}

/** JSON logs with secrets redacted; `destination` lets tests capture lines. */
export function createLogger(level: LogLevelName, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'switchboard' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        log: (object) => redactSecrets(object) as Record<string, unknown>,
      },
      redact: {
        paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'],
        censor: REDACTED,
      },
    },
    destination,
  );
}

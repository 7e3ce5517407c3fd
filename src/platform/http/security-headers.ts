import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';

// The features the spec names. JSON responses use none, so listing more only lengthens every response.
const PERMISSIONS_POLICY = 'geolocation=(), microphone=(), camera=()';

/**
 * The security headers every response carries (spec: external-system-integrations, "Security
 * Headers"), as helmet computes them. They do not vary per request, so they are computed once here
 * instead of by helmet's middleware on every request (a measured cost on the hot path).
 */
export function securityHeaders(): Record<string, string> {
  const res = new ServerResponse(new IncomingMessage(new Socket()));
  helmet({
    // The policy for API responses (OWASP REST Security): JSON loads nothing and is never framed.
    // Pages served as HTML set their own, as /docs does.
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
    },
    // Isolates browsing contexts: only meaningful for HTML documents, which set their own headers.
    crossOriginOpenerPolicy: false,
    frameguard: { action: 'deny' },
    strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
    referrerPolicy: { policy: 'no-referrer' },
    // Headers for retired browser features (IE8 downloads, Flash, DNS prefetch, the XSS auditor)
    // protect nothing today and cost every response.
    xDnsPrefetchControl: false,
    xDownloadOptions: false,
    xPermittedCrossDomainPolicies: false,
    xXssProtection: false,
    originAgentCluster: false,
  })(res.req, res, () => {});
  const headers: Record<string, string> = { 'permissions-policy': PERMISSIONS_POLICY };
  for (const [name, value] of Object.entries(res.getHeaders())) {
    if (value !== undefined) headers[name] = String(value);
  }
  return headers;
}

/**
 * The headers of the dashboard's pages (web-app.ts), over the ones above: its own scripts, styles,
 * images and fonts, requests to this origin (Socket.io's WebSocket upgrade named as well, for
 * browsers whose 'self' does not cover ws:), and nothing else. API responses keep their policy.
 */
export function webAppHeaders(publicUrl: string): Record<string, string> {
  const { protocol, host } = new URL(publicUrl);
  const socket = `${protocol === 'https:' ? 'wss' : 'ws'}://${host}`;
  const policy = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self' ${socket}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
  return { 'content-security-policy': policy, 'cross-origin-opener-policy': 'same-origin' };
}

/** CORS stays off (no Access-Control-* headers at all) unless origins are configured. */
export async function registerCors(app: FastifyInstance, origins: string[]): Promise<void> {
  if (origins.length === 0) return;
  await app.register(cors, {
    origin: origins,
    credentials: true,
    exposedHeaders: [
      'x-request-id',
      'x-ratelimit-limit',
      'x-ratelimit-remaining',
      'x-ratelimit-reset',
      'retry-after',
    ],
  });
}

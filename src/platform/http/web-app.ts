import { stat } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { webAppHeaders } from './security-headers.js';

/** What the app never answers: the API, its reference, Socket.io and the system routes. */
const NOT_THE_APP = /^\/(?:api|docs|socket\.io|healthz|readyz|metrics)(?:\/|$)/;

/** A file at the top of the build (favicon.svg, robots.txt): one segment with an extension. */
const TOP_LEVEL_FILE = /^\/[^/]+\.[A-Za-z0-9]+$/;

// Hashed names change with their content, so they never need asking again.
const ONE_YEAR_MS = 31_536_000_000;

const NOT_BUILT = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Switchboard</title></head>
<body>
<main>
<h1>Switchboard</h1>
<p>The dashboard has not been built. Run <code>npm run build</code>, then reload this page.</p>
<p>The API is served under <code>/api/v1</code>: see its <a href="/docs">reference</a>.</p>
</main>
</body>
</html>
`;

/**
 * Whether a request is for the app: a GET (or HEAD) outside the API and system routes, for a page
 * (the browser accepts HTML) or a file at the top of the build. A route constraint rather than a
 * condition in the handler: a catch-all route would be matched by every path the router finds
 * nothing else for, the API's included, and would take over the router's own refusals (a path
 * parameter over the length limit is a 414, not a 404).
 */
function isForTheApp(req: IncomingMessage): 'yes' | undefined {
  if (req.method !== 'GET' && req.method !== 'HEAD') return undefined;
  const pathname = (req.url ?? '/').split('?')[0] ?? '/';
  if (NOT_THE_APP.test(pathname)) return undefined;
  if (TOP_LEVEL_FILE.test(pathname) || req.headers.accept?.includes('text/html')) return 'yes';
  return undefined;
}

const APP_CONSTRAINT = 'switchboardWebApp';

type Strategy = Parameters<FastifyInstance['addConstraintStrategy']>[0];
type RouteHandle = Parameters<ReturnType<Strategy['storage']>['set']>[1];

/**
 * The dashboard, built into `dir` (index.html and hashed files under assets/), at `/` on the API's
 * origin: assets cached for good, index.html revalidated on every load, and any other page address
 * a browser asks for answered with index.html, whose router shows it. Without a build, pages
 * answer a note saying how to build it. The API's unknown paths keep their JSON 404.
 */
export async function registerWebApp(
  app: FastifyInstance,
  settings: { dir: string; publicUrl: string },
): Promise<void> {
  const pageHeaders = { ...webAppHeaders(settings.publicUrl), 'cache-control': 'no-cache' };
  const index = path.join(settings.dir, 'index.html');
  app.addConstraintStrategy({
    name: APP_CONSTRAINT,
    storage() {
      const handlers = new Map<unknown, RouteHandle>();
      return {
        get: (value) => handlers.get(value) ?? null,
        set: (value, handler) => void handlers.set(value, handler),
      };
    },
    deriveConstraint: isForTheApp,
  });
  // A scope of its own, so that the reply's sendFile stays here.
  await app.register(async (scope) => {
    await scope.register(fastifyStatic, {
      root: path.join(settings.dir, 'assets'),
      prefix: '/assets/',
      maxAge: ONE_YEAR_MS,
      immutable: true,
      index: false,
      // No build yet is a normal state (tests, `npm run dev`): the pages say so.
      suppressWarning: true,
    });
    scope.get(
      '/*',
      { schema: { hide: true }, constraints: { [APP_CONSTRAINT]: 'yes' } },
      async (request: FastifyRequest, reply: FastifyReply) => {
        const pathname = request.url.split('?')[0] ?? '/';
        if (TOP_LEVEL_FILE.test(pathname) && pathname !== '/index.html') {
          return reply.header('cache-control', 'no-cache').sendFile(pathname.slice(1), settings.dir, {
            cacheControl: false,
          });
        }
        reply.headers(pageHeaders);
        if (!(await isFile(index))) return reply.type('text/html; charset=utf-8').send(NOT_BUILT);
        return reply.sendFile('index.html', settings.dir, { cacheControl: false });
      },
    );
  });
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

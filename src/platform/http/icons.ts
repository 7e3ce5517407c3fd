import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import fresh from 'fresh';
import { AppError } from '../errors.js';

const ICON_FILE = /^([a-z0-9][a-z0-9-]*)\.svg$/;

/**
 * SVG is a document that may hold scripts: opened on its own it runs none and loads nothing. Public
 * images, so other origins may show them (the catalog's `icon_url` is for any client to display).
 */
const ICON_HEADERS = {
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'; sandbox",
  'cross-origin-resource-policy': 'cross-origin',
  // Icons change only with a release: a day without asking, then a cheap revalidation.
  'cache-control': 'public, max-age=86400',
};

/**
 * The integrations' icons at `/icons/integrations/<slug>.svg`, public, the SVG `svgOf` gives for the
 * slug; an unknown slug is a 404.
 */
export function registerIcons(app: FastifyInstance, svgOf: (slug: string) => string | undefined): void {
  // An icon's SVG is fixed for the process: its tag is hashed once.
  const etags = new Map<string, string>();
  const etagOf = (svg: string) => {
    let etag = etags.get(svg);
    if (etag === undefined) {
      etag = `"${createHash('sha256').update(svg).digest('base64url').slice(0, 27)}"`;
      etags.set(svg, etag);
    }
    return etag;
  };
  app.get<{ Params: { file: string } }>(
    '/icons/integrations/:file',
    { schema: { hide: true } },
    async (request, reply) => {
      const slug = ICON_FILE.exec(request.params.file)?.[1];
      const svg = slug === undefined ? undefined : svgOf(slug);
      if (svg === undefined) throw new AppError('NOT_FOUND', `No integration icon at ${request.url}`);
      const etag = etagOf(svg);
      reply.headers({ ...ICON_HEADERS, etag });
      if (fresh(request.headers, { etag })) return reply.code(304).send();
      return reply.type('image/svg+xml').send(svg);
    },
  );
}

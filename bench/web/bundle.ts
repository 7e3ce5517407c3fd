// What the built app costs a first visit: the JavaScript index.html loads, and what the dashboard
// page loaded in the browser (index.html's scripts and the lazy chunks of its first page), gzipped.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { root } from '../lib.js';

export const WEB_DIR = path.join(root, 'dist/web');

/** gzip at the level servers and CDNs use by default (6), as the browser would receive it. */
export function gzipBytes(file: string): number {
  return zlib.gzipSync(fs.readFileSync(file), { level: 6 }).length;
}

/** The files under dist/web that index.html loads as scripts (its entry and module preloads). */
export function indexScripts(): string[] {
  const html = fs.readFileSync(path.join(WEB_DIR, 'index.html'), 'utf8');
  const refs = [
    ...html.matchAll(/<script[^>]*\ssrc="([^"]+)"/g),
    ...html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+)"/g),
  ].map((m) => m[1]!);
  if (refs.length === 0) throw new Error('dist/web/index.html loads no script: is the build there?');
  return [...new Set(refs)].map((ref) => path.join(WEB_DIR, ref));
}

/** A built file by the path the browser asked for (`/assets/x.js`). */
export function builtFile(urlPath: string): string {
  return path.join(WEB_DIR, urlPath);
}

export function totalGzip(files: string[]): number {
  return files.reduce((sum, file) => sum + gzipBytes(file), 0);
}

import compress from '@fastify/compress';
import type { FastifyInstance } from 'fastify';

/**
 * Answers compressed with brotli or gzip, whichever the client prefers (Accept-Encoding), the API's
 * JSON and the web app's files alike. Below 1 KB the saving is less than a packet and not worth the
 * CPU. Request bodies are left as sent: the JSON parser reads them with its own limits.
 */
export async function registerCompression(app: FastifyInstance): Promise<void> {
  await app.register(compress, {
    encodings: ['br', 'gzip'],
    threshold: 1024,
    globalDecompression: false,
  });
}

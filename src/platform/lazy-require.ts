import { createRequire } from 'node:module';

/**
 * Loads a CommonJS dependency when first needed. The drivers of scale-out mode (pg, ioredis,
 * BullMQ) cost ~0.5 s of start-up together; an embedded process never uses them (bench/http).
 */
export const lazyRequire = createRequire(import.meta.url);

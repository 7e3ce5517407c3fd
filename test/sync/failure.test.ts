import { describe, expect, it } from 'vitest';
import { testContext } from '../../src/connectors/toolkit/test-kit.js';
import { classify, MAX_RETRY_DELAY_MS, retryDelayMs } from '../../src/modules/sync/engine/failure.js';
import { StorageError } from '../../src/modules/sync/storage/batch-sink.js';
import { PagedConnector } from '../fakes/paged-connector.js';

const BASE = 10_000;
const lowest = () => 0;
const highest = () => 1;

describe('retry backoff', () => {
  it('doubles with each retry, jittered over the upper half of its ceiling', () => {
    for (const [retry, ceiling] of [
      [1, 10_000],
      [2, 20_000],
      [3, 40_000],
      [4, 80_000],
    ] as const) {
      expect(retryDelayMs(retry, BASE, undefined, lowest)).toBe(ceiling / 2);
      expect(retryDelayMs(retry, BASE, undefined, highest)).toBe(ceiling);
      expect(retryDelayMs(retry, BASE, undefined, () => 0.5)).toBe((ceiling * 3) / 4);
    }
  });

  it('never waits more than an hour, unless the provider asks for longer', () => {
    expect(retryDelayMs(30, BASE, undefined, highest)).toBe(MAX_RETRY_DELAY_MS);
    expect(retryDelayMs(30, BASE, 2 * MAX_RETRY_DELAY_MS, highest)).toBe(2 * MAX_RETRY_DELAY_MS);
  });

  it("never retries before the provider's Retry-After, nor sooner than the backoff", () => {
    expect(retryDelayMs(1, BASE, 120_000, highest)).toBe(120_000);
    expect(retryDelayMs(3, BASE, 1_000, lowest)).toBe(20_000);
  });
});

describe('a storage failure', () => {
  it('is retried when its database error passes, named as storing, not as the connector', () => {
    for (const code of [
      'SQLITE_BUSY',
      'SQLITE_FULL',
      'SQLITE_IOERR_WRITE',
      '40P01',
      '08006',
      '53100',
      'ECONNRESET',
    ]) {
      expect(classify(new StorageError('no luck', code)), code).toEqual({
        failure: 'transient',
        message: 'Storing the synced records failed: no luck',
      });
    }
  });

  it('fails the run when it would fail again', () => {
    for (const code of ['SQLITE_CONSTRAINT_FOREIGNKEY', '23505', '22P02', null]) {
      expect(classify(new StorageError('no luck', code)).failure, String(code)).toBe('permanent');
    }
  });
});

describe('a config the engine cannot use', () => {
  it('is a validation failure naming the field, not an HTTP body error', async () => {
    const { ctx } = testContext(new PagedConnector(), { base_url: '', api_token: 't' });
    const error = await ctx.fetch('/items').catch((thrown: unknown) => thrown);
    expect(classify(error)).toEqual({
      failure: 'validation',
      message:
        "The connection's config cannot be used: config.base_url is required: the connector calls the provider there",
    });
  });
});

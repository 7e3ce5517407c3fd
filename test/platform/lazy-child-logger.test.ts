import type { FastifyBaseLogger } from 'fastify';
import { describe, expect, it, vi } from 'vitest';
import { LazyChildLogger } from '../../src/platform/logging/lazy-child-logger.js';
import { createLogger } from '../../src/platform/logging/logger.js';

function captured() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger('info', { write: (line: string) => lines.push(JSON.parse(line)) });
  return { logger: logger as FastifyBaseLogger, lines };
}

describe('lazy request logger', () => {
  it('makes its child only when it first logs, once, with the bindings', () => {
    const { logger, lines } = captured();
    const child = vi.spyOn(logger, 'child');
    const lazy = new LazyChildLogger(logger, { request_id: 'r-1' }, {});
    expect(lazy.level).toBe('info');
    expect(child).not.toHaveBeenCalled();
    lazy.info({ status_code: 200 }, 'request %s', 'completed');
    lazy.error(new Error('boom'));
    lazy.debug('below the level');
    expect(child).toHaveBeenCalledTimes(1);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ request_id: 'r-1', status_code: 200, msg: 'request completed' });
    expect(lines[1]).toMatchObject({ request_id: 'r-1', level: 'error', msg: 'boom' });
  });

  it('sets the level on its own child, not on the parent', () => {
    const { logger, lines } = captured();
    const lazy = new LazyChildLogger(logger, { request_id: 'r-2' }, {});
    lazy.level = 'debug';
    lazy.debug('now written');
    expect(logger.level).toBe('info');
    expect(lines).toEqual([expect.objectContaining({ request_id: 'r-2', msg: 'now written' })]);
  });
});

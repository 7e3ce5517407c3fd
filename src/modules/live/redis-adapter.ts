import type { createAdapter } from '@socket.io/redis-adapter';
import { lazyRequire } from '../../platform/lazy-require.js';
import type { Logger } from '../../platform/logging/logger.js';
import type { Redis } from '../../platform/redis/redis.js';

const redisAdapterModule = () =>
  lazyRequire('@socket.io/redis-adapter') as typeof import('@socket.io/redis-adapter');

export interface LiveRedisAdapter {
  adapter: ReturnType<typeof createAdapter>;
  /** Called when the subscription comes back after a loss: broadcasts of other processes were missed meanwhile. */
  onRecovered(handler: () => void): void;
  close(): void;
}

/**
 * Socket.io's Redis adapter on connections of the process's own Redis: a room broadcast from any
 * API process reaches the room's sockets on every process. Its channels carry the deployment's key
 * prefix (ioredis prefixes keys, not channels), so deployments and test runs sharing a Redis stay
 * apart.
 */
export function liveRedisAdapter(redis: Redis, logger: Logger): LiveRedisAdapter {
  const prefix = redis.options.keyPrefix ?? '';
  // Fails at once while Redis is down (no offline queue), like every command of the process.
  const pub = redis.duplicate({ keyPrefix: '' });
  // A connection in subscriber mode can do nothing else. The adapter subscribes once, at the
  // start: its subscriptions wait for Redis however long it takes (ioredis renews them after).
  const sub = redis.duplicate({
    keyPrefix: '',
    enableOfflineQueue: true,
    maxRetriesPerRequest: null,
    commandTimeout: undefined,
  });
  // Connection errors surface through failing commands; without a listener ioredis logs each retry.
  pub.on('error', () => {});
  sub.on('error', () => {});
  let warned = false;
  pub.on('ready', () => {
    warned = false;
  });
  const adapter = redisAdapterModule().createAdapter(
    handlingRejections(pub, (err) => {
      // Once per outage: every emit fails while Redis is down.
      if (warned) return;
      warned = true;
      logger.warn(
        { err },
        'live updates: broadcast to other processes failed; their clients resync when Redis returns',
      );
    }),
    // Its subscriptions fail only if it is closed before Redis is reached.
    handlingRejections(sub, (err) => logger.warn({ err }, 'live updates: Redis subscription failed')),
    { key: `${prefix}socket.io` },
  );
  let subscribed = false;
  const recovered: (() => void)[] = [];
  sub.on('ready', () => {
    if (subscribed) for (const handler of recovered) handler();
    subscribed = true;
  });
  return {
    adapter,
    onRecovered: (handler) => recovered.push(handler),
    close() {
      pub.disconnect();
      sub.disconnect();
    },
  };
}

/**
 * The adapter drops the promise of every command it sends (publish, subscribe), so one failing
 * while Redis is down would be an unhandled rejection, which ends the process
 * (socket.io-redis-emitter#139 is the same flaw). This client hands such failures to `onError`.
 */
function handlingRejections(redis: Redis, onError: (err: unknown) => void): Redis {
  return new Proxy(redis, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const result: unknown = value.apply(target, args);
        if (result instanceof Promise) result.catch(onError);
        return result;
      };
    },
  });
}

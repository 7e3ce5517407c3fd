import type { AppContext } from '../../context.js';

const CHECK_TIMEOUT_MS = 2_000;

export type CheckResult = 'ok' | 'not_configured' | 'unreachable' | 'migrations_pending';

export interface Readiness {
  database: CheckResult;
  migrations: CheckResult;
  redis: CheckResult;
}

async function check(probe: () => Promise<unknown>, failure: CheckResult): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([probe(), timeout]);
    return 'ok';
  } catch {
    return failure;
  } finally {
    clearTimeout(timer);
  }
}

/** Whether what the process depends on answers: the database, its migrations, Redis when configured. */
export async function readiness({
  database,
  redis,
}: Pick<AppContext, 'database' | 'redis'>): Promise<Readiness> {
  const reachable = await check(() => database.ping(), 'unreachable');
  const migrations =
    reachable === 'ok'
      ? await check(async () => {
          if ((await database.pendingMigrations()).length > 0) throw new Error('pending');
        }, 'migrations_pending')
      : 'unreachable';
  const redisCheck = redis ? await check(() => redis.ping(), 'unreachable') : 'not_configured';
  return { database: reachable, migrations, redis: redisCheck };
}

import pg from 'pg';

/** What a pooled connection's backend was doing when sampled. */
type State =
  | 'row lock'
  | 'WAL flush'
  | 'other wait'
  | 'running'
  | 'waiting on the app in a transaction'
  | 'idle';

export interface Waits {
  /** Share of samples in each state, largest first. */
  shares: [State, number][];
  /** The statement most often waiting for a row lock, if any did. */
  lockedStatement?: string;
}

interface Activity {
  state: string | null;
  wait_event_type: string | null;
  wait_event: string | null;
  query: string;
}

function stateOf(row: Activity): State {
  if (row.state === 'idle in transaction') return 'waiting on the app in a transaction';
  if (row.state !== 'active') return 'idle';
  if (row.wait_event_type === 'Lock') return 'row lock';
  if (row.wait_event_type === 'IO' && row.wait_event?.startsWith('WAL')) return 'WAL flush';
  // Active and on the client's socket: sending its results.
  if (row.wait_event_type === null || row.wait_event_type === 'Client') return 'running';
  return 'other wait';
}

/**
 * What the backends of `url`'s database do while some work runs, sampled every `everyMs`: where a
 * PostgreSQL-bound receiver's time goes (row locks, WAL flushes, the app between statements).
 */
export class WaitSampler {
  readonly #counts = new Map<State, number>();
  readonly #locked = new Map<string, number>();

  constructor(
    private readonly url: string,
    private readonly everyMs: number,
  ) {}

  /** Samples until `work` settles; its result. */
  async during<T>(work: Promise<T>): Promise<T> {
    let settled = false;
    const done = work.finally(() => {
      settled = true;
    });
    const client = new pg.Client({ connectionString: this.url });
    await client.connect();
    try {
      while (!settled) {
        const { rows } = await client.query<Activity>(
          `select state, wait_event_type, wait_event, query from pg_stat_activity
           where datname = current_database() and pid <> pg_backend_pid() and backend_type = 'client backend'`,
        );
        for (const row of rows) {
          const state = stateOf(row);
          this.#counts.set(state, (this.#counts.get(state) ?? 0) + 1);
          if (state === 'row lock') this.#locked.set(row.query, (this.#locked.get(row.query) ?? 0) + 1);
        }
        await Promise.race([done, new Promise((r) => setTimeout(r, this.everyMs))]);
      }
    } finally {
      await client.end();
    }
    return done;
  }

  summary(): Waits {
    const total = [...this.#counts.values()].reduce((a, b) => a + b, 0);
    const shares = [...this.#counts.entries()]
      .map(([state, n]): [State, number] => [state, n / total])
      .sort((a, b) => b[1] - a[1]);
    const top = [...this.#locked.entries()].sort((a, b) => b[1] - a[1])[0];
    return { shares, ...(top ? { lockedStatement: top[0] } : {}) };
  }
}

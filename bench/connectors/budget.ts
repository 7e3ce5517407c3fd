// The earliest a sync can end under a fake's budget, by the fakes' own window arithmetic
// (test/fakes/okta/server.ts `spend`, test/fakes/github/server.ts `windowOf`): a window opens at
// the first request counted after the last one ended, and ends at `ceil((opened + windowMs) / 1000)`
// whole seconds; `limit` requests are counted in it, each family of endpoints apart.

/** When a window opened at `openedAt` (epoch ms) ends, as the fakes compute it. */
function windowEnd(openedAt: number, windowMs: number): number {
  return Math.ceil((openedAt + windowMs) / 1000) * 1000;
}

export interface PacedSync {
  /** When the run started, epoch ms: its first request is counted just after. */
  startedAt: number;
  /** The sync's requests per family the fake counts apart. */
  families: Record<string, number>;
  limit: number;
  windowMs: number;
  /** The bare loop's time for the same requests with no budget. */
  bareMs: number;
}

export interface Earliest {
  /** Ms from the run's start. */
  ms: number;
  /** The family whose budget decides it, with its requests and the windows they need. */
  family: string;
  requests: number;
  windows: number;
}

/**
 * A family of `n` requests needs `m = ceil(n / limit)` windows: it cannot send its last `n − (m−1) ×
 * limit` requests before its (m−1)-th window has ended, and those take at least their share of the
 * bare loop's unthrottled time. Windows after the first open a millisecond after the last ended at
 * the earliest (the fakes count a request after its latency: never exactly on the second). The
 * first opens at the run's start, or within the same half-second, which is the same window end for
 * a `windowMs` of 500 (the engine process starts the run just after a whole second). The sync's
 * earliest end is the latest of its families', and never before the bare loop's.
 */
export function earliest(sync: PacedSync): Earliest {
  let worst: Earliest = { ms: sync.bareMs, family: '(none)', requests: 0, windows: 1 };
  for (const [family, requests] of Object.entries(sync.families)) {
    const windows = Math.ceil(requests / sync.limit);
    if (windows < 2) continue;
    let end = windowEnd(sync.startedAt, sync.windowMs);
    for (let w = 2; w < windows; w++) end = windowEnd(end + 1, sync.windowMs);
    const last = requests - (windows - 1) * sync.limit;
    const ms = end + 1 - sync.startedAt + (sync.bareMs * last) / requests;
    if (ms > worst.ms) worst = { ms, family, requests, windows };
  }
  return worst;
}

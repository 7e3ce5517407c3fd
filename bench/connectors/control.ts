// The control channel of a fake provider process (fake.ts): the engine process sets the fake's
// budget and reads what it answered, over HTTP on loopback, between measurements.
import { request } from 'undici';

/** Requests allowed per window in each limit the fake counts; null: as good as none. */
export type Budget = { limit: number; windowMs: number } | null;

/** What the fake answered since its last reset. */
export interface FakeStats {
  requests: number;
  /** Requests per rate-limit family, as the fake counts them apart. */
  families: Record<string, number>;
  /**
   * Answers that were the budget refusing a request (Okta's 429 E0000047, GitHub's primary-limit 403,
   * AWS's ThrottlingException, Slack's 429 `ratelimited`).
   */
  rateLimited: number;
}

export interface FakeControl {
  /** Clears the request log and the rate-limit windows, and sets the budget. */
  reset(budget: Budget): Promise<void>;
  stats(): Promise<FakeStats>;
}

export function fakeControl(url: string): FakeControl {
  return {
    async reset(budget) {
      const res = await request(`${url}/reset`, { method: 'POST', body: JSON.stringify({ budget }) });
      await res.body.dump();
      if (res.statusCode !== 204) throw new Error(`fake reset: HTTP ${res.statusCode}`);
    },
    async stats() {
      const res = await request(`${url}/stats`);
      if (res.statusCode !== 200) throw new Error(`fake stats: HTTP ${res.statusCode}`);
      return (await res.body.json()) as FakeStats;
    },
  };
}

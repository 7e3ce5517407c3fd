import { percentile, type Row } from '../../lib.js';
import type { Latencies } from '../load.js';
import type { Waits } from '../pg-waits.js';
import type { Spent } from './latency.js';
import type { SinkStats } from './sink-client.js';

/** How the outbound bench's rows put figures. */

export const num = (v: number, digits = 0) =>
  v.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });
export const ms = (v: number) => `${num(v, v < 10 ? 1 : 0)} ms`;
const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
export const median = (values: number[]) => percentile(sorted(values), 0.5);
export const p99 = (values: number[]) => percentile(sorted(values), 0.99);
export const spread = (values: number[]) => {
  const s = sorted(values);
  return `p50 ${ms(percentile(s, 0.5))}, p99 ${ms(percentile(s, 0.99))}, max ${ms(s.at(-1) ?? Number.NaN)}`;
};

/** What the sink saw, as a check that every delivery arrived once and verified. */
export function arrivals(stats: SinkStats): string {
  const duplicates = stats.received - stats.distinct;
  return (
    `${num(stats.eventIds.length)} events at the sink, ${num(stats.received)} requests` +
    `${duplicates > 0 ? ` (${num(duplicates)} sent again)` : ''}; signatures sampled: ${num(stats.verified)} verified` +
    `${stats.unverified > 0 ? `, ${num(stats.unverified)} NOT` : ''}${stats.malformed > 0 ? `; ${num(stats.malformed)} MALFORMED` : ''}`
  );
}

/** Every sampled signature verified and every body well formed. */
export const clean = (stats: SinkStats) =>
  stats.unverified === 0 && stats.malformed === 0 && stats.verified > 0;

/** Said when an open loop stopped sending because the API fell `giveUpSeconds` behind. */
export const stopped = (l: Latencies, giveUpSeconds: number) =>
  l.gaveUpAfterSeconds === undefined
    ? ''
    : `; publishing STOPPED after ${num(l.gaveUpAfterSeconds, 1)} s, ${giveUpSeconds} s of events unanswered`;

export function spentText(spent: Spent): string {
  const busy = spent.busy.map((b) => `${b.role} ${num(b.share * 100)}%`).join(', ');
  return `${num(spent.perEventMicros)} µs an event; busy: ${busy} of a core`;
}

export function waitRows(waits: Waits | undefined, when: string): Row[] {
  if (!waits) return [];
  const shares = waits.shares
    .filter(([, share]) => share >= 0.005)
    .map(([state, share]) => `${state} ${num(share * 100)}%`)
    .join(', ');
  const locked = waits.lockedStatement
    ? `; the statement waiting for a row lock: ${waits.lockedStatement.replace(/\s+/g, ' ').slice(0, 90)}`
    : '';
  return [{ name: `PostgreSQL backends ${when} (sampled)`, value: `${shares}${locked}` }];
}

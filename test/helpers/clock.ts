import type { Clock } from '../../src/platform/clock.js';

/** A clock that moves only when told to. */
export class FakeClock implements Clock {
  #now: number;

  constructor(start = '2026-11-22T12:00:00.000Z') {
    this.#now = Date.parse(start);
  }

  now(): Date {
    return new Date(this.#now);
  }

  advance(ms: number): void {
    this.#now += ms;
  }
}

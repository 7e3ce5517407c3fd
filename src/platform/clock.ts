/** Where "now" comes from, so that expiry, inactivity and schedules can be tested with a fake clock. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

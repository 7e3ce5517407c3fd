import type { Row } from '../lib.js';
import type { Store } from '../webhooks/switchboard.js';
import type { Seeded } from './seed.js';
import type { Switchboard } from './switchboard.js';

/** What each part of bench/dashboard is given on a store: the running service and the seeded org. */
export interface Stage {
  store: Store;
  switchboard: Switchboard;
  seeded: Seeded;
}

/** A table of results under its title, and lines of evidence printed after it. */
export interface Section {
  title: string;
  rows: Row[];
  notes?: string[];
}

/** A part of the bench: measures on a stage, reports sections. */
export type Part = (stage: Stage) => Promise<Section[]>;

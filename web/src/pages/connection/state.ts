import type { TestResult } from '../../api/types';

/** What the connect form hands the new connection's page (router state). */
export interface ConnectionPageState {
  created?: boolean;
  test?: TestResult;
  /** A step after creation that failed (the test, starting OAuth), in words. */
  failure?: string;
}

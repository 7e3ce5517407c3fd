import { queryOptions } from '@tanstack/react-query';
import type { ApiClient } from '../api/client';
import { getDashboard, getSyncActivity } from '../api/dashboard';
import { keys } from './keys';

/** The period the dashboard's sync activity opens on, in hours. */
export const OPENING_ACTIVITY_HOURS = 24;

export const dashboardQuery = (api: ApiClient) =>
  queryOptions({ queryKey: keys.dashboard, queryFn: ({ signal }) => getDashboard(api, signal) });

export const syncActivityQuery = (api: ApiClient, hours: number) =>
  queryOptions({
    queryKey: keys.syncActivity(hours),
    queryFn: ({ signal }) => getSyncActivity(api, hours, undefined, signal),
  });

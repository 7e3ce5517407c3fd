import { queryOptions, useQuery } from '@tanstack/react-query';
import { useCallback } from 'react';
import type { ApiClient } from '../api/client';
import type { Envelope, Me } from '../api/types';
import { useApi, useSession } from '../app/services';
import { keys } from '../queries/keys';
import { hasPermission, type Permission } from './permissions';

export const meQuery = (api: ApiClient) =>
  queryOptions({
    queryKey: keys.me,
    queryFn: ({ signal }) => api.get<Envelope<Me>>('/auth/me', undefined, signal).then((body) => body.data),
    staleTime: 60_000,
  });

/** The caller as the server sees them now: role, permissions, organisations. */
export function useMe() {
  const api = useApi();
  const signedIn = useSession().status === 'signed_in';
  return useQuery({ ...meQuery(api), enabled: signedIn });
}

/** `can('connections:create')`: false until the caller's permissions are known. */
export function useCan(): (permission: Permission) => boolean {
  const permissions = useMe().data?.permissions;
  return useCallback((permission: Permission) => hasPermission(permissions, permission), [permissions]);
}

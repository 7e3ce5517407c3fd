import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createContext, type ReactNode, useContext, useSyncExternalStore } from 'react';
import type { ApiClient } from '../api/client';
import { isApiError } from '../api/errors';
import type { SessionManager, SessionState } from '../auth/session';
import type { SocketFactory } from '../live/live-client';

/** What the app is built from; tests pass fakes (a fetch, a socket). */
export interface AppServices {
  session: SessionManager;
  queryClient: QueryClient;
  connectSocket: SocketFactory;
}

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 30_000,
        // Live events refresh what changed; a refetch on focus would only repeat them.
        refetchOnWindowFocus: false,
        // A 4xx will not change by asking again; a network error or a 5xx may.
        retry: (failures, error) =>
          failures < 2 && !(isApiError(error) && error.status >= 400 && error.status < 500),
      },
    },
  });
}

const ServicesContext = createContext<AppServices | null>(null);

export function ServicesProvider({ services, children }: { services: AppServices; children: ReactNode }) {
  return (
    <ServicesContext.Provider value={services}>
      <QueryClientProvider client={services.queryClient}>{children}</QueryClientProvider>
    </ServicesContext.Provider>
  );
}

export function useServices(): AppServices {
  const services = useContext(ServicesContext);
  if (!services) throw new Error('useServices() outside <ServicesProvider>');
  return services;
}

export function useApi(): ApiClient {
  return useServices().session.client;
}

export function useSession(): SessionState {
  const { session } = useServices();
  return useSyncExternalStore(session.subscribe, session.getState);
}

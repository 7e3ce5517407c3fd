import { createContext, type ReactNode, useContext, useEffect, useState, useSyncExternalStore } from 'react';
import { useServices } from '../app/services';
import { LiveClient, type LiveStatus } from './live-client';

const LiveContext = createContext<LiveClient | null>(null);

interface LiveProviderProps {
  orgId: string;
  /** Live updates are the event list pushed: callers without `events:read` get none (and no socket). */
  enabled: boolean;
  children: ReactNode;
}

/** One live socket for the signed-in session's org, closed when the org changes or the session ends. */
export function LiveProvider({ orgId, enabled, children }: LiveProviderProps) {
  const { session, queryClient, connectSocket } = useServices();
  const [client, setClient] = useState<LiveClient | null>(null);
  useEffect(() => {
    if (!enabled) return;
    const live = new LiveClient({ connect: connectSocket, orgId, tokens: session, queryClient });
    live.start();
    setClient(live);
    return () => {
      live.stop();
      setClient(null);
    };
  }, [orgId, enabled, session, queryClient, connectSocket]);
  return <LiveContext.Provider value={client}>{children}</LiveContext.Provider>;
}

const noStatus = () => (): void => undefined;

export function useLiveStatus(): LiveStatus | undefined {
  const client = useContext(LiveContext);
  return useSyncExternalStore(client?.subscribe ?? noStatus, client?.getStatus ?? (() => undefined));
}

const WORDS: Record<LiveStatus, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  offline: 'Offline',
};

const HINTS: Record<LiveStatus, string> = {
  connecting: 'Opening the live connection.',
  live: 'Changes appear as they happen.',
  reconnecting: 'The live connection dropped; retrying. Missed changes load when it is back.',
  offline: 'No live updates: reload the page to try again.',
};

/** A small "Live / Reconnecting" indicator, announced politely when it changes. */
export function LiveIndicator() {
  const status = useLiveStatus();
  if (!status) return null;
  return (
    <p className={`live live--${status}`} role="status" title={HINTS[status]}>
      <span className="live__dot" aria-hidden="true" />
      {WORDS[status]}
    </p>
  );
}

import type { QueryClient } from '@tanstack/react-query';
import type { SessionManager } from '../auth/session';

/**
 * Forgets every cached answer when the org changes or the session ends: query keys do not name the
 * org, so one org's data must never be shown as another's. Subscribed before React renders, so the
 * cache is empty before any page reads it again.
 */
export function bindCacheToSession(session: SessionManager, queryClient: QueryClient): () => void {
  let orgId: string | undefined;
  return session.subscribe(() => {
    const state = session.getState();
    const next = state.status === 'signed_in' ? state.session.org.id : undefined;
    if (next !== orgId) queryClient.clear();
    orgId = next;
  });
}

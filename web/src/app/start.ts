import { meQuery } from '../auth/me';
import { pageAt } from './routes';
import type { AppServices } from './services';

/**
 * The app's start, nothing waiting on what it does not need: the opening page's code loads while the
 * session comes back from the refresh cookie, then the caller (`me`) and the page's first data are
 * asked for together, rather than refresh → me → page code → data, one after another.
 */
export async function startApp(
  { session, queryClient }: Pick<AppServices, 'session' | 'queryClient'>,
  pathname: string,
): Promise<void> {
  const route = pageAt(pathname);
  // A failure shows where it matters, when the page renders and loads it again.
  route?.page?.preload().catch(() => undefined);
  // Asked for as the session begins, before React draws the shell for it (a listener subscribed
  // before React's, after the cache's: the cache is emptied first).
  const stop = session.subscribe(() => {
    if (session.getState().status !== 'signed_in') return;
    stop();
    void queryClient.prefetchQuery(meQuery(session.client));
    void route?.prefetch?.(queryClient, session.client);
  });
  await session.restore().finally(stop);
}

import { ApiClient, type TokenSource } from '../api/client';
import { isApiError } from '../api/errors';
import type { Envelope, OrgSummary, SessionBody, UserSummary } from '../api/types';

export interface Session {
  accessToken: string;
  /** Epoch milliseconds. */
  expiresAt: number;
  user: UserSummary;
  org: OrgSummary;
}

export type SignedOutReason = 'none' | 'expired' | 'logged_out';

export type SessionState =
  | { status: 'restoring' }
  | { status: 'signed_out'; reason: SignedOutReason }
  | { status: 'signed_in'; session: Session };

/** Runs `task` while no other tab of this origin refreshes (a rotated refresh token presented twice ends every session of the login). */
export type RefreshLock = <T>(task: () => Promise<T>) => Promise<T>;

export interface SessionOptions {
  baseUrl?: string;
  fetch?: typeof fetch;
  now?: () => number;
  lock?: RefreshLock;
}

function webLock<T>(task: () => Promise<T>): Promise<T> {
  const locks = typeof navigator === 'undefined' ? undefined : navigator.locks;
  if (!locks) return task();
  // The DOM typings leave the callback's promise wrapped; at run time it is already unwrapped.
  return locks.request('switchboard:refresh', task).then((result) => result);
}

/**
 * The signed-in session: the access token lives in memory only, the refresh token in the server's
 * HttpOnly cookie. The token is renewed shortly before it expires and on a 401; when renewal is
 * refused the session ends and listeners see `signed_out` with reason `expired`.
 */
export class SessionManager implements TokenSource {
  readonly client: ApiClient;
  readonly #now: () => number;
  readonly #lock: RefreshLock;
  #state: SessionState = { status: 'restoring' };
  readonly #listeners = new Set<() => void>();
  #refreshing: Promise<boolean> | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: SessionOptions = {}) {
    this.client = new ApiClient({ baseUrl: options.baseUrl, fetch: options.fetch, tokens: this });
    this.#now = options.now ?? Date.now;
    this.#lock = options.lock ?? webLock;
  }

  // Arrow properties: React's useSyncExternalStore calls them unbound.
  readonly getState = (): SessionState => this.#state;

  readonly subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  accessToken(): string | null {
    return this.#state.status === 'signed_in' ? this.#state.session.accessToken : null;
  }

  /** At start: a session survives a reload through the refresh cookie. */
  async restore(): Promise<void> {
    await this.refresh();
  }

  async login(email: string, password: string): Promise<void> {
    const body = await this.client.post<Envelope<SessionBody>>(
      '/auth/login',
      { email, password },
      { auth: false },
    );
    this.#begin(body.data);
  }

  /** One renewal at a time, however many calls a burst of 401s makes. */
  refresh(): Promise<boolean> {
    this.#refreshing ??= this.#renew().finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  async switchOrg(orgId: string): Promise<void> {
    const body = await this.client.post<Envelope<SessionBody>>('/auth/switch-org', { org_id: orgId });
    this.#begin(body.data);
  }

  async logout(): Promise<void> {
    try {
      await this.client.post<void>('/auth/logout', {}, { auth: false });
    } catch {
      // The session ends here whatever the server answered: the cookie is its to clear.
    }
    this.#end('logged_out');
  }

  async #renew(): Promise<boolean> {
    try {
      const body = await this.#lock(() =>
        this.client.post<Envelope<SessionBody>>('/auth/refresh', {}, { auth: false }),
      );
      this.#begin(body.data);
      return true;
    } catch (error) {
      // Refused (no cookie, expired, revoked): the session is over. A network failure leaves a
      // signed-in session as it is, so the next call can try again.
      if (this.#state.status !== 'signed_in') {
        this.#end('none');
      } else if (isApiError(error) && error.status >= 400 && error.status < 500 && error.status !== 429) {
        this.#end('expired');
      }
      return false;
    }
  }

  #begin(body: SessionBody): void {
    const expiresAt = Date.parse(body.expires_at);
    this.#set({
      status: 'signed_in',
      session: { accessToken: body.access_token, expiresAt, user: body.user, org: body.org },
    });
    this.#schedule(expiresAt);
  }

  #end(reason: SignedOutReason): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#set({ status: 'signed_out', reason });
  }

  /** Renews a minute before expiry (a quarter of the lifetime for short ones). */
  #schedule(expiresAt: number): void {
    clearTimeout(this.#timer);
    const lifetime = expiresAt - this.#now();
    const margin = Math.min(60_000, lifetime / 4);
    this.#timer = setTimeout(() => void this.refresh(), Math.max(0, lifetime - margin));
  }

  #set(state: SessionState): void {
    this.#state = state;
    for (const listener of this.#listeners) listener();
  }
}

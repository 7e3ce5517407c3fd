import { type FormEvent, useEffect, useState } from 'react';
import { Navigate, useLocation } from 'react-router';
import { isApiError } from '../api/errors';
import { useServices, useSession } from '../app/services';
import type { SignedOutReason } from '../auth/session';
import { Loading } from '../components/Feedback';

interface LoginState {
  from?: { pathname: string; search?: string };
  reason?: SignedOutReason;
}

const REASONS: Partial<Record<SignedOutReason, string>> = {
  expired: 'Your session ended. Sign in again to carry on where you were.',
  logged_out: 'You signed out.',
};

function loginError(error: unknown): string {
  if (!isApiError(error)) return 'Signing in failed. Try again.';
  if (error.status === 401) return 'The email or password is not right. Check both and try again.';
  if (error.status === 429) {
    return `Too many attempts. Wait ${error.retryAfter ?? 60} seconds before trying again.`;
  }
  if (error.status === 403) return `${error.message} Ask an administrator to restore your access.`;
  return error.message;
}

export default function LoginPage() {
  const { session } = useServices();
  const state = useSession();
  const location = useLocation();
  const { from, reason } = (location.state ?? {}) as LoginState;
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    document.title = 'Sign in · Switchboard';
  }, []);

  if (state.status === 'restoring') return <Loading what="Signing you in" />;
  if (state.status === 'signed_in') {
    return <Navigate to={from ? `${from.pathname}${from.search ?? ''}` : '/'} replace />;
  }

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!email || !password) {
      setError('Enter your email and your password.');
      return;
    }
    setError(null);
    setBusy(true);
    try {
      await session.login(email, password);
    } catch (failure) {
      setError(loginError(failure));
      setBusy(false);
    }
  };

  const notice = reason ? REASONS[reason] : undefined;
  return (
    <main id="main" className="login">
      <form className="login__form" onSubmit={submit} noValidate aria-labelledby="login-title">
        <h1 id="login-title">
          <span className="brand__mark" aria-hidden="true" /> Sign in to Switchboard
        </h1>
        {notice ? (
          <p className="notice" role="status">
            {notice}
          </p>
        ) : null}
        <div className="field">
          <label htmlFor="login-email">Email</label>
          <input
            id="login-email"
            type="email"
            autoComplete="username"
            required
            value={email}
            onChange={(event) => setEmail(event.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="login-password">Password</label>
          <input
            id="login-password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(event) => setPassword(event.target.value)}
          />
        </div>
        {error ? (
          <p className="field-error" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit" className="button button--primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p className="hint">
          First start? The administrator's password is printed in the server's log (or run{' '}
          <code>switchboard create-admin</code>).
        </p>
      </form>
    </main>
  );
}

import type { ReactNode } from 'react';
import { isApiError } from '../api/errors';

export function Loading({ what = 'Loading' }: { what?: string }) {
  return (
    <p className="loading" role="status">
      {what}…
    </p>
  );
}

interface EmptyStateProps {
  title: string;
  children?: ReactNode;
}

export function EmptyState({ title, children }: EmptyStateProps) {
  return (
    <div className="empty">
      <p className="empty__title">{title}</p>
      {children ? <div className="empty__body">{children}</div> : null}
    </div>
  );
}

/** What to do about an error, by its kind. */
export function adviceFor(error: unknown): string | undefined {
  if (!isApiError(error)) return 'Reload the page; if it happens again, check the server logs.';
  if (error.status === 403)
    return 'Your role does not allow this. Ask an administrator of this organisation for access.';
  if (error.status === 404)
    return 'It may have been deleted, or it belongs to another organisation: switch organisation if you have several.';
  if (error.status === 429) {
    return error.retryAfter !== undefined
      ? `Wait ${error.retryAfter} seconds and try again.`
      : 'Wait a moment and try again.';
  }
  if (error.status === 0 || error.status >= 500) return 'Try again in a moment.';
  return undefined;
}

interface ErrorMessageProps {
  error: unknown;
  /** Shown as a "Try again" button. */
  retry?: () => void;
  title?: string;
}

export function ErrorMessage({ error, retry, title }: ErrorMessageProps) {
  const message = error instanceof Error ? error.message : 'Something went wrong.';
  const advice = adviceFor(error);
  const fields = isApiError(error) ? error.fields : [];
  return (
    <div className="error-box" role="alert">
      {title ? <p className="error-box__title">{title}</p> : null}
      <p>{message}</p>
      {fields.length > 0 ? (
        <ul>
          {fields.map((field) => (
            <li key={field.field}>
              <code>{field.field}</code> {field.message}
            </li>
          ))}
        </ul>
      ) : null}
      {advice ? <p className="error-box__advice">{advice}</p> : null}
      {isApiError(error) && error.requestId ? (
        <p className="error-box__meta">Request id: {error.requestId}</p>
      ) : null}
      {retry ? (
        <button type="button" className="button" onClick={retry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

import { useQueryClient } from '@tanstack/react-query';
import { type ReactNode, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import {
  checkHealth,
  deleteConnection,
  disableConnection,
  enableConnection,
  startOAuth,
  syncNow,
  testConnection,
} from '../../api/connections';
import type { ConnectionDetail } from '../../api/types';
import { paths, routeBuilt } from '../../app/routes';
import { useApi } from '../../app/services';
import { useCan } from '../../auth/me';
import { ErrorMessage } from '../../components/Feedback';
import { keys } from '../../queries/keys';
import { OutcomeNotice } from './OutcomeNotice';
import { oauthReturnUrl } from './oauth';
import { describeHealthCheck, describeTest, type Outcome } from './outcome';

type Result = { outcome: Outcome; link?: { to: string; text: string } } | { error: unknown };

const ENABLE_FROM = ['pending_setup', 'configuring', 'disabled', 'error'];
const DISABLE_FROM = ['configuring', 'connected', 'syncing', 'error', 'pending_setup'];

interface ActionsProps {
  connection: ConnectionDetail;
  authType: string | undefined;
  /** A result handed over by the page that created the connection. */
  initial?: Result;
}

/** What can be done to the connection, offered only to roles that can do it; results in words. */
export function Actions({ connection, authType, initial }: ActionsProps) {
  const api = useApi();
  const can = useCan();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [busy, setBusy] = useState<string | null>(null);
  const [result, setResult] = useState<Result | undefined>(initial);
  const [fullSync, setFullSync] = useState(false);
  const { id, status } = connection;

  const act = async (label: string, action: () => Promise<Result>) => {
    setBusy(label);
    try {
      setResult(await action());
    } catch (error) {
      setResult({ error });
    } finally {
      setBusy(null);
      void queryClient.invalidateQueries({ queryKey: keys.connection(id) });
      void queryClient.invalidateQueries({ queryKey: keys.connections });
      void queryClient.invalidateQueries({ queryKey: keys.dashboard });
    }
  };

  const button = (label: string, onClick: () => void, primary = false): ReactNode => (
    <button
      type="button"
      className={primary ? 'button button--primary' : 'button'}
      disabled={busy !== null}
      onClick={onClick}
    >
      {label}
    </button>
  );

  const actions: ReactNode[] = [];
  if (can('sync:trigger') && status !== 'disabled') {
    actions.push(
      <span key="test">
        {button(
          'Test connection',
          () => void act('Testing…', async () => ({ outcome: describeTest(await testConnection(api, id)) })),
          status === 'pending_setup',
        )}
      </span>,
    );
  }
  if (can('connections:update') && ENABLE_FROM.includes(status)) {
    actions.push(
      <span key="enable">
        {button(
          'Enable',
          () =>
            void act('Enabling…', async () => {
              const done = await enableConnection(api, id);
              return { outcome: { tone: 'good', title: 'Connection enabled', text: done.message } };
            }),
          status === 'configuring',
        )}
      </span>,
    );
  }
  if (can('sync:trigger') && status === 'connected') {
    actions.push(
      <span key="sync" className="action-group">
        {button(
          'Sync now',
          () =>
            void act('Starting a sync…', async () => {
              const started = await syncNow(api, id, fullSync);
              return {
                outcome: {
                  tone: 'info',
                  title: 'Sync queued',
                  text: 'The run starts in a moment; its progress shows below.',
                },
                link: routeBuilt('/connections/:id/runs/:runId')
                  ? { to: paths.run(id, started.run_id), text: 'Follow the run' }
                  : undefined,
              };
            }),
          true,
        )}
        <span className="field field--check field--inline">
          <input
            id="full-sync"
            type="checkbox"
            checked={fullSync}
            onChange={(e) => setFullSync(e.target.checked)}
          />
          <label htmlFor="full-sync">Full sync (ignore the saved cursor)</label>
        </span>
      </span>,
    );
  }
  if (can('sync:trigger') && status !== 'disabled') {
    actions.push(
      <span key="health">
        {button(
          'Check health',
          () =>
            void act('Checking health…', async () => ({
              outcome: describeHealthCheck(await checkHealth(api, id)),
            })),
        )}
      </span>,
    );
  }
  if (can('connections:update') && authType === 'oauth2' && status !== 'disabled') {
    actions.push(
      <span key="oauth">
        {button(
          connection.status === 'pending_setup' ? 'Connect with OAuth' : 'Reconnect with OAuth',
          () =>
            void act('Sending you to the provider…', async () => {
              const { authorization_url: url } = await startOAuth(api, id, oauthReturnUrl(id));
              window.location.assign(url);
              return {
                outcome: { tone: 'info', title: 'Opening the provider', text: 'Approve access there.' },
              };
            }),
        )}
      </span>,
    );
  }
  if (can('connections:update') && DISABLE_FROM.includes(status)) {
    actions.push(
      <span key="disable">
        {button(
          'Disable',
          () =>
            void act('Disabling…', async () => {
              const done = await disableConnection(api, id);
              return { outcome: { tone: 'info', title: 'Connection disabled', text: done.message } };
            }),
        )}
      </span>,
    );
  }
  if (can('connections:delete')) {
    actions.push(
      <span key="delete">
        <button
          type="button"
          className="button button--danger"
          disabled={busy !== null}
          onClick={() => {
            if (
              !window.confirm(
                `Delete “${connection.name}” with its runs, logs and webhooks? This cannot be undone.`,
              )
            )
              return;
            void act('Deleting…', async () => {
              await deleteConnection(api, id);
              navigate(paths.connections(), { replace: true });
              return { outcome: { tone: 'info', title: 'Deleted', text: `${connection.name} was deleted.` } };
            });
          }}
        >
          Delete
        </button>
      </span>,
    );
  }

  return (
    <section className="actions" aria-label="Actions">
      {actions.length > 0 ? (
        <div className="actions__buttons">{actions}</div>
      ) : (
        <p className="quiet">Your role can look at this connection but not change it.</p>
      )}
      {status === 'syncing' ? (
        <p className="quiet">A sync is running: its progress shows under Runs.</p>
      ) : null}
      <div aria-live="polite" className="actions__result">
        {busy ? <p className="quiet">{busy}</p> : null}
        {!busy && result ? (
          'error' in result ? (
            <ErrorMessage error={result.error} title="That did not work" />
          ) : (
            <>
              <OutcomeNotice outcome={result.outcome} />
              {result.link ? (
                <p>
                  <Link to={result.link.to}>{result.link.text}</Link>
                </p>
              ) : null}
            </>
          )
        ) : null}
      </div>
    </section>
  );
}

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import {
  deleteInboundWebhook,
  type InboundWebhook,
  listInboundWebhooks,
  rotateInboundSecret,
  updateInboundWebhook,
} from '../../api/inbound-webhooks';
import type { ConnectionDetail } from '../../api/types';
import { useApi } from '../../app/services';
import { useCan } from '../../auth/me';
import { Badge } from '../../components/Badge';
import { EmptyState, ErrorMessage, Loading } from '../../components/Feedback';
import { RelativeTime } from '../../components/RelativeTime';
import { SecretOnce } from '../../components/SecretOnce';
import { formatNumber, humanize } from '../../format';
import { keys } from '../../queries/keys';
import { CreateInboundWebhook } from './webhooks/CreateInboundWebhook';
import { ReceivedEvents } from './webhooks/ReceivedEvents';

/** A secret the server just answered with, for one webhook; never cached. */
interface Revealed {
  webhookId: string;
  secret: string;
  url: string;
}

/**
 * The connection's inbound webhooks (URLs its provider posts to): create with the secret shown
 * once, pause and resume, rotate, delete, and each one's received events with replay. Shown to
 * callers with `webhooks:manage`; `webhook.received` events refresh it live.
 */
export function InboundWebhooksSection({ connection }: { connection: ConnectionDetail }) {
  const api = useApi();
  const id = connection.id;
  const [revealed, setRevealed] = useState<Revealed | null>(null);
  const [creating, setCreating] = useState(false);
  const webhooks = useQuery({
    queryKey: keys.connectionWebhooks(id),
    queryFn: ({ signal }) => listInboundWebhooks(api, id, signal),
  });
  return (
    <>
      <p className="hint">
        Give the provider a webhook's URL and secret: events it posts there are verified, stored and processed
        by this connection.
      </p>
      {creating ? (
        <CreateInboundWebhook
          connectionId={id}
          onDone={(created) => {
            setCreating(false);
            if (created)
              setRevealed({
                webhookId: created.id,
                secret: created.webhook_secret,
                url: created.webhook_url,
              });
          }}
        />
      ) : (
        <button type="button" className="button button--primary" onClick={() => setCreating(true)}>
          Create a webhook
        </button>
      )}
      {webhooks.isPending ? (
        <Loading what="Loading webhooks" />
      ) : webhooks.isError ? (
        <ErrorMessage error={webhooks.error} retry={() => void webhooks.refetch()} />
      ) : webhooks.data.length === 0 ? (
        <EmptyState title="No inbound webhooks yet">
          <p>Create one, then paste its URL and secret into the provider's webhook settings.</p>
        </EmptyState>
      ) : (
        <ul className="list">
          {webhooks.data.map((webhook) => (
            <WebhookItem
              key={webhook.id}
              connectionId={id}
              webhook={webhook}
              revealed={revealed?.webhookId === webhook.id ? revealed : null}
              onReveal={setRevealed}
            />
          ))}
        </ul>
      )}
    </>
  );
}

interface WebhookItemProps {
  connectionId: string;
  webhook: InboundWebhook;
  revealed: Revealed | null;
  onReveal: (revealed: Revealed | null) => void;
}

function WebhookItem({ connectionId, webhook, revealed, onReveal }: WebhookItemProps) {
  const api = useApi();
  const can = useCan();
  const queryClient = useQueryClient();
  const [showEvents, setShowEvents] = useState(false);
  const refresh = () => queryClient.invalidateQueries({ queryKey: keys.connectionWebhooks(connectionId) });
  const pause = useMutation({
    mutationFn: (status: 'active' | 'inactive') =>
      updateInboundWebhook(api, connectionId, webhook.id, { status }),
    onSettled: refresh,
  });
  const rotate = useMutation({
    mutationFn: () => rotateInboundSecret(api, connectionId, webhook.id),
    onSuccess: (done) =>
      onReveal({ webhookId: webhook.id, secret: done.webhook_secret, url: webhook.webhook_url }),
  });
  const remove = useMutation({
    mutationFn: () => deleteInboundWebhook(api, connectionId, webhook.id),
    onSuccess: refresh,
  });
  const failure = pause.error ?? rotate.error ?? remove.error;
  const busy = pause.isPending || rotate.isPending || remove.isPending;
  const paused = webhook.status === 'inactive';
  const eventsId = `received-${webhook.id}`;
  return (
    <li className="list__item">
      <h3 className="list__title">
        {webhook.name} <Badge value={paused ? 'paused' : webhook.status} label="Status" />
      </h3>
      {webhook.description ? <p>{webhook.description}</p> : null}
      {revealed ? (
        <SecretOnce
          label="Webhook secret"
          value={revealed.secret}
          hint={`Paste it into the provider's webhook settings together with the URL ${revealed.url}.`}
          onDismiss={() => onReveal(null)}
        />
      ) : null}
      <dl className="facts facts--compact">
        <div>
          <dt>URL</dt>
          <dd>
            <code>{webhook.webhook_url}</code>
          </dd>
        </div>
        <div>
          <dt>Verification</dt>
          <dd>
            {humanize(webhook.scheme)}
            {webhook.scheme === 'hmac' ? ` (${webhook.signature_algo} in ${webhook.signature_header})` : ''}
          </dd>
        </div>
        <div>
          <dt>Event types</dt>
          <dd>{webhook.event_types.length > 0 ? webhook.event_types.join(', ') : 'All'}</dd>
        </div>
        <div>
          <dt>Received</dt>
          <dd>
            {formatNumber(webhook.total_received)} ({formatNumber(webhook.total_processed)} processed,{' '}
            {formatNumber(webhook.total_failed)} failed), last{' '}
            <RelativeTime value={webhook.last_received_at} empty="never" />
          </dd>
        </div>
        {webhook.last_error ? (
          <div>
            <dt>Last error</dt>
            <dd className="text-bad">{webhook.last_error}</dd>
          </div>
        ) : null}
      </dl>
      <div className="actions__buttons">
        <button
          type="button"
          className="button"
          aria-expanded={showEvents}
          aria-controls={eventsId}
          onClick={() => setShowEvents(!showEvents)}
        >
          {showEvents ? 'Hide received events' : 'Received events'}
          <span className="sr-only"> of {webhook.name}</span>
        </button>
        <button
          type="button"
          className="button"
          disabled={busy}
          onClick={() => pause.mutate(paused ? 'active' : 'inactive')}
        >
          {paused ? 'Resume' : 'Pause'}
          <span className="sr-only"> {webhook.name}</span>
        </button>
        {can('webhooks:rotate') ? (
          <button
            type="button"
            className="button"
            disabled={busy}
            onClick={() => {
              if (window.confirm(`Rotate the secret of “${webhook.name}”? The old one is refused at once.`))
                rotate.mutate();
            }}
          >
            Rotate secret<span className="sr-only"> of {webhook.name}</span>
          </button>
        ) : null}
        <button
          type="button"
          className="button button--danger"
          disabled={busy}
          onClick={() => {
            if (window.confirm(`Delete “${webhook.name}” and the events it received? This cannot be undone.`))
              remove.mutate();
          }}
        >
          Delete<span className="sr-only"> {webhook.name}</span>
        </button>
      </div>
      {paused ? (
        <p className="quiet">Paused: the provider's deliveries are answered 410 until you resume it.</p>
      ) : null}
      {failure ? <ErrorMessage error={failure} title="That did not work" /> : null}
      <div id={eventsId} hidden={!showEvents}>
        {showEvents ? <ReceivedEvents connectionId={connectionId} webhookId={webhook.id} /> : null}
      </div>
    </li>
  );
}

/** Whether the section has content yet (the page leaves out its heading while it has none). */
export const INBOUND_WEBHOOKS_BUILT = true;

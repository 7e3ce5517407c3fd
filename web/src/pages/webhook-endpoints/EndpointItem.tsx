import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import {
  deleteEndpoint,
  rotateEndpointSecret,
  sendTest,
  updateEndpoint,
  type WebhookEndpoint,
} from '../../api/webhook-endpoints';
import { useApi } from '../../app/services';
import { Badge } from '../../components/Badge';
import { ErrorMessage } from '../../components/Feedback';
import { RelativeTime } from '../../components/RelativeTime';
import { splitList } from '../../format';
import { keys } from '../../queries/keys';
import { Deliveries } from './Deliveries';
import { EventTypesHint } from './EventTypesField';

interface Props {
  endpoint: WebhookEndpoint;
  /** A new secret the server just answered with (rotation). */
  onSecret: (secret: string) => void;
}

export function EndpointItem({ endpoint, onSecret }: Props) {
  const api = useApi();
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [open, setOpen] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: keys.webhookEndpoints });
  const toggle = useMutation({
    mutationFn: (enabled: boolean) => updateEndpoint(api, endpoint.id, { enabled }),
    onSuccess: (updated) => setNotice(updated.enabled ? 'Endpoint enabled.' : 'Endpoint disabled.'),
    onSettled: refresh,
  });
  const rotate = useMutation({
    mutationFn: (overlapHours: number) => rotateEndpointSecret(api, endpoint.id, overlapHours),
    onSuccess: (done) => {
      onSecret(done.secret);
      setNotice(null);
    },
    onSettled: refresh,
  });
  const test = useMutation({
    mutationFn: () => sendTest(api, endpoint.id),
    onSuccess: (queued) => {
      setNotice(`A ${queued.event_type} message is queued: it shows under Deliveries.`);
      void queryClient.invalidateQueries({ queryKey: keys.endpoint(endpoint.id) });
    },
  });
  const remove = useMutation({ mutationFn: () => deleteEndpoint(api, endpoint.id), onSuccess: refresh });
  const failure = toggle.error ?? rotate.error ?? test.error ?? remove.error;
  const busy = toggle.isPending || rotate.isPending || test.isPending || remove.isPending;
  const panel = `endpoint-${endpoint.id}-deliveries`;

  return (
    <li className="list__item">
      <h3 className="list__title">
        {endpoint.name} <Badge value={endpoint.enabled ? 'enabled' : 'disabled'} label="State" />
      </h3>
      <p>
        <code>{endpoint.url}</code>
      </p>
      {endpoint.description ? <p>{endpoint.description}</p> : null}
      {!endpoint.enabled && endpoint.disabled_reason ? (
        <p className="text-bad">Disabled: {endpoint.disabled_reason}</p>
      ) : null}
      {endpoint.failing_since ? (
        <p className="text-bad">
          Failing since <RelativeTime value={endpoint.failing_since} />.
        </p>
      ) : null}
      {endpoint.previous_secret_expires_at ? (
        <p className="quiet">
          The previous secret still signs until <RelativeTime value={endpoint.previous_secret_expires_at} />.
        </p>
      ) : null}
      {editing ? (
        <EditEventTypes endpoint={endpoint} onDone={() => setEditing(false)} />
      ) : (
        <p>
          Event types: {endpoint.event_types.length > 0 ? endpoint.event_types.join(', ') : 'all'}{' '}
          <button type="button" className="button button--quiet" onClick={() => setEditing(true)}>
            Edit event types<span className="sr-only"> of {endpoint.name}</span>
          </button>
        </p>
      )}
      <div className="actions__buttons">
        <button
          type="button"
          className="button"
          aria-expanded={open}
          aria-controls={panel}
          onClick={() => setOpen(!open)}
        >
          {open ? 'Hide deliveries' : 'Deliveries and stats'}
          <span className="sr-only"> of {endpoint.name}</span>
        </button>
        <button
          type="button"
          className="button"
          disabled={busy || !endpoint.enabled}
          onClick={() => test.mutate()}
        >
          Send a test<span className="sr-only"> to {endpoint.name}</span>
        </button>
        <button
          type="button"
          className="button"
          disabled={busy}
          onClick={() => toggle.mutate(!endpoint.enabled)}
        >
          {endpoint.enabled ? 'Disable' : 'Enable'}
          <span className="sr-only"> {endpoint.name}</span>
        </button>
        <RotateSecret name={endpoint.name} busy={busy} onRotate={(hours) => rotate.mutate(hours)} />
        <button
          type="button"
          className="button button--danger"
          disabled={busy}
          onClick={() => {
            if (window.confirm(`Delete “${endpoint.name}” with its deliveries? This cannot be undone.`))
              remove.mutate();
          }}
        >
          Delete<span className="sr-only"> {endpoint.name}</span>
        </button>
      </div>
      <div aria-live="polite">{notice ? <p className="text-good">{notice}</p> : null}</div>
      {failure ? <ErrorMessage error={failure} title="That did not work" /> : null}
      <div id={panel} hidden={!open}>
        {open ? <Deliveries endpoint={endpoint} /> : null}
      </div>
    </li>
  );
}

/** Rotation with the overlap during which the old secret still signs beside the new one. */
function RotateSecret({
  name,
  busy,
  onRotate,
}: {
  name: string;
  busy: boolean;
  onRotate: (hours: number) => void;
}) {
  const [asking, setAsking] = useState(false);
  const [hours, setHours] = useState(24);
  if (!asking) {
    return (
      <button type="button" className="button" disabled={busy} onClick={() => setAsking(true)}>
        Rotate secret<span className="sr-only"> of {name}</span>
      </button>
    );
  }
  return (
    <span className="action-group">
      <span className="field field--inline">
        <label htmlFor={`overlap-${name}`}>Old secret keeps signing for</label>
        <select id={`overlap-${name}`} value={hours} onChange={(e) => setHours(Number(e.target.value))}>
          <option value={0}>no time (refused at once)</option>
          <option value={1}>1 hour</option>
          <option value={24}>24 hours</option>
          <option value={168}>7 days</option>
        </select>
      </span>
      <button
        type="button"
        className="button button--primary"
        disabled={busy}
        onClick={() => {
          setAsking(false);
          onRotate(hours);
        }}
      >
        Rotate now
      </button>
      <button type="button" className="button button--quiet" onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}

function EditEventTypes({ endpoint, onDone }: { endpoint: WebhookEndpoint; onDone: () => void }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const [text, setText] = useState(endpoint.event_types.join(', '));
  const save = useMutation({
    mutationFn: () => updateEndpoint(api, endpoint.id, { event_types: splitList(text) }),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: keys.webhookEndpoints });
      onDone();
    },
  });
  const id = `types-${endpoint.id}`;
  return (
    <form
      className="form"
      aria-label={`Event types of ${endpoint.name}`}
      onSubmit={(event: FormEvent) => {
        event.preventDefault();
        save.mutate();
      }}
    >
      <div className="field">
        <label htmlFor={id}>Event types</label>
        <input
          id={id}
          aria-describedby={`${id}-hint`}
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        <EventTypesHint id={`${id}-hint`} />
      </div>
      {save.isError ? <ErrorMessage error={save.error} title="The event types were not saved" /> : null}
      <div className="form__actions">
        <button type="submit" className="button button--primary" disabled={save.isPending}>
          Save event types
        </button>
        <button type="button" className="button button--quiet" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}

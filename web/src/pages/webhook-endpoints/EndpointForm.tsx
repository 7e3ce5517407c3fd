import { useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { createEndpoint, type WebhookEndpoint, type WebhookEndpointInput } from '../../api/webhook-endpoints';
import { useApi } from '../../app/services';
import { ErrorMessage } from '../../components/Feedback';
import { splitList } from '../../format';
import { keys } from '../../queries/keys';
import { EventTypesHint } from './EventTypesField';

interface Props {
  onDone: (created: (WebhookEndpoint & { secret: string }) | null) => void;
}

/** Registers an endpoint; its `whsec_` secret comes back once, to the caller. */
export function EndpointForm({ onDone }: Props) {
  const api = useApi();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [eventTypes, setEventTypes] = useState('');
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const input: WebhookEndpointInput = {
      name: name.trim(),
      url: url.trim(),
      event_types: splitList(eventTypes),
    };
    if (description.trim()) input.description = description.trim();
    setBusy(true);
    setFailure(null);
    try {
      const created = await createEndpoint(api, input);
      void queryClient.invalidateQueries({ queryKey: keys.webhookEndpoints });
      onDone(created);
    } catch (error) {
      setFailure(error);
      setBusy(false);
    }
  };

  return (
    <form className="form" onSubmit={submit} aria-label="Add an endpoint">
      <div className="field">
        <label htmlFor="endpoint-name">Name</label>
        <input
          id="endpoint-name"
          required
          maxLength={255}
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor="endpoint-url">URL</label>
        <input
          id="endpoint-url"
          type="url"
          required
          maxLength={2048}
          placeholder="https://example.com/webhooks/switchboard"
          value={url}
          onChange={(e) => setUrl(e.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor="endpoint-description">Description (optional)</label>
        <input
          id="endpoint-description"
          maxLength={2000}
          value={description}
          onChange={(e) => setDescription(e.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor="endpoint-types">Event types (optional)</label>
        <input
          id="endpoint-types"
          aria-describedby="endpoint-types-hint"
          value={eventTypes}
          onChange={(e) => setEventTypes(e.target.value)}
        />
        <EventTypesHint id="endpoint-types-hint" />
      </div>
      {failure ? <ErrorMessage error={failure} title="The endpoint was not added" /> : null}
      <div className="form__actions">
        <button type="submit" className="button button--primary" disabled={busy}>
          {busy ? 'Adding…' : 'Add endpoint'}
        </button>
        <button type="button" className="button button--quiet" onClick={() => onDone(null)}>
          Cancel
        </button>
      </div>
    </form>
  );
}

import { useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import {
  createInboundWebhook,
  type InboundWebhook,
  type InboundWebhookInput,
} from '../../../api/inbound-webhooks';
import { useApi } from '../../../app/services';
import { ErrorMessage } from '../../../components/Feedback';
import { splitList } from '../../../format';
import { keys } from '../../../queries/keys';

interface Props {
  connectionId: string;
  /** The created webhook with its secret, or nothing when cancelled. */
  onDone: (created: (InboundWebhook & { webhook_secret: string }) | null) => void;
}

export function CreateInboundWebhook({ connectionId, onDone }: Props) {
  const api = useApi();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [eventTypes, setEventTypes] = useState('');
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const input: InboundWebhookInput = { name: name.trim() };
    if (description.trim()) input.description = description.trim();
    const types = splitList(eventTypes);
    if (types.length > 0) input.event_types = types;
    setBusy(true);
    setFailure(null);
    try {
      const created = await createInboundWebhook(api, connectionId, input);
      void queryClient.invalidateQueries({ queryKey: keys.connectionWebhooks(connectionId) });
      onDone(created);
    } catch (error) {
      setFailure(error);
      setBusy(false);
    }
  };

  return (
    <form className="form" onSubmit={submit} aria-label="Create an inbound webhook">
      <div className="field">
        <label htmlFor="inbound-name">Name</label>
        <input
          id="inbound-name"
          required
          maxLength={255}
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor="inbound-description">Description (optional)</label>
        <input
          id="inbound-description"
          maxLength={2000}
          value={description}
          onChange={(e) => setDescription(e.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor="inbound-types">Event types (optional)</label>
        <input
          id="inbound-types"
          aria-describedby="inbound-types-hint"
          value={eventTypes}
          onChange={(e) => setEventTypes(e.target.value)}
        />
        <p id="inbound-types-hint" className="hint">
          Separated by commas, as the provider names them. Empty: every type is processed; others are recorded
          as ignored.
        </p>
      </div>
      {failure ? <ErrorMessage error={failure} title="The webhook was not created" /> : null}
      <div className="form__actions">
        <button type="submit" className="button button--primary" disabled={busy}>
          {busy ? 'Creating…' : 'Create webhook'}
        </button>
        <button type="button" className="button button--quiet" onClick={() => onDone(null)}>
          Cancel
        </button>
      </div>
    </form>
  );
}

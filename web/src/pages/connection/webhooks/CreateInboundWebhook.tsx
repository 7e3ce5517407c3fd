import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import {
  createInboundWebhook,
  type InboundWebhook,
  type InboundWebhookInput,
} from '../../../api/inbound-webhooks';
import { useApi } from '../../../app/services';
import { ErrorMessage } from '../../../components/Feedback';
import { splitList } from '../../../format';
import { FormActions, TextField } from '../../../forms/TextField';
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
  const create = useMutation({
    mutationFn: (input: InboundWebhookInput) => createInboundWebhook(api, connectionId, input),
    onSuccess: (created) => {
      void queryClient.invalidateQueries({ queryKey: keys.connectionWebhooks(connectionId) });
      onDone(created);
    },
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const input: InboundWebhookInput = { name: name.trim() };
    if (description.trim()) input.description = description.trim();
    const types = splitList(eventTypes);
    if (types.length > 0) input.event_types = types;
    create.mutate(input);
  };

  return (
    <form className="form" onSubmit={submit} aria-label="Create an inbound webhook">
      <TextField id="inbound-name" label="Name" required maxLength={255} value={name} onChange={setName} />
      <TextField
        id="inbound-description"
        label="Description (optional)"
        maxLength={2000}
        value={description}
        onChange={setDescription}
      />
      <TextField
        id="inbound-types"
        label="Event types (optional)"
        value={eventTypes}
        onChange={setEventTypes}
        hint={(id) => (
          <p id={id} className="hint">
            Separated by commas, as the provider names them. Empty: every type is processed; others are
            recorded as ignored.
          </p>
        )}
      />
      {create.isError ? <ErrorMessage error={create.error} title="The webhook was not created" /> : null}
      <FormActions
        submit="Create webhook"
        submitting="Creating…"
        busy={create.isPending}
        onCancel={() => onDone(null)}
      />
    </form>
  );
}

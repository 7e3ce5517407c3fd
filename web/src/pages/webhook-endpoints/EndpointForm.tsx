import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { createEndpoint, type WebhookEndpoint, type WebhookEndpointInput } from '../../api/webhook-endpoints';
import { useApi } from '../../app/services';
import { ErrorMessage } from '../../components/Feedback';
import { splitList } from '../../format';
import { FormActions, TextField } from '../../forms/TextField';
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
  const create = useMutation({
    mutationFn: (input: WebhookEndpointInput) => createEndpoint(api, input),
    onSuccess: (created) => {
      void queryClient.invalidateQueries({ queryKey: keys.webhookEndpoints });
      onDone(created);
    },
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const input: WebhookEndpointInput = {
      name: name.trim(),
      url: url.trim(),
      event_types: splitList(eventTypes),
    };
    if (description.trim()) input.description = description.trim();
    create.mutate(input);
  };

  return (
    <form className="form" onSubmit={submit} aria-label="Add an endpoint">
      <TextField id="endpoint-name" label="Name" required maxLength={255} value={name} onChange={setName} />
      <TextField
        id="endpoint-url"
        label="URL"
        type="url"
        required
        maxLength={2048}
        placeholder="https://example.com/webhooks/switchboard"
        value={url}
        onChange={setUrl}
      />
      <TextField
        id="endpoint-description"
        label="Description (optional)"
        maxLength={2000}
        value={description}
        onChange={setDescription}
      />
      <TextField
        id="endpoint-types"
        label="Event types (optional)"
        value={eventTypes}
        onChange={setEventTypes}
        hint={(id) => <EventTypesHint id={id} />}
      />
      {create.isError ? <ErrorMessage error={create.error} title="The endpoint was not added" /> : null}
      <FormActions
        submit="Add endpoint"
        submitting="Adding…"
        busy={create.isPending}
        onCancel={() => onDone(null)}
      />
    </form>
  );
}

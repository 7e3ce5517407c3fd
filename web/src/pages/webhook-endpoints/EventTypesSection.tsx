import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import type { JsonObject } from '../../api/types';
import {
  createEventType,
  deleteEventType,
  type EventType,
  listEventTypes,
} from '../../api/webhook-endpoints';
import { useApi } from '../../app/services';
import { useCan } from '../../auth/me';
import { EmptyState, ErrorMessage, Loading } from '../../components/Feedback';
import { keys } from '../../queries/keys';

/** Switchboard's event catalogue and the types the org declares to publish its own events. */
export function EventTypesSection() {
  const api = useApi();
  const can = useCan();
  const [adding, setAdding] = useState(false);
  const types = useQuery({ queryKey: keys.eventTypes, queryFn: ({ signal }) => listEventTypes(api, signal) });
  const own = types.data?.filter((type) => type.source === 'org') ?? [];
  const builtIn = types.data?.filter((type) => type.source !== 'org') ?? [];
  return (
    <section className="panel" aria-labelledby="event-types-title">
      <h2 id="event-types-title">Event types</h2>
      <p className="hint">
        Endpoints subscribe to these. Declare your own to publish events of your product through{' '}
        <code>POST /api/v1/events</code>; a JSON Schema, when given, checks every payload.
      </p>
      {can('webhooks:manage') ? (
        adding ? (
          <EventTypeForm onDone={() => setAdding(false)} />
        ) : (
          <button type="button" className="button" onClick={() => setAdding(true)}>
            Declare an event type
          </button>
        )
      ) : null}
      {types.isPending ? (
        <Loading what="Loading event types" />
      ) : types.isError ? (
        <ErrorMessage error={types.error} retry={() => void types.refetch()} />
      ) : (
        <>
          <h3>Your organisation's</h3>
          {own.length === 0 ? (
            <EmptyState title="None declared">
              <p>Declare one to publish your own events to the endpoints.</p>
            </EmptyState>
          ) : (
            <ul className="list">
              {own.map((type) => (
                <TypeItem key={type.name} type={type} removable={can('webhooks:manage')} />
              ))}
            </ul>
          )}
          <details>
            <summary>Switchboard's own ({builtIn.length})</summary>
            <ul className="list">
              {builtIn.map((type) => (
                <TypeItem key={type.name} type={type} removable={false} />
              ))}
            </ul>
          </details>
        </>
      )}
    </section>
  );
}

function TypeItem({ type, removable }: { type: EventType; removable: boolean }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const remove = useMutation({
    mutationFn: () => deleteEventType(api, type.name),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: keys.eventTypes }),
  });
  const hasSchema = Object.keys(type.schema ?? {}).length > 0;
  return (
    <li className="list__item">
      <p className="list__title">
        <code>{type.name}</code> <span className="quiet">v{type.version}</span>
      </p>
      {type.description ? <p>{type.description}</p> : null}
      {hasSchema ? (
        <details>
          <summary>
            Payload schema<span className="sr-only"> of {type.name}</span>
          </summary>
          <pre className="code">{JSON.stringify(type.schema, null, 2)}</pre>
        </details>
      ) : null}
      {removable ? (
        <button
          type="button"
          className="button button--danger"
          disabled={remove.isPending}
          onClick={() => {
            if (
              window.confirm(
                `Remove the event type “${type.name}”? Endpoints subscribed to it keep the pattern.`,
              )
            )
              remove.mutate();
          }}
        >
          Remove<span className="sr-only"> {type.name}</span>
        </button>
      ) : null}
      {remove.isError ? <ErrorMessage error={remove.error} title="Not removed" /> : null}
    </li>
  );
}

/** The schema box's text as a JSON object, or the reason it is not one. */
export function parseSchema(text: string): { schema?: JsonObject; problem?: string } {
  if (!text.trim()) return {};
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return { problem: 'The schema must be a JSON object, such as {"type": "object"}.' };
    }
    return { schema: value as JsonObject };
  } catch (error) {
    return {
      problem: `The schema is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}

function EventTypeForm({ onDone }: { onDone: () => void }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [schemaText, setSchemaText] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: (schema: JsonObject | undefined) =>
      createEventType(api, {
        name: name.trim(),
        ...(description.trim() ? { description: description.trim() } : {}),
        ...(schema ? { schema } : {}),
      }),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: keys.eventTypes });
      onDone();
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const parsed = parseSchema(schemaText);
    setProblem(parsed.problem ?? null);
    if (!parsed.problem) create.mutate(parsed.schema);
  };
  return (
    <form className="form" onSubmit={submit} aria-label="Declare an event type">
      <div className="field">
        <label htmlFor="type-name">Name</label>
        <input
          id="type-name"
          required
          maxLength={100}
          pattern="[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+"
          aria-describedby="type-name-hint"
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
        <p id="type-name-hint" className="hint">
          Dotted lower-case words, e.g. <code>invoice.paid</code>.
        </p>
      </div>
      <div className="field">
        <label htmlFor="type-description">Description (optional)</label>
        <input
          id="type-description"
          maxLength={2000}
          value={description}
          onChange={(e) => setDescription(e.target.value)}
        />
      </div>
      <div className={problem ? 'field field--invalid' : 'field'}>
        <label htmlFor="type-schema">JSON Schema of the payload (optional)</label>
        <textarea
          id="type-schema"
          rows={6}
          spellCheck={false}
          aria-invalid={problem ? true : undefined}
          aria-describedby={problem ? 'type-schema-error' : undefined}
          value={schemaText}
          onChange={(e) => setSchemaText(e.target.value)}
        />
        {problem ? (
          <p id="type-schema-error" className="field-error">
            {problem}
          </p>
        ) : null}
      </div>
      {create.isError ? <ErrorMessage error={create.error} title="The event type was not declared" /> : null}
      <div className="form__actions">
        <button type="submit" className="button button--primary" disabled={create.isPending}>
          Declare
        </button>
        <button type="button" className="button button--quiet" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}

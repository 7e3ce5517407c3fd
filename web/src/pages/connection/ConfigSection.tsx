import { useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { updateConnection } from '../../api/connections';
import type { ConnectionDetail, ConnectionInput, IntegrationDetail, JsonValue } from '../../api/types';
import { useApi } from '../../app/services';
import { useCan } from '../../auth/me';
import { ErrorMessage } from '../../components/Feedback';
import { humanize } from '../../format';
import { ConnectionFormFields } from '../../forms/ConnectionFormFields';
import { configPatch, labelOf, MASKED } from '../../forms/schema';
import { useConnectionForm } from '../../forms/useConnectionForm';
import { keys } from '../../queries/keys';

function shown(value: JsonValue): string {
  if (value === MASKED) return 'Stored (hidden)';
  if (typeof value === 'string') return value || '(empty)';
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  return JSON.stringify(value);
}

interface ConfigSectionProps {
  connection: ConnectionDetail;
  integration: IntegrationDetail | undefined;
}

/** The config with secrets masked, and, for roles that may, its edit form. */
export function ConfigSection({ connection, integration }: ConfigSectionProps) {
  const can = useCan();
  const [editing, setEditing] = useState(false);
  const [saved, setSaved] = useState(false);
  const properties = integration?.config_schema.properties ?? {};
  // In the schema's order (the form's), then anything the schema does not name.
  const order = Object.keys(properties);
  const rank = (name: string) => (order.includes(name) ? order.indexOf(name) : order.length);
  const entries = Object.entries(connection.config).sort(([a], [b]) => rank(a) - rank(b));
  return (
    <>
      {editing && integration ? (
        <ConfigEditor
          connection={connection}
          integration={integration}
          onDone={(didSave) => {
            setEditing(false);
            setSaved(didSave);
          }}
        />
      ) : (
        <>
          {entries.length === 0 ? (
            <p className="quiet">No settings.</p>
          ) : (
            <dl className="facts">
              {entries.map(([name, value]) => (
                <div key={name}>
                  <dt>{properties[name] ? labelOf(properties[name], name) : humanize(name)}</dt>
                  <dd className={value === MASKED ? 'quiet' : 'config-value'}>{shown(value)}</dd>
                </div>
              ))}
            </dl>
          )}
          <div aria-live="polite">{saved ? <p className="text-good">Changes saved.</p> : null}</div>
          {can('connections:update') && integration ? (
            <button
              type="button"
              className="button"
              onClick={() => {
                setSaved(false);
                setEditing(true);
              }}
            >
              Edit configuration
            </button>
          ) : null}
        </>
      )}
    </>
  );
}

function ConfigEditor({
  connection,
  integration,
  onDone,
}: {
  connection: ConnectionDetail;
  integration: IntegrationDetail;
  onDone: (saved: boolean) => void;
}) {
  const api = useApi();
  const queryClient = useQueryClient();
  const form = useConnectionForm(integration.config_schema, 'edit', connection);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFailure(null);
    const values = form.read();
    if (!values) return;
    const patch = configPatch(connection.config, values.config);
    const body: ConnectionInput = {
      ...values.settings,
      ...(Object.keys(patch).length > 0 ? { config: patch } : {}),
    };
    setBusy(true);
    try {
      const updated = await updateConnection(api, connection.id, body);
      queryClient.setQueryData(keys.connection(connection.id), updated);
      void queryClient.invalidateQueries({ queryKey: keys.connections });
      onDone(true);
    } catch (error) {
      if (!form.showServerError(error)) setFailure(error);
      setBusy(false);
    }
  };

  return (
    <form className="form" onSubmit={submit} noValidate aria-label="Edit the configuration">
      <p className="hint">
        Only what you change is sent. Secret fields start empty: leave them empty to keep the stored value.
      </p>
      <ConnectionFormFields form={form} integration={integration} idPrefix="edit" />
      {failure ? <ErrorMessage error={failure} title="The changes were not saved" /> : null}
      <div className="form__actions">
        <button type="submit" className="button button--primary" disabled={busy}>
          {busy ? 'Saving…' : 'Save changes'}
        </button>
        <button type="button" className="button button--quiet" onClick={() => onDone(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}

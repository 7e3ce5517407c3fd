import type { IntegrationDetail } from '../api/types';
import { ErrorSummary } from './ErrorSummary';
import { SchemaFields } from './SchemaFields';
import { SettingsFields } from './SettingsFields';
import type { useConnectionForm } from './useConnectionForm';

interface ConnectionFormFieldsProps {
  form: ReturnType<typeof useConnectionForm>;
  integration: IntegrationDetail;
  idPrefix: string;
  /** Wraps the connection's own fields in a "Connection" fieldset (the create form). */
  grouped?: boolean;
}

/** The problems, the connection's own fields, then its integration's config: the create and edit forms' body. */
export function ConnectionFormFields({
  form,
  integration,
  idPrefix,
  grouped = false,
}: ConnectionFormFieldsProps) {
  const settings = (
    <SettingsFields
      draft={form.settings}
      onChange={form.setSettings}
      errors={form.errors.settings}
      idPrefix={idPrefix}
    />
  );
  return (
    <>
      <ErrorSummary problems={form.problems} />
      {grouped ? (
        <fieldset className="group">
          <legend>Connection</legend>
          {settings}
        </fieldset>
      ) : (
        settings
      )}
      <fieldset className="group">
        <legend>{integration.name} settings</legend>
        <SchemaFields
          schema={integration.config_schema}
          draft={form.config}
          onChange={form.setConfig}
          context={form.context}
        />
      </fieldset>
    </>
  );
}

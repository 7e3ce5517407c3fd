import { useMemo, useState } from 'react';
import { isApiError } from '../api/errors';
import type { ConnectionDetail, ConnectionInput, JsonObject, JsonSchema } from '../api/types';
import { type Problem, schemaProblems } from './ErrorSummary';
import { fieldId } from './SchemaFields';
import { readSettings, SETTINGS_LABELS, settingsDraft, settingsId } from './SettingsFields';
import { type FieldErrors, initialDraft, readForm, serverFieldErrors, storedSecrets } from './schema';

interface Errors {
  settings: FieldErrors;
  config: FieldErrors;
  /** Problems the form cannot place on a field (a 400 naming another field). */
  other: string[];
}

const NO_ERRORS: Errors = { settings: {}, config: {}, other: [] };

/** The state of a connection's create or edit form: its settings, its config draft, their errors. */
export function useConnectionForm(
  schema: JsonSchema,
  idPrefix: string,
  initial?: ConnectionDetail,
  suggestedName = '',
) {
  const [settings, setSettings] = useState(() => ({
    ...settingsDraft(initial),
    name: initial?.name ?? suggestedName,
  }));
  const [config, setConfig] = useState(() => initialDraft(schema, initial?.config));
  const [errors, setErrors] = useState<Errors>(NO_ERRORS);
  const stored = useMemo(() => storedSecrets(initial?.config), [initial]);

  /** The validated values, or undefined with the errors shown. */
  const read = (): { settings: ConnectionInput; config: JsonObject } | undefined => {
    const settingsResult = readSettings(settings);
    const configResult = readForm(schema, config, stored);
    if (!settingsResult.ok || !configResult.ok) {
      setErrors({
        settings: settingsResult.ok ? {} : settingsResult.errors,
        config: configResult.ok ? {} : configResult.errors,
        other: [],
      });
      return undefined;
    }
    setErrors(NO_ERRORS);
    return { settings: settingsResult.value, config: configResult.value };
  };

  /** Places a refusal's fields on the form; false when it names none (show it as an error instead). */
  const showServerError = (error: unknown): boolean => {
    if (!isApiError(error)) return false;
    if (error.code === 'NAME_TAKEN') {
      setErrors({
        ...NO_ERRORS,
        settings: { name: 'Another connection already has this name: pick another.' },
      });
      return true;
    }
    const fields = error.fields;
    if (fields.length === 0) return false;
    const configErrors = serverFieldErrors(fields, 'config.');
    const settingsErrors = serverFieldErrors(
      fields.filter((field) => field.field in SETTINGS_LABELS),
      '',
    );
    const other = fields
      .filter((field) => !field.field.startsWith('config.') && !(field.field in SETTINGS_LABELS))
      .map((field) => `${field.field} ${field.message}`);
    setErrors({ settings: settingsErrors, config: configErrors, other });
    return true;
  };

  const context = { idPrefix: `${idPrefix}-config`, errors: errors.config, stored };
  const problems: Problem[] = [
    ...Object.entries(errors.settings).map(([field, message]) => ({
      id: settingsId(idPrefix, field),
      text: `${SETTINGS_LABELS[field] ?? field}: ${message}`,
    })),
    ...schemaProblems(schema, errors.config, (path) => fieldId(context, path)),
    ...errors.other.map((text) => ({ id: idPrefix, text })),
  ];

  return { settings, setSettings, config, setConfig, errors, context, problems, read, showServerError };
}

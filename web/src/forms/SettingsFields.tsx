import type { ConnectionInput } from '../api/types';
import { RequiredMark } from './RequiredMark';
import type { FieldErrors } from './schema';

/** A connection's own fields, beside its integration's config. */
export interface SettingsDraft {
  name: string;
  description: string;
  interval: string;
  healthInterval: string;
}

export function settingsDraft(from?: {
  name: string;
  description: string | null;
  sync_interval_mins: number;
  health_check_interval_mins: number;
}): SettingsDraft {
  return {
    name: from?.name ?? '',
    description: from?.description ?? '',
    interval: String(from?.sync_interval_mins ?? 360),
    healthInterval: String(from?.health_check_interval_mins ?? 60),
  };
}

/** The settings' part of a create or update body, or the problems, by the API's field names. */
export function readSettings(
  draft: SettingsDraft,
): { ok: true; value: ConnectionInput } | { ok: false; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const name = draft.name.trim();
  if (!name) errors.name = 'Give the connection a name.';
  else if (name.length > 255) errors.name = 'Keep the name to 255 characters.';
  const whole = (text: string, field: string, min: number, max: number) => {
    const value = Number(text);
    if (!/^\d+$/.test(text.trim()) || value < min || value > max) {
      errors[field] = `Enter a whole number of minutes from ${min} to ${max}.`;
    }
    return value;
  };
  const interval = whole(draft.interval, 'sync_interval_mins', 5, 10_080);
  const healthInterval = whole(draft.healthInterval, 'health_check_interval_mins', 5, 1440);
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    value: {
      name,
      description: draft.description.trim() || null,
      sync_interval_mins: interval,
      health_check_interval_mins: healthInterval,
    },
  };
}

export const SETTINGS_LABELS: Record<string, string> = {
  name: 'Name',
  description: 'Description',
  sync_interval_mins: 'Sync every (minutes)',
  health_check_interval_mins: 'Health check every (minutes)',
};

export function settingsId(idPrefix: string, field: string): string {
  return `${idPrefix}-${field}`;
}

interface SettingsFieldsProps {
  draft: SettingsDraft;
  onChange: (draft: SettingsDraft) => void;
  errors: FieldErrors;
  idPrefix: string;
}

export function SettingsFields({ draft, onChange, errors, idPrefix }: SettingsFieldsProps) {
  const field = (
    key: keyof SettingsDraft,
    apiName: string,
    hint: string | undefined,
    props: { type?: string; required?: boolean; min?: number; max?: number; multiline?: boolean } = {},
  ) => {
    const id = settingsId(idPrefix, apiName);
    const error = errors[apiName];
    const describedBy =
      [error ? `${id}-error` : '', hint ? `${id}-hint` : ''].filter(Boolean).join(' ') || undefined;
    const common = {
      id,
      value: draft[key],
      'aria-describedby': describedBy,
      'aria-invalid': error ? true : undefined,
      'aria-required': props.required,
    };
    return (
      <div className={error ? 'field field--invalid' : 'field'}>
        <label htmlFor={id}>
          {SETTINGS_LABELS[apiName]}
          <RequiredMark required={props.required ?? false} />
        </label>
        {props.multiline ? (
          <textarea {...common} rows={2} onChange={(e) => onChange({ ...draft, [key]: e.target.value })} />
        ) : (
          <input
            {...common}
            type={props.type ?? 'text'}
            min={props.min}
            max={props.max}
            inputMode={props.type === 'number' ? 'numeric' : undefined}
            onChange={(e) => onChange({ ...draft, [key]: e.target.value })}
          />
        )}
        {error ? (
          <p id={`${id}-error`} className="field-error">
            {error}
          </p>
        ) : null}
        {hint ? (
          <p id={`${id}-hint`} className="hint">
            {hint}
          </p>
        ) : null}
      </div>
    );
  };
  return (
    <>
      {field('name', 'name', 'Unique in your organisation, e.g. "GitHub (Engineering)".', { required: true })}
      {field('description', 'description', undefined, { multiline: true })}
      <div className="field-row">
        {field('interval', 'sync_interval_mins', 'From 5 minutes to 7 days (10080). 360 is every 6 hours.', {
          type: 'number',
          required: true,
          min: 5,
          max: 10_080,
        })}
        {field('healthInterval', 'health_check_interval_mins', 'From 5 to 1440 minutes.', {
          type: 'number',
          required: true,
          min: 5,
          max: 1440,
        })}
      </div>
    </>
  );
}

import type { InputHTMLAttributes, ReactNode } from 'react';

type InputProps = Omit<
  InputHTMLAttributes<HTMLInputElement>,
  'id' | 'value' | 'onChange' | 'aria-describedby'
>;

interface TextFieldProps extends InputProps {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  /** Help under the input, rendered with the id the input names as its description. */
  hint?: (id: string) => ReactNode;
}

/** A labelled text input of a form, with its help. */
export function TextField({ id, label, value, onChange, hint, ...input }: TextFieldProps) {
  const hintId = `${id}-hint`;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        aria-describedby={hint ? hintId : undefined}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        {...input}
      />
      {hint?.(hintId)}
    </div>
  );
}

interface FormActionsProps {
  /** The submit button's label, and its label while the form is submitted. */
  submit: string;
  submitting: string;
  busy: boolean;
  onCancel: () => void;
}

/** A form's submit button (disabled while it is submitted) and its Cancel. */
export function FormActions({ submit, submitting, busy, onCancel }: FormActionsProps) {
  return (
    <div className="form__actions">
      <button type="submit" className="button button--primary" disabled={busy}>
        {busy ? submitting : submit}
      </button>
      <button type="button" className="button button--quiet" onClick={onCancel}>
        Cancel
      </button>
    </div>
  );
}

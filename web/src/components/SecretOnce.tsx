import { useId, useState } from 'react';

interface SecretOnceProps {
  /** What the secret is, e.g. "Signing secret". */
  label: string;
  value: string;
  /** Where the secret goes, in a sentence. */
  hint?: string;
  onDismiss: () => void;
}

/**
 * A secret the server shows in one answer only: kept in the component's state (never in the query
 * cache), so once dismissed or navigated away from it is gone for good.
 */
export function SecretOnce({ label, value, hint, onDismiss }: SecretOnceProps) {
  const id = useId();
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied('yes');
    } catch {
      setCopied('failed');
    }
  };
  return (
    <div className="notice secret" role="status">
      <p className="outcome__title">Copy the {label.toLowerCase()} now: it is not shown again</p>
      {hint ? <p>{hint}</p> : null}
      <div className="field">
        <label htmlFor={id}>{label}</label>
        <input
          id={id}
          className="secret__value"
          readOnly
          value={value}
          spellCheck={false}
          onFocus={(event) => event.target.select()}
        />
      </div>
      <div className="form__actions">
        <button type="button" className="button button--primary" onClick={() => void copy()}>
          Copy<span className="sr-only"> the {label.toLowerCase()}</span>
        </button>
        <button type="button" className="button button--quiet" onClick={onDismiss}>
          I have stored it
        </button>
        <span aria-live="polite">
          {copied === 'yes'
            ? 'Copied.'
            : copied === 'failed'
              ? 'Copy failed: select the text and copy it.'
              : ''}
        </span>
      </div>
    </div>
  );
}

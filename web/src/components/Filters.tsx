import { useState } from 'react';
import { humanize } from '../format';
import { useDebounced } from './useDebounced';

interface SearchFieldProps {
  id: string;
  /** The search applied (from the URL); the box follows it when it changes elsewhere (cleared). */
  value: string;
  placeholder?: string;
  onSearch: (text: string | undefined) => void;
}

/** A search box that applies as you type, once typing pauses. */
export function SearchField({ id, value, placeholder, onSearch }: SearchFieldProps) {
  const [text, setText] = useState(value);
  const [applied, setApplied] = useState(value);
  if (value !== applied) {
    setApplied(value);
    if (value !== text.trim()) setText(value);
  }
  const apply = useDebounced((next: string) => onSearch(next.trim() || undefined));
  return (
    <div className="field">
      <label htmlFor={id}>Search</label>
      <input
        id={id}
        type="search"
        value={text}
        placeholder={placeholder}
        onChange={(event) => {
          setText(event.target.value);
          apply(event.target.value);
        }}
      />
    </div>
  );
}

interface FilterSelectProps {
  id: string;
  label: string;
  value: string | undefined;
  options: readonly string[];
  /** The first option's words, meaning "no filter". */
  any?: string;
  onChange: (value: string | undefined) => void;
}

/** A select of machine names shown in words, its empty option meaning "any". */
export function FilterSelect({ id, label, value, options, any = 'Any', onChange }: FilterSelectProps) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value ?? ''} onChange={(event) => onChange(event.target.value || undefined)}>
        <option value="">{any}</option>
        {options.map((option) => (
          <option key={option} value={option}>
            {humanize(option)}
          </option>
        ))}
      </select>
    </div>
  );
}

import type { ReactNode } from 'react';
import type { JsonSchema } from '../api/types';
import { RequiredMark } from './RequiredMark';
import { type Draft, emptyDraft, type FieldErrors, fieldKind, labelOf, typeOf } from './schema';

export interface FormContext {
  /** Prefix of every element id, unique on the page. */
  idPrefix: string;
  errors: FieldErrors;
  /** Paths of secrets the server holds: their empty field means "keep". */
  stored: ReadonlySet<string>;
}

export function fieldId(context: FormContext, path: string): string {
  return `${context.idPrefix}-${path.replaceAll('.', '-') || 'root'}`;
}

interface SchemaFieldsProps {
  /** An object schema: its properties become the fields. */
  schema: JsonSchema;
  draft: Draft;
  onChange: (draft: Draft) => void;
  context: FormContext;
}

/** A form's fields rendered from a JSON Schema (a connector's `config_schema`). */
export function SchemaFields({ schema, draft, onChange, context }: SchemaFieldsProps) {
  if (draft.kind !== 'object') return null;
  return <ObjectFields schema={schema} draft={draft} onChange={onChange} path="" context={context} />;
}

interface FieldProps {
  schema: JsonSchema;
  draft: Draft;
  onChange: (draft: Draft) => void;
  path: string;
  label: string;
  required: boolean;
  /** An item of a list: never optional (an empty one is dropped), so never marked required either. */
  item?: boolean;
  context: FormContext;
}

function ObjectFields({
  schema,
  draft,
  onChange,
  path,
  context,
}: Omit<FieldProps, 'label' | 'required'> & { draft: Extract<Draft, { kind: 'object' }> }) {
  return (
    <>
      {Object.entries(schema.properties ?? {}).map(([name, property]) => {
        const child = draft.fields[name];
        if (!child) return null;
        return (
          <Field
            key={name}
            schema={property}
            draft={child}
            onChange={(next) => onChange({ ...draft, fields: { ...draft.fields, [name]: next } })}
            path={path ? `${path}.${name}` : name}
            label={labelOf(property, name)}
            required={schema.required?.includes(name) ?? false}
            context={context}
          />
        );
      })}
    </>
  );
}

function Field(props: FieldProps) {
  const { draft } = props;
  switch (draft.kind) {
    case 'bool':
      return <CheckboxField {...props} draft={draft} />;
    case 'list':
      return <ListField {...props} draft={draft} />;
    case 'object':
      return <ObjectField {...props} draft={draft} />;
    case 'map':
      return <MapField {...props} draft={draft} />;
    case 'text':
      return <TextField {...props} draft={draft} />;
  }
}

/** The ids of a field's hint and error, and the props that tie them to its control. */
function described(context: FormContext, path: string, hint: string | undefined) {
  const id = fieldId(context, path);
  const error = context.errors[path];
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [errorId, hintId].filter(Boolean).join(' ') || undefined;
  return {
    id,
    error,
    hintId,
    errorId,
    control: { id, 'aria-describedby': describedBy, 'aria-invalid': error ? true : undefined },
  };
}

function Hint({ id, text }: { id: string | undefined; text: string | undefined }) {
  return text ? (
    <p id={id} className="hint">
      {text}
    </p>
  ) : null;
}

function FieldError({ id, text }: { id: string | undefined; text: string | undefined }) {
  return text ? (
    <p id={id} className="field-error">
      {text}
    </p>
  ) : null;
}

function Label({ htmlFor, label, required }: { htmlFor: string; label: string; required: boolean }) {
  return (
    <label htmlFor={htmlFor}>
      {label}
      <RequiredMark required={required} />
    </label>
  );
}

function TextField({
  schema,
  draft,
  onChange,
  path,
  label,
  required,
  context,
}: FieldProps & { draft: Extract<Draft, { kind: 'text' }> }) {
  const kind = fieldKind(schema);
  const isStored = context.stored.has(path);
  const hint = isStored
    ? `A value is stored and hidden. Leave this empty to keep it, or type a new one to replace it.${
        schema.description ? ` ${schema.description}` : ''
      }`
    : schema.description;
  const { id, error, hintId, errorId, control } = described(context, path, hint);
  const set = (text: string) => onChange({ kind: 'text', text });
  const mustFill = required && !isStored;

  let input: ReactNode;
  if (kind === 'select') {
    const hasDefault = schema.default !== undefined;
    input = (
      <select {...control} value={draft.text} aria-required={mustFill} onChange={(e) => set(e.target.value)}>
        {!hasDefault ? <option value="">{mustFill ? 'Choose…' : 'Not set'}</option> : null}
        {(schema.enum ?? []).map((option) => (
          <option key={String(option)} value={String(option)}>
            {String(option)}
          </option>
        ))}
      </select>
    );
  } else if (kind === 'json') {
    input = (
      <textarea
        {...control}
        value={draft.text}
        rows={4}
        spellCheck={false}
        aria-required={mustFill}
        onChange={(e) => set(e.target.value)}
      />
    );
  } else {
    const numeric = kind === 'number';
    input = (
      <input
        {...control}
        type={
          kind === 'secret'
            ? 'password'
            : numeric
              ? 'number'
              : schema.format === 'uri'
                ? 'url'
                : schema.format === 'email'
                  ? 'email'
                  : 'text'
        }
        value={draft.text}
        aria-required={mustFill}
        placeholder={isStored ? '•••••••• (stored)' : undefined}
        autoComplete={kind === 'secret' ? 'new-password' : 'off'}
        spellCheck={false}
        inputMode={numeric ? (typeOf(schema) === 'integer' ? 'numeric' : 'decimal') : undefined}
        step={numeric ? (typeOf(schema) === 'integer' ? 1 : 'any') : undefined}
        min={schema.minimum}
        max={schema.maximum}
        onChange={(e) => set(e.target.value)}
      />
    );
  }
  return (
    <div className={error ? 'field field--invalid' : 'field'}>
      <Label htmlFor={id} label={label} required={mustFill} />
      {input}
      <FieldError id={errorId} text={error} />
      <Hint id={hintId} text={hint} />
    </div>
  );
}

function CheckboxField({
  schema,
  draft,
  onChange,
  path,
  label,
  context,
}: FieldProps & { draft: Extract<Draft, { kind: 'bool' }> }) {
  const { id, error, hintId, errorId, control } = described(context, path, schema.description);
  return (
    <div className="field field--check">
      <input
        {...control}
        type="checkbox"
        checked={draft.value}
        onChange={(e) => onChange({ kind: 'bool', value: e.target.checked })}
      />
      <label htmlFor={id}>{label}</label>
      <FieldError id={errorId} text={error} />
      <Hint id={hintId} text={schema.description} />
    </div>
  );
}

/** A group of fields: a fieldset whose legend names it, with its hint and error. */
function Group({
  id,
  label,
  required,
  hint,
  error,
  children,
}: {
  id: string;
  label: string;
  required: boolean;
  hint: string | undefined;
  error: string | undefined;
  children: ReactNode;
}) {
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  return (
    <fieldset
      id={id}
      className={error ? 'group group--invalid' : 'group'}
      aria-describedby={[errorId, hintId].filter(Boolean).join(' ') || undefined}
      tabIndex={-1}
    >
      <legend>
        {label}
        <RequiredMark required={required} />
      </legend>
      <Hint id={hintId} text={hint} />
      <FieldError id={errorId} text={error} />
      {children}
    </fieldset>
  );
}

function singular(label: string): string {
  return label.endsWith('s') ? label.slice(0, -1) : 'item';
}

function ListField({
  schema,
  draft,
  onChange,
  path,
  label,
  required,
  context,
}: FieldProps & { draft: Extract<Draft, { kind: 'list' }> }) {
  const itemSchema = schema.items ?? {};
  const itemLabel = itemSchema.title ?? singular(label);
  const full = schema.maxItems !== undefined && draft.items.length >= schema.maxItems;
  const setItems = (items: Draft[]) => onChange({ kind: 'list', items });
  return (
    <Group
      id={fieldId(context, path)}
      label={label}
      required={required}
      hint={schema.description}
      error={context.errors[path]}
    >
      {draft.items.length > 0 ? (
        <ol className="group__items">
          {draft.items.map((item, index) => {
            const itemName = `${itemLabel} ${index + 1}`;
            return (
              // Items have no identity of their own: the position is the key.
              // biome-ignore lint/suspicious/noArrayIndexKey: see above
              <li key={index} className="group__item">
                <Field
                  schema={itemSchema}
                  draft={item}
                  onChange={(next) => setItems(draft.items.map((old, i) => (i === index ? next : old)))}
                  path={`${path}.${index}`}
                  label={itemName}
                  required={false}
                  item
                  context={context}
                />
                <button
                  type="button"
                  className="button button--quiet"
                  onClick={() => setItems(draft.items.filter((_, i) => i !== index))}
                >
                  Remove {itemName.toLowerCase()}
                </button>
              </li>
            );
          })}
        </ol>
      ) : (
        <p className="hint">None yet.</p>
      )}
      <button
        type="button"
        className="button"
        disabled={full}
        onClick={() => setItems([...draft.items, emptyDraft(itemSchema)])}
      >
        Add {itemLabel.toLowerCase()}
      </button>
    </Group>
  );
}

function ObjectField({
  schema,
  draft,
  onChange,
  path,
  label,
  required,
  item,
  context,
}: FieldProps & { draft: Extract<Draft, { kind: 'object' }> }) {
  const id = fieldId(context, path);
  return (
    <Group id={id} label={label} required={required} hint={schema.description} error={context.errors[path]}>
      {required || item ? null : (
        <div className="field field--check">
          <input
            id={`${id}-present`}
            type="checkbox"
            checked={draft.present}
            aria-expanded={draft.present}
            aria-controls={`${id}-fields`}
            onChange={(e) => onChange({ ...draft, present: e.target.checked })}
          />
          <label htmlFor={`${id}-present`}>Use {label.toLowerCase()}</label>
        </div>
      )}
      <div id={`${id}-fields`} hidden={!draft.present}>
        {draft.present ? (
          <ObjectFields schema={schema} draft={draft} onChange={onChange} path={path} context={context} />
        ) : null}
      </div>
    </Group>
  );
}

function MapField({
  schema,
  draft,
  onChange,
  path,
  label,
  required,
  context,
}: FieldProps & { draft: Extract<Draft, { kind: 'map' }> }) {
  const valueSchema = typeof schema.additionalProperties === 'object' ? schema.additionalProperties : {};
  const id = fieldId(context, path);
  const setEntries = (entries: { key: string; value: Draft }[]) => onChange({ kind: 'map', entries });
  const full = schema.maxProperties !== undefined && draft.entries.length >= schema.maxProperties;
  return (
    <Group id={id} label={label} required={required} hint={schema.description} error={context.errors[path]}>
      {draft.entries.map((entry, index) => {
        const update = (next: { key: string; value: Draft }) =>
          setEntries(draft.entries.map((old, i) => (i === index ? next : old)));
        return (
          // biome-ignore lint/suspicious/noArrayIndexKey: entries are edited in place, their names change
          <div key={index} className="map-row">
            <div className="field">
              <label htmlFor={`${id}-${index}-name`}>Name {index + 1}</label>
              <input
                id={`${id}-${index}-name`}
                value={entry.key}
                autoComplete="off"
                spellCheck={false}
                onChange={(e) => update({ ...entry, key: e.target.value })}
              />
            </div>
            <Field
              schema={valueSchema}
              draft={entry.value}
              onChange={(value) => update({ ...entry, value })}
              path={`${path}.${index}`}
              label={`Value ${index + 1}`}
              required={false}
              context={context}
            />
            <button
              type="button"
              className="button button--quiet"
              onClick={() => setEntries(draft.entries.filter((_, i) => i !== index))}
            >
              Remove entry {index + 1}
            </button>
          </div>
        );
      })}
      <button
        type="button"
        className="button"
        disabled={full}
        onClick={() => setEntries([...draft.entries, { key: '', value: emptyDraft(valueSchema) }])}
      >
        Add an entry
      </button>
    </Group>
  );
}

import { fireEvent, render, screen, within } from '@testing-library/react';
import { useState } from 'react';
import { describe, expect, it } from 'vitest';
import type { JsonObject, JsonSchema } from '../src/api/types';
import { SchemaFields } from '../src/forms/SchemaFields';
import {
  configPatch,
  type FieldErrors,
  initialDraft,
  readForm,
  serverFieldErrors,
  storedSecrets,
} from '../src/forms/schema';
import schemas from './fixtures/config-schemas.json';
import { descriptionOf } from './helpers';

const okta = schemas.okta as JsonSchema;
const customHttp = schemas['custom-http'] as JsonSchema;
const awsConfig = schemas['aws-config'] as JsonSchema;
const demo = schemas.demo as JsonSchema;

/** A form around the fields, as the connect page uses them: submit reads and validates. */
function Harness({
  schema,
  initial,
  onValue,
}: {
  schema: JsonSchema;
  initial?: JsonObject;
  onValue: (v: JsonObject) => void;
}) {
  const [draft, setDraft] = useState(() => initialDraft(schema, initial));
  const [errors, setErrors] = useState<FieldErrors>({});
  const stored = storedSecrets(initial);
  return (
    <form
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        const result = readForm(schema, draft, stored);
        if (result.ok) {
          setErrors({});
          onValue(result.value);
        } else setErrors(result.errors);
      }}
    >
      <SchemaFields
        schema={schema}
        draft={draft}
        onChange={setDraft}
        context={{ idPrefix: 'f', errors, stored }}
      />
      <button type="submit">Save</button>
    </form>
  );
}

function setup(schema: JsonSchema, initial?: JsonObject) {
  const values: JsonObject[] = [];
  render(<Harness schema={schema} initial={initial} onValue={(value) => values.push(value)} />);
  const submit = () => fireEvent.click(screen.getByRole('button', { name: 'Save' }));
  const type = (label: string | RegExp, text: string) =>
    fireEvent.change(screen.getByLabelText(label), { target: { value: text } });
  return { values, submit, type };
}

describe('forms rendered from a config_schema', () => {
  it('renders each kind of field with its label and hint', () => {
    setup(customHttp);
    // string with format uri, an enum, secrets, a free string
    expect(screen.getByLabelText(/API base URL/)).toHaveProperty('type', 'url');
    const auth = screen.getByLabelText('Authentication') as HTMLSelectElement;
    expect(auth.tagName).toBe('SELECT');
    expect([...auth.options].map((option) => option.value)).toEqual(['none', 'bearer', 'api_key', 'basic']);
    expect(auth.value).toBe('none');
    expect(screen.getByLabelText('Bearer token')).toHaveProperty('type', 'password');
    expect(screen.getByLabelText('API key')).toHaveProperty('type', 'password');
    expect(screen.getByLabelText('Password')).toHaveProperty('type', 'password');
    expect(screen.getByLabelText('Username')).toHaveProperty('type', 'text');
    // the hint is the field's description, tied to it
    expect(descriptionOf(screen.getByLabelText(/API base URL/))).toMatch(/Paths are resolved against it/);
    // a map (extra headers) and a list of objects (entities)
    expect(screen.getByRole('group', { name: 'Extra headers' })).toBeTruthy();
    const entities = screen.getByRole('group', { name: /Entities/ });
    expect(within(entities).getByText('None yet.')).toBeTruthy();
  });

  it('renders numbers, booleans and lists of strings', () => {
    setup(demo);
    expect(screen.getByLabelText('Users')).toHaveProperty('type', 'number');
    expect((screen.getByLabelText('Users') as HTMLInputElement).value).toBe('100');
    expect(screen.getByLabelText('Fail authentication')).toHaveProperty('type', 'checkbox');
    expect(screen.getByLabelText(/API Token/)).toHaveProperty('type', 'password');
    cleanupAndRender(awsConfig);
    const regions = screen.getByRole('group', { name: 'Regions' });
    expect((within(regions).getByLabelText('Region 1') as HTMLInputElement).value).toBe('us-east-1');
    fireEvent.click(within(regions).getByRole('button', { name: 'Add region' }));
    expect(within(regions).getByLabelText('Region 2')).toBeTruthy();
  });

  it('marks required fields and refuses to submit without them', () => {
    const { values, submit } = setup(okta);
    const domain = screen.getByLabelText(/Okta Domain/);
    expect(domain.getAttribute('aria-required')).toBe('true');
    expect(screen.getByLabelText(/Okta Domain/).closest('.field')?.textContent).toMatch(/\(required\)/);
    expect(screen.getByLabelText(/Sync Deprovisioned Users/).getAttribute('aria-required')).toBeNull();
    submit();
    expect(values).toHaveLength(0);
    expect(domain.getAttribute('aria-invalid')).toBe('true');
    expect(descriptionOf(domain)).toMatch(/This field is required/);
    expect(descriptionOf(screen.getByLabelText(/API Token/))).toMatch(/This field is required/);
  });

  it('checks patterns, lengths and number bounds with messages that say what is wrong', () => {
    const { values, submit, type } = setup(okta);
    type(/Okta Domain/, 'acme.example.com');
    type(/API Token/, 'secret');
    submit();
    expect(values).toHaveLength(0);
    expect(descriptionOf(screen.getByLabelText(/Okta Domain/))).toMatch(/not in the expected format/);
    type(/Okta Domain/, 'acme.okta.com');
    submit();
    expect(values).toEqual([{ domain: 'acme.okta.com', api_token: 'secret', sync_deprovisioned: false }]);

    cleanupAndRender(demo);
    fireEvent.change(screen.getByLabelText(/API Token/), { target: { value: 'x' } });
    fireEvent.change(screen.getByLabelText('Users'), { target: { value: '-1' } });
    fireEvent.change(screen.getByLabelText('Failure rate'), { target: { value: '1.5' } });
    fireEvent.change(screen.getByLabelText('Groups'), { target: { value: '2.5' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(descriptionOf(screen.getByLabelText('Users'))).toMatch(/Enter 0 or more/);
    expect(descriptionOf(screen.getByLabelText('Failure rate'))).toMatch(/Enter 1 or less/);
    expect(descriptionOf(screen.getByLabelText('Groups'))).toMatch(/Enter a whole number/);
  });

  it("builds the custom HTTP connector's entity list, nested objects and headers into the config", () => {
    const { values, submit, type } = setup(customHttp);
    type(/API base URL/, 'https://api.example.com/v2/');
    fireEvent.change(screen.getByLabelText('Authentication'), { target: { value: 'bearer' } });
    type('Bearer token', 'tok_123');
    fireEvent.click(screen.getByRole('button', { name: 'Add entity' }));
    const entity = screen.getByRole('group', { name: /Entity 1/ });
    fireEvent.change(within(entity).getByLabelText(/^Name/), { target: { value: 'Users' } });
    fireEvent.change(within(entity).getByLabelText(/^Path/), { target: { value: '/users' } });
    // the entity name's pattern: lower case only
    submit();
    expect(values).toHaveLength(0);
    expect(descriptionOf(within(entity).getByLabelText(/^Name/))).toMatch(/not in the expected format/);
    fireEvent.change(within(entity).getByLabelText(/^Name/), { target: { value: 'users' } });
    // pagination is an object with defaults; incremental an optional object, off until asked for
    const pagination = within(entity).getByRole('group', { name: 'Pagination' });
    fireEvent.change(within(pagination).getByLabelText('Style'), { target: { value: 'cursor' } });
    fireEvent.change(within(pagination).getByLabelText('Next cursor field'), {
      target: { value: 'meta.next' },
    });
    const incremental = within(entity).getByRole('group', { name: /Incremental sync/ });
    expect(within(incremental).queryByLabelText(/Query parameter/)).toBeNull();
    fireEvent.click(within(incremental).getByLabelText('Use incremental sync'));
    fireEvent.change(within(incremental).getByLabelText(/Query parameter/), {
      target: { value: 'updated_since' },
    });
    fireEvent.change(within(incremental).getByLabelText(/Record field/), { target: { value: 'updated_at' } });
    const headers = screen.getByRole('group', { name: 'Extra headers' });
    fireEvent.click(within(headers).getByRole('button', { name: 'Add an entry' }));
    fireEvent.change(within(headers).getByLabelText('Name 1'), { target: { value: 'X-Api-Version' } });
    fireEvent.change(within(headers).getByLabelText('Value 1'), { target: { value: '2024-01' } });
    submit();
    expect(values).toEqual([
      {
        base_url: 'https://api.example.com/v2/',
        auth_type: 'bearer',
        token: 'tok_123',
        key_in: 'header',
        headers: { 'X-Api-Version': '2024-01' },
        entities: [
          {
            name: 'users',
            path: '/users',
            // records_path's default is empty: left out, the server applies it.
            id_field: 'id',
            pagination: { style: 'cursor', page_size: 100, cursor_path: 'meta.next' },
            incremental: { param: 'updated_since', field: 'updated_at' },
          },
        ],
      },
    ]);
  });

  it('reports an invalid header name and a missing entity', () => {
    const { values, submit, type } = setup(customHttp);
    type(/API base URL/, 'not a url');
    const headers = screen.getByRole('group', { name: 'Extra headers' });
    fireEvent.click(within(headers).getByRole('button', { name: 'Add an entry' }));
    fireEvent.change(within(headers).getByLabelText('Name 1'), { target: { value: 'Bad Header' } });
    submit();
    expect(values).toHaveLength(0);
    expect(descriptionOf(screen.getByLabelText(/API base URL/))).toMatch(/Enter a full URL/);
    expect(descriptionOf(screen.getByRole('group', { name: 'Extra headers' }))).toMatch(
      /“Bad Header” is not a valid name/,
    );
    expect(descriptionOf(screen.getByRole('group', { name: /Entities/ }))).toMatch(/This field is required/);
  });

  it('edits a stored config: secrets stay hidden and optional, only changes are sent', () => {
    const stored: JsonObject = {
      domain: 'acme.okta.com',
      api_token: '***masked***',
      sync_deprovisioned: false,
      base_url: 'https://proxy.example.com',
    };
    const { values, submit, type } = setup(okta, stored);
    const token = screen.getByLabelText(/API Token/) as HTMLInputElement;
    expect(token.type).toBe('password');
    expect(token.value).toBe('');
    expect(token.getAttribute('aria-required')).toBe('false');
    expect(descriptionOf(token)).toMatch(/A value is stored and hidden/);
    type(/API base URL/, '');
    fireEvent.click(screen.getByLabelText(/Sync Deprovisioned Users/));
    submit();
    expect(values).toHaveLength(1);
    // The API merges one level deep: changed fields, null to remove one, the stored secret untouched.
    expect(configPatch(stored, values[0]!)).toEqual({ sync_deprovisioned: true, base_url: null });
    type(/API Token/, 'rotated');
    submit();
    expect(configPatch(stored, values[1]!)).toEqual({
      api_token: 'rotated',
      sync_deprovisioned: true,
      base_url: null,
    });
  });

  it("places the server's 400 fields on the config's fields", () => {
    const errors = serverFieldErrors(
      [
        { field: 'config.entities.0.name', message: 'must match pattern "^[a-z][a-z0-9_]*$"' },
        { field: 'config.token', message: 'is required when auth_type is bearer' },
        { field: 'name', message: 'is required' },
      ],
      'config.',
    );
    expect(errors).toEqual({
      'entities.0.name': 'Must match pattern "^[a-z][a-z0-9_]*$".',
      token: 'Is required when auth_type is bearer.',
    });
  });
});

function cleanupAndRender(schema: JsonSchema) {
  document.body.innerHTML = '';
  render(<Harness schema={schema} onValue={() => undefined} />);
}

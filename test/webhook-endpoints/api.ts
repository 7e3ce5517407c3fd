import type { TestApp } from '../helpers/app.js';
import type { SeededUser } from '../helpers/identity.js';

/** Calls the API as `as`, JSON in and out. */
export function apiAs(t: TestApp, as: SeededUser) {
  return (
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    payload?: object,
    headers: Record<string, string> = {},
  ) => t.app.inject({ method, url: `/api/v1${url}`, headers: { ...as.auth, ...headers }, payload });
}

export const fieldsOf = (res: { json: () => { error: { details: { fields: { field: string }[] } } } }) =>
  res.json().error.details.fields.map((f) => f.field);

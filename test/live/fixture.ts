import { expect } from 'vitest';
import type { EventItem } from '../../src/modules/events/view.js';
import type { TestApp } from '../helpers/app.js';
import type { SeededUser } from '../helpers/identity.js';

let counter = 0;

/** The demo integration's id, which every test org can connect. */
export async function demoDefinitionId(t: TestApp): Promise<string> {
  const row = await t.ctx.database.db
    .selectFrom('integration_definitions')
    .select('id')
    .where('slug', '=', 'demo')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Creates a connection through the API (which records `connection.created`); returns the event as listed. */
export async function createConnection(t: TestApp, as: SeededUser, definitionId: string): Promise<EventItem> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/integration-connections',
    headers: as.auth,
    payload: { definition_id: definitionId, name: `Live ${++counter}`, config: { api_token: 'demo-token' } },
  });
  expect(res.statusCode, res.body).toBe(201);
  const id = res.json().data.id as string;
  const [event] = await listedEvents(t, as, { subject_id: id, type: 'connection.created' });
  if (!event) throw new Error(`no connection.created event for ${id}`);
  return event;
}

/** The caller's org's events as `GET /events` lists them (newest first). */
export async function listedEvents(
  t: TestApp,
  as: SeededUser,
  query: Record<string, string> = {},
): Promise<EventItem[]> {
  const res = await t.app.inject({
    method: 'GET',
    url: '/api/v1/events',
    headers: as.auth,
    query: { per_page: '200', ...query },
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().data as EventItem[];
}

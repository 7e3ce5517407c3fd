/**
 * Okta's event hook requests as Okta sends them (developer.okta.com/docs/concepts/event-hooks):
 * - deliveries are POSTs with `Accept` and `Content-Type: application/json` and the secret the admin
 *   configured as the value of `Authorization`; the body is the envelope of the docs' "Sample event
 *   delivery payload" (`eventType: com.okta.event_hook`, `eventTypeVersion`, `cloudEventsVersion`,
 *   `contentType`, `eventId`, `eventTime`, `source`), its `data.events` System Log LogEvents, several
 *   at once;
 * - the one-time verification request is a GET with the same `Authorization` and an
 *   `X-Okta-Verification-Challenge` header, and no body.
 * Targets are System Log targets (`User`, `UserGroup`, `AppInstance`) built from the fake org's objects.
 */
import { randomUUID } from 'node:crypto';
import type { OktaAppJson, OktaGroupJson, OktaUserJson } from './org.js';

export interface LogTargetJson {
  id: string;
  type: string;
  alternateId: string;
  displayName: string;
  detailEntry: null;
}

export interface HookRequest {
  method: 'GET' | 'POST';
  /** As Okta names them; a receiver reads them case-insensitively. */
  headers: Record<string, string>;
  body: string;
}

const EVENT_HOOK_ID = 'whoql0HfiLGPWc8Jx0g3';
const ADMIN = {
  id: '00u1qw6mqitPHM8AJ0g7',
  type: 'User',
  alternateId: 'admin@acme.example',
  displayName: 'Example Admin',
};

export const userTarget = (user: OktaUserJson): LogTargetJson => ({
  id: user.id,
  type: 'User',
  alternateId: user.profile.login,
  displayName: `${user.profile.firstName} ${user.profile.lastName}`,
  detailEntry: null,
});

export const groupTarget = (group: OktaGroupJson): LogTargetJson => ({
  id: group.id,
  type: 'UserGroup',
  alternateId: 'unknown',
  displayName: group.profile.name,
  detailEntry: null,
});

export const appTarget = (app: OktaAppJson): LogTargetJson => ({
  id: app.id,
  type: 'AppInstance',
  alternateId: app.label,
  displayName: app.label,
  detailEntry: null,
});

/** A System Log event (LogEvent) of `eventType` about `target`, done by an admin. */
export function logEvent(eventType: string, target: LogTargetJson[], published = new Date()) {
  return {
    uuid: randomUUID(),
    published: published.toISOString(),
    eventType,
    version: '0',
    displayMessage: eventType,
    severity: 'INFO',
    client: {
      zone: 'OFF_NETWORK',
      device: 'Computer',
      userAgent: { os: 'Mac OS X', browser: 'CHROME', rawUserAgent: 'Mozilla/5.0' },
      ipAddress: '12.97.85.90',
    },
    actor: ADMIN,
    outcome: { result: 'SUCCESS' },
    target,
    transaction: { type: 'WEB', id: 'V04Oy4ubUOc5UuG6s9DyNQAABtc' },
    authenticationContext: { authenticationStep: 0, externalSessionId: '1013FfF-DKQSvCI4RVXChzX-w' },
  };
}

export type LogEventJson = ReturnType<typeof logEvent>;

/** The body of a delivery of `events` (the envelope of the docs' sample). */
export function eventHookBody(events: LogEventJson[], options: { eventId?: string; domain?: string } = {}) {
  return {
    eventType: 'com.okta.event_hook',
    eventTypeVersion: '1.0',
    cloudEventsVersion: '0.1',
    contentType: 'application/json',
    eventId: options.eventId ?? randomUUID(),
    eventTime: new Date().toISOString(),
    source: `https://${options.domain ?? 'acme.okta.com'}/api/v1/eventHooks/${EVENT_HOOK_ID}`,
    data: { events },
  };
}

/** A delivery of `events`, authorized with `secret`. */
export function eventHookRequest(
  secret: string,
  events: LogEventJson[],
  options: { eventId?: string } = {},
): HookRequest {
  return {
    method: 'POST',
    headers: { Accept: 'application/json', 'Content-Type': 'application/json', Authorization: secret },
    body: JSON.stringify(eventHookBody(events, options)),
  };
}

/** The one-time verification GET, carrying `challenge`. */
export function verificationRequest(secret: string, challenge: string): HookRequest {
  return {
    method: 'GET',
    headers: {
      Accept: 'application/json',
      Authorization: secret,
      'X-Okta-Verification-Challenge': challenge,
    },
    body: '',
  };
}

import { performance } from 'node:perf_hooks';
import { request } from 'undici';
import type { WebhookDeliverySettings } from '../../config.js';
import type { Clock } from '../../platform/clock.js';
import type { SecretBox } from '../../platform/crypto/secret-box.js';
import type { Db } from '../../platform/db/database.js';
import { newId } from '../../platform/ids.js';
import type { Logger } from '../../platform/logging/logger.js';
import type { Outbound } from '../../platform/outbound/outbound.js';
import { forbiddenTargetOf } from '../../platform/outbound/ssrf-guard.js';
import { Drainer } from '../../platform/wake-loop.js';
import { VERSION } from '../../version.js';
import { recordEvent } from '../events/outbox.js';
import type { AttemptOutcomeLabel, DeliveryMetrics } from './delivery-metrics.js';
import {
  type DeliveryPolicy,
  EndpointRate,
  HONOURS_RETRY_AFTER,
  parseRetryAfter,
  policyOf,
  retryDelayMs,
} from './delivery-policy.js';
import { openEndpointSecret } from './secret.js';
import { type SigningSecrets, signatureHeaders } from './signing.js';
import { insertAttempts } from './storage/attempts.js';
import { clearFailing, disableEndpoint, markFailing } from './storage/endpoint-health.js';
import { type EndpointRow, findEndpoint } from './storage/endpoints.js';
import {
  type AttemptOutcome,
  claimDue,
  type MessageRow,
  releaseMessage,
  settleMessage,
  settleSucceeded,
} from './storage/messages.js';

/** The topic that wakes dispatchers in every process (see InvalidationBus). */
export const WEBHOOK_MESSAGES_TOPIC = 'webhook-messages';

/** The share of the lease a delivery may take, whatever its timeout: the rest is for settling in time. */
const DELIVERY_SHARE = 0.8;
const BATCH = 50;
/** How much of an answer's body an attempt keeps. */
const KEPT_BODY_BYTES = 20 * 1024;
/** An endpoint whose every attempt failed for this long is disabled. */
const DISABLE_AFTER_FAILING_MS = 5 * 86_400_000;
const USER_AGENT = `Switchboard-Webhooks/${VERSION}`;

export interface DispatcherDeps {
  db: Db;
  box: SecretBox;
  outbound: Outbound;
  settings: WebhookDeliverySettings;
  /** Plain `http://` targets are refused unless the operator allows private networks. */
  allowHttp: boolean;
  metrics: DeliveryMetrics;
  clock: Clock;
  logger: Logger;
}

/** What one POST came to. */
interface AttemptResult {
  outcome: AttemptOutcomeLabel;
  statusCode: number | null;
  body: string | null;
  error: string | null;
  retryAfterMs: number | undefined;
  durationMs: number;
}

interface Target {
  endpoint: EndpointRow;
  secrets: SigningSecrets;
  policy: DeliveryPolicy;
}

/** An attempt made and not yet recorded: the claim it was made under, what came of it, and when. */
interface Outcome {
  message: MessageRow;
  lease: string;
  target: Target;
  result: AttemptResult;
  at: Date;
}

/**
 * Delivers outbound webhook messages: claims due ones with a lease in the database (any number of
 * processes share the work; a message whose dispatcher died is claimed again once its lease
 * expires, and sent again with the same `webhook-id`), POSTs each signed through the SSRF guard,
 * records the attempt, and settles the message: `succeeded`, `retrying` with backoff, or `failed`
 * once its retries are spent. A 410 disables the endpoint; so do 5 days of nothing but failures.
 */
export class WebhookDispatcher extends Drainer {
  readonly #rate = new EndpointRate();
  readonly #outcomes = new GroupCommit<Outcome>((outcomes) => this.#record(outcomes));

  constructor(private readonly deps: DispatcherDeps) {
    super({
      pollMs: 1_000,
      onError: (err) =>
        deps.logger.error({ err }, 'webhook delivery pass failed; retried on its next wake-up'),
    });
  }

  /** Delivers every message due now (one attempt each); how many attempts were made. */
  async drain(): Promise<number> {
    let attempted = 0;
    const targets = new Map<string, Promise<Target | undefined>>();
    for (;;) {
      const messages = await claimDue(this.deps.db, this.deps.clock.now(), this.deps.settings.leaseMs, BATCH);
      const done = await Promise.all(messages.map((m) => this.#deliver(m, targets)));
      attempted += done.filter(Boolean).length;
      if (messages.length < BATCH) return attempted;
    }
  }

  /** The endpoint with its opened secrets, once per pass. */
  #target(message: MessageRow, targets: Map<string, Promise<Target | undefined>>) {
    let target = targets.get(message.endpoint_id);
    if (!target) {
      target = findEndpoint(this.deps.db, message.org_id, message.endpoint_id).then((endpoint) => {
        if (!endpoint) return undefined;
        const open = (sealed: string) =>
          openEndpointSecret(this.deps.box, endpoint.org_id, endpoint.id, sealed);
        const stillSigns =
          endpoint.previous_secret !== null &&
          endpoint.previous_secret_expires_at !== null &&
          Date.parse(endpoint.previous_secret_expires_at) > this.deps.clock.now().getTime();
        const secrets: SigningSecrets = {
          current: open(endpoint.secret),
          ...(stillSigns && endpoint.previous_secret ? { previous: open(endpoint.previous_secret) } : {}),
        };
        return { endpoint, secrets, policy: policyOf(endpoint, this.deps.settings) };
      });
      targets.set(message.endpoint_id, target);
    }
    return target;
  }

  async #deliver(message: MessageRow, targets: Map<string, Promise<Target | undefined>>): Promise<boolean> {
    const lease = message.lease_until;
    const target = await this.#target(message, targets);
    // Deleted meanwhile: its messages went with it.
    if (!target || !lease) return false;
    const now = this.deps.clock.now();
    const wait = this.#rate.take(target.endpoint.id, target.endpoint.rate_limit_per_second, now.getTime());
    if (wait !== undefined) {
      await releaseMessage(this.deps.db, message.id, lease, new Date(now.getTime() + wait).toISOString());
      return false;
    }
    const body = JSON.stringify(message.payload);
    const headers = {
      ...signatureHeaders(message.id, now, body, target.secrets),
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
    };
    const timeoutMs = Math.min(
      target.policy.timeoutMs,
      Math.floor(this.deps.settings.leaseMs * DELIVERY_SHARE),
    );
    const result = await this.#post(target.endpoint.url, headers, body, timeoutMs);
    this.deps.metrics.observe(result.outcome, result.durationMs / 1000);
    await this.#outcomes.add({ message, lease, target, result, at: this.deps.clock.now() });
    return true;
  }

  /** One POST: refused before sending when the target is not allowed, never following a redirect. */
  async #post(
    rawUrl: string,
    headers: Record<string, string>,
    body: string,
    timeoutMs: number,
  ): Promise<AttemptResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const refused = (error: string): AttemptResult => ({
      outcome: 'refused',
      statusCode: null,
      body: null,
      error,
      retryAfterMs: undefined,
      durationMs: elapsed(),
    });
    const url = new URL(rawUrl);
    if (url.protocol !== 'https:' && !(this.deps.allowHttp && url.protocol === 'http:')) {
      return refused(
        `only https:// targets are delivered to (http:// needs SWITCHBOARD_ALLOW_PRIVATE_NETWORKS=true)`,
      );
    }
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      await this.deps.outbound.checkTarget(url);
      // undici's request never follows a redirect: a 3xx is the answer.
      const response = await request(url, {
        method: 'POST',
        headers,
        body,
        dispatcher: this.deps.outbound.dispatcher,
        signal,
      });
      const kept = await readStart(response.body);
      const statusCode = response.statusCode;
      const ok = statusCode >= 200 && statusCode < 300;
      const location = response.headers.location;
      const error =
        statusCode >= 300 && statusCode < 400
          ? `redirects are not followed (answered ${statusCode}${typeof location === 'string' ? ` to ${location}` : ''})`
          : null;
      const retryAfter = response.headers['retry-after'];
      return {
        outcome: ok ? 'succeeded' : 'failed',
        statusCode,
        body: kept,
        error,
        retryAfterMs: HONOURS_RETRY_AFTER.has(statusCode)
          ? parseRetryAfter(typeof retryAfter === 'string' ? retryAfter : undefined, this.deps.clock.now())
          : undefined,
        durationMs: elapsed(),
      };
    } catch (error) {
      const forbidden = forbiddenTargetOf(error);
      if (forbidden) return refused(forbidden.message);
      const timedOut = signal.aborted;
      return {
        outcome: timedOut ? 'timeout' : 'failed',
        statusCode: null,
        body: null,
        error: timedOut
          ? `no answer within ${timeoutMs} ms`
          : error instanceof Error
            ? `${error.message}${causeOf(error)}`
            : String(error),
        retryAfterMs: undefined,
        durationMs: elapsed(),
      };
    }
  }

  /**
   * Attempts' rows, their messages' new states and their endpoints' health, in one transaction: the
   * outcomes that came in while the last one committed, so that under load a commit (and on
   * PostgreSQL most round trips) serves many deliveries, and when idle each is recorded at once.
   * Successes claimed together and answered alike are settled by one statement. Endpoints' health
   * follows the outcomes in the order they came in, as one by one: a success clears its endpoint's
   * failing state (once, until a failure marks it again), a failure marks it and may disable it.
   */
  async #record(outcomes: readonly Outcome[]): Promise<void> {
    const { db, logger } = this.deps;
    const unsettled = await db.transaction().execute(async (tx) => {
      await insertAttempts(tx, outcomes.map(attemptRow));
      const lost: string[] = [];
      for (const group of successGroups(outcomes)) {
        const settled = new Set(
          await settleSucceeded(tx, group.ids, group.lease, group.statusCode, group.at),
        );
        lost.push(...group.ids.filter((id) => !settled.has(id)));
      }
      const cleared = new Set<string>();
      for (const outcome of outcomes) {
        const { message, lease, target, result } = outcome;
        const endpointId = target.endpoint.id;
        if (result.outcome === 'succeeded') {
          if (!cleared.has(endpointId)) await clearFailing(tx, endpointId, outcome.at.toISOString());
          cleared.add(endpointId);
          continue;
        }
        if (!(await settleMessage(tx, message.id, lease, failure(outcome)))) lost.push(message.id);
        cleared.delete(endpointId);
        await this.#failed(tx, target.endpoint, result.statusCode === 410, outcome.at);
      }
      return lost;
    });
    for (const id of unsettled) {
      logger.info(
        { webhook_message_id: id },
        'webhook message claimed again or redelivered during its attempt; its new holder settles it',
      );
    }
  }

  /** A failed attempt: the endpoint fails since now unless it already did; 410 or 5 days of it disable it. */
  async #failed(tx: Db, endpoint: EndpointRow, gone: boolean, now: Date): Promise<void> {
    const at = now.toISOString();
    const failingSince = await markFailing(tx, endpoint.id, at);
    const reason = gone
      ? 'The endpoint answered 410 Gone'
      : failingSince !== undefined && now.getTime() - Date.parse(failingSince) >= DISABLE_AFTER_FAILING_MS
        ? `Every delivery attempt failed since ${failingSince}`
        : undefined;
    if (reason && (await disableEndpoint(tx, endpoint.id, reason, at))) {
      await recordEvent(
        tx,
        {
          type: 'webhook_endpoint.disabled',
          orgId: endpoint.org_id,
          subjectId: endpoint.id,
          payload: { name: endpoint.name, reason },
        },
        now,
      );
      this.deps.logger.warn({ webhook_endpoint_id: endpoint.id, reason }, 'webhook endpoint disabled');
    }
  }
}

/** The attempt's row. */
function attemptRow({ message, target, result, at }: Outcome) {
  return {
    id: newId(),
    message_id: message.id,
    endpoint_id: target.endpoint.id,
    attempt: message.attempts + 1,
    url: target.endpoint.url,
    status_code: result.statusCode,
    duration_ms: result.durationMs,
    response_body: result.body,
    error: result.error,
    created_at: at.toISOString(),
  };
}

/**
 * Succeeded attempts by the claim they were made under and the status answered: each group is
 * settled by one statement, at the time the last of it came in.
 */
function successGroups(outcomes: readonly Outcome[]) {
  const groups = new Map<string, { lease: string; statusCode: number; ids: string[]; at: string }>();
  for (const { message, lease, result, at } of outcomes) {
    if (result.outcome !== 'succeeded') continue;
    // A success is a 2xx answer: it has a status.
    const statusCode = result.statusCode!;
    const key = `${lease} ${statusCode}`;
    const group = groups.get(key) ?? { lease, statusCode, ids: [], at: '' };
    group.ids.push(message.id);
    group.at = at.toISOString() > group.at ? at.toISOString() : group.at;
    groups.set(key, group);
  }
  return groups.values();
}

/** A failed attempt's message: retrying with backoff, or failed once its retries are spent (or on 410). */
function failure({ message, target, result, at }: Outcome): AttemptOutcome {
  const attempt = message.attempts + 1;
  const last = result.statusCode === 410 || attempt > target.policy.maxRetries;
  return {
    status: last ? 'failed' : 'retrying',
    attempts: attempt,
    next_attempt_at: last
      ? null
      : new Date(at.getTime() + retryDelayMs(target.policy, attempt, result.retryAfterMs)).toISOString(),
    last_status_code: result.statusCode,
    last_error: result.error ?? `answered ${result.statusCode}`,
    delivered_at: null,
    updated_at: at.toISOString(),
  };
}

/**
 * Runs `flush` over items in groups: an item added while no flush runs is flushed at once; items
 * added during a flush wait for it to end and are flushed together next. Each `add` resolves once
 * its group is flushed, or rejects with the group's error.
 */
class GroupCommit<T> {
  #queued: { item: T; resolve: () => void; reject: (error: unknown) => void }[] = [];
  #flushing = false;

  constructor(private readonly flush: (items: readonly T[]) => Promise<void>) {}

  add(item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#queued.push({ item, resolve, reject });
      if (!this.#flushing) void this.#run();
    });
  }

  async #run(): Promise<void> {
    this.#flushing = true;
    while (this.#queued.length > 0) {
      const group = this.#queued.splice(0);
      try {
        await this.flush(group.map((q) => q.item));
        for (const q of group) q.resolve();
      } catch (error) {
        for (const q of group) q.reject(error);
      }
    }
    this.#flushing = false;
  }
}

/** The first KEPT_BODY_BYTES of a body as text (NULs dropped: PostgreSQL text refuses them); the rest is discarded. */
async function readStart(body: AsyncIterable<Buffer> & { destroy(): void }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= KEPT_BODY_BYTES) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, KEPT_BODY_BYTES).toString('utf8').replaceAll('\u0000', '');
}

function causeOf(error: Error): string {
  return error.cause instanceof Error ? ` (${error.cause.message})` : '';
}

/**
 * A fake AWS on loopback for the AWS Config connector, built from AWS's documentation:
 * - AWS Config over JSON 1.1 (`POST /`, `X-Amz-Target: StarlingDoveService.<Operation>`,
 *   `application/x-amz-json-1.1`), errors as `{"__type", "message"}` with HTTP 400 (config-api.ts);
 * - STS over the Query protocol (a form POST `Action=…&Version=2011-06-15`, XML answers in the
 *   `https://sts.amazonaws.com/doc/2011-06-15/` namespace, `<ErrorResponse>` errors): GetCallerIdentity
 *   and AssumeRole (a role's trust in the caller, its external ID, `DurationSeconds` 900 to the role's
 *   maximum, temporary `ASIA…` keys with a session token and an expiration);
 * - Signature Version 4 checked on every request with the secret the fake knows (sigv4.ts): an
 *   unknown key is `UnrecognizedClientException` (Config) / `InvalidClientTokenId` (STS, 403), a
 *   wrong secret `InvalidSignatureException` / `SignatureDoesNotMatch` (403), an expired session
 *   `ExpiredTokenException` / `ExpiredToken`;
 * - throttling as AWS answers it: `ThrottlingException` (STS: `Throttling`), HTTP 400, "Rate exceeded".
 * Knobs for tests and benchmarks: the account (ground truth), keys and roles, a request budget per
 * window, scripted errors, denied operations, latency, holding a request, the clock, a request log.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { type AccountOptions, type FakeAccount, generateAccount } from './account.js';
import { CONFIG_OPERATIONS, ConfigError, configOperation } from './config-api.js';
import { checkSignature, parseAuthorization, type SignatureCheck } from './sigv4.js';

export interface FakeKey {
  accessKeyId: string;
  secretAccessKey: string;
  /** The IAM user the key belongs to (its ARN's last part). */
  user?: string;
}

export interface FakeRole {
  arn: string;
  /** The external ID its trust policy requires, if any. */
  externalId?: string;
  /** Principals (ARNs) its trust policy allows; every key of the fake when absent. */
  trusts?: string[];
  maxSessionSeconds?: number;
}

export interface ScriptedError {
  /** `config:DescribeConfigRules`, `sts:AssumeRole`…; any operation when absent. */
  operation?: string;
  code: string;
  status?: number;
  message?: string;
}

export interface LoggedRequest {
  /** `config:<Operation>` or `sts:<Action>`. */
  operation: string;
  region: string;
  accessKeyId: string | null;
  status: number;
  /** The error code answered, if any. */
  code: string | null;
  /** A Config request's JSON members, an STS request's parameters. */
  input: Record<string, unknown>;
}

export interface FakeAwsOptions extends AccountOptions {
  account?: FakeAccount;
  keys?: FakeKey[];
  roles?: FakeRole[];
  latencyMs?: number;
  /** Requests allowed per window, all operations together; unlimited when absent. */
  budget?: { limit: number; windowMs: number };
  /** Overrides how long issued role sessions last (seconds), whatever DurationSeconds asked. */
  roleSessionSeconds?: number;
}

export interface FakeAws {
  readonly url: string;
  readonly account: FakeAccount;
  readonly requests: LoggedRequest[];
  /** Sessions AssumeRole issued, in order. */
  readonly sessions: { accessKeyId: string; roleArn: string; externalId: string | null; expiresAt: number }[];
  /** StartConfigRulesEvaluation calls that started rules. */
  readonly evaluationsStarted: { region: string; rules: string[] }[];
  now: () => number;
  latencyMs: number;
  roleSessionSeconds: number | undefined;
  setBudget(budget: { limit: number; windowMs: number } | undefined): void;
  /** Answers the next matching requests with these errors, in order. */
  failNext(...errors: ScriptedError[]): void;
  /** Refuses the operation (`config:DescribeConfigRules`) as the key's policy does not allow it. */
  deny(operation: string): void;
  /** Requests of the operation wait until `release()`; resolves when the first arrives. */
  hold(operation: string): Promise<void>;
  release(): void;
  /** Held requests the client gave up on before they were answered. */
  readonly abandoned: string[];
  close(): Promise<void>;
}

export const DEFAULT_KEY: FakeKey = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  user: 'auditor',
};

const STS_NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';
const CONFIG_TARGET = 'StarlingDoveService.';
const BAD_SIGNATURE =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

/** Each protocol's name, HTTP status and message for the same refusal. */
const REFUSALS: Record<string, { config: [string, number]; sts: [string, number]; message: string }> = {
  missing: {
    config: ['MissingAuthenticationTokenException', 400],
    sts: ['MissingAuthenticationToken', 403],
    message: 'Missing Authentication Token',
  },
  unknownKey: {
    config: ['UnrecognizedClientException', 400],
    sts: ['InvalidClientTokenId', 403],
    message: 'The security token included in the request is invalid.',
  },
  expired: {
    config: ['ExpiredTokenException', 400],
    sts: ['ExpiredToken', 400],
    message: 'The security token included in the request is expired',
  },
  mismatch: {
    config: ['InvalidSignatureException', 400],
    sts: ['SignatureDoesNotMatch', 403],
    message: BAD_SIGNATURE,
  },
  incomplete: {
    config: ['IncompleteSignatureException', 400],
    sts: ['IncompleteSignature', 400],
    message: 'The request signature does not conform to AWS standards.',
  },
  throttled: { config: ['ThrottlingException', 400], sts: ['Throttling', 400], message: 'Rate exceeded' },
};

const xmlEscape = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function xml(tag: string, value: Record<string, unknown> | string): string {
  if (typeof value === 'string') return `<${tag}>${xmlEscape(value)}</${tag}>`;
  return `<${tag}>${Object.entries(value)
    .map(([name, inner]) => xml(name, inner as Record<string, unknown> | string))
    .join('')}</${tag}>`;
}

interface Principal {
  accessKeyId: string;
  secretAccessKey: string;
  arn: string;
  userId: string;
  sessionToken?: string;
  expiresAt?: number;
}

type Service = 'config' | 'sts';

class Refusal extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function refusal(kind: keyof typeof REFUSALS, service: Service): Refusal {
  const { message } = REFUSALS[kind]!;
  const [code, status] = REFUSALS[kind]![service];
  return new Refusal(code, status, message);
}

export async function startFakeAws(options: FakeAwsOptions = {}): Promise<FakeAws> {
  const account = options.account ?? generateAccount(options);
  const principals = new Map<string, Principal>();
  for (const key of options.keys ?? [DEFAULT_KEY]) {
    const user = key.user ?? 'auditor';
    principals.set(key.accessKeyId, {
      accessKeyId: key.accessKeyId,
      secretAccessKey: key.secretAccessKey,
      arn: `arn:aws:iam::${account.id}:user/${user}`,
      userId: `AIDA${randomBytes(8).toString('hex').toUpperCase()}`,
    });
  }
  const roles = new Map((options.roles ?? []).map((role) => [role.arn, role]));
  const requests: LoggedRequest[] = [];
  const sessions: FakeAws['sessions'] = [];
  const evaluationsStarted: FakeAws['evaluationsStarted'] = [];
  const started = new Map<string, number>();
  const scripted: ScriptedError[] = [];
  const denied = new Set<string>();
  const abandoned: string[] = [];
  let held: { operation: string; arrived: () => void; waiting: (() => void)[] } | undefined;
  let budget = options.budget;
  let window = { end: 0, used: 0 };
  const knobs = {
    now: Date.now as () => number,
    latencyMs: options.latencyMs ?? 0,
    roleSessionSeconds: options.roleSessionSeconds,
  };

  function authenticate(
    service: Service,
    scope: ReturnType<typeof parseAuthorization>,
    headers: Record<string, string>,
  ): Principal {
    if (!scope) throw refusal(headers.authorization ? 'incomplete' : 'missing', service);
    const principal = principals.get(scope.accessKeyId);
    if (!principal) throw refusal('unknownKey', service);
    if (principal.sessionToken !== undefined) {
      if (headers['x-amz-security-token'] !== principal.sessionToken) throw refusal('unknownKey', service);
      if (knobs.now() >= (principal.expiresAt ?? 0)) throw refusal('expired', service);
    }
    return principal;
  }

  function spend(): boolean {
    if (!budget) return true;
    const now = knobs.now();
    if (now >= window.end) window = { end: now + budget.windowMs, used: 0 };
    if (window.used >= budget.limit) return false;
    window.used += 1;
    return true;
  }

  function assumeRole(caller: Principal, params: URLSearchParams): Record<string, unknown> {
    const roleArn = params.get('RoleArn') ?? '';
    const sessionName = params.get('RoleSessionName') ?? '';
    if (!/^[\w+=,.@-]{2,64}$/.test(sessionName)) {
      throw new Refusal(
        'ValidationError',
        400,
        `1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint`,
      );
    }
    const role = roles.get(roleArn);
    const externalId = params.get('ExternalId');
    const trusted = role && (!role.trusts || role.trusts.includes(caller.arn));
    if (!role || !trusted || (role.externalId !== undefined && role.externalId !== externalId)) {
      throw new Refusal(
        'AccessDenied',
        403,
        `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
      );
    }
    const asked = Number(params.get('DurationSeconds') ?? 3600);
    const max = role.maxSessionSeconds ?? 3600;
    if (!Number.isInteger(asked) || asked < 900 || asked > max) {
      throw new Refusal(
        'ValidationError',
        400,
        `The requested DurationSeconds exceeds the MaxSessionDuration set for this role.`,
      );
    }
    const expiresAt = knobs.now() + (knobs.roleSessionSeconds ?? asked) * 1000;
    const roleName = roleArn.split('/').pop() ?? 'role';
    const roleId = `AROA${randomBytes(8).toString('hex').toUpperCase()}`;
    const session: Principal = {
      accessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
      secretAccessKey: randomBytes(30).toString('base64'),
      sessionToken: randomBytes(48).toString('base64'),
      expiresAt,
      arn: `arn:aws:sts::${roleArn.split(':')[4]}:assumed-role/${roleName}/${sessionName}`,
      userId: `${roleId}:${sessionName}`,
    };
    principals.set(session.accessKeyId, session);
    sessions.push({ accessKeyId: session.accessKeyId, roleArn, externalId, expiresAt });
    return {
      AssumedRoleUser: { Arn: session.arn, AssumedRoleId: session.userId },
      Credentials: {
        AccessKeyId: session.accessKeyId,
        SecretAccessKey: session.secretAccessKey,
        SessionToken: session.sessionToken!,
        Expiration: new Date(expiresAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      },
      PackedPolicySize: '0',
    };
  }

  function stsAnswer(res: ServerResponse, action: string, result: Record<string, unknown>): number {
    const text =
      `<${action}Response xmlns="${STS_NAMESPACE}">` +
      xml(`${action}Result`, result) +
      xml('ResponseMetadata', { RequestId: randomUUID() }) +
      `</${action}Response>`;
    res.writeHead(200, { 'content-type': 'text/xml', 'x-amzn-requestid': randomUUID() }).end(text);
    return 200;
  }

  function answerError(res: ServerResponse, service: Service, error: Refusal): void {
    if (service === 'config') {
      const text = JSON.stringify({ __type: error.code, message: error.message });
      res
        .writeHead(error.status, {
          'content-type': 'application/x-amz-json-1.1',
          'x-amzn-requestid': randomUUID(),
        })
        .end(text);
      return;
    }
    const text =
      `<ErrorResponse xmlns="${STS_NAMESPACE}">` +
      xml('Error', {
        Type: error.status >= 500 ? 'Receiver' : 'Sender',
        Code: error.code,
        Message: error.message,
      }) +
      xml('RequestId', randomUUID()) +
      '</ErrorResponse>';
    res.writeHead(error.status, { 'content-type': 'text/xml', 'x-amzn-requestid': randomUUID() }).end(text);
  }

  async function handle(req: IncomingMessage, res: ServerResponse, entry: LoggedRequest): Promise<void> {
    let body = '';
    for await (const chunk of req) body += chunk;
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (typeof value === 'string') headers[name] = value;
    }
    const target = headers['x-amz-target'];
    const service: Service = target !== undefined ? 'config' : 'sts';
    const params = new URLSearchParams(service === 'sts' ? body : '');
    if (service === 'sts') entry.input = Object.fromEntries(params);
    entry.operation =
      service === 'config'
        ? `config:${target?.slice(CONFIG_TARGET.length)}`
        : `sts:${params.get('Action') ?? ''}`;
    if (knobs.latencyMs > 0) await delay(knobs.latencyMs);
    const scope = parseAuthorization(headers.authorization);
    entry.region = scope?.region ?? '';
    entry.accessKeyId = scope?.accessKeyId ?? null;
    const fail = (error: Refusal) => {
      entry.status = error.status;
      entry.code = error.code;
      answerError(res, service, error);
    };
    try {
      if (req.method !== 'POST')
        throw new Refusal(service === 'config' ? 'UnknownOperationException' : 'InvalidAction', 400, '');
      if (service === 'config' && !target?.startsWith(CONFIG_TARGET))
        throw new Refusal('UnknownOperationException', 400, '');
      if (service === 'sts' && params.get('Version') !== '2011-06-15') {
        throw new Refusal(
          'InvalidAction',
          400,
          `Could not find operation ${params.get('Action')} for version ${params.get('Version')}`,
        );
      }
      const principal = authenticate(service, scope, headers);
      if (scope!.service !== service) {
        throw new Refusal(
          REFUSALS.mismatch![service][0],
          REFUSALS.mismatch![service][1],
          `Credential should be scoped to correct service: '${service}'.`,
        );
      }
      const url = new URL(req.url ?? '/', 'http://fake.invalid');
      const checked: SignatureCheck = await checkSignature(
        {
          method: req.method,
          host: headers.host ?? '',
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          headers,
          body,
        },
        scope!,
        principal.secretAccessKey,
      );
      if (checked === 'incomplete') throw refusal('incomplete', service);
      if (checked === 'payload-mismatch') {
        throw new Refusal(
          REFUSALS.mismatch![service][0],
          REFUSALS.mismatch![service][1],
          "The provided 'x-amz-content-sha256' header does not match what was computed.",
        );
      }
      if (checked === 'mismatch') throw refusal('mismatch', service);
      if (!spend()) throw refusal('throttled', service);
      const index = scripted.findIndex((s) => s.operation === undefined || s.operation === entry.operation);
      if (index >= 0) {
        const error = scripted.splice(index, 1)[0]!;
        throw new Refusal(error.code, error.status ?? 400, error.message ?? REFUSALS.throttled!.message);
      }
      if (denied.has(entry.operation)) {
        throw new Refusal(
          service === 'config' ? 'AccessDeniedException' : 'AccessDenied',
          service === 'config' ? 400 : 403,
          `User: ${principal.arn} is not authorized to perform: ${entry.operation} because no identity-based policy allows the ${entry.operation} action`,
        );
      }
      if (held && held.operation === entry.operation) {
        const gate = held;
        res.on('close', () => {
          if (!res.writableEnded) abandoned.push(entry.operation);
        });
        gate.arrived();
        await new Promise<void>((resolve) => gate.waiting.push(resolve));
        if (res.destroyed) return;
      }
      if (service === 'sts') {
        const action = params.get('Action') ?? '';
        if (action === 'GetCallerIdentity') {
          entry.status = stsAnswer(res, action, {
            Arn: principal.arn,
            UserId: principal.userId,
            Account: account.id,
          });
        } else if (action === 'AssumeRole') {
          entry.status = stsAnswer(res, action, assumeRole(principal, params));
        } else {
          throw new Refusal(
            'InvalidAction',
            400,
            `Could not find operation ${action} for version 2011-06-15`,
          );
        }
        return;
      }
      let request: Record<string, unknown>;
      try {
        request = body === '' ? {} : (JSON.parse(body) as Record<string, unknown>);
      } catch {
        throw new Refusal(
          'SerializationException',
          400,
          'Start of structure or map found where not expected.',
        );
      }
      entry.input = request;
      const answer = configOperation({
        operation: target!.slice(CONFIG_TARGET.length),
        region: scope!.region,
        body: request,
        now: knobs.now(),
        account,
        started,
        onStarted: (region, rules) => evaluationsStarted.push({ region, rules }),
      });
      const text = JSON.stringify(answer);
      res
        .writeHead(200, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() })
        .end(text);
      entry.status = 200;
    } catch (error) {
      if (error instanceof Refusal) return fail(error);
      if (error instanceof ConfigError) return fail(new Refusal(error.type, error.status, error.message));
      throw error;
    }
  }

  const server: Server = createServer((req, res) => {
    const entry: LoggedRequest = {
      operation: '',
      region: '',
      accessKeyId: null,
      status: 0,
      code: null,
      input: {},
    };
    requests.push(entry);
    handle(req, res, entry).catch((error: unknown) => {
      entry.status = 500;
      entry.code = 'InternalFailure';
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const release = () => {
    const gate = held;
    held = undefined;
    for (const resume of gate?.waiting ?? []) resume();
  };

  return {
    url,
    account,
    requests,
    sessions,
    evaluationsStarted,
    abandoned,
    get now() {
      return knobs.now;
    },
    set now(clock: () => number) {
      knobs.now = clock;
    },
    get latencyMs() {
      return knobs.latencyMs;
    },
    set latencyMs(ms: number) {
      knobs.latencyMs = ms;
    },
    get roleSessionSeconds() {
      return knobs.roleSessionSeconds;
    },
    set roleSessionSeconds(seconds: number | undefined) {
      knobs.roleSessionSeconds = seconds;
    },
    setBudget: (next) => {
      budget = next;
      window = { end: 0, used: 0 };
    },
    failNext: (...errors) => {
      scripted.push(...errors);
    },
    deny: (operation) => {
      denied.add(operation);
    },
    hold: (operation) =>
      new Promise<void>((arrived) => {
        held = { operation, arrived, waiting: [] };
      }),
    release,
    close: async () => {
      release();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export { CONFIG_OPERATIONS };

/**
 * The AWS clients of one operation: STS in the first region, AWS Config in each region, all on the
 * engine's `webFetch` (http-handler.ts), signing with the connection's keys or with the role they
 * assume. One session per operation, so a role is assumed once and shared by every region's client.
 */
import { ConfigServiceClient } from '@aws-sdk/client-config-service';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type { ConnectorContext } from '../sdk.js';
import { type AwsConfigConfig, configuredRegions } from './definition.js';
import { contextHttpHandler } from './http-handler.js';
import { retried, type Wait } from './retry.js';

/** Temporary credentials are renewed this long before they expire (as the SDK's own providers do). */
export const REFRESH_BEFORE_MS = 5 * 60_000;
/** The session name AWS CloudTrail shows for this connector's calls under the role. */
export const ROLE_SESSION_NAME = 'switchboard-aws-config';
/** How long an assumed role's credentials last (STS's default; renewed before the end in long runs). */
const ROLE_SESSION_SECONDS = 3600;

export interface AwsSession {
  readonly regions: string[];
  /** The role the keys assume, if the connection names one. */
  readonly roleArn: string | undefined;
  /** STS, signed with the connection's own keys (or the role's, for `asRole`). */
  sts(asRole?: boolean): STSClient;
  /** AWS Config in `region`, signed with the role's credentials when there is a role. */
  config(region: string): ConfigServiceClient;
  /** Sends an AWS call (a fresh command each attempt), retrying throttling and server errors. */
  call<T>(what: string, send: () => Promise<T>): Promise<T>;
}

export function keys(config: AwsConfigConfig): AwsCredentialIdentity {
  return {
    accessKeyId: config.access_key_id,
    secretAccessKey: config.secret_access_key,
    ...(config.session_token ? { sessionToken: config.session_token } : {}),
  };
}

/**
 * The role's credentials: assumed at the first call, then kept until they are within
 * REFRESH_BEFORE_MS of their expiration, and assumed again; concurrent callers share one request.
 */
function assumedRole(
  session: Pick<AwsSession, 'sts' | 'call'>,
  roleArn: string,
  externalId: string | undefined,
): AwsCredentialIdentityProvider {
  let held: AwsCredentialIdentity | undefined;
  let pending: Promise<AwsCredentialIdentity> | undefined;
  const assume = async (): Promise<AwsCredentialIdentity> => {
    const { Credentials: credentials } = await session.call(`Assuming the role ${roleArn}`, () =>
      session.sts().send(
        new AssumeRoleCommand({
          RoleArn: roleArn,
          RoleSessionName: ROLE_SESSION_NAME,
          DurationSeconds: ROLE_SESSION_SECONDS,
          ...(externalId ? { ExternalId: externalId } : {}),
        }),
      ),
    );
    if (!credentials?.AccessKeyId || !credentials.SecretAccessKey) {
      throw new Error(`STS AssumeRole of ${roleArn} answered without credentials`);
    }
    return {
      accessKeyId: credentials.AccessKeyId,
      secretAccessKey: credentials.SecretAccessKey,
      ...(credentials.SessionToken ? { sessionToken: credentials.SessionToken } : {}),
      ...(credentials.Expiration ? { expiration: credentials.Expiration } : {}),
    };
  };
  return async () => {
    const fresh = held?.expiration && held.expiration.getTime() - REFRESH_BEFORE_MS > Date.now();
    if (held && (fresh || !held.expiration)) return held;
    pending ??= assume()
      .then((credentials) => {
        held = credentials;
        return credentials;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };
}

/**
 * What every client of a session is built with besides its transport, region and credentials
 * (bench/connectors builds its SDK floor from it): `base_url` replaces every client's endpoint;
 * otherwise each region's own, never one from the environment or ~/.aws (the process's settings are
 * not the connection's). Attempts are `call`'s.
 */
export function clientSettings(config: AwsConfigConfig) {
  return {
    maxAttempts: 1,
    ignoreConfiguredEndpointUrls: true,
    ...(config.base_url ? { endpoint: config.base_url } : {}),
  };
}

export function awsSession(ctx: ConnectorContext<AwsConfigConfig>, wait: Wait): AwsSession {
  const { config } = ctx;
  const regions = configuredRegions(config);
  const home = regions[0]!;
  const common = { ...clientSettings(config), requestHandler: contextHttpHandler(ctx.webFetch) };
  const roleArn = config.role_arn || undefined;
  const clients = new Map<string, ConfigServiceClient>();
  let stsClient: STSClient | undefined;
  let roleStsClient: STSClient | undefined;

  const session: AwsSession = {
    regions,
    roleArn,
    sts(asRole = false) {
      if (asRole && roleArn) {
        roleStsClient ??= new STSClient({ ...common, region: home, credentials });
        return roleStsClient;
      }
      stsClient ??= new STSClient({ ...common, region: home, credentials: keys(config) });
      return stsClient;
    },
    config(region) {
      let client = clients.get(region);
      if (!client) {
        client = new ConfigServiceClient({ ...common, region, credentials });
        clients.set(region, client);
      }
      return client;
    },
    call: (what, send) => retried(ctx, wait, what, send),
  };
  const credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider = roleArn
    ? assumedRole(session, roleArn, config.external_id)
    : keys(config);
  return session;
}

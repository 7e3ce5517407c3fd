/**
 * The connection test: GET the config's test_path (the first entity's path when it has none) with
 * the connection's credential. 2xx proves it; 401 and 403 are the credential's; anything else is
 * the provider's error.
 */
import type { ConnectorContext, TestOutcome } from '../sdk.js';
import type { CustomHttpConfig } from './schema.js';
import { withExtraHeaders } from './sync.js';

/** The start of an error body repeated to the caller. */
const QUOTED = 300;

export async function customHttpTest(ctx: ConnectorContext<CustomHttpConfig>): Promise<TestOutcome> {
  ctx.signal.throwIfAborted();
  const path = ctx.config.test_path ?? ctx.config.entities[0]?.path ?? '/';
  const response = await withExtraHeaders(ctx)(path);
  const status = response.status;
  if (response.ok) {
    await response.discard();
    return {
      ok: true,
      message: `Connected: GET ${path} answered HTTP ${status}`,
      details: { test_path: path, http_status: status },
    };
  }
  const body = (await response.text().catch(() => '')).slice(0, QUOTED);
  const said = { httpStatus: status, ...(body ? { providerMessage: body } : {}) };
  if (status === 401) {
    return {
      ok: false,
      errorType: 'auth_error',
      message: `Authentication failed: GET ${path} answered HTTP 401`,
      ...said,
    };
  }
  if (status === 403) {
    return {
      ok: false,
      errorType: 'permission_error',
      message: `Permission denied: the credential may not GET ${path} (HTTP 403)`,
      ...said,
    };
  }
  return { ok: false, errorType: 'provider_error', message: `GET ${path} answered HTTP ${status}`, ...said };
}

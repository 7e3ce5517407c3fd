import { InvalidFieldsError } from '../../platform/errors.js';
import type { Outbound } from '../../platform/outbound/outbound.js';
import { ForbiddenTargetError } from '../../platform/outbound/ssrf-guard.js';
import type { ConnectorDefinition } from '../sdk.js';
import { apiBaseUrl } from './context.js';

type Config = Record<string, unknown>;

/** The config field a connection's provider host comes from, as errors name it. */
export function targetField(definition: ConnectorDefinition, config: Config): string {
  const override = config.base_url;
  if ((typeof override === 'string' && override !== '') || !definition.api) return 'config.base_url';
  return `config.${definition.api.baseUrlFrom ?? 'base_url'}`;
}

/**
 * Checks, before any request, that the provider host a config points at is one the SSRF guard
 * allows: a refused one is a 400 naming the field, not a provider error. A connector with no API
 * and no `base_url` calls nothing. The connector's own config checks (`checkConfig`) come first.
 */
export async function checkedTarget(definition: ConnectorDefinition, config: Config, outbound: Outbound) {
  const issues = definition.checkConfig?.(config) ?? [];
  if (issues.length > 0) throw new InvalidFieldsError(issues);
  const override = config.base_url;
  if (!definition.api && (typeof override !== 'string' || override === '')) return;
  const field = targetField(definition, config);
  let url: URL;
  try {
    url = apiBaseUrl(definition, config);
  } catch (error) {
    if (error instanceof InvalidFieldsError && definition.api) {
      throw new InvalidFieldsError([{ field, message: 'does not make a usable provider URL' }]);
    }
    throw error;
  }
  try {
    await outbound.checkTarget(url);
  } catch (error) {
    if (error instanceof ForbiddenTargetError)
      throw new InvalidFieldsError([{ field, message: error.message }]);
    throw error;
  }
}

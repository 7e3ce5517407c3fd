import type { HealthCheckResult, TestResult } from '../../api/types';
import { formatNumber } from '../../format';

/** The result of an action on the connection, in words. */
export interface Outcome {
  tone: 'good' | 'bad' | 'info';
  title: string;
  text: string;
  /** What to do next, when there is something to do. */
  advice?: string;
  facts?: string[];
}

const TEST_ADVICE: Record<string, string> = {
  auth_error:
    'The provider refused the credentials: check them, save them again under Configuration, then test again.',
  permission_error:
    'The credentials work but lack permissions: grant the ones the field hints name, then test again.',
  rate_limited: 'The provider is limiting requests: wait a little, then test again.',
  network_error:
    'The provider could not be reached: check the address (base URL, domain) and that the server can reach it.',
  provider_error: 'The provider answered with an error: try again later, or check its status page.',
};

const text = (value: unknown) =>
  typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;

export function describeTest(result: TestResult): Outcome {
  const details = result.details;
  if (result.test_result === 'success') {
    const facts: string[] = [];
    const time = text(details.provider_response_time_ms);
    if (time) facts.push(`The provider answered in ${formatNumber(Number(time))} ms.`);
    const verified = details.permissions_verified;
    if (Array.isArray(verified) && verified.length > 0)
      facts.push(`Permissions verified: ${verified.join(', ')}.`);
    return {
      tone: 'good',
      title: 'Test passed',
      text: result.message,
      advice:
        result.status === 'configuring'
          ? 'The credentials work. Enable the connection to start its scheduled syncs.'
          : undefined,
      facts,
    };
  }
  const facts: string[] = [];
  const status = text(details.http_status);
  if (status) facts.push(`The provider answered HTTP ${status}.`);
  const providerMessage = text(details.provider_message);
  if (providerMessage) facts.push(`It said: “${providerMessage}”.`);
  const errorType = text(details.error_type);
  return {
    tone: 'bad',
    title: 'Test failed',
    text: result.message,
    advice: errorType ? TEST_ADVICE[errorType] : undefined,
    facts,
  };
}

export function describeHealthCheck(result: HealthCheckResult): Outcome {
  return {
    tone: result.check_result === 'success' ? 'good' : 'bad',
    title: result.check_result === 'success' ? 'Health check passed' : 'Health check failed',
    text: result.message,
    facts: [
      `Health is now ${result.health}; the provider answered in ${formatNumber(result.response_time_ms)} ms.`,
    ],
  };
}

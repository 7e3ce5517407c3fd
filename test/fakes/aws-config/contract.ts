/**
 * The fake AWS the connector contract suite points the `aws-config` connector at: two regions, the
 * first with more rules than a DescribeConfigRules page (so a cursor is given before they are all
 * listed), a key it knows, and the same key signed with a wrong secret.
 */
import type { AwsConfigConfig } from '../../../src/connectors/aws-config/index.js';
import { DEFAULT_KEY, startFakeAws } from './server.js';

export async function startContractFake(): Promise<{
  validConfig: AwsConfigConfig;
  invalidCredentialsConfig: AwsConfigConfig;
  stop(): Promise<void>;
}> {
  const regions = ['us-east-1', 'eu-west-1'];
  const fake = await startFakeAws({ regions, rules: 60, resources: 240 });
  const config = { access_key_id: DEFAULT_KEY.accessKeyId, regions, base_url: fake.url };
  return {
    validConfig: { ...config, secret_access_key: DEFAULT_KEY.secretAccessKey },
    invalidCredentialsConfig: { ...config, secret_access_key: 'not-the-secret-of-this-key' },
    stop: () => fake.close(),
  };
}

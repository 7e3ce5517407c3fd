import { describe, expectTypeOf, it } from 'vitest';
import type { DemoConfig } from '../../src/connectors/demo/definition.js';
import type { GitHubConfig } from '../../src/connectors/github/definition.js';
import type { OktaConfig } from '../../src/connectors/okta/definition.js';

// Checked by the type checker (npm run typecheck): a connector's config type follows its schema.
describe('config types derived from the config schema', () => {
  it('makes required fields required and keeps defaulted ones optional', () => {
    expectTypeOf<OktaConfig['domain']>().toEqualTypeOf<string>();
    expectTypeOf<OktaConfig>().toHaveProperty('sync_deprovisioned');
    expectTypeOf<OktaConfig['sync_deprovisioned']>().toEqualTypeOf<boolean | undefined>();
    expectTypeOf<GitHubConfig['organization']>().toEqualTypeOf<string>();
    expectTypeOf<GitHubConfig['base_url']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<DemoConfig['users']>().toEqualTypeOf<number | undefined>();
  });

  it('closes a schema without additional properties', () => {
    expectTypeOf<GitHubConfig>().not.toHaveProperty('unknown_field');
    expectTypeOf<OktaConfig>().toHaveProperty('anything_else');
  });
});

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, settingsSchema } from '../src/config.js';

describe('configuration', () => {
  it('defaults to the embedded mode', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 8090,
      host: '0.0.0.0',
      dataDir: path.resolve('./data'),
      database: { kind: 'sqlite', file: path.resolve('./data/switchboard.db') },
      redis: undefined,
      logLevel: 'info',
      publicUrl: 'http://localhost:8090',
      corsOrigins: [],
    });
  });

  it('derives the public URL and the OAuth return origins from PORT when the public URL is unset', () => {
    expect(loadConfig({ PORT: '9123' })).toMatchObject({
      publicUrl: 'http://localhost:9123',
      oauthReturnOrigins: ['http://localhost:9123'],
    });
    // A public URL set wins over the port, and gives its origin.
    expect(
      loadConfig({ PORT: '9123', SWITCHBOARD_PUBLIC_URL: 'https://sb.example.com/base/' }),
    ).toMatchObject({
      publicUrl: 'https://sb.example.com/base',
      oauthReturnOrigins: ['https://sb.example.com'],
    });
  });

  it('switches to PostgreSQL and Redis when their URLs are set', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://u:p@db:5432/sb',
      SWITCHBOARD_JWT_SECRET: 'x'.repeat(32),
      SWITCHBOARD_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'),
      REDIS_URL: 'redis://cache:6379',
      DATABASE_POOL_MAX: '25',
      REDIS_KEY_PREFIX: 'tenant1:',
    });
    expect(config.database).toEqual({ kind: 'postgres', url: 'postgres://u:p@db:5432/sb', poolMax: 25 });
    expect(config.redis).toEqual({ url: 'redis://cache:6379', keyPrefix: 'tenant1:' });
  });

  it('converts numbers, booleans and lists, and treats empty variables as unset', () => {
    const config = loadConfig({
      PORT: '9000',
      SWITCHBOARD_TRUST_PROXY: 'true',
      SWITCHBOARD_CORS_ORIGINS: 'https://a.example, https://b.example',
      SWITCHBOARD_PUBLIC_URL: 'https://sb.example.com/',
      DATABASE_URL: '',
    });
    expect(config.port).toBe(9000);
    expect(config.trustProxy).toBe(true);
    expect(config.corsOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(config.publicUrl).toBe('https://sb.example.com');
    expect(config.database.kind).toBe('sqlite');
  });

  it('refuses private network targets unless SWITCHBOARD_ALLOW_PRIVATE_NETWORKS is true', () => {
    expect(loadConfig({}).outbound).toEqual({ allowPrivateNetworks: false, maxWaitMs: 60_000 });
    expect(loadConfig({ SWITCHBOARD_ALLOW_PRIVATE_NETWORKS: 'true' }).outbound).toEqual({
      allowPrivateNetworks: true,
      maxWaitMs: 60_000,
    });
    expect(() => loadConfig({ SWITCHBOARD_ALLOW_PRIVATE_NETWORKS: 'sometimes' })).toThrow(
      'SWITCHBOARD_ALLOW_PRIVATE_NETWORKS must be boolean (got "sometimes")',
    );
  });

  it('names every bad variable and what is wrong with it', () => {
    let error: ConfigError | undefined;
    try {
      loadConfig({
        PORT: '70000',
        LOG_LEVEL: 'loud',
        DATABASE_URL: 'mysql://root:hunter2@db/sb',
        SWITCHBOARD_TRUST_PROXY: 'maybe',
        SWITCHBOARD_PUBLIC_URL: 'localhost',
      });
    } catch (e) {
      error = e as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.problems).toEqual(
      expect.arrayContaining([
        'PORT must be <= 65535 (got "70000")',
        'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "loud")',
        'DATABASE_URL must be a postgres:// or postgresql:// URL',
        'SWITCHBOARD_TRUST_PROXY must be boolean (got "maybe")',
        'SWITCHBOARD_PUBLIC_URL must be an http:// or https:// URL (got "localhost")',
      ]),
    );
    expect(error!.problems).toHaveLength(5);
    // A secret-bearing value is never echoed back.
    expect(error!.message).not.toContain('hunter2');
  });

  it('requires a shared signing key when running on PostgreSQL', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://db/sb' })).toThrow(
      /SWITCHBOARD_JWT_SECRET must be set when DATABASE_URL is/,
    );
    expect(
      loadConfig({
        DATABASE_URL: 'postgres://db/sb',
        SWITCHBOARD_JWT_SECRET: 'x'.repeat(32),
        SWITCHBOARD_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'),
      }).auth.jwtSecret,
    ).toHaveLength(32);
  });

  it('is documented: the README table lists every variable', () => {
    const readme = fs.readFileSync(path.resolve('README.md'), 'utf8');
    for (const name of Object.keys(settingsSchema.properties)) expect(readme).toContain(`| \`${name}\` |`);
  });
});

#!/usr/bin/env node
import { Command } from 'commander';
import { ConfigError, loadConfig } from './config.js';
import { createAdmin, describeAdmin } from './modules/auth/bootstrap.js';
import { reencryptSecrets } from './modules/credentials/rotate-key.js';
import { resolveSecretBox } from './platform/crypto/key-ring.js';
import { openDatabase } from './platform/db/database.js';
import { tuneHeapForServing } from './platform/heap-tuning.js';
import { createLogger } from './platform/logging/logger.js';
import type { Role } from './server.js';
import { VERSION } from './version.js';

function configOrExit() {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}

// Loaded only by the commands that serve, so one-shot commands (migrate, rotate-key…) start fast.
const run = (role: Role) => async () => {
  tuneHeapForServing();
  const { runUntilSignalled } = await import('./server.js');
  await runUntilSignalled(role, configOrExit());
};

const program = new Command('switchboard')
  .description(
    'Switchboard: a self-hostable integration engine. Configuration comes from environment variables.',
  )
  .version(VERSION, '-v, --version');

program
  .command('serve', { isDefault: true })
  .description('Run everything in one process (embedded mode; the default)')
  .action(run('serve'));
program.command('api').description('Run the HTTP API only (scale-out mode)').action(run('api'));
program
  .command('worker')
  .description('Run background work only (scale-out mode); serves /healthz, /readyz and /metrics')
  .action(run('worker'));
program
  .command('migrate')
  .description('Apply pending database migrations and exit')
  .action(async () => {
    const database = openDatabase(configOrExit().database);
    try {
      const applied = await database.migrate();
      process.stdout.write(
        applied.length > 0
          ? `Applied ${applied.length} migration(s): ${applied.join(', ')}\n`
          : 'Database is up to date\n',
      );
    } finally {
      await database.close();
    }
  });
program
  .command('create-admin')
  .description('Create a super admin with a first organisation, or promote an existing account')
  .option('--email <email>', 'the admin email', process.env.SWITCHBOARD_ADMIN_EMAIL)
  .option('--name <name>', 'display name')
  .option('--org-name <name>', 'name of the first organisation', 'Default')
  .option(
    '--password-from-env',
    'take the password from SWITCHBOARD_ADMIN_PASSWORD instead of generating one',
  )
  .action(async (options: { email?: string; name?: string; orgName: string; passwordFromEnv?: boolean }) => {
    const config = configOrExit();
    const database = openDatabase(config.database);
    try {
      await database.migrate();
      const password = options.passwordFromEnv ? config.auth.admin.password : undefined;
      if (options.passwordFromEnv && !password) {
        process.stderr.write('SWITCHBOARD_ADMIN_PASSWORD is not set\n');
        process.exitCode = 2;
        return;
      }
      const created = await createAdmin(
        database.db,
        { email: options.email, name: options.name, orgName: options.orgName, password },
        new Date(),
      );
      process.stdout.write(describeAdmin(created));
    } finally {
      await database.close();
    }
  });
program
  .command('rotate-key')
  .description(
    'Re-encrypt stored credentials under SWITCHBOARD_ENCRYPTION_KEY. No downtime: deploy with the new key in SWITCHBOARD_ENCRYPTION_KEY and the old one(s) in SWITCHBOARD_ENCRYPTION_OLD_KEYS, run rotate-key (safe while the API runs), then remove the old keys',
  )
  .action(async () => {
    const config = configOrExit();
    const logger = createLogger(config.logLevel);
    const secretBox = resolveSecretBox(config, logger);
    const database = openDatabase(config.database);
    try {
      await database.migrate();
      const result = await reencryptSecrets(database.db, secretBox, logger);
      process.stdout.write(
        `Scanned ${result.scanned} connection(s) with secrets: ${result.reencrypted} re-encrypted, ${result.alreadyCurrent} already current, ${result.changed} changed meanwhile, ${result.failed} failed\n`,
      );
      if (result.failed > 0) {
        process.stderr.write(
          `Could not decrypt the secrets of: ${result.failedIds.join(', ')} (keep the old keys until they are fixed)\n`,
        );
        process.exitCode = 1;
      }
    } finally {
      await database.close();
    }
  });
program
  .command('version')
  .description('Print the version')
  .action(() => {
    process.stdout.write(`switchboard ${VERSION}\n`);
  });

program.parseAsync().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});

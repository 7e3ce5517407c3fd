#!/usr/bin/env node
import { Command } from 'commander';
import { ConfigError, loadConfig } from './config.js';
import { openDatabase } from './platform/db/database.js';
import { type Role, runUntilSignalled } from './server.js';
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

const run = (role: Role) => () => runUntilSignalled(role, configOrExit());

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
  .command('version')
  .description('Print the version')
  .action(() => {
    process.stdout.write(`switchboard ${VERSION}\n`);
  });

program.parseAsync().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});

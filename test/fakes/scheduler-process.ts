/**
 * A scheduler in a process of its own, for tests that race several of them on one database. It
 * opens the database given as JSON in SCHEDULER_DATABASE, prints `ready`, then for every line on
 * stdin (an ISO instant) runs one `scheduleDue` at that instant and prints the created run ids as a
 * JSON array. Runs are not dispatched: the test reads the rows.
 */
import { createInterface } from 'node:readline';
import { type Config, loadConfig } from '../../src/config.js';
import { SyncScheduler } from '../../src/modules/sync/engine/scheduler.js';
import { openDatabase } from '../../src/platform/db/database.js';
import { createLogger } from '../../src/platform/logging/logger.js';

const options = JSON.parse(process.env.SCHEDULER_DATABASE ?? 'null') as Config['database'] | null;
if (!options) throw new Error('SCHEDULER_DATABASE is not set');
const database = openDatabase(options);
const scheduler = new SyncScheduler(
  database.db,
  loadConfig({}).sync,
  async () => {},
  createLogger('warn', process.stderr),
);
process.stdout.write('ready\n');
for await (const line of createInterface({ input: process.stdin })) {
  if (!line.trim()) continue;
  const created = await scheduler.scheduleDue(new Date(line.trim()));
  process.stdout.write(`${JSON.stringify(created)}\n`);
}
await database.close();

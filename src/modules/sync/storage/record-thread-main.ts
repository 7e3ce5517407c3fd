// The sync record thread (record-thread.ts starts it): stores the batches the main thread posts, in
// the order they were posted, on a connection of its own to the SQLite file.
import { type MessagePort, parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { openSqliteConnection } from '../../../platform/db/sqlite.js';
import { SqliteWriteLock } from '../../../platform/db/sqlite-write-lock.js';
import { RecordGroups, type Write } from './record-groups.js';
import type { RecordThreadData, ThreadRequest } from './record-thread.js';
import { SqliteBatchStore } from './sqlite-batch-store.js';

/**
 * Batches one transaction takes at most: a commit costs about half as much as storing a page (WAL
 * writes; bench/sync profile), so queued pages share one; bounded because the main thread's writes
 * wait for the write lock meanwhile (its reads do not: sqlite.ts).
 */
const GROUP = 16;

const port = parentPort as MessagePort;
const { file, lock } = workerData as RecordThreadData;
const db = openSqliteConnection(file);
const groups = new RecordGroups(db, new SqliteBatchStore(db), new SqliteWriteLock(lock));

port.on('message', (first: ThreadRequest) => {
  // Everything queued behind this message, in order: writes in groups, forgetting after them.
  let next: ThreadRequest | undefined = first;
  while (next) {
    const writes: Write[] = [];
    const closed: string[] = [];
    while (next && writes.length < GROUP) {
      if (next.type === 'write') writes.push(next);
      else closed.push(next.attempt);
      next = receiveMessageOnPort(port)?.message as ThreadRequest | undefined;
    }
    if (writes.length > 0) {
      for (const reply of groups.store(writes)) port.postMessage(reply);
    }
    for (const attempt of closed) groups.forget(attempt);
  }
});

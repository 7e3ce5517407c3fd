// The sync record thread (record-thread.ts starts it): stores the batches the main thread posts, in
// the order they were posted, on a connection of its own to the SQLite file.
import { type MessagePort, parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { openSqliteConnection } from '../../platform/db/sqlite.js';
import { SqliteWriteLock } from '../../platform/db/sqlite-write-lock.js';
import { addCounts, type BatchWrite, noCounts, type RecordCounts, RunLostError } from './batch-sink.js';
import type { RecordThreadData, ThreadReply, ThreadRequest } from './record-thread.js';
import type { WriteCounts } from './record-writer.js';
import { SqliteBatchStore } from './sqlite-batch-store.js';

/**
 * Batches one transaction takes at most: a commit costs about half as much as storing a page (WAL
 * writes; bench/sync profile), so queued pages share one; bounded because the main thread waits for
 * the write lock meanwhile.
 */
const GROUP = 16;

interface Attempt {
  written: RecordCounts;
  failure?: { lost: boolean; message: string };
}

type Write = Extract<ThreadRequest, { type: 'write' }>;

const port = parentPort as MessagePort;
const { file, lock } = workerData as RecordThreadData;
const db = openSqliteConnection(file);
const writeLock = new SqliteWriteLock(lock);
const store = new SqliteBatchStore(db);
const attempts = new Map<string, Attempt>();

function attemptOf(write: Write): Attempt {
  let attempt = attempts.get(write.attempt);
  if (!attempt) {
    attempt = { written: noCounts() };
    attempts.set(write.attempt, attempt);
  }
  return attempt;
}

// Nested in the group's transaction, each batch is a savepoint: a batch that fails leaves the others.
const writeOne = db.transaction((batch: BatchWrite, before: RecordCounts) => store.write(batch, before));

/** The group's batches in one transaction; the record counts each attempt reaches if it commits. */
const writeGroup = db.transaction((writes: Write[], replies: ThreadReply[]) => {
  const reached = new Map<Attempt, RecordCounts>();
  for (const write of writes) {
    const attempt = attemptOf(write);
    if (attempt.failure) {
      replies.push({ seq: write.seq, ok: false, ...attempt.failure });
      continue;
    }
    const before = reached.get(attempt) ?? { ...attempt.written };
    try {
      const counts: WriteCounts = writeOne(write.batch, before);
      addCounts(before, counts);
      reached.set(attempt, before);
      replies.push({ seq: write.seq, ok: true, counts });
    } catch (error) {
      attempt.failure = failureOf(error);
      replies.push({ seq: write.seq, ok: false, ...attempt.failure });
    }
  }
  return reached;
});

function failureOf(error: unknown): { lost: boolean; message: string } {
  return {
    lost: error instanceof RunLostError,
    message: error instanceof Error ? error.message : String(error),
  };
}

function storeGroup(writes: Write[]): ThreadReply[] {
  const replies: ThreadReply[] = [];
  writeLock.acquireSync();
  try {
    for (const [attempt, written] of writeGroup.immediate(writes, replies)) attempt.written = written;
    return replies;
  } catch (error) {
    // The transaction itself failed (begin or commit): none of its batches was stored.
    return writes.map((write) => {
      const attempt = attemptOf(write);
      attempt.failure ??= failureOf(error);
      return { seq: write.seq, ok: false, ...attempt.failure };
    });
  } finally {
    writeLock.release();
  }
}

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
      for (const reply of storeGroup(writes)) port.postMessage(reply);
    }
    for (const attempt of closed) attempts.delete(attempt);
  }
});

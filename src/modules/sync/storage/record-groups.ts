import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteWriteLock } from '../../../platform/db/sqlite-write-lock.js';
import {
  addCounts,
  type BatchWrite,
  noCounts,
  type RecordCounts,
  RunLostError,
  StorageError,
  storageError,
} from './batch-sink.js';
import type { ThreadReply, ThreadRequest } from './record-thread.js';
import type { WriteCounts } from './record-writer.js';
import type { SqliteBatchStore } from './sqlite-batch-store.js';

export type Write = Extract<ThreadRequest, { type: 'write' }>;

interface Attempt {
  written: RecordCounts;
  failure?: ThreadFailure;
}

type ThreadFailure = Omit<Extract<ThreadReply, { ok: false }>, 'seq' | 'ok'>;

function failureOf(error: unknown): ThreadFailure {
  const failure = storageError(error);
  return {
    lost: failure instanceof RunLostError,
    message: failure.message,
    code: failure instanceof StorageError ? failure.code : null,
  };
}

/**
 * The record thread's storing: groups of queued writes, each group one transaction and each write a
 * savepoint in it, with every attempt's running counts and its failure. Once an attempt's write
 * fails, its later writes fail with the same error.
 */
export class RecordGroups {
  readonly #attempts = new Map<string, Attempt>();
  readonly #writeOne: (batch: BatchWrite, before: RecordCounts) => WriteCounts;
  readonly #writeGroup: BetterSqlite3.Transaction<
    (writes: Write[], replies: ThreadReply[]) => Map<Attempt, RecordCounts>
  >;

  constructor(
    db: BetterSqlite3.Database,
    store: SqliteBatchStore,
    private readonly lock: SqliteWriteLock,
  ) {
    // Nested in the group's transaction, each batch is a savepoint: a batch that fails leaves the others.
    this.#writeOne = db.transaction((batch: BatchWrite, before: RecordCounts) => store.write(batch, before));
    this.#writeGroup = db.transaction((writes: Write[], replies: ThreadReply[]) => {
      const reached = new Map<Attempt, RecordCounts>();
      for (const write of writes) {
        const attempt = this.#attemptOf(write);
        if (attempt.failure) {
          replies.push({ seq: write.seq, ok: false, ...attempt.failure });
          continue;
        }
        const before = reached.get(attempt) ?? { ...attempt.written };
        try {
          const counts = this.#writeOne(write.batch, before);
          addCounts(before, counts);
          reached.set(attempt, before);
          replies.push({ seq: write.seq, ok: true, counts });
        } catch (error) {
          // Some errors (a full disk, I/O, out of memory) roll the whole transaction back, not only
          // the savepoint: the group's other batches are gone too, and the next would commit alone.
          if (!db.inTransaction) throw error;
          attempt.failure = failureOf(error);
          replies.push({ seq: write.seq, ok: false, ...attempt.failure });
        }
      }
      return reached;
    });
  }

  /** Stores the writes (in order, one transaction); a reply for each. */
  store(writes: Write[]): ThreadReply[] {
    const replies: ThreadReply[] = [];
    this.lock.acquireSync();
    try {
      for (const [attempt, written] of this.#writeGroup.immediate(writes, replies)) attempt.written = written;
      return replies;
    } catch (error) {
      // The transaction itself failed (begin, commit, or a rollback of all of it): none of its
      // batches was stored.
      return writes.map((write) => {
        const attempt = this.#attemptOf(write);
        attempt.failure ??= failureOf(error);
        return { seq: write.seq, ok: false, ...attempt.failure };
      });
    } finally {
      this.lock.release();
    }
  }

  /** The attempt has no more writes. */
  forget(attempt: string): void {
    this.#attempts.delete(attempt);
  }

  #attemptOf(write: Write): Attempt {
    let attempt = this.#attempts.get(write.attempt);
    if (!attempt) {
      attempt = { written: noCounts() };
      this.#attempts.set(write.attempt, attempt);
    }
    return attempt;
  }
}

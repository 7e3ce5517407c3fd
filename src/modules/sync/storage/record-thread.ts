import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { SqliteWriteLock } from '../../../platform/db/sqlite-write-lock.js';
import { newId } from '../../../platform/ids.js';
import type { Logger } from '../../../platform/logging/logger.js';
import {
  type BatchSink,
  type BatchStorage,
  type BatchWrite,
  RunLostError,
  StorageError,
  storageError,
} from './batch-sink.js';
import type { WriteCounts } from './record-writer.js';

/** What the thread is started with. */
export interface RecordThreadData {
  file: string;
  lock: SharedArrayBuffer;
}

export type ThreadRequest =
  | { type: 'write'; seq: number; attempt: string; batch: BatchWrite }
  /** The attempt has no more writes: the thread forgets it. */
  | { type: 'close'; attempt: string };

export type ThreadReply =
  | { seq: number; ok: true; counts: WriteCounts }
  | { seq: number; ok: false; lost: boolean; message: string; code: string | null };

/**
 * Batches an attempt may have posted and not seen committed. Deep enough that fetching never waits
 * on a thread that takes every queued batch into one transaction; bounded so that a provider faster
 * than the disk cannot pile pages up in memory.
 */
const WINDOW = 32;

/** One attempt's writes: the first failure fails every write after it, here as on the thread. */
class ThreadSink implements BatchSink {
  readonly window = WINDOW;
  readonly attempt = newId();
  failure: Error | undefined;
  #closed = false;

  constructor(private readonly thread: RecordThread) {}

  write(batch: BatchWrite): Promise<WriteCounts> {
    if (this.failure) return Promise.reject(this.failure);
    try {
      return this.thread.post(this, batch);
    } catch (error) {
      // Not posted (a value in it cannot be sent to a thread): no later batch may be stored either.
      this.failure = error instanceof Error ? error : new Error(String(error));
      return Promise.reject(this.failure);
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.thread.forget(this.attempt);
  }
}

interface Pending {
  worker: Worker;
  sink: ThreadSink;
  resolve: (counts: WriteCounts) => void;
  reject: (error: Error) => void;
}

/**
 * SQLite's sync writes on a thread of their own, with their own connection to the file: the main
 * thread fetches the next pages while this one stores the last ones, each of its transactions
 * taking the batches queued at that moment (bench/sync: storing on the event-loop thread cost more
 * than fetching did; engine time per 100,000 records ~1,300 -> ~530 ms). Started on the first write; it never keeps the process alive while idle.
 */
export class RecordThread implements BatchStorage {
  #worker: Worker | undefined;
  readonly #pending = new Map<number, Pending>();
  #seq = 0;

  constructor(
    private readonly sqlite: { file: string; writeLock: SqliteWriteLock },
    private readonly logger: Logger,
  ) {}

  open(): BatchSink {
    return new ThreadSink(this);
  }

  /** Throws when the batch cannot be posted; else its outcome, once the thread answers. */
  post(sink: ThreadSink, batch: BatchWrite): Promise<WriteCounts> {
    const seq = ++this.#seq;
    const worker = this.#running();
    try {
      worker.postMessage({ type: 'write', seq, attempt: sink.attempt, batch } satisfies ThreadRequest);
    } catch (error) {
      // A thread just started for this write is referenced: it must not keep the process alive.
      if (this.#pending.size === 0) worker.unref();
      throw error;
    }
    worker.ref();
    return new Promise((resolve, reject) => {
      this.#pending.set(seq, { worker, sink, resolve, reject });
    });
  }

  forget(attempt: string): void {
    this.#worker?.postMessage({ type: 'close', attempt } satisfies ThreadRequest);
  }

  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    if (worker) await worker.terminate();
  }

  #running(): Worker {
    if (this.#worker) return this.#worker;
    const workerData: RecordThreadData = { file: this.sqlite.file, lock: this.sqlite.writeLock.buffer };
    const worker = import.meta.url.endsWith('.ts')
      ? threadFromSource(workerData)
      : new Worker(new URL('./record-thread-main.js', import.meta.url), { workerData });
    // Read now: a worker's threadId reads -1 once it has stopped.
    const thread = worker.threadId;
    worker.on('message', (reply: ThreadReply) => this.#settle(reply));
    worker.on('error', (err) => {
      this.logger.error({ err }, 'the sync record thread failed');
      this.#ended(worker, thread, storageError(err));
    });
    worker.on('exit', (code) =>
      this.#ended(worker, thread, new StorageError(`the sync record thread exited (${code})`, null)),
    );
    this.#worker = worker;
    return worker;
  }

  #settle(reply: ThreadReply): void {
    const pending = this.#pending.get(reply.seq);
    if (!pending) return;
    this.#pending.delete(reply.seq);
    if (reply.ok) pending.resolve(reply.counts);
    else
      this.#reject(
        pending,
        reply.lost ? new RunLostError(reply.message) : new StorageError(reply.message, reply.code),
      );
    if (this.#pending.size === 0) this.#worker?.unref();
  }

  #reject(pending: Pending, error: Error): void {
    pending.sink.failure ??= error;
    pending.reject(error);
  }

  /** A thread is gone: what it had not answered failed, and a lock it died holding is freed. */
  #ended(worker: Worker, thread: number, error: Error): void {
    for (const [seq, pending] of this.#pending) {
      if (pending.worker !== worker) continue;
      this.#pending.delete(seq);
      this.#reject(pending, error);
    }
    if (this.#worker === worker) this.#worker = undefined;
    // By its thread: a successor already started (after close(), or after this one's error) may
    // hold the lock, and keeps it.
    this.sqlite.writeLock.releaseAbandoned(thread);
  }
}

/**
 * The thread from TypeScript sources (tests, benches, `npm run dev`): it loads them through tsx,
 * whose loader a worker does not inherit. tsx's ESM API is the `import` build beside the `require`
 * build that createRequire resolves.
 */
function threadFromSource(workerData: RecordThreadData): Worker {
  const tsx = path.join(path.dirname(createRequire(import.meta.url).resolve('tsx/esm/api')), 'index.mjs');
  const source = new URL('./record-thread-main.ts', import.meta.url).href;
  const [api, entry, parent] = [pathToFileURL(tsx).href, source, import.meta.url].map((s) =>
    JSON.stringify(s),
  );
  return new Worker(`import(${api}).then((tsx) => tsx.tsImport(${entry}, ${parent}))`, {
    eval: true,
    workerData,
  });
}

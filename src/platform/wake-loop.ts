/**
 * Runs `pass` when woken, one pass at a time: a wake-up during a pass starts another right after
 * it, and a slow poll wakes it besides (a missed notice, work that became due). For background
 * readers of a queue kept in the database: the outbox's consumers, the webhook processor.
 */
export class WakeLoop {
  #timer: NodeJS.Timeout | undefined;
  #pass: Promise<void> | undefined;
  #again = false;
  #stopped = true;

  constructor(
    private readonly pass: () => Promise<unknown>,
    private readonly options: { pollMs: number; onError: (err: unknown) => void },
  ) {}

  start(): void {
    this.#stopped = false;
    this.#timer = setInterval(() => this.wake(), this.options.pollMs);
    this.#timer.unref();
    this.wake();
  }

  wake(): void {
    if (this.#stopped) return;
    if (this.#pass) {
      this.#again = true;
      return;
    }
    this.#pass = this.pass()
      .then(
        () => undefined,
        (err: unknown) => this.options.onError(err),
      )
      .finally(() => {
        this.#pass = undefined;
        if (this.#again) {
          this.#again = false;
          this.wake();
        }
      });
  }

  /** Resolves once no pass is running or due (tests wait on it). */
  async idle(): Promise<void> {
    while (this.#pass) await this.#pass;
  }

  /** No pass starts after this; resolves once the running one ends. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.idle();
  }
}

/**
 * A background reader of a queue kept in the database (the inbound webhook processor, the
 * outbound dispatcher): `drain` handles what is due, run by a WakeLoop.
 */
export abstract class Drainer {
  readonly #loop: WakeLoop;

  constructor(options: { pollMs: number; onError: (err: unknown) => void }) {
    this.#loop = new WakeLoop(() => this.drain(), options);
  }

  /** Handles everything due now. */
  abstract drain(): Promise<unknown>;

  start(): void {
    this.#loop.start();
  }

  /** Work was queued: handle it now rather than at the next poll. */
  wake(): void {
    this.#loop.wake();
  }

  idle(): Promise<void> {
    return this.#loop.idle();
  }

  stop(): Promise<void> {
    return this.#loop.stop();
  }
}

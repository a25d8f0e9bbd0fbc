/**
 * A counting semaphore: at most `limit` tasks run at once, the rest wait in arrival order. One
 * instance per adapter bounds the write requests of every upsert call together, so concurrent
 * writers cannot flood the driver's queue or the server's mutation stage between them.
 */
export class InFlightLimit {
  private running = 0;
  // A queue with a moving head: an upsert of 20,000 single rows queues 20,000 waiters, and
  // Array.shift on that many is linear per call.
  private waiting: (() => void)[] = [];
  private head = 0;

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new Error(`in-flight limit must be a positive integer (got ${limit})`);
  }

  /** Tasks running now (for tests and metrics). */
  get inFlight(): number {
    return this.running;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    try {
      return await task();
    } finally {
      const next = this.waiting[this.head];
      if (next) {
        this.head++;
        if (this.head === this.waiting.length) {
          this.waiting = [];
          this.head = 0;
        } else if (this.head >= 1024 && this.head * 2 >= this.waiting.length) {
          this.waiting = this.waiting.slice(this.head);
          this.head = 0;
        }
        // The slot passes straight to the next waiter, so `running` never dips and overshoots.
        next();
      } else {
        this.running--;
      }
    }
  }
}

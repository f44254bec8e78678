// A FIFO async mutex: serializes operations that span awaits (appends, rolls, truncation)
// on one object, the single-threaded equivalent of Kafka's per-log lock.

export class AsyncMutex {
  private tail: Promise<void> = Promise.resolve();
  private held = false;

  get locked(): boolean {
    return this.held;
  }

  async runExclusive<T>(operation: () => Promise<T> | T): Promise<T> {
    const previous = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((resolve) => {
      release = resolve;
    });
    await previous;
    this.held = true;
    try {
      return await operation();
    } finally {
      this.held = false;
      release();
    }
  }
}

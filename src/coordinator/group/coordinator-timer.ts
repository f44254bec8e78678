// Keyed timers over the injected Clock, as Kafka's CoordinatorTimer: scheduling a key that is
// already scheduled replaces it, so "reschedule the member's session expiry" is one call. Every
// timer of a coordinator partition is cancelled together when the partition unloads.

import type { Clock, TimerHandle } from "../../lib/clock.js";

export class CoordinatorTimer {
  private readonly timers = new Map<string, TimerHandle>();

  constructor(private readonly clock: Clock) {}

  schedule(key: string, delayMs: number, callback: () => void): void {
    this.cancel(key);
    const handle = this.clock.setTimeout(() => {
      // Only the timer that is still registered under the key may run: a replaced or cancelled
      // one is gone from the map.
      if (this.timers.get(key) !== handle) return;
      this.timers.delete(key);
      callback();
    }, Math.max(0, delayMs));
    this.timers.set(key, handle);
  }

  /** Schedules only when nothing is scheduled under the key. */
  scheduleIfAbsent(key: string, delayMs: number, callback: () => void): void {
    if (!this.timers.has(key)) this.schedule(key, delayMs, callback);
  }

  cancel(key: string): void {
    const handle = this.timers.get(key);
    if (handle === undefined) return;
    this.timers.delete(key);
    this.clock.clearTimeout(handle);
  }

  isScheduled(key: string): boolean {
    return this.timers.has(key);
  }

  cancelAll(): void {
    for (const handle of this.timers.values()) this.clock.clearTimeout(handle);
    this.timers.clear();
  }

  get size(): number {
    return this.timers.size;
  }
}

// Time comes in through this interface so tests can move time without sleeping.

export type TimerHandle = { readonly __timer: unique symbol } | NodeJS.Timeout | LongTimer;

/** Node timers hold at most 2^31-1 ms (~24.8 days); longer delays are chained. */
const TIMER_DELAY_MAX_MS = 0x7fff_ffff;

/** A timer longer than Node allows: re-armed until the whole delay has passed. */
class LongTimer {
  timer: NodeJS.Timeout | null = null;
}

export interface Clock {
  /** Wall-clock milliseconds since the Unix epoch (record timestamps, file names). */
  nowMs(): number;
  /** Monotonic milliseconds for measuring durations; unaffected by wall-clock jumps. */
  monotonicMs(): number;
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

function unrefTimer(callback: () => void, delayMs: number): NodeJS.Timeout {
  const timer = setTimeout(callback, delayMs);
  // A pending timer must never keep the process alive on its own: shutdown is explicit.
  timer.unref();
  return timer;
}

export const systemClock: Clock = {
  nowMs: () => Date.now(),
  monotonicMs: () => performance.now(),
  setTimeout: (callback, delayMs) => {
    if (delayMs <= TIMER_DELAY_MAX_MS) return unrefTimer(callback, delayMs);
    // Configs such as log.flush.scheduler.interval.ms default to Long.MAX_VALUE ("never").
    const long = new LongTimer();
    const dueMs = performance.now() + delayMs;
    const arm = (): void => {
      const remainingMs = dueMs - performance.now();
      long.timer = remainingMs <= TIMER_DELAY_MAX_MS ? unrefTimer(callback, Math.max(0, remainingMs)) : unrefTimer(arm, TIMER_DELAY_MAX_MS);
    };
    arm();
    return long;
  },
  clearTimeout: (handle) => {
    if (handle instanceof LongTimer) {
      if (handle.timer !== null) clearTimeout(handle.timer);
      handle.timer = null;
    } else {
      clearTimeout(handle as NodeJS.Timeout);
    }
  },
};

interface ManualTimer {
  readonly id: number;
  readonly dueMs: number;
  readonly callback: () => void;
}

/** A clock for tests: time moves only when advance() is called; timers fire in due order. */
export class ManualClock implements Clock {
  private currentMs: number;
  private monotonicBaseMs = 0;
  private nextTimerId = 1;
  private readonly timers = new Map<number, ManualTimer>();

  constructor(startMs = 1_700_000_000_000) {
    this.currentMs = startMs;
  }

  nowMs(): number {
    return this.currentMs;
  }

  monotonicMs(): number {
    return this.monotonicBaseMs;
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    const id = this.nextTimerId++;
    this.timers.set(id, { id, dueMs: this.monotonicBaseMs + Math.max(0, delayMs), callback });
    return id as unknown as TimerHandle;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle as unknown as number);
  }

  /** Moves time forward, firing every timer that falls due, in due order. */
  advance(deltaMs: number): void {
    const targetMs = this.monotonicBaseMs + deltaMs;
    for (;;) {
      let next: ManualTimer | undefined;
      for (const timer of this.timers.values()) {
        if (timer.dueMs <= targetMs && (next === undefined || timer.dueMs < next.dueMs)) next = timer;
      }
      if (next === undefined) break;
      this.timers.delete(next.id);
      this.currentMs += next.dueMs - this.monotonicBaseMs;
      this.monotonicBaseMs = next.dueMs;
      next.callback();
    }
    this.currentMs += targetMs - this.monotonicBaseMs;
    this.monotonicBaseMs = targetMs;
  }
}

// Group commit for the appends of one partition. Each append is accepted synchronously (offsets already
// assigned, bytes queued) and resolves once its bytes, and every byte before them, were handed to
// the OS with write(2): what makes it survive kill -9.
//
// Appends queued together leave in one writev (a group). Up to MAX_WRITES_IN_FLIGHT groups are
// written at once (positioned writes to consecutive ranges), so the CPU work of accepting the next
// appends overlaps the copy into the page cache of the previous ones; while every slot is busy,
// new appends pile up into the next group. A lone append is written at once. Groups complete in
// order: a group is acknowledged only when all earlier groups are written.
//
// On a failed write (ENOSPC, EIO): once every write in flight has settled, groups before the
// failed one are acknowledged as usual; the failed group and every later one are rejected (their
// offsets followed the failed bytes, and some may even be on disk), the owner restores its
// in-memory state to what it was before the failed group (restore token captured when the group
// opened), and the file is truncated back to the group's start so nothing half-written remains.
// Appends accepted meanwhile are rejected too (their state is undone by the same restore). If the
// truncate fails as well, the pipeline is broken and the owner takes the log directory offline.

/** Bytes one write call may carry; larger bursts are split so a single write stays short. */
const MAX_GROUP_BYTES = 4 * 1024 * 1024;
/** Linux IOV_MAX: buffers per writev. */
const MAX_GROUP_BUFFERS = 1024;
/** Writes of one pipeline in flight at once: enough to overlap CPU and copying, few enough to keep ordering cheap. */
const MAX_WRITES_IN_FLIGHT = 2;

export interface AppendPipelineSink<Target, Restore> {
  write(target: Target, buffers: readonly Buffer[], position: number): Promise<void>;
  truncate(target: Target, sizeBytes: number): Promise<void>;
  /** A group's bytes (and all before them) reached the OS: everything before endPosition in target, offsets below endOffset. */
  onWritten(target: Target, endPosition: number, endOffset: number): void;
  /** A write failed: restore the state captured before `restore`'s group, before any other append is accepted. */
  onFailed(target: Target, error: unknown, restore: Restore): void;
  /** The repair after a failure failed too: the file's tail is unknown. */
  onBroken(target: Target, error: unknown): void;
}

interface WriteGroup<Target, Restore> {
  readonly target: Target;
  readonly position: number;
  readonly buffers: Buffer[];
  bytes: number;
  endOffset: number;
  /** Handed to the sink: takes no more buffers. */
  issued: boolean;
  written: boolean;
  readonly restore: Restore;
  readonly done: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

export class AppendPipeline<Target, Restore> {
  /** Groups not yet acknowledged, oldest first: issued ones, then at most a few open ones. */
  private queue: WriteGroup<Target, Restore>[] = [];
  private writesInFlight = 0;
  private scheduled = false;
  private failure: { group: WriteGroup<Target, Restore>; error: unknown } | null = null;
  private repairing = false;
  private brokenBy: unknown = undefined;
  private isBroken = false;
  private drainWaiters: (() => void)[] = [];

  constructor(private readonly sink: AppendPipelineSink<Target, Restore>) {}

  /** No write queued, in flight or being repaired. */
  get idle(): boolean {
    return this.queue.length === 0 && this.writesInFlight === 0 && !this.scheduled && !this.repairing && this.failure === null;
  }

  get broken(): boolean {
    return this.isBroken;
  }

  /** Whether enqueue(target, _, position) with this many bytes would open a new group. */
  willOpenGroup(target: Target, position: number, bytes: number): boolean {
    const group = this.queue.length > 0 ? this.queue[this.queue.length - 1] : undefined;
    return (
      group === undefined ||
      group.issued ||
      group.target !== target ||
      group.position + group.bytes !== position ||
      group.bytes + bytes > MAX_GROUP_BYTES ||
      group.buffers.length >= MAX_GROUP_BUFFERS
    );
  }

  /**
   * Queues `buffer` to be written at `position` of `target`; after it, the log ends at `endOffset`.
   * captureRestore runs only when a new group opens. The promise settles when the bytes are written.
   */
  enqueue(target: Target, buffer: Buffer, position: number, endOffset: number, captureRestore: () => Restore): Promise<void> {
    if (this.isBroken) return Promise.reject(this.brokenBy);
    const group = this.willOpenGroup(target, position, buffer.length) ? this.openGroup(target, position, captureRestore()) : this.queue[this.queue.length - 1];
    group.buffers.push(buffer);
    group.bytes += buffer.length;
    group.endOffset = endOffset;
    this.schedule();
    return group.done;
  }

  /** Resolves when nothing is queued or in flight (whatever the outcome of those writes). */
  drain(): Promise<void> {
    if (this.idle || this.isBroken) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private openGroup(target: Target, position: number, restore: Restore): WriteGroup<Target, Restore> {
    let resolve!: () => void;
    let reject!: (error: unknown) => void;
    const done = new Promise<void>((onResolve, onReject) => {
      resolve = onResolve;
      reject = onReject;
    });
    // Callers may drop a rejected append (the owner already handled the failure); never let that
    // surface as an unhandled rejection.
    done.catch(() => {});
    const group: WriteGroup<Target, Restore> = { target, position, buffers: [], bytes: 0, endOffset: 0, issued: false, written: false, restore, done, resolve, reject };
    this.queue.push(group);
    return group;
  }

  private schedule(): void {
    if (this.scheduled || this.writesInFlight >= MAX_WRITES_IN_FLIGHT || this.failure !== null || this.repairing) return;
    this.scheduled = true;
    // setImmediate, not a microtask: appends arriving in the same event-loop turn (several
    // connections' requests read in one poll phase) join the first write.
    setImmediate(() => {
      this.scheduled = false;
      this.issueWrites();
    });
  }

  private issueWrites(): void {
    for (const group of this.queue) {
      if (this.writesInFlight >= MAX_WRITES_IN_FLIGHT || this.failure !== null || this.repairing || this.isBroken) break;
      if (group.issued) continue;
      group.issued = true;
      this.writesInFlight += 1;
      this.sink.write(group.target, group.buffers, group.position).then(
        () => this.onWriteDone(group),
        (error: unknown) => this.onWriteFailed(group, error),
      );
    }
    this.notifyIfIdle();
  }

  private onWriteDone(group: WriteGroup<Target, Restore>): void {
    this.writesInFlight -= 1;
    group.written = true;
    if (this.failure !== null) {
      this.finishFailureWhenSettled();
      return;
    }
    this.acknowledgeWritten();
    this.issueWrites();
  }

  private onWriteFailed(group: WriteGroup<Target, Restore>, error: unknown): void {
    this.writesInFlight -= 1;
    if (this.failure === null || this.queue.indexOf(group) < this.queue.indexOf(this.failure.group)) this.failure = { group, error };
    this.finishFailureWhenSettled();
  }

  /** Acknowledges, in order, every group whose bytes and predecessors' bytes are written. */
  private acknowledgeWritten(): void {
    while (this.queue.length > 0 && this.queue[0].written) {
      const group = this.queue.shift()!;
      this.sink.onWritten(group.target, group.position + group.bytes, group.endOffset);
      group.resolve();
    }
  }

  private finishFailureWhenSettled(): void {
    if (this.writesInFlight > 0 || this.failure === null) return;
    const { group: failed, error } = this.failure;
    const failedAt = this.queue.indexOf(failed);
    // Groups before the failed one were written: acknowledge them.
    for (const group of this.queue.slice(0, failedAt)) {
      this.sink.onWritten(group.target, group.position + group.bytes, group.endOffset);
      group.resolve();
    }
    const rejected = this.queue.slice(failedAt);
    this.queue = [];
    this.failure = null;
    this.repairing = true;
    this.sink.onFailed(failed.target, error, failed.restore);
    for (const group of rejected) group.reject(error);
    this.sink.truncate(failed.target, failed.position).then(
      () => {
        this.repairing = false;
        if (this.queue.length > 0) this.schedule();
        this.notifyIfIdle();
      },
      (repairError: unknown) => {
        this.repairing = false;
        this.isBroken = true;
        this.brokenBy = repairError;
        for (const group of this.queue) group.reject(repairError);
        this.queue = [];
        this.sink.onBroken(failed.target, repairError);
        this.notifyIfIdle();
      },
    );
  }

  private notifyIfIdle(): void {
    if (!this.idle && !this.isBroken) return;
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const waiter of waiters) waiter();
  }
}

// The single-node metadata store: all entries in memory, the whole state persisted after every
// commit by writing a new snapshot atomically (write temporary file, fsync, rename). Metadata
// changes are rare (topic and config administration), so rewriting the snapshot keeps the format
// trivial to inspect and impossible to half-apply.

import { assert } from "../../lib/assert.js";
import {
  MetadataConflictError,
  type MetadataEntry,
  type MetadataEvent,
  type MetadataOp,
  type MetadataStore,
} from "./metadata-store.js";

/** Where a snapshot lives: null from load() means no snapshot yet. save() must be atomic. */
export interface SnapshotPersistence {
  load(): Promise<string | null>;
  save(snapshot: string): Promise<void>;
}

interface Snapshot {
  readonly format: 1;
  readonly revision: number;
  readonly entries: readonly MetadataEntry[];
}

interface Watcher {
  readonly prefix: string;
  readonly listener: (events: readonly MetadataEvent[]) => void;
}

export class LocalMetadataStore implements MetadataStore {
  private revision = 0;
  private readonly entries = new Map<string, MetadataEntry>();
  private readonly watchers = new Set<Watcher>();
  /** Commits are applied one at a time so a snapshot never races an older one to disk. */
  private commitChain: Promise<unknown> = Promise.resolve();

  private constructor(private readonly persistence: SnapshotPersistence | null) {}

  /** Opens the store, loading the last snapshot; persistence null keeps everything in memory. */
  static async open(persistence: SnapshotPersistence | null): Promise<LocalMetadataStore> {
    const store = new LocalMetadataStore(persistence);
    const text = persistence === null ? null : await persistence.load();
    if (text !== null) {
      const snapshot = JSON.parse(text) as Snapshot;
      if (snapshot.format !== 1) throw new Error(`unsupported metadata snapshot format ${String(snapshot.format)}`);
      store.revision = snapshot.revision;
      for (const entry of snapshot.entries) store.entries.set(entry.key, entry);
    }
    return store;
  }

  async get(key: string): Promise<MetadataEntry | undefined> {
    return this.entries.get(key);
  }

  async list(prefix: string): Promise<MetadataEntry[]> {
    return [...this.entries.values()].filter((entry) => entry.key.startsWith(prefix)).sort((a, b) => (a.key < b.key ? -1 : 1));
  }

  commit(ops: readonly MetadataOp[]): Promise<number> {
    const result = this.commitChain.then(() => this.applyAndPersist(ops));
    this.commitChain = result.catch(() => undefined);
    return result;
  }

  private async applyAndPersist(ops: readonly MetadataOp[]): Promise<number> {
    for (const op of ops) {
      if (op.expectedVersion === undefined) continue;
      const actual = this.entries.get(op.key)?.version ?? 0;
      if (actual !== op.expectedVersion) throw new MetadataConflictError(op.key, op.expectedVersion, actual);
    }
    const revision = this.revision + 1;
    const next = new Map(this.entries);
    const events: MetadataEvent[] = [];
    for (const op of ops) {
      if (op.type === "put") {
        const entry: MetadataEntry = { key: op.key, value: op.value, version: revision };
        next.set(op.key, entry);
        events.push({ type: "put", entry });
      } else if (next.delete(op.key)) {
        events.push({ type: "delete", key: op.key, revision });
      }
    }
    if (this.persistence !== null) {
      const snapshot: Snapshot = { format: 1, revision, entries: [...next.values()] };
      await this.persistence.save(JSON.stringify(snapshot));
    }
    // Durable: now make it visible, all at once.
    assert(revision === this.revision + 1, "metadata commits must not interleave");
    this.revision = revision;
    this.entries.clear();
    for (const [key, entry] of next) this.entries.set(key, entry);
    this.notify(events);
    return revision;
  }

  private notify(events: readonly MetadataEvent[]): void {
    for (const watcher of this.watchers) {
      const relevant = events.filter((event) => (event.type === "put" ? event.entry.key : event.key).startsWith(watcher.prefix));
      if (relevant.length > 0) watcher.listener(relevant);
    }
  }

  watch(prefix: string, listener: (events: readonly MetadataEvent[]) => void): () => void {
    const watcher: Watcher = { prefix, listener };
    this.watchers.add(watcher);
    return () => this.watchers.delete(watcher);
  }

  async close(): Promise<void> {
    await this.commitChain;
    this.watchers.clear();
  }
}

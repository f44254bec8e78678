// The cluster metadata store: a small versioned key-value store with atomic multi-key commits
// guarded by expected versions (compare-and-set) and watches. Topics, partition assignments,
// configs and broker registrations live here. The `local` backend serves a single node; a
// cluster backend (etcd) implements the same interface, so the controller code is the same.

export interface MetadataEntry {
  readonly key: string;
  readonly value: string;
  /** Store revision at which this key was last written; increases with every commit. */
  readonly version: number;
}

export type MetadataOp =
  | {
      readonly type: "put";
      readonly key: string;
      readonly value: string;
      /** Commit only if the key is at this version; 0 means it must not exist. */
      readonly expectedVersion?: number;
    }
  | { readonly type: "delete"; readonly key: string; readonly expectedVersion?: number };

export type MetadataEvent =
  | { readonly type: "put"; readonly entry: MetadataEntry }
  | { readonly type: "delete"; readonly key: string; readonly revision: number };

export class MetadataConflictError extends Error {
  override name = "MetadataConflictError";
  constructor(
    readonly key: string,
    readonly expectedVersion: number,
    readonly actualVersion: number,
  ) {
    super(`metadata key ${key} is at version ${actualVersion}, expected ${expectedVersion}`);
  }
}

export interface MetadataStore {
  get(key: string): Promise<MetadataEntry | undefined>;
  /** Every entry whose key starts with prefix, in key order, from one consistent revision. */
  list(prefix: string): Promise<MetadataEntry[]>;
  /** Applies all ops atomically, or none (MetadataConflictError); resolves to the new revision. */
  commit(ops: readonly MetadataOp[]): Promise<number>;
  /** Calls listener with the events of each commit that touches prefix, after it is durable. */
  watch(prefix: string, listener: (events: readonly MetadataEvent[]) => void): () => void;
  close(): Promise<void>;
}

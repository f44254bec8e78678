// The producer id manager behind InitProducerId, against the metadata store (no network): ids are
// unique under concurrency, two brokers sharing a store get disjoint blocks (compare-and-set
// conflicts resolved by taking the next block), the next block is reserved ahead of need, a
// restart continues after the last reserved block, and a record it cannot trust is an error,
// never a guess that could repeat ids.

import { test } from "node:test";
import assert from "node:assert/strict";
import { LocalMetadataStore, type SnapshotPersistence } from "../../src/cluster/metadata/local-metadata-store.js";
import type { MetadataOp, MetadataStore } from "../../src/cluster/metadata/metadata-store.js";
import { PRODUCER_ID_BLOCK_KEY, PRODUCER_ID_BLOCK_SIZE, ProducerIdAllocationError, ProducerIdManager } from "../../src/coordinator/txn/index.js";

function memoryPersistence(): SnapshotPersistence & { text: string | null } {
  const persistence = {
    text: null as string | null,
    async load() {
      return persistence.text;
    },
    async save(snapshot: string) {
      persistence.text = snapshot;
    },
  };
  return persistence;
}

/** A store that counts commits (block reservations). */
function countingStore(inner: MetadataStore): MetadataStore & { commits: number } {
  const store = {
    commits: 0,
    get: (key: string) => inner.get(key),
    list: (prefix: string) => inner.list(prefix),
    commit: (ops: readonly MetadataOp[]) => {
      store.commits += 1;
      return inner.commit(ops);
    },
    watch: inner.watch.bind(inner),
    close: () => inner.close(),
  };
  return store;
}

test("concurrent callers get distinct ids; blocks are reserved one at a time and ahead of need", async () => {
  const store = countingStore(await LocalMetadataStore.open(null));
  const manager = new ProducerIdManager(store, 1);
  const ids = await Promise.all(Array.from({ length: 2500 }, () => manager.generateProducerId()));
  assert.equal(new Set(ids).size, ids.length);
  assert.deepEqual(
    [...ids].sort((a, b) => a - b),
    Array.from({ length: 2500 }, (_, index) => index),
  );
  // 2500 ids: three blocks, the second and third reserved in the background once 90% of the
  // one before was used; no block reserved twice or wasted.
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(store.commits, 3);
  const record = JSON.parse((await store.get(PRODUCER_ID_BLOCK_KEY))!.value) as { nextProducerId: number; brokerId: number };
  assert.equal(record.brokerId, 1);
  assert.ok(record.nextProducerId >= 3 * PRODUCER_ID_BLOCK_SIZE);
});

test("two brokers on one store never share an id (compare-and-set on the block record)", async () => {
  const store = await LocalMetadataStore.open(null);
  const first = new ProducerIdManager(store, 1);
  const second = new ProducerIdManager(store, 2);
  const ids = await Promise.all(Array.from({ length: 1200 }, (_, index) => (index % 2 === 0 ? first : second).generateProducerId()));
  assert.equal(new Set(ids).size, ids.length);
});

test("after a restart ids continue past every block reserved before, never reusing one", async () => {
  const persistence = memoryPersistence();
  const before = new ProducerIdManager(await LocalMetadataStore.open(persistence), 1);
  const earlier = [await before.generateProducerId(), await before.generateProducerId()];
  const after = new ProducerIdManager(await LocalMetadataStore.open(persistence), 1);
  const next = await after.generateProducerId();
  assert.ok(next > Math.max(...earlier));
  assert.equal(next, PRODUCER_ID_BLOCK_SIZE, "the unused rest of the first block is skipped");
});

test("a malformed allocation record is an error, not a reason to start again from 0", async () => {
  const store = await LocalMetadataStore.open(null);
  await store.commit([{ type: "put", key: PRODUCER_ID_BLOCK_KEY, value: JSON.stringify({ version: 1, brokerId: 1, nextProducerId: -5 }) }]);
  await assert.rejects(new ProducerIdManager(store, 1).generateProducerId(), ProducerIdAllocationError);
  await store.commit([{ type: "put", key: PRODUCER_ID_BLOCK_KEY, value: "not json" }]);
  await assert.rejects(new ProducerIdManager(store, 1).generateProducerId(), ProducerIdAllocationError);
});

test("a failing store fails the request; the next request tries again", async () => {
  const inner = await LocalMetadataStore.open(null);
  let failing = true;
  const store: MetadataStore = {
    get: (key) => inner.get(key),
    list: (prefix) => inner.list(prefix),
    commit: (ops) => (failing ? Promise.reject(Object.assign(new Error("EIO: simulated"), { code: "EIO" })) : inner.commit(ops)),
    watch: inner.watch.bind(inner),
    close: () => inner.close(),
  };
  const manager = new ProducerIdManager(store, 1);
  await assert.rejects(manager.generateProducerId(), /EIO/);
  failing = false;
  assert.equal(await manager.generateProducerId(), 0);
});

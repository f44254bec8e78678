// The limits connections share, on the SocketServer with a request processor the test controls
// (it holds every request until released): queued.max.request.bytes is a memory pool that stops
// reading when exhausted and resumes when requests are answered (Kafka's MemoryPool, overshoot
// at most one request); queued.max.requests bounds the requests waiting across all connections;
// a client that does not read its responses stops being read; and every request is still answered,
// in order per connection, once the limits lift. No timing is asserted: the test waits for states.

import { test } from "node:test";
import assert from "node:assert/strict";
import type { Socket } from "node:net";
import { MemoryPool } from "../../src/broker/memory-pool.js";
import { RequestAdmission } from "../../src/broker/request-admission.js";
import { SocketServer, type SocketServerLimits } from "../../src/broker/socket-server.js";
import type { Connection, FrameOutcome, FrameProcessor } from "../../src/broker/connection.js";
import { silentLogger } from "../../src/lib/logger.js";
import { openSocket } from "../helpers/sockets.js";

/** Holds every frame until release(); answers each with its first 4 bytes (the "id") plus padding. */
class GatedProcessor implements FrameProcessor {
  processed = 0;
  received = 0;
  private open = false;
  private readonly held: (() => void)[] = [];

  constructor(private readonly responseBytes = 8) {}

  async process(_connection: Connection, frame: Buffer): Promise<FrameOutcome> {
    this.received++;
    if (!this.open) await new Promise<void>((resolve) => this.held.push(resolve));
    this.processed++;
    const response = Buffer.alloc(4 + this.responseBytes);
    response.writeInt32BE(this.responseBytes, 0);
    frame.copy(response, 4, 0, Math.min(4, frame.length));
    return { kind: "response", chunks: [response] };
  }

  release(): void {
    this.open = true;
    for (const resolve of this.held.splice(0)) resolve();
  }
}

const BASE_LIMITS: SocketServerLimits = {
  socketRequestMaxBytes: 512 * 1024,
  connectionsMaxIdleMs: 60_000,
  queuedRequestsPerConnectionMax: 100,
  unsentResponseBytesMax: 1024 * 1024,
  maxConnections: 1000,
  maxConnectionsPerIp: 1000,
  queuedMaxRequests: 500,
  queuedMaxRequestBytes: -1,
};

function frame(id: number, bodyBytes: number): Buffer {
  const bytes = Buffer.alloc(4 + bodyBytes);
  bytes.writeInt32BE(bodyBytes, 0);
  bytes.writeInt32BE(id, 4);
  return bytes;
}

/** Reads responses (size-prefixed, first 4 body bytes = id) until `count` arrived; resolves to their ids. */
function readIds(socket: Socket, count: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const ids: number[] = [];
    let pending = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
        ids.push(pending.readInt32BE(4));
        pending = pending.subarray(4 + pending.readInt32BE(0));
      }
      if (ids.length >= count) {
        socket.off("data", onData);
        resolve(ids);
      }
    };
    socket.on("data", onData);
    socket.once("error", reject);
    socket.once("close", () => (ids.length >= count ? undefined : reject(new Error(`closed after ${ids.length} of ${count} responses`))));
  });
}

/** Polls until check() holds; a state, not a time, is what the tests wait for. */
async function until(check: () => boolean, what: string): Promise<void> {
  for (let attempt = 0; attempt < 2000; attempt++) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.fail(`never reached: ${what}`);
}

/** Waits until value() stops changing for a while (the broker has read all it will read). */
async function settled(value: () => number): Promise<number> {
  let last = value();
  let stableRounds = 0;
  while (stableRounds < 20) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    const now = value();
    stableRounds = now === last ? stableRounds + 1 : 0;
    last = now;
  }
  return last;
}

async function withServer<T>(limits: Partial<SocketServerLimits>, processor: FrameProcessor, run: (server: SocketServer, port: number) => Promise<T>): Promise<T> {
  const server = new SocketServer(processor, { ...BASE_LIMITS, ...limits }, silentLogger());
  const [bound] = await server.start([{ name: "PLAINTEXT", host: "127.0.0.1", port: 0, securityProtocol: "PLAINTEXT" }]);
  try {
    return await run(server, bound.port);
  } finally {
    await server.stop();
  }
}

test("MemoryPool: reservations succeed while memory is left (overshoot by at most one), and release wakes listeners", () => {
  const pool = new MemoryPool(1000);
  let woken = 0;
  pool.onAvailable(() => woken++);
  assert.equal(pool.tryAllocate(600), true);
  assert.equal(pool.tryAllocate(600), true, "non-strict: allowed while any memory is left");
  assert.equal(pool.isOutOfMemory, true);
  assert.equal(pool.tryAllocate(1), false);
  pool.release(600);
  assert.equal(woken, 1);
  assert.equal(pool.availableBytes, 400);
  pool.release(600);
  assert.equal(pool.usedBytes, 0);
  assert.equal(woken, 1, "listeners hear only the move from exhausted to available");
  const unbounded = new MemoryPool(-1);
  assert.equal(unbounded.tryAllocate(2 ** 40), true);
  assert.equal(unbounded.isOutOfMemory, false);
});

test("RequestAdmission wakes waiters oldest first, and only while room lasts", () => {
  const admission = new RequestAdmission(2, new MemoryPool(-1));
  admission.requestQueued();
  admission.requestQueued();
  assert.equal(admission.isQueueFull, true);
  const order: string[] = [];
  admission.wait(() => {
    order.push("first");
    admission.requestQueued(); // takes the slot that opened
  });
  admission.wait(() => order.push("second"));
  admission.requestDequeued();
  assert.deepEqual(order, ["first"], "the second waiter stays waiting: the first filled the queue again");
  assert.equal(admission.waitingCount, 1);
  admission.requestDequeued();
  assert.deepEqual(order, ["first", "second"]);
});

test("queued.max.request.bytes: reading stops when the pool is exhausted, resumes as requests are answered", async () => {
  const processor = new GatedProcessor();
  const capacityBytes = 1024 * 1024;
  const frameBytes = 256 * 1024;
  await withServer({ queuedMaxRequestBytes: capacityBytes, socketRequestMaxBytes: frameBytes }, processor, async (server, port) => {
    const clients = await Promise.all(Array.from({ length: 10 }, () => openSocket(port)));
    const perClient = 4;
    clients.forEach((socket, client) => {
      for (let request = 0; request < perClient; request++) socket.write(frame(client * 100 + request, frameBytes));
    });
    await until(() => server.stats().connectionsWaitingForAdmission > 0, "connections waiting for memory");
    const used = await settled(() => server.stats().poolUsedBytes);
    const stats = server.stats();
    console.log(`pool: ${used} of ${capacityBytes} bytes reserved, ${stats.connectionsWaitingForAdmission} connections waiting, ${processor.received} requests handed over`);
    assert.ok(used <= capacityBytes + frameBytes, `pool overshoot beyond one request: ${used}`);
    assert.ok(processor.received < clients.length * perClient, "not everything was read while the pool was full");
    const answers = clients.map((socket) => readIds(socket, perClient));
    processor.release();
    const ids = await Promise.all(answers);
    ids.forEach((received, client) => assert.deepEqual(received, [0, 1, 2, 3].map((request) => client * 100 + request), "answered, in order"));
    await until(() => server.stats().poolUsedBytes === 0, "every reservation released");
    for (const socket of clients) socket.destroy();
  });
});

test("queued.max.requests bounds the requests waiting across all connections", async () => {
  const processor = new GatedProcessor();
  const queuedMax = 5;
  await withServer({ queuedMaxRequests: queuedMax }, processor, async (server, port) => {
    const clients = await Promise.all(Array.from({ length: 8 }, () => openSocket(port)));
    const perClient = 10;
    clients.forEach((socket, client) => socket.write(Buffer.concat(Array.from({ length: perClient }, (_, request) => frame(client * 100 + request, 16)))));
    await until(() => server.stats().queuedRequests === queuedMax, "the shared queue full");
    await settled(() => processor.received);
    const stats = server.stats();
    console.log(`${stats.queuedRequests} queued, ${processor.received} being processed, ${stats.connectionsWaitingForAdmission} connections waiting`);
    assert.equal(stats.queuedRequests, queuedMax, "never more than queued.max.requests waiting");
    // One request per connection is being processed (held by the gate); the rest wait unread.
    assert.ok(processor.received <= clients.length);
    const answers = clients.map((socket) => readIds(socket, perClient));
    processor.release();
    const ids = await Promise.all(answers);
    ids.forEach((received, client) => assert.deepEqual(received, Array.from({ length: perClient }, (_, request) => client * 100 + request)));
    assert.equal(server.stats().queuedRequests, 0);
    for (const socket of clients) socket.destroy();
  });
});

test("a client that does not read its responses is no longer read; nothing is lost once it reads", async () => {
  const responseBytes = 256 * 1024;
  const processor = new GatedProcessor(responseBytes);
  processor.release();
  await withServer({}, processor, async (_server, port) => {
    const socket = await openSocket(port);
    socket.pause();
    const requestCount = 2000; // 500 MiB of responses if all were produced
    socket.write(Buffer.concat(Array.from({ length: requestCount }, (_, id) => frame(id, 16))));
    const processed = await settled(() => processor.processed);
    console.log(`${processed} of ${requestCount} requests processed while the client did not read (${(processed * responseBytes) / 2 ** 20} MiB of responses)`);
    // Kernel socket buffers absorb some responses; the broker holds at most unsentResponseBytesMax more.
    assert.ok(processed < requestCount / 4, `the broker kept processing for a client that does not read (${processed})`);
    const answers = readIds(socket, requestCount);
    socket.resume();
    const ids = await answers;
    assert.deepEqual(ids, Array.from({ length: requestCount }, (_, id) => id));
    socket.destroy();
  });
});

test("a client that sends half a frame and stalls is closed by connections.max.idle.ms, and its reservation released", async () => {
  const processor = new GatedProcessor();
  processor.release();
  await withServer({ connectionsMaxIdleMs: 200, queuedMaxRequestBytes: 1024 * 1024 }, processor, async (server, port) => {
    const socket = await openSocket(port);
    const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    socket.on("error", () => undefined);
    const half = frame(1, 100_000).subarray(0, 5_000);
    socket.write(half);
    await until(() => server.stats().poolUsedBytes === 100_000, "the frame's size reserved from the pool");
    await closed;
    await until(() => server.stats().connectionCount === 0, "the stalled connection gone");
    assert.equal(server.stats().poolUsedBytes, 0, "its reservation was released");
  });
});

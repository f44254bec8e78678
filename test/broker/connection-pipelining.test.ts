// How a connection overlaps requests, on a SocketServer with a processor the test controls:
// requests the processor may pipeline start once the one before them is dispatched, at most
// PIPELINED_REQUESTS_MAX at once; any other request starts only when everything before it was
// answered; responses always leave in arrival order, whatever order processing finishes in; and
// a frame assembled in a pooled buffer is not overwritten while its request runs, and comes back
// to the pool once the processor says nothing refers to it; a response's onSent runs once it
// left, or once the connection closed without sending it.

import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import type { Socket } from "node:net";
import { SocketServer, type SocketServerLimits } from "../../src/broker/socket-server.js";
import { PIPELINED_REQUESTS_MAX, type Connection, type FrameOutcome, type FrameProcessor } from "../../src/broker/connection.js";
import { silentLogger } from "../../src/lib/logger.js";
import { openSocket } from "../helpers/sockets.js";

const LIMITS: SocketServerLimits = {
  socketRequestMaxBytes: 8 * 1024 * 1024,
  connectionsMaxIdleMs: 60_000,
  queuedRequestsPerConnectionMax: 100,
  unsentResponseBytesMax: 1024 * 1024,
  maxConnections: 100,
  maxConnectionsPerIp: 100,
  queuedMaxRequests: 500,
  queuedMaxRequestBytes: -1,
};

/** Frame body: int32 id, then a kind byte (PIPELINED may overlap, SERIAL may not), then padding. */
const PIPELINED = 1;
const SERIAL = 0;

function frame(id: number, kind: number, bodyBytes = 8): Buffer {
  const bytes = Buffer.alloc(4 + bodyBytes);
  bytes.writeInt32BE(bodyBytes, 0);
  bytes.writeInt32BE(id, 4);
  bytes[8] = kind;
  for (let index = 9; index < bytes.length; index++) bytes[index] = (id * 31 + index) & 0xff;
  return bytes;
}

interface Held {
  readonly id: number;
  finish(): void;
}

/** Holds every request until the test finishes it; dispatches pipelined ones at once. */
class HoldingProcessor implements FrameProcessor {
  readonly started: number[] = [];
  readonly held = new Map<number, Held>();

  canPipeline(frame: Buffer): boolean {
    return frame[4] === PIPELINED;
  }

  async process(_connection: Connection, frame: Buffer, dispatched: () => void): Promise<FrameOutcome> {
    const id = frame.readInt32BE(0);
    this.started.push(id);
    if (frame[4] === PIPELINED) dispatched();
    await new Promise<void>((resolve) => this.held.set(id, { id, finish: resolve }));
    this.held.delete(id);
    return { kind: "response", chunks: [idResponse(id)] };
  }

  finish(id: number): void {
    const held = this.held.get(id);
    assert.ok(held !== undefined, `request ${id} is not being processed`);
    held.finish();
  }
}

function idResponse(id: number, extra = 0): Buffer {
  const response = Buffer.alloc(12);
  response.writeInt32BE(8, 0);
  response.writeInt32BE(id, 4);
  response.writeInt32BE(extra, 8);
  return response;
}

/** Collects responses (size-prefixed; id then one int32) as they arrive. */
function collect(socket: Socket): { readonly ids: number[]; readonly extras: number[] } {
  const received = { ids: [] as number[], extras: [] as number[] };
  let pending = Buffer.alloc(0);
  socket.on("data", (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
      received.ids.push(pending.readInt32BE(4));
      received.extras.push(pending.readInt32BE(8));
      pending = pending.subarray(4 + pending.readInt32BE(0));
    }
  });
  return received;
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let attempt = 0; attempt < 2000; attempt++) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.fail(`never reached: ${what}`);
}

/** A few event-loop turns and timers: long enough for the server to start whatever it would start. */
async function quiesce(): Promise<void> {
  for (let round = 0; round < 10; round++) await new Promise((resolve) => setTimeout(resolve, 5));
}

async function withServer<T>(processor: FrameProcessor, run: (server: SocketServer, port: number) => Promise<T>): Promise<T> {
  const server = new SocketServer(processor, LIMITS, silentLogger());
  const [bound] = await server.start([{ name: "PLAINTEXT", host: "127.0.0.1", port: 0, securityProtocol: "PLAINTEXT" }]);
  try {
    return await run(server, bound.port);
  } finally {
    await server.stop();
  }
}

test("pipelinable requests overlap up to the limit and are answered in arrival order", async () => {
  const processor = new HoldingProcessor();
  await withServer(processor, async (_server, port) => {
    const socket = await openSocket(port);
    const received = collect(socket);
    const count = PIPELINED_REQUESTS_MAX + 3;
    for (let id = 1; id <= count; id++) socket.write(frame(id, PIPELINED));
    await until(() => processor.started.length === PIPELINED_REQUESTS_MAX, "the first requests started together");
    await quiesce();
    assert.deepEqual(processor.started, Array.from({ length: PIPELINED_REQUESTS_MAX }, (_, index) => index + 1), "no more than the limit at once");

    // Finishing out of order: nothing is answered until the oldest is.
    for (let id = PIPELINED_REQUESTS_MAX; id >= 2; id--) processor.finish(id);
    await quiesce();
    assert.deepEqual(received.ids, [], "later requests wait for the oldest one's answer");
    processor.finish(1);
    await until(() => received.ids.length === PIPELINED_REQUESTS_MAX, "the finished requests answered");
    await until(() => processor.started.length === count, "the rest started as room returned");
    for (let id = PIPELINED_REQUESTS_MAX + 1; id <= count; id++) processor.finish(id);
    await until(() => received.ids.length === count, "every request answered");
    assert.deepEqual(received.ids, Array.from({ length: count }, (_, index) => index + 1));
    socket.destroy();
  });
});

test("a request that may not be pipelined starts only once everything before it was answered, and holds back what follows", async () => {
  const processor = new HoldingProcessor();
  await withServer(processor, async (_server, port) => {
    const socket = await openSocket(port);
    const received = collect(socket);
    socket.write(Buffer.concat([frame(1, PIPELINED), frame(2, PIPELINED), frame(3, SERIAL), frame(4, PIPELINED)]));
    await until(() => processor.started.length === 2, "the two pipelined requests started");
    await quiesce();
    assert.deepEqual(processor.started, [1, 2]);
    processor.finish(1);
    await until(() => received.ids.length === 1, "the first answered");
    await quiesce();
    assert.deepEqual(processor.started, [1, 2], "the serial request waits for request 2's answer");
    processor.finish(2);
    await until(() => processor.started.length === 3, "the serial request started");
    await quiesce();
    assert.deepEqual(processor.started, [1, 2, 3], "nothing overlaps the serial request");
    processor.finish(3);
    await until(() => processor.started.length === 4, "the last request started");
    processor.finish(4);
    await until(() => received.ids.length === 4, "every request answered");
    assert.deepEqual(received.ids, [1, 2, 3, 4]);
    socket.destroy();
  });
});

test("a pipelinable request waits until the one before it is dispatched", async () => {
  // Dispatches only when the test says so.
  const dispatchers = new Map<number, () => void>();
  const finishers = new Map<number, () => void>();
  const started: number[] = [];
  const processor: FrameProcessor = {
    canPipeline: () => true,
    async process(_connection, body, dispatched) {
      const id = body.readInt32BE(0);
      started.push(id);
      dispatchers.set(id, dispatched);
      await new Promise<void>((resolve) => finishers.set(id, resolve));
      return { kind: "response", chunks: [idResponse(id)] };
    },
  };
  await withServer(processor, async (_server, port) => {
    const socket = await openSocket(port);
    const received = collect(socket);
    socket.write(Buffer.concat([frame(1, PIPELINED), frame(2, PIPELINED), frame(3, PIPELINED)]));
    await until(() => started.length === 1, "the first request started");
    await quiesce();
    assert.deepEqual(started, [1], "not dispatched yet: the next waits");
    dispatchers.get(1)!();
    await until(() => started.length === 2, "the second started once the first was dispatched");
    await quiesce();
    assert.deepEqual(started, [1, 2]);
    finishers.get(1)!();
    finishers.get(2)!(); // finishing counts as dispatched
    await until(() => started.length === 3, "the third started");
    finishers.get(3)!();
    await until(() => received.ids.length === 3, "every request answered");
    assert.deepEqual(received.ids, [1, 2, 3]);
    socket.destroy();
  });
});

test("large frames arriving in pieces are assembled intact, kept intact while processed, and their buffers reused", async () => {
  // Each request hashes its frame when it starts and again after other requests had their turn;
  // it answers 1 when both hashes match the bytes the client sent, and releases its frame.
  const expected = new Map<number, string>();
  const sha = (bytes: Buffer): string => createHash("sha256").update(bytes).digest("hex");
  const processor: FrameProcessor = {
    canPipeline: () => true,
    async process(_connection, body, dispatched) {
      const id = body.readInt32BE(0);
      const before = sha(body);
      dispatched();
      for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setImmediate(resolve));
      const intact = before === expected.get(id) && sha(body) === before;
      return { kind: "response", chunks: [idResponse(id, intact ? 1 : 0)], frameReleased: true };
    },
  };
  await withServer(processor, async (server, port) => {
    const socket = await openSocket(port);
    const received = collect(socket);
    const count = 40;
    const frames: Buffer[] = [];
    for (let id = 1; id <= count; id++) {
      const bytes = frame(id, PIPELINED, 100_000 + id * 1000);
      expected.set(id, sha(bytes.subarray(4)));
      frames.push(bytes);
    }
    // Written in odd-sized pieces, so frames start and end in the middle of socket reads.
    const stream = Buffer.concat(frames);
    for (let at = 0; at < stream.length; at += 7_777) socket.write(stream.subarray(at, at + 7_777));
    await until(() => received.ids.length === count, "every request answered");
    assert.deepEqual(received.ids, Array.from({ length: count }, (_, index) => index + 1));
    assert.deepEqual(received.extras, Array.from({ length: count }, () => 1), "every frame arrived and stayed intact");
    const stats = server.stats();
    assert.equal(stats.requestBuffersOutstanding, 0, "every pooled buffer came back");
    assert.ok(stats.requestBufferIdleBytes > 0, "released buffers wait for reuse");
    socket.destroy();
  });
});

test("a frame its request may still refer to is not reused", async () => {
  const kept: Buffer[] = [];
  const processor: FrameProcessor = {
    async process(_connection, body) {
      kept.push(body); // a handler that keeps the request's bytes (say, group metadata)
      return { kind: "response", chunks: [idResponse(body.readInt32BE(0))] };
    },
  };
  await withServer(processor, async (server, port) => {
    const socket = await openSocket(port);
    const received = collect(socket);
    const frames = [frame(1, SERIAL, 200_000), frame(2, SERIAL, 200_000), frame(3, SERIAL, 200_000)];
    const stream = Buffer.concat(frames);
    for (let at = 0; at < stream.length; at += 10_000) socket.write(stream.subarray(at, at + 10_000));
    await until(() => received.ids.length === 3, "every request answered");
    kept.forEach((body, index) => assert.ok(body.equals(frames[index].subarray(4)), `frame ${index + 1} unchanged`));
    assert.equal(server.stats().requestBuffersOutstanding, 0, "abandoned, not outstanding");
    assert.equal(server.stats().requestBufferIdleBytes, 0, "and never offered for reuse");
    socket.destroy();
  });
});

test("onSent runs once a response was written, and also when the connection closes first", async () => {
  const sent: number[] = [];
  let holdSecond: (() => void) | null = null;
  const processor: FrameProcessor = {
    async process(_connection, body) {
      const id = body.readInt32BE(0);
      if (id === 2) await new Promise<void>((resolve) => (holdSecond = resolve));
      return { kind: "response", chunks: [idResponse(id)], onSent: () => sent.push(id) };
    },
  };
  await withServer(processor, async (_server, port) => {
    const socket = await openSocket(port);
    const received = collect(socket);
    socket.write(Buffer.concat([frame(1, SERIAL), frame(2, SERIAL)]));
    await until(() => received.ids.length === 1 && sent.length === 1, "the first answered and reported sent");
    assert.deepEqual(sent, [1]);
    await until(() => holdSecond !== null, "the second in processing");
    socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 20));
    holdSecond!();
    await until(() => sent.length === 2, "the second reported although never written");
    assert.deepEqual(sent, [1, 2]);
  });
});

test("requests a client sent whole before closing are still processed (an acks=0 producer closes right after sending)", async () => {
  const processed: number[] = [];
  const processor: FrameProcessor = {
    canPipeline: (body) => body[4] === PIPELINED,
    async process(_connection, body, dispatched) {
      dispatched();
      await new Promise((resolve) => setTimeout(resolve, 2));
      processed.push(body.readInt32BE(0));
      return { kind: "none" };
    },
  };
  await withServer(processor, async (server, port) => {
    const socket = await openSocket(port);
    const frames: Buffer[] = [];
    for (let id = 1; id <= 30; id++) frames.push(frame(id, id % 3 === 0 ? SERIAL : PIPELINED, id % 5 === 0 ? 100_000 : 64));
    socket.end(Buffer.concat(frames));
    await until(() => processed.length === 30, "every request processed after the client closed");
    assert.deepEqual([...processed].sort((a, b) => a - b), Array.from({ length: 30 }, (_, index) => index + 1));
    await until(() => server.stats().poolUsedBytes === 0 && server.stats().queuedRequests === 0, "every reservation released");
    assert.equal(server.stats().requestBuffersOutstanding, 0);
  });
});

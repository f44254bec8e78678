// An embedded in-memory broker starts and stops cleanly, many times in a row. The timings are
// printed for the record (README and BENCHMARKS.md report them), never asserted.

import { test } from "node:test";
import assert from "node:assert/strict";
import { startBroker } from "../../src/index.js";
import { KafkaConnection } from "../../src/client/connection.js";
import { ApiKey } from "../../src/protocol/generated/index.js";
import type { ApiVersionsResponse } from "../../src/protocol/generated/api-versions.js";

test("startBroker({ port: 0, storage: 'memory' }) then close(), 50 times", async () => {
  const startMs: number[] = [];
  const ports = new Set<number>();
  for (let round = 0; round < 50; round++) {
    const begin = performance.now();
    const broker = await startBroker({ port: 0, storage: "memory" });
    startMs.push(performance.now() - begin);
    ports.add(broker.listeners[0].port);
    if (round % 10 === 0) {
      const client = await KafkaConnection.connect(broker.listeners[0].host, broker.listeners[0].port);
      const versions = await client.send<ApiVersionsResponse>(ApiKey.ApiVersions, 0, {});
      assert.equal(versions.errorCode, 0);
      await client.close();
    }
    await broker.close();
  }
  assert.ok(ports.size > 1, "port 0 should pick free ports");
  const sorted = [...startMs].sort((a, b) => a - b);
  console.log(
    `in-process start: median ${sorted[25].toFixed(1)} ms, p90 ${sorted[45].toFixed(1)} ms, max ${sorted[49].toFixed(1)} ms (first ${startMs[0].toFixed(1)} ms)`,
  );
});

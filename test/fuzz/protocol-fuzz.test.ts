// The CI share of the protocol fuzzer: a bounded number of cases against a real broker process
// (see fuzz-runner.ts for the invariants, scripts/fuzz.ts for long runs). The seed is random per
// run unless FUZZ_SEED is set, and printed: a failure replays with
// `node dist/scripts/fuzz.js --seed <seed> --case <index>` (with the same build: cases are drawn
// from the APIs the broker advertises).

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BrokerChild } from "../fault/broker-child.js";
import { formatReport, runFuzz } from "./fuzz-runner.js";
import { randomSeed } from "./random.js";

const CASES = Number(process.env.FUZZ_CASES ?? 4000);
/**
 * The broker's peak RSS may not pass this, while bombs claim to inflate to 256 GiB and lengths
 * claim 2 GiB: what the broker holds is bounded by what it received (and the decompression
 * limit), not by what frames claim. An idle broker takes about 80 MiB.
 */
const PEAK_RSS_MAX_BYTES = 768 * 1024 * 1024;

test(`protocol fuzzing: ${CASES} random and lying frames, the broker keeps serving`, { timeout: 180_000 }, async () => {
  const seed = process.env.FUZZ_SEED === undefined ? randomSeed() : Number(process.env.FUZZ_SEED);
  console.log(`fuzz seed ${seed} (replay: node dist/scripts/fuzz.js --seed ${seed} --case <index>)`);
  const dataDir = mkdtempSync(join(tmpdir(), "tributary-fuzz-"));
  const broker = new BrokerChild({ dataDir });
  try {
    await broker.start();
    const report = await runFuzz(
      { host: "127.0.0.1", port: broker.port, deadReason: () => broker.unexpectedExit, errorLogLines: () => broker.logLines().filter((line) => line.includes('"level":50')) },
      { seed, cases: CASES, concurrency: 16 },
    );
    console.log(formatReport(report));
    assert.equal(broker.unexpectedExit, null, "the broker process must stay up");
    const status = broker.procStatus();
    console.log(`broker peak RSS ${(status.peakRssBytes / 2 ** 20).toFixed(0)} MiB, ${status.fdCount} file descriptors`);
    assert.deepEqual(report.failures, [], `fuzz failures with seed ${seed}:\n${formatReport(report)}`);
    assert.ok(report.goodClientRoundTrips > 0, "the well-behaved client must have been served");
    assert.ok(status.peakRssBytes < PEAK_RSS_MAX_BYTES, `peak RSS ${status.peakRssBytes} bytes`);
    assert.equal(await broker.stop(), 0, "the broker shuts down cleanly after the fuzzing");
  } finally {
    await broker.kill();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

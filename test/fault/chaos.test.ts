// The CI share of the chaos run (chaos-run.ts): a handful of kill -9s of a real broker process
// under kafkajs producers (acks=all, idempotent where advertised) and a consumer group committing
// offsets; every acknowledged record must be in the log once and in order, no committed offset may
// go backwards, and the broker must always restart. The long run is
// `node dist/scripts/chaos.js --kills 100`.

import { test } from "node:test";
import assert from "node:assert/strict";
import { formatChaosReport, runChaos } from "./chaos-run.js";

const KILLS = 5;

test(`chaos: ${KILLS} kill -9s under mixed load lose nothing acknowledged`, { timeout: 120_000 }, async () => {
  const report = await runChaos({ kills: KILLS, minUpMs: 800, maxUpMs: 2000, log: (line) => console.log(line) });
  console.log(formatChaosReport(report));
  assert.deepEqual(report.problems, []);
  assert.equal(report.restarts, KILLS);
  assert.equal(report.recordsLost, 0);
  assert.equal(report.duplicatesIdempotent, 0);
  assert.ok(report.recordsAcked > 0, "the producers made progress");
  assert.ok(report.offsetObservations > 0, "the consumer group committed offsets");
});

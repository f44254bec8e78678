// kill -9 at the storage level: a child process appends through a real NodeFileSystem PartitionLog
// and is killed with SIGKILL at random moments, several times over the same directory (each
// restart recovers the log). Afterwards every append the child reported done must be in the log,
// byte for byte, with dense offsets. (The broker-level version with real producers belongs to the
// broker's tests.)

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { systemClock } from "../../src/lib/clock.js";
import { NodeFileSystem } from "../../src/storage/io/node-file-system.js";
import { PartitionLog } from "../../src/storage/partition-log.js";
import { DEFAULT_LOG_CONFIG } from "../../src/storage/log-config.js";
import { baseOffsetOf, lastOffsetOf } from "./batch-builder.js";
import { collectingLogger, readAll } from "./helpers.js";

const ROUNDS = 5;
const CHILD = fileURLToPath(new URL("./kill-child.js", import.meta.url));

interface Ack {
  readonly baseOffset: number;
  readonly lastOffset: number;
  readonly sha1: string;
}

function runUntilKilled(logDir: string, round: number, killAfterMs: number): Promise<Ack[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, logDir, String(round)], { stdio: ["ignore", "pipe", "pipe"] });
    const acks: Ack[] = [];
    let pending = "";
    let stderr = "";
    let killTimer: NodeJS.Timeout | undefined;
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      pending += chunk;
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        const [kind, first, last, sha1] = line.split(" ");
        if (kind === "ready") killTimer ??= setTimeout(() => child.kill("SIGKILL"), killAfterMs);
        if (kind === "ack") acks.push({ baseOffset: Number(first), lastOffset: Number(last), sha1 });
      }
    });
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      if (killTimer !== undefined) clearTimeout(killTimer);
      if (signal !== "SIGKILL") reject(new Error(`child exited with ${code}/${signal}: ${stderr}`));
      else resolve(acks);
    });
  });
}

test("every append acknowledged before kill -9 survives, across repeated kills and recoveries", async () => {
  const logDir = mkdtempSync(join(tmpdir(), "tributary-kill-"));
  try {
    const acknowledged: Ack[] = [];
    for (let round = 1; round <= ROUNDS; round += 1) {
      const acks = await runUntilKilled(logDir, round, 80 + Math.floor(Math.random() * 250));
      acknowledged.push(...acks);
    }
    assert.ok(acknowledged.length > 20, `only ${acknowledged.length} appends were acknowledged`);
    const { logger, lines } = collectingLogger();
    const log = await PartitionLog.open({
      fs: new NodeFileSystem(),
      clock: systemClock,
      logDir,
      topic: "killed",
      partition: 0,
      config: { ...DEFAULT_LOG_CONFIG, segmentBytes: 16 * 1024, indexIntervalBytes: 1024, segmentIndexBytes: 4096 },
      hadCleanShutdown: false,
      logger,
    });
    const batches = await readAll(log);
    const byOffset = new Map(batches.map((batch) => [baseOffsetOf(batch), batch]));
    for (let index = 1; index < batches.length; index += 1) {
      assert.equal(baseOffsetOf(batches[index]), lastOffsetOf(batches[index - 1]) + 1, "offsets are dense");
    }
    for (const ack of acknowledged) {
      const stored = byOffset.get(ack.baseOffset);
      assert.ok(stored !== undefined, `acknowledged batch at ${ack.baseOffset} is missing`);
      assert.equal(lastOffsetOf(stored), ack.lastOffset);
      assert.equal(createHash("sha1").update(stored).digest("hex"), ack.sha1, `batch at ${ack.baseOffset} differs from what was acknowledged`);
    }
    assert.ok(log.segmentCount > 1, "the run crossed segment rolls");
    assert.ok(!lines.some((line) => line.level === "error"), JSON.stringify(lines.filter((line) => line.level === "error")));
    await log.close();
  } finally {
    rmSync(logDir, { recursive: true, force: true });
  }
});

// Child process of kill-process.test.ts (not a test itself): opens (recovering) or creates a
// partition log on the real file system, then appends from several concurrent loops forever,
// printing "ack <baseOffset> <lastOffset> <sha1 of the stored batch>" once each append resolved.
// The parent kills it with SIGKILL at a random moment.

import { createHash } from "node:crypto";
import { systemClock } from "../../src/lib/clock.js";
import { NodeFileSystem } from "../../src/storage/io/node-file-system.js";
import { PartitionLog } from "../../src/storage/partition-log.js";
import { DEFAULT_LOG_CONFIG } from "../../src/storage/log-config.js";
import { buildBatch } from "./batch-builder.js";

const [logDir, roundText] = process.argv.slice(2);
const round = Number(roundText);
const fs = new NodeFileSystem();
const config = { ...DEFAULT_LOG_CONFIG, segmentBytes: 16 * 1024, indexIntervalBytes: 1024, segmentIndexBytes: 4096 };
const CONCURRENT_APPENDERS = 8;

const common = { fs, clock: systemClock, logDir, topic: "killed", partition: 0, config };
const log = (await fs.exists(`${logDir}/killed-0/partition.metadata`))
  ? await PartitionLog.open({ ...common, hadCleanShutdown: false })
  : await PartitionLog.create({ ...common, topicId: "AAAAAAAAAAAAAAAAAAAAAQ" });
process.stdout.write(`ready ${log.logEndOffset}\n`);

let sequence = 0;
async function appender(): Promise<void> {
  for (;;) {
    sequence += 1;
    const records = 1 + (sequence % 5);
    const batch = buildBatch({ timestamps: Array.from({ length: records }, () => Date.now()), valueBytes: 50 + (sequence % 700), fill: (round * 31 + sequence) & 0xff });
    const result = await log.append(batch, { leaderEpoch: round, assignOffsets: true });
    process.stdout.write(`ack ${result.firstOffset} ${result.lastOffset} ${createHash("sha1").update(batch).digest("hex")}\n`);
  }
}

await Promise.all(Array.from({ length: CONCURRENT_APPENDERS }, appender));

// DescribeLogDirs v1-4 (Kafka 4 dropped v0): for each configured log directory its error (an
// offline directory answers KAFKA_STORAGE_ERROR), the size of each hosted partition (all of
// them, or the ones asked for; topics with none of them are left out, as in Kafka), and from v4
// the volume's total and usable bytes. Offset lags are 0: every hosted replica is current (there
// are no future replicas, AlterReplicaLogDirs is not implemented).
//
// Volume sizes come from statfs(2) on the directory, and only when the directory on the real disk
// is verifiably this broker's (its meta.properties names this cluster): a broker whose storage is
// in memory has no volume, and answers -1 (unknown), Kafka's default. The storage FileSystem
// interface has no statfs yet; when it gets one, this should ask it instead.

import { statfs, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import {
  DescribeLogDirsRequestCodec,
  DescribeLogDirsResponseCodec,
  type DescribeLogDirsRequest,
  type DescribeLogDirsResult,
  type DescribeLogDirsTopic,
} from "../../protocol/generated/describe-log-dirs.js";
import { ErrorCode } from "../../protocol/error-codes.js";
import { META_PROPERTIES_FILE, parseMetaProperties } from "../../cluster/metadata/meta-properties.js";
import type { PartitionLog } from "../../storage/index.js";
import { defineHandler, type RequestContext } from "../handler.js";

/** Kafka's "unknown" for a volume's total and usable bytes. */
const UNKNOWN_VOLUME_BYTES = -1;

interface VolumeBytes {
  readonly totalBytes: number;
  readonly usableBytes: number;
}

const UNKNOWN_VOLUME: VolumeBytes = { totalBytes: UNKNOWN_VOLUME_BYTES, usableBytes: UNKNOWN_VOLUME_BYTES };

async function volumeBytes(logDir: string, clusterId: string): Promise<VolumeBytes> {
  try {
    const meta = parseMetaProperties(await readFile(join(logDir, META_PROPERTIES_FILE), "utf8"));
    if (meta.get("cluster.id") !== clusterId) return UNKNOWN_VOLUME;
    const stats = await statfs(logDir);
    return { totalBytes: stats.blocks * stats.bsize, usableBytes: stats.bavail * stats.bsize };
  } catch {
    // Not on the real disk (in-memory storage) or not readable: unknown, not an error.
    return UNKNOWN_VOLUME;
  }
}

/** Which partitions to report: null for all. */
function requestedPartitions(request: DescribeLogDirsRequest): Set<string> | null {
  if (request.topics === null) return null;
  const wanted = new Set<string>();
  for (const topic of request.topics) for (const partition of topic.partitions) wanted.add(`${topic.topic}\u0000${partition}`);
  return wanted;
}

function topicsIn(logs: readonly PartitionLog[], wanted: ReadonlySet<string> | null): DescribeLogDirsTopic[] {
  const byTopic = new Map<string, DescribeLogDirsTopic>();
  const sorted = [...logs].sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
  for (const log of sorted) {
    if (wanted !== null && !wanted.has(`${log.topic}\u0000${log.partition}`)) continue;
    let topic = byTopic.get(log.topic);
    if (topic === undefined) {
      topic = { name: log.topic, partitions: [] };
      byTopic.set(log.topic, topic);
    }
    const offsetLag = Math.max(log.highWatermark - log.logEndOffset, 0);
    topic.partitions.push({ partitionIndex: log.partition, partitionSize: log.sizeBytes, offsetLag, isFutureKey: false });
  }
  return [...byTopic.values()];
}

async function describeLogDir(context: RequestContext, logDir: string, wanted: ReadonlySet<string> | null): Promise<DescribeLogDirsResult> {
  const { logs, clusterId } = context.broker;
  const result: DescribeLogDirsResult = {
    errorCode: ErrorCode.NONE,
    logDir: resolve(logDir),
    topics: [],
    totalBytes: UNKNOWN_VOLUME_BYTES,
    usableBytes: UNKNOWN_VOLUME_BYTES,
  };
  if (logs.isLogDirOffline(logDir)) return { ...result, errorCode: ErrorCode.KAFKA_STORAGE_ERROR };
  const volume = await volumeBytes(logDir, clusterId);
  return {
    ...result,
    topics: topicsIn(logs.allLogs().filter((log) => log.logDir === logDir), wanted),
    totalBytes: volume.totalBytes,
    usableBytes: volume.usableBytes,
  };
}

export const describeLogDirsHandler = defineHandler({
  request: DescribeLogDirsRequestCodec,
  response: DescribeLogDirsResponseCodec,
  minVersion: 1,
  maxVersion: 4,
  async handle(context, request) {
    const wanted = requestedPartitions(request);
    const logDirs = [...new Set(context.broker.settings().logDirs)];
    const response = DescribeLogDirsResponseCodec.create();
    response.results = await Promise.all(logDirs.map((logDir) => describeLogDir(context, logDir, wanted)));
    return response;
  },
});

// `partition.metadata` in each partition directory (Kafka's PartitionMetadataFile): the topic id the
// directory belongs to, so a topic deleted and re-created under the same name is never confused
// with its predecessor. Format, exactly:
//
//   version: 0
//   topic_id: <22-character base64url UUID>

import type { FileSystem } from "./io/file-system.js";
import { isNotFound, writeFileAtomically } from "./io/file-system.js";

const PARTITION_METADATA_VERSION = 0;
const TOPIC_ID_PATTERN = /^[A-Za-z0-9_-]{22}$/;

export class MalformedPartitionMetadataError extends Error {
  override name = "MalformedPartitionMetadataError";
}

export function isValidTopicId(topicId: string): boolean {
  return TOPIC_ID_PATTERN.test(topicId);
}

export function formatPartitionMetadata(topicId: string): Buffer {
  return Buffer.from(`version: ${PARTITION_METADATA_VERSION}\ntopic_id: ${topicId}\n`, "utf8");
}

export function parsePartitionMetadata(text: string, source: string): string {
  const lines = text.split("\n").filter((line) => line.length > 0);
  const version = /^version: (\d+)$/.exec(lines[0] ?? "");
  if (version === null || Number(version[1]) !== PARTITION_METADATA_VERSION) {
    throw new MalformedPartitionMetadataError(`${source}: unsupported or missing version line`);
  }
  const topicId = /^topic_id: (\S+)$/.exec(lines[1] ?? "");
  if (topicId === null || !isValidTopicId(topicId[1])) throw new MalformedPartitionMetadataError(`${source}: missing or malformed topic_id`);
  return topicId[1];
}

/** The topic id recorded for a partition directory, or null when the file does not exist. */
export async function readPartitionMetadata(fs: FileSystem, path: string): Promise<string | null> {
  try {
    return parsePartitionMetadata((await fs.readFile(path)).toString("utf8"), path);
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}

export async function writePartitionMetadata(fs: FileSystem, path: string, topicId: string): Promise<void> {
  await writeFileAtomically(fs, path, formatPartitionMetadata(topicId));
}

// Kafka's on-disk names: partition directories `<topic>-<partition>`, segment files named by their
// base offset zero-padded to 20 digits (so `ls` sorts them numerically), suffixes for files being
// deleted, and the `-delete` directories of deleted topics.

import { randomUUID } from "node:crypto";

export const LOG_FILE_SUFFIX = ".log";
export const INDEX_FILE_SUFFIX = ".index";
export const TIME_INDEX_FILE_SUFFIX = ".timeindex";
export const TXN_INDEX_FILE_SUFFIX = ".txnindex";
/** Producer state snapshots, named by the offset the state is valid up to (exclusive). */
export const PRODUCER_SNAPSHOT_FILE_SUFFIX = ".snapshot";
/** Appended to the files of a segment removed by retention or truncation until they are unlinked. */
export const DELETED_FILE_SUFFIX = ".deleted";
/** Compaction output and its swap-in marker (Kafka's cleaner); leftovers are cleaned up on load. */
export const CLEANED_FILE_SUFFIX = ".cleaned";
export const SWAP_FILE_SUFFIX = ".swap";
export const TMP_FILE_SUFFIX = ".tmp";

export const DELETE_DIR_SUFFIX = "-delete";
export const FUTURE_DIR_SUFFIX = "-future";
export const STRAY_DIR_SUFFIX = "-stray";

export const LEADER_EPOCH_CHECKPOINT_FILE = "leader-epoch-checkpoint";
export const PARTITION_METADATA_FILE = "partition.metadata";
export const RECOVERY_POINT_CHECKPOINT_FILE = "recovery-point-offset-checkpoint";
export const LOG_START_OFFSET_CHECKPOINT_FILE = "log-start-offset-checkpoint";
export const REPLICATION_OFFSET_CHECKPOINT_FILE = "replication-offset-checkpoint";
export const CLEAN_SHUTDOWN_FILE = ".kafka_cleanshutdown";

const OFFSET_DIGITS = 20;
/** File names longer than this are refused by common file systems (ext4, xfs). */
const MAX_FILE_NAME_LENGTH = 255;

/** Zero-padded base offset, the stem of every segment file name. */
export function offsetFileStem(baseOffset: number): string {
  return String(baseOffset).padStart(OFFSET_DIGITS, "0");
}

export function logFileName(baseOffset: number): string {
  return offsetFileStem(baseOffset) + LOG_FILE_SUFFIX;
}

export function indexFileName(baseOffset: number): string {
  return offsetFileStem(baseOffset) + INDEX_FILE_SUFFIX;
}

export function timeIndexFileName(baseOffset: number): string {
  return offsetFileStem(baseOffset) + TIME_INDEX_FILE_SUFFIX;
}

export function txnIndexFileName(baseOffset: number): string {
  return offsetFileStem(baseOffset) + TXN_INDEX_FILE_SUFFIX;
}

export function producerSnapshotFileName(offset: number): string {
  return offsetFileStem(offset) + PRODUCER_SNAPSHOT_FILE_SUFFIX;
}

export interface SegmentFileName {
  readonly baseOffset: number;
  /** ".log", ".index", ".timeindex", ".txnindex", ".snapshot", ... */
  readonly kind: string;
  /** "" or ".deleted" / ".cleaned" / ".swap" */
  readonly suffix: string;
}

const SEGMENT_FILE_PATTERN = /^(\d{20})(\.[a-z]+)(\.deleted|\.cleaned|\.swap)?$/;

/** Parses `<20 digits>.<kind>[.deleted|.cleaned|.swap]`; undefined for any other name. */
export function parseSegmentFileName(name: string): SegmentFileName | undefined {
  const match = SEGMENT_FILE_PATTERN.exec(name);
  if (match === null) return undefined;
  const baseOffset = Number(match[1]);
  if (!Number.isSafeInteger(baseOffset)) return undefined;
  return { baseOffset, kind: match[2], suffix: match[3] ?? "" };
}

const TOPIC_PATTERN = /^[a-zA-Z0-9._-]{1,249}$/;

export function isValidTopicName(topic: string): boolean {
  return TOPIC_PATTERN.test(topic) && topic !== "." && topic !== "..";
}

export function partitionDirName(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

export interface TopicPartitionName {
  readonly topic: string;
  readonly partition: number;
}

/** Parses `<topic>-<partition>`; undefined for anything else (including -delete/-future/-stray dirs). */
export function parsePartitionDirName(name: string): TopicPartitionName | undefined {
  const dash = name.lastIndexOf("-");
  if (dash <= 0) return undefined;
  const topic = name.slice(0, dash);
  const partitionText = name.slice(dash + 1);
  if (!/^\d{1,10}$/.test(partitionText)) return undefined;
  const partition = Number(partitionText);
  if (partition > 0x7fff_ffff || !isValidTopicName(topic)) return undefined;
  return { topic, partition };
}

/** `<topic>-<partition>.<uuid without dashes>-delete`, the topic cut so the name fits 255 bytes. */
export function deleteDirName(topic: string, partition: number, uniqueId = randomUUID().replaceAll("-", "")): string {
  const suffix = `-${partition}.${uniqueId}${DELETE_DIR_SUFFIX}`;
  return topic.slice(0, Math.min(topic.length, MAX_FILE_NAME_LENGTH - suffix.length)) + suffix;
}

export function isDeleteDirName(name: string): boolean {
  return /^\S+-\S+\.\S+-delete$/.test(name);
}

export function isFutureOrStrayDirName(name: string): boolean {
  return /^\S+-\S+\.\S+-(future|stray)$/.test(name);
}

// ListOffsets over KafkaClient: the offset for a timestamp (or the earliest, latest or
// max-timestamp sentinel) per partition, asked of each partition's leader. Retriable errors
// (leader moved, not yet available) refresh metadata and ask again; other errors are returned
// per partition under their Kafka names.

import { ErrorCode } from "../protocol/error-codes.js";
import { ApiKey } from "../protocol/generated/api-keys.js";
import type { ListOffsetsRequest, ListOffsetsResponse, ListOffsetsTopic } from "../protocol/generated/list-offsets.js";
import { ConnectionClosedError } from "./connection.js";
import { KafkaProtocolError } from "./errors.js";
import type { KafkaClient } from "./kafka-client.js";
import { NO_LEADER } from "./metadata.js";

/** The sentinel timestamps of ListOffsets. */
export const OffsetSpec = {
  LATEST: -1,
  EARLIEST: -2,
  /** The offset of the record with the largest timestamp (v7+). */
  MAX_TIMESTAMP: -3,
} as const;

export interface OffsetQuery {
  readonly topic: string;
  readonly partition: number;
  /** A timestamp in ms, or an OffsetSpec sentinel. */
  readonly timestamp: number;
}

export interface OffsetAnswer {
  readonly topic: string;
  readonly partition: number;
  /** -1 when no record has a timestamp at or after the one asked for. */
  readonly offset: number;
  readonly timestamp: number;
  readonly leaderEpoch: number;
  readonly error: KafkaProtocolError | null;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const READ_UNCOMMITTED = 0;

/** Answers every query, in the order given. Transport failures and exhausted retries are thrown. */
export async function listOffsets(client: KafkaClient, queries: readonly OffsetQuery[]): Promise<OffsetAnswer[]> {
  const answers = new Array<OffsetAnswer | undefined>(queries.length);
  let pending: Pending[] = queries.map((query, index) => ({ index, query }));
  await client.retry(
    async () => {
      const metadata = client.metadataSnapshot;
      if (pending.some(({ query }) => metadata?.topics.get(query.topic) === undefined)) await client.metadata(topicsOf(pending));
      const byLeader = new Map<number, Pending[]>();
      for (const entry of pending) {
        const { query } = entry;
        const topic = client.metadataSnapshot?.topics.get(query.topic);
        if (topic !== undefined && topic.errorCode !== ErrorCode.NONE) {
          answers[entry.index] = failed(query, new KafkaProtocolError(topic.errorCode, `topic ${query.topic}`));
          continue;
        }
        const partition = topic?.partitions.find((candidate) => candidate.partition === query.partition);
        if (partition === undefined) {
          answers[entry.index] = failed(query, new KafkaProtocolError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic ${query.topic} partition ${query.partition}`));
          continue;
        }
        let list = byLeader.get(partition.leaderId);
        if (list === undefined) {
          list = [];
          byLeader.set(partition.leaderId, list);
        }
        list.push(entry);
      }
      const retry: Pending[] = [];
      const requests: Promise<void>[] = [];
      for (const [leader, entries] of byLeader) {
        for (const round of rounds(entries)) requests.push(askLeader(client, leader, round, answers, retry));
      }
      await Promise.all(requests);
      pending = retry;
      if (retry.length > 0) {
        const first = retry[0];
        const error = answers[first.index]?.error;
        for (const entry of retry) answers[entry.index] = undefined;
        throw error ?? new KafkaProtocolError(ErrorCode.LEADER_NOT_AVAILABLE, `list offsets of ${first.query.topic}-${first.query.partition}`);
      }
    },
    async () => {
      await client.metadata(topicsOf(pending));
    },
  );
  return answers.map((answer) => answer!);
}

interface Pending {
  readonly index: number;
  readonly query: OffsetQuery;
}

function topicsOf(pending: readonly Pending[]): string[] {
  return [...new Set(pending.map(({ query }) => query.topic))];
}

/**
 * Splits queries so that no request names a partition twice (Kafka answers INVALID_REQUEST to
 * duplicates): the n-th query of each partition goes into the n-th request.
 */
function rounds(entries: readonly Pending[]): Pending[][] {
  const result: Pending[][] = [];
  const seen = new Map<string, number>();
  for (const entry of entries) {
    const key = `${entry.query.topic}\u0000${entry.query.partition}`;
    const round = seen.get(key) ?? 0;
    seen.set(key, round + 1);
    if (result[round] === undefined) result[round] = [];
    result[round].push(entry);
  }
  return result;
}

function failed(query: OffsetQuery, error: KafkaProtocolError): OffsetAnswer {
  return { topic: query.topic, partition: query.partition, offset: -1, timestamp: -1, leaderEpoch: -1, error };
}

async function askLeader(client: KafkaClient, leader: number, entries: readonly Pending[], answers: (OffsetAnswer | undefined)[], retry: Pending[]): Promise<void> {
  if (leader === NO_LEADER) {
    for (const entry of entries) answers[entry.index] = failed(entry.query, new KafkaProtocolError(ErrorCode.LEADER_NOT_AVAILABLE, `list offsets of ${entry.query.topic}-${entry.query.partition}`));
    retry.push(...entries);
    return;
  }
  const topics = new Map<string, ListOffsetsTopic>();
  for (const { query } of entries) {
    let topic = topics.get(query.topic);
    if (topic === undefined) {
      topic = { name: query.topic, partitions: [] };
      topics.set(query.topic, topic);
    }
    topic.partitions.push({ partitionIndex: query.partition, currentLeaderEpoch: -1, timestamp: query.timestamp, maxNumOffsets: 1 });
  }
  let response: ListOffsetsResponse;
  try {
    response = await client.request<ListOffsetsResponse>(
      leader,
      ApiKey.ListOffsets,
      (): ListOffsetsRequest => ({ replicaId: -1, isolationLevel: READ_UNCOMMITTED, topics: [...topics.values()], timeoutMs: DEFAULT_TIMEOUT_MS }),
    );
  } catch (error) {
    if (error instanceof ConnectionClosedError) client.dropNode(leader);
    throw error;
  }
  for (const entry of entries) {
    const { query } = entry;
    const subject = `list offsets of ${query.topic}-${query.partition}`;
    const partition = response.topics.find((topic) => topic.name === query.topic)?.partitions.find((candidate) => candidate.partitionIndex === query.partition);
    if (partition === undefined) {
      answers[entry.index] = failed(query, new KafkaProtocolError(ErrorCode.UNKNOWN_SERVER_ERROR, subject, "no answer for this partition"));
      continue;
    }
    const error = partition.errorCode === ErrorCode.NONE ? null : new KafkaProtocolError(partition.errorCode, subject);
    answers[entry.index] = { topic: query.topic, partition: query.partition, offset: partition.offset, timestamp: partition.timestamp, leaderEpoch: partition.leaderEpoch, error };
    if (error !== null && error.retriable) retry.push(entry);
  }
}

// Reaching the coordinator of a consumer group, as Kafka's AdminClient does: FindCoordinator
// (key type GROUP; one key per request before v4, a list of keys from v4), then the request to
// that broker. A coordinator that moved, is loading its __consumer_offsets partition or is not
// yet available answers with a retriable error; the coordinator is then looked up again and the
// request retried with the client's backoff.
//
// The group APIs are negotiated here, from GROUP_API_VERSIONS, rather than from the client's main
// table: that table names what the data path and topic admin calls speak, and these ranges are
// what the group admin calls in this folder build requests for.

import { ErrorCode } from "../protocol/error-codes.js";
import { ApiKey, apiName } from "../protocol/generated/api-keys.js";
import type { FindCoordinatorRequest, FindCoordinatorResponse } from "../protocol/generated/find-coordinator.js";
import type { ApiVersionRange, ApiVersionTable } from "./api-versions.js";
import { ConnectionClosedError } from "./connection.js";
import { KafkaProtocolError, UnsupportedApiError } from "./errors.js";
import type { KafkaClient } from "./kafka-client.js";
import type { BrokerNode } from "./metadata.js";

/**
 * The group API versions our group admin calls build requests for. Minimums: OffsetFetch v2 is
 * the first that reads every partition of a group (topics null); OffsetCommit v2 is the oldest
 * Kafka 4 still serves.
 */
export const GROUP_API_VERSIONS: ReadonlyMap<number, ApiVersionRange> = new Map<number, ApiVersionRange>([
  [ApiKey.FindCoordinator, { minVersion: 0, maxVersion: 6 }],
  [ApiKey.ListGroups, { minVersion: 0, maxVersion: 5 }],
  [ApiKey.DescribeGroups, { minVersion: 0, maxVersion: 5 }],
  [ApiKey.DeleteGroups, { minVersion: 0, maxVersion: 2 }],
  [ApiKey.OffsetFetch, { minVersion: 2, maxVersion: 9 }],
  [ApiKey.OffsetCommit, { minVersion: 2, maxVersion: 9 }],
  [ApiKey.ConsumerGroupDescribe, { minVersion: 0, maxVersion: 0 }],
]);

/** FindCoordinator key type for consumer groups. */
const KEY_TYPE_GROUP = 0;
/** First FindCoordinator version that takes a list of keys. */
const FIRST_BATCHED_FIND_COORDINATOR_VERSION = 4;

/** Errors that mean "ask FindCoordinator again, then retry". */
const COORDINATOR_ERRORS: ReadonlySet<number> = new Set([ErrorCode.NOT_COORDINATOR, ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS]);

/** True for the errors after which the coordinator is looked up again. */
export function isCoordinatorError(code: number): boolean {
  return COORDINATOR_ERRORS.has(code);
}

/** The version of a group API to send to a broker, or null when the two share none. */
export function groupApiVersion(versions: ApiVersionTable, apiKey: number): number | null {
  const ours = GROUP_API_VERSIONS.get(apiKey);
  const theirs = versions.brokerRange(apiKey);
  if (ours === undefined || theirs === undefined) return null;
  const maxVersion = Math.min(ours.maxVersion, theirs.maxVersion);
  return Math.max(ours.minVersion, theirs.minVersion) <= maxVersion ? maxVersion : null;
}

/** Like groupApiVersion, but a missing API is an UnsupportedApiError naming both ranges. */
export function requireGroupApiVersion(versions: ApiVersionTable, apiKey: number): number {
  const version = groupApiVersion(versions, apiKey);
  if (version !== null) return version;
  const ours = GROUP_API_VERSIONS.get(apiKey);
  const theirs = versions.brokerRange(apiKey);
  const name = apiName(apiKey);
  if (ours === undefined) throw new UnsupportedApiError(`this client does not implement ${name}`);
  if (theirs === undefined) throw new UnsupportedApiError(`the broker at ${versions.brokerAddress} does not support ${name}`);
  throw new UnsupportedApiError(
    `the broker at ${versions.brokerAddress} offers ${name} v${theirs.minVersion}-${theirs.maxVersion}, but this client speaks v${ours.minVersion}-${ours.maxVersion}`,
  );
}

/** Sends a group API request to one node (null: any broker) at the version both sides speak. */
export async function sendGroupRequest<Response>(
  client: KafkaClient,
  nodeId: number | null,
  apiKey: number,
  build: (version: number) => unknown,
): Promise<{ readonly response: Response; readonly version: number }> {
  const target = nodeId === null ? await client.anyConnection() : await client.connectionTo(nodeId);
  const version = requireGroupApiVersion(target.versions, apiKey);
  try {
    const response = await target.connection.send<Response>(apiKey, version, build(version));
    return { response, version };
  } catch (error) {
    if (error instanceof ConnectionClosedError && nodeId !== null) client.dropNode(nodeId);
    throw error;
  }
}

/**
 * The broker coordinating a group (one FindCoordinator round trip, no retry). Its node is made
 * known to the client (metadata is refreshed when the coordinator is not in it yet).
 */
export async function findGroupCoordinator(client: KafkaClient, groupId: string): Promise<BrokerNode> {
  const { response, version } = await sendGroupRequest<FindCoordinatorResponse>(
    client,
    null,
    ApiKey.FindCoordinator,
    (negotiated): FindCoordinatorRequest => ({
      key: negotiated < FIRST_BATCHED_FIND_COORDINATOR_VERSION ? groupId : "",
      keyType: KEY_TYPE_GROUP,
      coordinatorKeys: negotiated >= FIRST_BATCHED_FIND_COORDINATOR_VERSION ? [groupId] : [],
    }),
  );
  let answer: { errorCode: number; errorMessage: string | null; nodeId: number; host: string; port: number };
  if (version >= FIRST_BATCHED_FIND_COORDINATOR_VERSION) {
    const coordinator = response.coordinators.find((candidate) => candidate.key === groupId);
    if (coordinator === undefined) throw new KafkaProtocolError(ErrorCode.UNKNOWN_SERVER_ERROR, `coordinator of group ${groupId}`, "no answer for this group");
    answer = coordinator;
  } else {
    answer = response;
  }
  if (answer.errorCode !== ErrorCode.NONE) {
    throw new KafkaProtocolError(answer.errorCode, `coordinator of group ${groupId}`, answer.errorMessage);
  }
  if (client.broker(answer.nodeId) === undefined) await client.metadata([]);
  const known = client.broker(answer.nodeId);
  if (known === undefined) throw new ConnectionClosedError(`the coordinator of group ${groupId} (node ${answer.nodeId}) is not in the cluster metadata`);
  return known;
}

/**
 * Runs work against the group's coordinator (found anew on each attempt). A coordinator error
 * (see checkCoordinatorErrors) or a broken connection is retried with the client's retries and
 * backoff; the last error is thrown.
 */
export function withGroupCoordinator<T>(client: KafkaClient, groupId: string, work: (coordinator: BrokerNode) => Promise<T>): Promise<T> {
  return client.retry(async () => work(await findGroupCoordinator(client, groupId)));
}

/** Throws a retriable KafkaProtocolError when an answer carries a coordinator error. */
export function checkCoordinatorErrors(apiKey: number, groupId: string, codes: readonly number[]): void {
  const coordinatorError = codes.find(isCoordinatorError);
  if (coordinatorError !== undefined) throw new KafkaProtocolError(coordinatorError, `${apiName(apiKey)} for group ${groupId}`);
}

/**
 * Finds the group's coordinator and sends it a request; errorCodes lists the codes of the answer
 * that may be coordinator errors, after which the request is retried.
 */
export function sendToGroupCoordinator<Response>(
  client: KafkaClient,
  groupId: string,
  apiKey: number,
  build: (version: number) => unknown,
  errorCodes: (response: Response) => readonly number[],
): Promise<{ readonly response: Response; readonly version: number; readonly coordinator: BrokerNode }> {
  return withGroupCoordinator(client, groupId, async (coordinator) => {
    const { response, version } = await sendGroupRequest<Response>(client, coordinator.nodeId, apiKey, build);
    checkCoordinatorErrors(apiKey, groupId, errorCodes(response));
    return { response, version, coordinator };
  });
}

// Reading the opaque assignment bytes of classic consumer groups: a ConsumerProtocolAssignment
// (int16 version, then the assignment in that version; every version starts with the v0
// layout). DescribeGroups tools and our CLI show partitions from it.

import { Reader } from "../../protocol/primitives/reader.js";
import { ConsumerProtocolAssignmentCodec } from "../../protocol/generated/consumer-protocol-assignment.js";

export interface AssignedTopicPartitions {
  readonly topic: string;
  readonly partitions: readonly number[];
}

/** The assigned partitions, or null when the bytes are not a consumer protocol assignment. */
export function decodeConsumerAssignment(bytes: Buffer): AssignedTopicPartitions[] | null {
  if (bytes.length === 0) return [];
  try {
    const reader = new Reader(bytes);
    const version = reader.int16();
    if (version < 0) return null;
    const assignment = ConsumerProtocolAssignmentCodec.decode(reader, 0);
    return assignment.assignedPartitions.map((entry) => ({ topic: entry.topic, partitions: [...entry.partitions] }));
  } catch {
    return null;
  }
}

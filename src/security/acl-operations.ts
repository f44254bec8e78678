// Kafka's ACL operations (AclOperation codes) and the operations each resource type has, used for
// the "authorized operations" bit fields in Metadata, DescribeCluster and DescribeGroups.

export const AclOperation = {
  UNKNOWN: 0,
  ANY: 1,
  ALL: 2,
  READ: 3,
  WRITE: 4,
  CREATE: 5,
  DELETE: 6,
  ALTER: 7,
  DESCRIBE: 8,
  CLUSTER_ACTION: 9,
  DESCRIBE_CONFIGS: 10,
  ALTER_CONFIGS: 11,
  IDEMPOTENT_WRITE: 12,
  CREATE_TOKENS: 13,
  DESCRIBE_TOKENS: 14,
} as const;

export const TOPIC_OPERATIONS: readonly number[] = [
  AclOperation.READ,
  AclOperation.WRITE,
  AclOperation.CREATE,
  AclOperation.DELETE,
  AclOperation.ALTER,
  AclOperation.DESCRIBE,
  AclOperation.DESCRIBE_CONFIGS,
  AclOperation.ALTER_CONFIGS,
];

export const CLUSTER_OPERATIONS: readonly number[] = [
  AclOperation.CREATE,
  AclOperation.ALTER,
  AclOperation.DESCRIBE,
  AclOperation.CLUSTER_ACTION,
  AclOperation.DESCRIBE_CONFIGS,
  AclOperation.ALTER_CONFIGS,
  AclOperation.IDEMPOTENT_WRITE,
  AclOperation.CREATE_TOKENS,
  AclOperation.DESCRIBE_TOKENS,
];

export const GROUP_OPERATIONS: readonly number[] = [AclOperation.READ, AclOperation.DESCRIBE, AclOperation.DELETE];

/** The protocol's bit field: bit n set when operation code n is allowed. */
export function operationsBitField(operations: readonly number[]): number {
  let bits = 0;
  for (const operation of operations) bits |= 1 << operation;
  return bits;
}

/** Sent when the client did not ask for authorized operations (Integer.MIN_VALUE in Kafka). */
export const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

// What the metadata store holds, key by key, as JSON values. Topic names only use
// [a-zA-Z0-9._-], so "/" is a safe separator in keys.
//
//   topics/<name>            TopicRecord: id and partition assignment/state
//   configs/topics/<name>    ConfigRecord: topic config overrides
//   configs/brokers/<id>     ConfigRecord: per-broker dynamic configs
//   configs/brokers-default  ConfigRecord: cluster-wide dynamic broker configs
//   brokers/<id>             BrokerRecord: a live broker's endpoints
//   producer-ids/next-block  the first producer id not yet handed out (src/coordinator/txn)

export interface PartitionRecord {
  readonly partition: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  /** -1 when no replica is available to lead. */
  readonly leader: number;
  readonly leaderEpoch: number;
  /** Bumped on every change to this partition's state (Kafka's partition epoch). */
  readonly partitionEpoch: number;
}

export interface TopicRecord {
  readonly name: string;
  /** 22-character URL-safe base64 uuid, as Kafka prints topic ids. */
  readonly topicId: string;
  readonly partitions: readonly PartitionRecord[];
}

export interface ConfigRecord {
  readonly configs: Readonly<Record<string, string>>;
}

export interface EndpointRecord {
  readonly listenerName: string;
  readonly host: string;
  readonly port: number;
  readonly securityProtocol: string;
}

export interface BrokerRecord {
  readonly nodeId: number;
  readonly endpoints: readonly EndpointRecord[];
  readonly rack: string | null;
}

export const TOPICS_PREFIX = "topics/";
export const TOPIC_CONFIGS_PREFIX = "configs/topics/";
export const BROKER_CONFIGS_PREFIX = "configs/brokers/";
export const BROKER_DEFAULT_CONFIGS_KEY = "configs/brokers-default";
export const BROKERS_PREFIX = "brokers/";

export const topicKey = (name: string): string => `${TOPICS_PREFIX}${name}`;
export const topicConfigsKey = (name: string): string => `${TOPIC_CONFIGS_PREFIX}${name}`;
export const brokerConfigsKey = (nodeId: number): string => `${BROKER_CONFIGS_PREFIX}${nodeId}`;
export const brokerKey = (nodeId: number): string => `${BROKERS_PREFIX}${nodeId}`;

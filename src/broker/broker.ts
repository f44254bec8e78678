// Assembles a broker: metadata store and image, controller, handlers, listeners; and takes it
// apart again in the right order. startBroker() is the programmatic entry point used by the
// `tributary start` command and by test suites that embed a broker.

import { randomUuid } from "../lib/uuid.js";
import { systemClock, type Clock } from "../lib/clock.js";
import { silentLogger, type Logger } from "../lib/logger.js";
import { ClusterImage } from "../cluster/metadata/cluster-image.js";
import { LocalMetadataStore, type SnapshotPersistence } from "../cluster/metadata/local-metadata-store.js";
import { brokerKey, type BrokerRecord } from "../cluster/metadata/metadata-records.js";
import { TopicController } from "../cluster/controller/topic-controller.js";
import type { BrokerContext, BrokerSettings, ConfigDescription } from "./broker-context.js";
import { RequestDispatcher } from "./dispatcher.js";
import { handlerRegistry } from "./handlers/index.js";
import { SocketServer, type BoundListener, type ListenerSpec, type SocketServerLimits } from "./socket-server.js";

export interface BrokerOptions {
  /** Port of the default listener (PLAINTEXT on 127.0.0.1); 0 picks a free port. Default 9092. */
  port?: number;
  /** Host of the default listener. Default 127.0.0.1. */
  host?: string;
  /** "memory" keeps everything in memory (nothing touches the disk); "disk" uses dataDir or log.dirs. */
  storage?: "memory" | "disk";
  /** Data directory for storage "disk" (overrides log.dirs). */
  dataDir?: string;
  /** Broker configs by Kafka name, e.g. { "num.partitions": "3" }. */
  config?: Record<string, string>;
  logger?: Logger;
  clock?: Clock;
}

export interface BrokerHandle {
  readonly nodeId: number;
  readonly clusterId: string;
  readonly listeners: readonly BoundListener[];
  /** host:port of the first listener, for a client's bootstrap.servers. */
  readonly bootstrap: string;
  close(): Promise<void>;
}

export async function startBroker(options: BrokerOptions = {}): Promise<BrokerHandle> {
  const logger = options.logger ?? silentLogger();
  const clock = options.clock ?? systemClock;
  const config = options.config ?? {};
  const nodeId = Number(config["node.id"] ?? 1);
  const settings: BrokerSettings = {
    autoCreateTopicsEnable: (config["auto.create.topics.enable"] ?? "true") === "true",
    numPartitions: Number(config["num.partitions"] ?? 1),
    defaultReplicationFactor: Number(config["default.replication.factor"] ?? 1),
  };
  const persistence: SnapshotPersistence | null = null;
  const store = await LocalMetadataStore.open(persistence);
  const image = await ClusterImage.load(store);
  const topics = new TopicController(store, image, () => settings, () => []);
  const clusterId = randomUuid();
  const context: BrokerContext = {
    nodeId,
    clusterId,
    clock,
    image,
    topics,
    handlers: handlerRegistry(),
    settings: () => settings,
    describeTopicConfigs: (overrides): ConfigDescription[] =>
      Object.entries(overrides).map(([name, value]) => ({ name, value, readOnly: false, configSource: 1, isSensitive: false })),
  };
  const limits: SocketServerLimits = {
    socketRequestMaxBytes: 104857600,
    connectionsMaxIdleMs: 600000,
    queuedRequestsMax: 500,
    unsentResponseBytesMax: 64 * 1024 * 1024,
    maxConnections: 2147483647,
    maxConnectionsPerIp: 2147483647,
  };
  const server = new SocketServer(new RequestDispatcher(context, logger), limits, logger);
  const specs: ListenerSpec[] = [
    { name: "PLAINTEXT", host: options.host ?? "127.0.0.1", port: options.port ?? 9092, securityProtocol: "PLAINTEXT" },
  ];
  const listeners = await server.start(specs);
  const registration: BrokerRecord = {
    nodeId,
    endpoints: listeners.map((listener) => ({
      listenerName: listener.name,
      host: listener.host,
      port: listener.port,
      securityProtocol: listener.securityProtocol,
    })),
    rack: null,
  };
  await store.commit([{ type: "put", key: brokerKey(nodeId), value: JSON.stringify(registration) }]);
  logger.info({ nodeId, clusterId, listeners }, "broker started");
  let closing: Promise<void> | null = null;
  return {
    nodeId,
    clusterId,
    listeners,
    bootstrap: `${listeners[0].host}:${listeners[0].port}`,
    close() {
      closing ??= (async () => {
        await server.stop();
        image.close();
        await store.close();
        logger.info({ nodeId }, "broker stopped");
      })();
      return closing;
    },
  };
}

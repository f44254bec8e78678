// Assembles a broker: config, file system, log dir identity (meta.properties), metadata store and
// image, controller, handlers, listeners; and takes it apart again in the right order.
// startBroker() is the programmatic entry point used by `tributary start` and by test suites that
// embed a broker.

import { hostname } from "node:os";
import { systemClock, type Clock } from "../lib/clock.js";
import { silentLogger, type Logger } from "../lib/logger.js";
import {
  EMBEDDED_DEFAULTS,
  applyDynamicBrokerConfigs,
  describeTopicConfigs,
  loadBrokerConfig,
  resolveLogConfig,
  validateTopicConfigs,
  type BrokerConfig,
  type ConfigWarning,
  type DynamicBrokerConfigs,
} from "../config/index.js";
import type { FileSystem } from "../storage/io/file-system.js";
import { joinPath } from "../storage/io/file-system.js";
import { MemoryFileSystem } from "../storage/io/memory-file-system.js";
import { NodeFileSystem } from "../storage/io/node-file-system.js";
import { ClusterImage } from "../cluster/metadata/cluster-image.js";
import { LocalMetadataStore } from "../cluster/metadata/local-metadata-store.js";
import { ensureMetaProperties } from "../cluster/metadata/meta-properties.js";
import { METADATA_SNAPSHOT_FILE, snapshotFile } from "../cluster/metadata/snapshot-file.js";
import { brokerKey, type BrokerRecord } from "../cluster/metadata/metadata-records.js";
import { TopicController } from "../cluster/controller/topic-controller.js";
import { LogManager } from "../storage/index.js";
import { ReplicaManager } from "./replica-manager.js";
import { FetchSessionCache } from "./fetch-sessions.js";
import { storageLogger } from "./storage-logger.js";
import {
  GroupCoordinator,
  waitForGroupState,
  waitForStableAssignment,
  type GroupSummary,
  type WaitForAssignmentOptions,
  type WaitForGroupOptions,
} from "../coordinator/group/index.js";
import { OffsetsTopicStarter, groupCoordinatorOptions, offsetsTopicLog } from "./group-wiring.js";
import { ProducerIdManager } from "../coordinator/txn/index.js";
import type { BrokerContext } from "./broker-context.js";
import { RequestDispatcher } from "./dispatcher.js";
import { handlerRegistry } from "./handlers/index.js";
import { SocketServer, type BoundListener, type ListenerSpec } from "./socket-server.js";
import { createRecordValidator } from "./record-validation.js";

export interface BrokerOptions {
  /** Port of a single PLAINTEXT listener (replaces `listeners`); 0 picks a free port. */
  port?: number;
  /** Host of that listener. Default 127.0.0.1. */
  host?: string;
  /** "memory": nothing touches the disk (the default); "disk": data in dataDir or log.dirs. */
  storage?: "memory" | "disk";
  /** Data directory for storage "disk" (replaces `log.dirs`). */
  dataDir?: string;
  /** Broker configs by Kafka name, e.g. { "num.partitions": "3" }, over the embedded defaults. */
  config?: Readonly<Record<string, string>>;
  /** A config already loaded by the caller (the CLI reads files and environment); `config` is then ignored. */
  brokerConfig?: BrokerConfig;
  /** The file system to use instead of the real disk or a fresh in-memory one (fault tests). */
  fileSystem?: FileSystem;
  logger?: Logger;
  clock?: Clock;
}

export interface BrokerHandle {
  readonly nodeId: number;
  readonly clusterId: string;
  /** The listeners as bound (a requested port 0 shows the port chosen). */
  readonly listeners: readonly BoundListener[];
  /** host:port of the first listener, for a client's bootstrap.servers. */
  readonly bootstrap: string;
  /** Resolves once the consumer group is in this state ("Stable", "Empty", ...; "Dead" once gone). */
  waitForGroupState(groupId: string, state: string, options?: WaitForGroupOptions): Promise<GroupSummary | undefined>;
  /** Resolves once the group is Stable and every member holds its assignment (optionally: this many members/partitions). */
  waitForGroupAssignment(groupId: string, options?: WaitForAssignmentOptions): Promise<GroupSummary>;
  close(): Promise<void>;
}

function resolveConfig(options: BrokerOptions): { config: BrokerConfig; warnings: readonly ConfigWarning[] } {
  if (options.brokerConfig !== undefined) return { config: options.brokerConfig, warnings: [] };
  const overrides: Record<string, string> = { ...options.config };
  if (options.port !== undefined || options.host !== undefined) {
    overrides.listeners = `PLAINTEXT://${options.host ?? "127.0.0.1"}:${options.port ?? 9092}`;
    delete overrides["advertised.listeners"];
  }
  if (options.dataDir !== undefined) overrides["log.dirs"] = options.dataDir;
  return loadBrokerConfig({ embeddedDefaults: EMBEDDED_DEFAULTS, overrides });
}

/** Where each listener is advertised: its advertised.listeners entry, with the bound port for port 0. */
function advertisedEndpoints(config: BrokerConfig, bound: readonly BoundListener[]): BrokerRecord["endpoints"] {
  return bound.map((listener) => {
    const advertised = config.advertisedListeners.find((candidate) => candidate.name === listener.name);
    const host = advertised?.host ?? (listener.host === "" ? hostname() : listener.host);
    const port = advertised === undefined || advertised.port === 0 ? listener.port : advertised.port;
    return { listenerName: listener.name, host, port, securityProtocol: listener.securityProtocol };
  });
}

export async function startBroker(options: BrokerOptions = {}): Promise<BrokerHandle> {
  const logger = options.logger ?? silentLogger();
  const clock = options.clock ?? systemClock;
  const { config, warnings } = resolveConfig(options);
  for (const warning of warnings) logger.warn({ key: warning.key, origin: warning.origin }, warning.message);
  const nodeId = config.nodeId;
  const fs = options.fileSystem ?? (options.storage === "disk" ? new NodeFileSystem() : new MemoryFileSystem());
  const logDirs = config.logDirs;
  const clusterId = await ensureMetaProperties(fs, logDirs, nodeId, new Date(clock.nowMs()));
  const store = await LocalMetadataStore.open(snapshotFile(fs, joinPath(logDirs[0], METADATA_SNAPSHOT_FILE)));
  const image = await ClusterImage.load(store);
  // Dynamic broker configs (AlterConfigs) live in the metadata store; the config in effect is
  // rebuilt whenever they change, before the hosted logs pick up the new defaults.
  const dynamicConfigs = (): DynamicBrokerConfigs => ({
    clusterDefault: image.defaultBrokerConfigOverrides(),
    perBroker: image.brokerConfigOverrides(nodeId),
  });
  let currentConfig = applyDynamicBrokerConfigs(config, dynamicConfigs());
  image.onChange((changes) => {
    if (!changes.some((change) => change.type === "broker-configs-updated")) return;
    try {
      currentConfig = applyDynamicBrokerConfigs(config, dynamicConfigs());
    } catch (error) {
      // AlterConfigs validates before committing; a value that still fails here is kept out.
      logger.error({ err: error }, "ignoring dynamic broker configs that do not apply");
    }
  });
  const logManager = await LogManager.open({
    fs,
    clock,
    logDirs,
    defaultConfig: currentConfig.defaultLogConfig,
    logger: storageLogger(logger),
    configForTopic: (topic) => resolveLogConfig(currentConfig, image.topicConfigOverrides(topic)),
    producerIdExpirationMs: () => currentConfig.producerIdExpirationMs,
    recordValidator: createRecordValidator({ clock }),
  });
  const replicas = new ReplicaManager(nodeId, image, logManager, () => currentConfig, logger);
  await replicas.start();
  logManager.startBackgroundTasks({
    retentionCheckIntervalMs: config.logRetentionCheckIntervalMs,
    flushSchedulerIntervalMs: config.logFlushSchedulerIntervalMs,
    checkpointIntervalMs: config.logFlushOffsetCheckpointIntervalMs,
  });
  const topics = new TopicController(
    store,
    image,
    () => ({ numPartitions: currentConfig.numPartitions, defaultReplicationFactor: currentConfig.defaultReplicationFactor }),
    (configs) => [...validateTopicConfigs(configs, currentConfig).values()],
  );
  const groups = new GroupCoordinator({
    log: offsetsTopicLog(replicas),
    topics: image,
    clock,
    logger,
    options: groupCoordinatorOptions(currentConfig),
  });
  const offsetsTopic = new OffsetsTopicStarter(nodeId, image, topics, replicas, groups, () => currentConfig, logger);
  await offsetsTopic.loadExisting();
  const context: BrokerContext = {
    nodeId,
    clusterId,
    clock,
    image,
    topics,
    replicas,
    logs: logManager,
    groups,
    producerIds: new ProducerIdManager(store, nodeId, logger),
    ensureGroupCoordinator: () => offsetsTopic.ensure(),
    fetchSessions: new FetchSessionCache(config.maxIncrementalFetchSessionCacheSlots, clock),
    handlers: handlerRegistry(),
    settings: () => currentConfig,
    dynamicBrokerConfigs: dynamicConfigs,
    describeTopicConfigs: (overrides) =>
      describeTopicConfigs(currentConfig, overrides, dynamicConfigs()).map((entry) => ({
        name: entry.name,
        value: entry.value,
        readOnly: entry.readOnly,
        configSource: entry.source,
        isSensitive: entry.isSensitive,
      })),
  };
  const server = new SocketServer(
    new RequestDispatcher(context, logger),
    {
      socketRequestMaxBytes: config.socketRequestMaxBytes,
      connectionsMaxIdleMs: config.connectionsMaxIdleMs,
      queuedRequestsPerConnectionMax: Math.min(config.queuedMaxRequests, QUEUED_REQUESTS_PER_CONNECTION_MAX),
      unsentResponseBytesMax: UNSENT_RESPONSE_BYTES_MAX,
      maxConnections: config.maxConnections,
      maxConnectionsPerIp: config.maxConnectionsPerIp,
      maxConnectionsPerIpOverrides: config.maxConnectionsPerIpOverrides,
      queuedMaxRequests: config.queuedMaxRequests,
      queuedMaxRequestBytes: config.queuedMaxRequestBytes,
    },
    logger,
    () => clock.nowMs(),
  );
  const specs: ListenerSpec[] = config.listeners.map((listener) => ({
    name: listener.name,
    host: listener.host ?? "",
    port: listener.port,
    securityProtocol: listener.securityProtocol,
  }));
  let bound: readonly BoundListener[];
  try {
    bound = await server.start(specs);
  } catch (error) {
    await groups.close();
    replicas.stop();
    await logManager.close();
    image.close();
    await store.close();
    throw error;
  }
  const registration: BrokerRecord = { nodeId, endpoints: advertisedEndpoints(config, bound), rack: config.brokerRack };
  await store.commit([{ type: "put", key: brokerKey(nodeId), value: JSON.stringify(registration) }]);
  logger.info({ nodeId, clusterId, listeners: registration.endpoints, logDirs }, "broker started");
  const advertisedFirst = registration.endpoints[0];
  let closing: Promise<void> | null = null;
  return {
    nodeId,
    clusterId,
    listeners: bound,
    bootstrap: `${advertisedFirst.host}:${advertisedFirst.port}`,
    waitForGroupState: (groupId, state, waitOptions) => waitForGroupState(groups, groupId, state, waitOptions),
    waitForGroupAssignment: (groupId, waitOptions) => waitForStableAssignment(groups, groupId, waitOptions),
    close() {
      closing ??= (async () => {
        // Stop taking connections; answer waiting fetches and joins now rather than at their
        // timeouts; let every connection finish what it sent; then close the logs.
        const stopAccepting = server.stopAccepting();
        replicas.beginShutdown();
        await groups.close();
        await server.drain();
        await stopAccepting;
        replicas.stop();
        await logManager.close();
        image.close();
        await store.close();
        logger.info({ nodeId }, "broker stopped");
      })();
      return closing;
    },
  };
}

/**
 * Response bytes a client has not read yet, per connection, above which the broker stops reading
 * and processing that client's requests (Kafka reads nothing more from a connection until its
 * response is sent). A single larger response (a big fetch) is still written whole; reading and
 * processing resume once it drains.
 */
const UNSENT_RESPONSE_BYTES_MAX = 1024 * 1024;

/**
 * Whole requests one connection may have waiting (queued.max.requests bounds them all together):
 * clients pipeline a handful (Java 5, librdkafka 1000000 but paced by the broker), and one
 * connection must not fill the shared queue and stall the others.
 */
const QUEUED_REQUESTS_PER_CONNECTION_MAX = 100;

// The client's view of a cluster: connections (one per broker, made on first use, each with its
// negotiated API versions), metadata lookups, routing a request to a given node or to any live
// broker, and retrying operations that fail with retriable errors. Producer, fetcher and admin
// calls are built on this; it speaks only the Kafka protocol, so it works with any
// Kafka-compatible broker.

import type { Clock, TimerHandle } from "../lib/clock.js";
import { assert } from "../lib/assert.js";
import { ZERO_UUID } from "../lib/uuid.js";
import { ErrorCode } from "../protocol/error-codes.js";
import { ApiKey } from "../protocol/generated/api-keys.js";
import type { ApiVersionsResponse } from "../protocol/generated/api-versions.js";
import type { MetadataRequest, MetadataResponse } from "../protocol/generated/metadata.js";
import { ApiVersionTable, CLIENT_API_VERSIONS } from "./api-versions.js";
import type { BrokerAddress } from "./bootstrap.js";
import { ConnectError, ConnectionClosedError, KafkaConnection, formatAddress, type SendOptions } from "./connection.js";
import { ClientUsageError, KafkaProtocolError } from "./errors.js";
import { clusterMetadataOf, type BrokerNode, type ClusterMetadata } from "./metadata.js";

export interface ClientOptions {
  readonly bootstrapServers: readonly BrokerAddress[];
  readonly clientId?: string;
  readonly connectTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
  /** Requests awaiting a response per broker connection. */
  readonly maxInFlightRequests?: number;
  /** Extra attempts after a retriable failure (Kafka's tools retry too, with backoff). */
  readonly retries?: number;
  readonly retryBackoffMs?: number;
  readonly retryBackoffMaxMs?: number;
  readonly clock?: Clock;
}

/** A connection to one broker together with the API versions negotiated on it. */
export interface BrokerConnection {
  readonly connection: KafkaConnection;
  readonly versions: ApiVersionTable;
}

export interface MetadataOptions {
  /** Let the broker create unknown topics (where its auto.create.topics.enable allows). */
  readonly allowAutoTopicCreation?: boolean;
}

const DEFAULT_CLIENT_ID = "tributary-cli";
/** Client timers are short (backoff, linger, timeouts); longer ones would be a bug. */
const CLIENT_TIMER_MAX_MS = 0x7fff_ffff;

/**
 * The default clock of a client. Unlike systemClock (whose timers never keep a broker process
 * alive), its timers are referenced: a tool waiting out a retry backoff or a linger must not
 * have Node exit under it because nothing else is pending.
 */
export const clientClock: Clock = {
  nowMs: () => Date.now(),
  monotonicMs: () => performance.now(),
  setTimeout: (callback: () => void, delayMs: number): TimerHandle => {
    assert(delayMs <= CLIENT_TIMER_MAX_MS, `client timer of ${delayMs} ms is too long`);
    return setTimeout(callback, delayMs);
  },
  clearTimeout: (handle: TimerHandle): void => clearTimeout(handle as NodeJS.Timeout),
};
const DEFAULT_RETRIES = 5;
/** Kafka's retry.backoff.ms and retry.backoff.max.ms defaults. */
const DEFAULT_RETRY_BACKOFF_MS = 100;
const DEFAULT_RETRY_BACKOFF_MAX_MS = 1_000;
/** Topics named in one Metadata request: far above any tool's need, far below a frame limit. */
const METADATA_TOPICS_MAX = 10_000;

export class KafkaClient {
  readonly clock: Clock;
  private readonly nodeConnections = new Map<number, Promise<BrokerConnection>>();
  private bootstrapConnection: BrokerConnection | null;
  private latestMetadata: ClusterMetadata | null = null;
  private readonly brokers = new Map<number, BrokerNode>();
  private readonly topicIds = new Map<string, string>();
  private closed = false;

  private constructor(
    private readonly options: ClientOptions,
    bootstrap: BrokerConnection,
  ) {
    this.clock = options.clock ?? clientClock;
    this.bootstrapConnection = bootstrap;
  }

  /**
   * Connects to the first reachable bootstrap server and negotiates API versions with it. Fails
   * at once (no retries) when none answers: a tool should say so rather than hang.
   */
  static async connect(options: ClientOptions): Promise<KafkaClient> {
    if (options.bootstrapServers.length === 0) throw new ClientUsageError("no bootstrap servers given");
    const failures: ConnectError[] = [];
    for (const address of options.bootstrapServers) {
      try {
        const connection = await openBrokerConnection(address.host, address.port, options);
        return new KafkaClient(options, connection);
      } catch (error) {
        if (!(error instanceof ConnectError)) throw error;
        failures.push(error);
      }
    }
    if (failures.length === 1) throw failures[0];
    throw new NoBrokerReachableError(failures);
  }

  /** The last metadata fetched, or null before the first lookup. */
  get metadataSnapshot(): ClusterMetadata | null {
    return this.latestMetadata;
  }

  get clientId(): string {
    return this.options.clientId ?? DEFAULT_CLIENT_ID;
  }

  /** Topic id from the latest metadata, ZERO_UUID when unknown. */
  topicId(topic: string): string {
    return this.topicIds.get(topic) ?? ZERO_UUID;
  }

  /** Looks up the given topics (null: all topics) and remembers brokers, leaders and topic ids. */
  async metadata(topics: readonly string[] | null, options: MetadataOptions = {}): Promise<ClusterMetadata> {
    if (topics !== null && topics.length > METADATA_TOPICS_MAX) throw new ClientUsageError(`more than ${METADATA_TOPICS_MAX} topics in one metadata request`);
    const response = await this.request<MetadataResponse>(null, ApiKey.Metadata, (): MetadataRequest => ({
      topics: topics === null ? null : topics.map((name) => ({ topicId: ZERO_UUID, name })),
      allowAutoTopicCreation: options.allowAutoTopicCreation ?? false,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    }));
    const metadata = clusterMetadataOf(response);
    this.latestMetadata = metadata;
    for (const broker of metadata.brokers.values()) {
      const known = this.brokers.get(broker.nodeId);
      if (known !== undefined && (known.host !== broker.host || known.port !== broker.port)) this.dropNode(broker.nodeId);
      this.brokers.set(broker.nodeId, broker);
    }
    for (const topic of metadata.topics.values()) {
      if (topic.errorCode === ErrorCode.NONE && topic.topicId !== ZERO_UUID) this.topicIds.set(topic.name, topic.topicId);
    }
    return metadata;
  }

  /** The broker with this node id, as last reported by metadata. */
  broker(nodeId: number): BrokerNode | undefined {
    return this.brokers.get(nodeId);
  }

  /** A connection to the given node, made (and its versions negotiated) on first use. */
  connectionTo(nodeId: number): Promise<BrokerConnection> {
    this.checkOpen();
    const existing = this.nodeConnections.get(nodeId);
    if (existing !== undefined) {
      return existing.then((connection) => {
        if (!connection.connection.closed) return connection;
        if (this.nodeConnections.get(nodeId) === existing) this.nodeConnections.delete(nodeId);
        return this.connectionTo(nodeId);
      });
    }
    const broker = this.brokers.get(nodeId);
    if (broker === undefined) return Promise.reject(new ConnectionClosedError(`broker ${nodeId} is not in the cluster metadata`));
    const bootstrap = this.bootstrapConnection;
    let opening: Promise<BrokerConnection>;
    if (bootstrap !== null && !bootstrap.connection.closed && bootstrap.connection.host === broker.host && bootstrap.connection.port === broker.port) {
      opening = Promise.resolve(bootstrap);
    } else {
      opening = openBrokerConnection(broker.host, broker.port, this.options);
    }
    this.nodeConnections.set(nodeId, opening);
    opening.catch(() => {
      if (this.nodeConnections.get(nodeId) === opening) this.nodeConnections.delete(nodeId);
    });
    return opening;
  }

  /** A connection to any live broker: the bootstrap one while it lasts, then any known broker. */
  async anyConnection(): Promise<BrokerConnection> {
    this.checkOpen();
    const bootstrap = this.bootstrapConnection;
    if (bootstrap !== null && !bootstrap.connection.closed) return bootstrap;
    this.bootstrapConnection = null;
    let lastError: Error | null = null;
    for (const nodeId of this.brokers.keys()) {
      try {
        return await this.connectionTo(nodeId);
      } catch (error) {
        lastError = error instanceof Error ? error : new Error(String(error));
      }
    }
    for (const address of this.options.bootstrapServers) {
      try {
        const connection = await openBrokerConnection(address.host, address.port, this.options);
        this.bootstrapConnection = connection;
        return connection;
      } catch (error) {
        lastError = error instanceof Error ? error : new Error(String(error));
      }
    }
    throw lastError ?? new ConnectionClosedError("no broker is reachable");
  }

  /**
   * Sends one request to a node (null: any broker) at the version negotiated with it; build makes
   * the request for that version. Resolves to the decoded response.
   */
  async request<Response>(nodeId: number | null, apiKey: number, build: (version: number) => unknown, options: SendOptions = {}): Promise<Response> {
    const target = nodeId === null ? await this.anyConnection() : await this.connectionTo(nodeId);
    const version = target.versions.version(apiKey);
    return target.connection.send<Response>(apiKey, version, build(version), options);
  }

  /**
   * Runs operation until it succeeds, retrying (after a backoff, and after onRetry, which
   * usually refreshes metadata) while it fails with a retriable error and attempts remain.
   */
  async retry<T>(operation: (attempt: number) => Promise<T>, onRetry: (error: Error) => Promise<void> = async () => undefined): Promise<T> {
    const retries = this.options.retries ?? DEFAULT_RETRIES;
    for (let attempt = 0; ; attempt++) {
      try {
        return await operation(attempt);
      } catch (error) {
        if (!(error instanceof Error) || !isRetriable(error) || attempt >= retries || this.closed) throw error;
        await this.sleep(this.backoffMs(attempt));
        try {
          await onRetry(error);
        } catch (refreshError) {
          if (!(refreshError instanceof Error) || !isRetriable(refreshError)) throw refreshError;
        }
      }
    }
  }

  /** Exponential backoff between retry.backoff.ms and retry.backoff.max.ms, as Kafka's clients do. */
  backoffMs(attempt: number): number {
    const base = this.options.retryBackoffMs ?? DEFAULT_RETRY_BACKOFF_MS;
    const max = this.options.retryBackoffMaxMs ?? DEFAULT_RETRY_BACKOFF_MAX_MS;
    return Math.min(max, base * 2 ** Math.min(attempt, 20));
  }

  sleep(delayMs: number): Promise<void> {
    return new Promise((resolve) => this.clock.setTimeout(resolve, delayMs));
  }

  /** Forgets a node's connection (after it failed) so the next use reconnects. */
  dropNode(nodeId: number): void {
    const existing = this.nodeConnections.get(nodeId);
    if (existing === undefined) return;
    this.nodeConnections.delete(nodeId);
    existing.then(
      (connection) => {
        if (connection !== this.bootstrapConnection) void connection.connection.close();
      },
      () => undefined,
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const connections = new Set<KafkaConnection>();
    if (this.bootstrapConnection !== null) connections.add(this.bootstrapConnection.connection);
    for (const opening of this.nodeConnections.values()) {
      try {
        connections.add((await opening).connection);
      } catch {
        // A connection that never opened has nothing to close.
      }
    }
    this.nodeConnections.clear();
    this.bootstrapConnection = null;
    await Promise.all([...connections].map((connection) => connection.close()));
  }

  private checkOpen(): void {
    if (this.closed) throw new ConnectionClosedError("the client is closed");
  }
}

/** No bootstrap server answered; the message lists each one with its error. */
export class NoBrokerReachableError extends Error {
  override name = "NoBrokerReachableError";
  constructor(readonly failures: readonly ConnectError[]) {
    super(`cannot connect to any bootstrap server: ${failures.map((failure) => `${formatAddress(failure.host, failure.port)} (${failure.code})`).join(", ")}`);
  }
}

/** Errors worth another attempt: the broker said so, or the connection broke. */
export function isRetriable(error: Error): boolean {
  if (error instanceof KafkaProtocolError) return error.retriable;
  return error instanceof ConnectionClosedError || error instanceof ConnectError;
}

/**
 * Connects and negotiates versions. ApiVersions goes out as v0, which every broker answers; a
 * broker that no longer speaks v0 replies UNSUPPORTED_VERSION in the v0 format with its own
 * range for ApiVersions, and we ask again at the top of that range.
 */
async function openBrokerConnection(host: string, port: number, options: ClientOptions): Promise<BrokerConnection> {
  const connection = await KafkaConnection.connect(host, port, {
    clientId: options.clientId ?? DEFAULT_CLIENT_ID,
    connectTimeoutMs: options.connectTimeoutMs,
    requestTimeoutMs: options.requestTimeoutMs,
    maxInFlightRequests: options.maxInFlightRequests,
  });
  try {
    const request = { clientSoftwareName: "tributary", clientSoftwareVersion: "0.1.0" };
    let response = await connection.send<ApiVersionsResponse>(ApiKey.ApiVersions, 0, request);
    if (response.errorCode === ErrorCode.UNSUPPORTED_VERSION) {
      const offered = response.apiKeys.find((api) => api.apiKey === ApiKey.ApiVersions);
      const ours = CLIENT_API_VERSIONS.get(ApiKey.ApiVersions)!;
      if (offered !== undefined && offered.maxVersion >= ours.minVersion) {
        response = await connection.send<ApiVersionsResponse>(ApiKey.ApiVersions, Math.min(offered.maxVersion, ours.maxVersion), request);
      }
    }
    if (response.errorCode !== ErrorCode.NONE) throw new KafkaProtocolError(response.errorCode, `ApiVersions from ${connection.address}`);
    return { connection, versions: new ApiVersionTable(response.apiKeys, connection.address) };
  } catch (error) {
    await connection.close();
    throw error;
  }
}

// Captures the request bytes real Kafka clients send, as fixtures for the codec tests:
// `npx tsc -p tsconfig.json && node dist/scripts/capture-fixtures.js` (needs kcat, kafkajs and
// kafka-python; see test/fixtures/protocol/README.md).
//
// A small recording TCP server stands in for a broker. It advertises the full version range of
// every codec we have (so each client picks the newest versions it knows) and answers the requests
// of a few scenarios (metadata, produce, create topics, a consumer group) with responses built by
// our own codecs, just enough for the clients to go on to their next request. Those responses are
// a stand-in, not Kafka's word; only the captured requests are fixtures. The first frame of each
// (api, version) per scenario is written to test/fixtures/protocol/<client>/
// <api>-v<N>-request-<scenario>.bin (the whole frame, size prefix included), and manifest.json
// lists them. Clients: kcat (librdkafka), kafkajs (in this process), kafka-python (/usr/bin/python3).

import { spawn } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import kafkajs from "kafkajs";
import type { MessageCodec } from "../src/protocol/codec.js";
import { kebabCase } from "../src/protocol/codegen/generate.js";
import type { ApiVersionsResponse } from "../src/protocol/generated/api-versions.js";
import type { CreateTopicsRequest, CreateTopicsResponse } from "../src/protocol/generated/create-topics.js";
import type { FetchRequest, FetchResponse } from "../src/protocol/generated/fetch.js";
import type { FindCoordinatorRequest, FindCoordinatorResponse } from "../src/protocol/generated/find-coordinator.js";
import { API_DEFINITIONS, ApiKey, apiName } from "../src/protocol/generated/index.js";
import type { InitProducerIdResponse } from "../src/protocol/generated/init-producer-id.js";
import type { JoinGroupRequest, JoinGroupResponse } from "../src/protocol/generated/join-group.js";
import type { LeaveGroupRequest, LeaveGroupResponse } from "../src/protocol/generated/leave-group.js";
import type { ListOffsetsRequest, ListOffsetsResponse } from "../src/protocol/generated/list-offsets.js";
import type { MetadataRequest, MetadataResponse } from "../src/protocol/generated/metadata.js";
import type { OffsetCommitRequest, OffsetCommitResponse } from "../src/protocol/generated/offset-commit.js";
import type { OffsetFetchRequest, OffsetFetchResponse } from "../src/protocol/generated/offset-fetch.js";
import type { ProduceRequest, ProduceResponse } from "../src/protocol/generated/produce.js";
import type { SyncGroupRequest, SyncGroupResponse } from "../src/protocol/generated/sync-group.js";
import { readRequestHeader, writeResponseHeader, type RequestHeader } from "../src/protocol/headers.js";
import { Reader } from "../src/protocol/primitives/reader.js";
import { Writer } from "../src/protocol/primitives/writer.js";

const REPOSITORY_ROOT = resolve(fileURLToPath(new URL("../../", import.meta.url)));
export const FIXTURES_DIR = join(REPOSITORY_ROOT, "test", "fixtures", "protocol");

/** Client ids the scenarios set, so the fixture test can check them. */
export const CLIENT_IDS = {
  kcat: "tributary-fixtures-kcat",
  kafkajs: "tributary-fixtures-kafkajs",
  "kafka-python": "tributary-fixtures-kafka-python",
} as const;
export type ClientName = keyof typeof CLIENT_IDS;

export const FIXTURE_TOPIC = "fixture-topic";
export const FIXTURE_CREATED_TOPIC = "fixture-created";
export const FIXTURE_GROUP = "fixture-group";

const CLUSTER_ID = "tributary-fixtures";
const NODE_ID = 1;
const MEMBER_ID = "fixture-member-1";
/** A scenario that has not finished by then is stopped; what it sent so far is kept. */
const SCENARIO_TIMEOUT_MS = 20_000;
/** Frames larger than this are not expected from these scenarios and close the connection. */
const FRAME_BYTES_MAX = 16 * 1024 * 1024;
/** Fetch answers wait a little, so a consumer does not spin while the scenario finishes. */
const FETCH_ANSWER_DELAY_MS = 200;

interface CapturedFrame {
  readonly header: RequestHeader;
  readonly frame: Buffer;
}

// ----- the recording broker -----

class RecordingBroker {
  readonly frames: CapturedFrame[] = [];
  private readonly sockets = new Set<Socket>();
  private server: Server | null = null;
  port = 0;
  private readonly waiters: { predicate: (header: RequestHeader) => boolean; resolve: () => void }[] = [];
  private readonly standIn = new StandIn(() => this.port);

  async start(): Promise<void> {
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolveListen) => server.listen(0, "127.0.0.1", resolveListen));
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("no TCP address");
    this.port = address.port;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    const server = this.server;
    if (server !== null) await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
  }

  /** Resolves when a request matching `predicate` has arrived (or at once if one already has). */
  waitFor(predicate: (header: RequestHeader) => boolean): Promise<void> {
    if (this.frames.some((frame) => predicate(frame.header))) return Promise.resolve();
    return new Promise((resolveWait) => this.waiters.push({ predicate, resolve: resolveWait }));
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.on("close", () => this.sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    let pending = Buffer.alloc(0);
    // Answers go out in request order even when one (Fetch) is delayed.
    let answered: Promise<void> = Promise.resolve();
    socket.on("data", (data: Buffer) => {
      pending = Buffer.concat([pending, data]);
      while (pending.length >= 4) {
        const size = pending.readInt32BE(0);
        if (size < 0 || size > FRAME_BYTES_MAX) {
          socket.destroy();
          return;
        }
        if (pending.length < 4 + size) break;
        const frame = Buffer.from(pending.subarray(0, 4 + size));
        pending = pending.subarray(4 + size);
        const answer = this.handle(frame);
        // Handled where the answer is awaited, in order; this only keeps a failure that happens
        // while an earlier (delayed) answer is pending from counting as unhandled.
        answer.catch(() => undefined);
        answered = answered
          .then(async () => {
            const response = await answer;
            if (response !== null && !socket.destroyed) socket.write(response);
          })
          .catch((error: unknown) => {
            console.warn(`closing a connection after a request we could not answer: ${String(error)}`);
            socket.destroy();
          });
      }
    });
  }

  private async handle(frame: Buffer): Promise<Buffer | null> {
    const reader = new Reader(frame, 4);
    const header = readRequestHeader(reader);
    this.frames.push({ header, frame });
    for (const waiter of [...this.waiters]) {
      if (waiter.predicate(header)) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
    const definition = API_DEFINITIONS.get(header.requestApiKey);
    if (definition === undefined) return null;
    const version = header.requestApiVersion;
    if (header.requestApiKey === ApiKey.ApiVersions) {
      return this.frameResponse(header, apiVersionsResponse(version, definition.request.maxVersion), definition.response);
    }
    if (version < definition.request.minVersion || version > definition.request.maxVersion) return null;
    const request = definition.request.decode(reader, version);
    const body = this.respond(header.requestApiKey, version, request);
    if (body === null) return null;
    if (header.requestApiKey === ApiKey.Fetch) await new Promise((wait) => setTimeout(wait, FETCH_ANSWER_DELAY_MS));
    return this.frameResponse(header, body, definition.response);
  }

  private frameResponse(header: RequestHeader, body: { version: number; message: unknown }, codec: MessageCodec<unknown>): Buffer {
    const writer = new Writer();
    writer.int32(0);
    writeResponseHeader(writer, header.requestApiKey, header.requestApiVersion, header.correlationId);
    codec.encode(writer, body.version, body.message);
    const bytes = writer.toBuffer();
    bytes.writeInt32BE(bytes.length - 4, 0);
    return bytes;
  }

  private respond(apiKey: number, version: number, request: unknown): { version: number; message: unknown } | null {
    const message = this.standIn.respond(apiKey, version, request);
    return message === null ? null : { version, message };
  }
}

// ----- the stand-in answers -----

function apiVersionsResponse(requestVersion: number, supported: number): { version: number; message: ApiVersionsResponse } {
  const apiKeys = [...API_DEFINITIONS.values()].map((definition) => ({
    apiKey: definition.apiKey,
    minVersion: definition.request.minVersion,
    maxVersion: definition.request.maxVersion,
  }));
  const message: ApiVersionsResponse = {
    errorCode: requestVersion > supported ? 35 : 0,
    apiKeys,
    throttleTimeMs: 0,
    supportedFeatures: [],
    finalizedFeaturesEpoch: -1,
    finalizedFeatures: [],
    zkMigrationReady: false,
  };
  // A version we do not speak is answered in v0, as Kafka does, so the client can downgrade.
  return { version: requestVersion > supported ? 0 : requestVersion, message };
}

/** The stand-in answers: just enough for a client to go on. Other requests get no answer. */
class StandIn {
  constructor(private readonly port: () => number) {}

  respond(apiKey: number, version: number, request: unknown): unknown {
    switch (apiKey) {
      case ApiKey.Metadata:
        return this.metadata(request as MetadataRequest, version);
      case ApiKey.Produce:
        return produce(request as ProduceRequest);
      case ApiKey.CreateTopics:
        return createTopics(request as CreateTopicsRequest);
      case ApiKey.FindCoordinator:
        return this.findCoordinator(request as FindCoordinatorRequest);
      case ApiKey.JoinGroup:
        return joinGroup(request as JoinGroupRequest);
      case ApiKey.SyncGroup:
        return syncGroup(request as SyncGroupRequest);
      case ApiKey.Heartbeat:
        return { throttleTimeMs: 0, errorCode: 0 };
      case ApiKey.LeaveGroup:
        return leaveGroup(request as LeaveGroupRequest);
      case ApiKey.OffsetFetch:
        return offsetFetch(request as OffsetFetchRequest);
      case ApiKey.OffsetCommit:
        return offsetCommit(request as OffsetCommitRequest);
      case ApiKey.ListOffsets:
        return listOffsets(request as ListOffsetsRequest);
      case ApiKey.Fetch:
        return fetch(request as FetchRequest);
      case ApiKey.InitProducerId:
        return { throttleTimeMs: 0, errorCode: 0, producerId: 1000, producerEpoch: 0 } satisfies InitProducerIdResponse;
      default:
        return null;
    }
  }

  private metadata(request: MetadataRequest, version: number): MetadataResponse {
    const names =
      request.topics === null || (request.topics.length === 0 && version === 0)
        ? [FIXTURE_TOPIC]
        : request.topics.map((topic) => topic.name ?? FIXTURE_TOPIC);
    return {
      throttleTimeMs: 0,
      brokers: [{ nodeId: NODE_ID, host: "127.0.0.1", port: this.port(), rack: null }],
      clusterId: CLUSTER_ID,
      controllerId: NODE_ID,
      topics: names.map((name) => ({
        errorCode: 0,
        name,
        topicId: "AAAAAAAAAAAAAAAAAAAAAA",
        isInternal: false,
        partitions: [
          { errorCode: 0, partitionIndex: 0, leaderId: NODE_ID, leaderEpoch: 0, replicaNodes: [NODE_ID], isrNodes: [NODE_ID], offlineReplicas: [] },
        ],
        topicAuthorizedOperations: -2147483648,
      })),
      clusterAuthorizedOperations: -2147483648,
    };
  }

  private findCoordinator(request: FindCoordinatorRequest): FindCoordinatorResponse {
    const keys = request.coordinatorKeys.length > 0 ? request.coordinatorKeys : [request.key];
    return {
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      nodeId: NODE_ID,
      host: "127.0.0.1",
      port: this.port(),
      coordinators: keys.map((key) => ({ key, nodeId: NODE_ID, host: "127.0.0.1", port: this.port(), errorCode: 0, errorMessage: null })),
    };
  }
}

function produce(request: ProduceRequest): ProduceResponse {
  return {
    responses: request.topicData.map((topic) => ({
      name: topic.name,
      partitionResponses: topic.partitionData.map((partition) => ({
        index: partition.index,
        errorCode: 0,
        baseOffset: 0,
        logAppendTimeMs: -1,
        logStartOffset: 0,
        recordErrors: [],
        errorMessage: null,
        currentLeader: { leaderId: -1, leaderEpoch: -1 },
      })),
    })),
    throttleTimeMs: 0,
    nodeEndpoints: [],
  };
}

function createTopics(request: CreateTopicsRequest): CreateTopicsResponse {
  return {
    throttleTimeMs: 0,
    topics: request.topics.map((topic) => ({
      name: topic.name,
      topicId: "AAAAAAAAAAAAAAAAAAAAAA",
      errorCode: 0,
      errorMessage: null,
      topicConfigErrorCode: 0,
      numPartitions: topic.numPartitions,
      replicationFactor: topic.replicationFactor,
      configs: [],
    })),
  };
}

function joinGroup(request: JoinGroupRequest): JoinGroupResponse {
  const protocol = request.protocols[0];
  return {
    throttleTimeMs: 0,
    errorCode: 0,
    generationId: 1,
    protocolType: request.protocolType,
    protocolName: protocol?.name ?? null,
    leader: MEMBER_ID,
    skipAssignment: false,
    memberId: MEMBER_ID,
    members: [{ memberId: MEMBER_ID, groupInstanceId: request.groupInstanceId, metadata: protocol?.metadata ?? Buffer.alloc(0) }],
  };
}

function syncGroup(request: SyncGroupRequest): SyncGroupResponse {
  const own = request.assignments.find((assignment) => assignment.memberId === request.memberId);
  return {
    throttleTimeMs: 0,
    errorCode: 0,
    protocolType: request.protocolType,
    protocolName: request.protocolName,
    assignment: own?.assignment ?? Buffer.alloc(0),
  };
}

function leaveGroup(request: LeaveGroupRequest): LeaveGroupResponse {
  return {
    throttleTimeMs: 0,
    errorCode: 0,
    members: request.members.map((member) => ({ memberId: member.memberId, groupInstanceId: member.groupInstanceId, errorCode: 0 })),
  };
}

function offsetFetch(request: OffsetFetchRequest): OffsetFetchResponse {
  const partition = (partitionIndex: number) => ({ partitionIndex, committedOffset: -1, committedLeaderEpoch: -1, metadata: "", errorCode: 0 });
  return {
    throttleTimeMs: 0,
    topics: (request.topics ?? []).map((topic) => ({ name: topic.name, partitions: topic.partitionIndexes.map(partition) })),
    errorCode: 0,
    groups: request.groups.map((group) => ({
      groupId: group.groupId,
      topics: (group.topics ?? []).map((topic) => ({ name: topic.name, partitions: topic.partitionIndexes.map(partition) })),
      errorCode: 0,
    })),
  };
}

function offsetCommit(request: OffsetCommitRequest): OffsetCommitResponse {
  return {
    throttleTimeMs: 0,
    topics: request.topics.map((topic) => ({
      name: topic.name,
      partitions: topic.partitions.map((partition) => ({ partitionIndex: partition.partitionIndex, errorCode: 0 })),
    })),
  };
}

function listOffsets(request: ListOffsetsRequest): ListOffsetsResponse {
  return {
    throttleTimeMs: 0,
    topics: request.topics.map((topic) => ({
      name: topic.name,
      partitions: topic.partitions.map((partition) => ({
        partitionIndex: partition.partitionIndex,
        errorCode: 0,
        oldStyleOffsets: [0],
        timestamp: -1,
        offset: 0,
        leaderEpoch: 0,
      })),
    })),
  };
}

function fetch(request: FetchRequest): FetchResponse {
  return {
    throttleTimeMs: 0,
    errorCode: 0,
    sessionId: 0,
    responses: request.topics.map((topic) => ({
      topic: topic.topic,
      topicId: topic.topicId,
      partitions: topic.partitions.map((partition) => ({
        partitionIndex: partition.partition,
        errorCode: 0,
        highWatermark: 0,
        lastStableOffset: 0,
        logStartOffset: 0,
        divergingEpoch: { epoch: -1, endOffset: -1 },
        currentLeader: { leaderId: -1, leaderEpoch: -1 },
        snapshotId: { endOffset: -1, epoch: -1 },
        abortedTransactions: null,
        preferredReadReplica: -1,
        records: Buffer.alloc(0),
      })),
    })),
    nodeEndpoints: [],
  };
}

// ----- scenarios -----

interface Scenario {
  readonly client: ClientName;
  readonly name: string;
  run(broker: RecordingBroker): Promise<void>;
}

const isApi =
  (apiKey: number) =>
  (header: RequestHeader): boolean =>
    header.requestApiKey === apiKey;

/** How long a consumer keeps running after its first Fetch, so commits and heartbeats show up. */
const CONSUMER_LINGER_MS = 1_500;

function delay(ms: number): Promise<void> {
  return new Promise((wait) => setTimeout(wait, ms));
}

/**
 * Runs a client process to its end. If `stopWhen` resolves first, the process is asked to stop
 * (SIGTERM, so it leaves its group cleanly); it is killed at the scenario timeout.
 */
async function runProcess(command: string, args: string[], input: string | null, stopWhen: Promise<void> | null): Promise<void> {
  const child = spawn(command, args, { stdio: [input === null ? "ignore" : "pipe", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  if (input !== null) child.stdin?.end(input);
  const exited = new Promise<number | null>((resolveExit) => child.on("close", (code) => resolveExit(code)));
  const timeout = setTimeout(() => child.kill("SIGKILL"), SCENARIO_TIMEOUT_MS);
  if (stopWhen !== null) {
    void stopWhen.then(async () => {
      await delay(CONSUMER_LINGER_MS);
      child.kill("SIGTERM");
    });
  }
  const code = await exited;
  clearTimeout(timeout);
  if (code !== 0 && stopWhen === null) console.warn(`${command} exited with ${code}: ${stderr.trim().slice(-500)}`);
}

async function withTimeout(work: Promise<void>, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<void>((resolveTimeout) => {
    timer = setTimeout(() => {
      console.warn(`${what} timed out`);
      resolveTimeout();
    }, SCENARIO_TIMEOUT_MS);
  });
  try {
    await Promise.race([work, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

const kcat = (broker: RecordingBroker, ...args: string[]): string[] => [
  "-b",
  `127.0.0.1:${broker.port}`,
  "-X",
  `client.id=${CLIENT_IDS.kcat}`,
  ...args,
];

const kafkaPython = (broker: RecordingBroker, body: string): string[] => [
  "-c",
  [
    "import logging, sys",
    "logging.basicConfig(level=logging.ERROR)",
    `BOOTSTRAP = '127.0.0.1:${broker.port}'`,
    `CLIENT_ID = '${CLIENT_IDS["kafka-python"]}'`,
    `TOPIC = '${FIXTURE_TOPIC}'`,
    `CREATED = '${FIXTURE_CREATED_TOPIC}'`,
    `GROUP = '${FIXTURE_GROUP}'`,
    body,
  ].join("\n"),
];

const PYTHON = "/usr/bin/python3";

const SCENARIOS: readonly Scenario[] = [
  { client: "kcat", name: "list", run: (broker) => runProcess("kcat", kcat(broker, "-L"), null, null) },
  {
    client: "kcat",
    name: "produce",
    run: (broker) => runProcess("kcat", kcat(broker, "-P", "-t", FIXTURE_TOPIC, "-k", "key"), "hello\n", null),
  },
  {
    client: "kcat",
    name: "consume-group",
    run: (broker) =>
      runProcess("kcat", kcat(broker, "-G", FIXTURE_GROUP, FIXTURE_TOPIC), null, broker.waitFor(isApi(ApiKey.Fetch))),
  },
  {
    client: "kafkajs",
    name: "admin",
    run: async (broker) => {
      const admin = kafkaJsClient(broker).admin();
      await withTimeout(
        (async () => {
          await admin.connect();
          await admin.createTopics({ topics: [{ topic: FIXTURE_CREATED_TOPIC, numPartitions: 1, replicationFactor: 1 }] });
          await admin.fetchTopicMetadata({ topics: [FIXTURE_TOPIC] });
        })(),
        "kafkajs admin",
      );
      await admin.disconnect();
    },
  },
  {
    client: "kafkajs",
    name: "produce",
    run: async (broker) => {
      const producer = kafkaJsClient(broker).producer();
      await withTimeout(
        (async () => {
          await producer.connect();
          await producer.send({ topic: FIXTURE_TOPIC, messages: [{ key: "key", value: "hello" }] });
        })(),
        "kafkajs producer",
      );
      await producer.disconnect();
    },
  },
  {
    client: "kafkajs",
    name: "idempotent-produce",
    run: async (broker) => {
      const producer = kafkaJsClient(broker).producer({ idempotent: true, maxInFlightRequests: 1 });
      await withTimeout(
        (async () => {
          await producer.connect();
          await producer.send({ topic: FIXTURE_TOPIC, messages: [{ key: "key", value: "hello" }] });
        })(),
        "kafkajs idempotent producer",
      );
      await producer.disconnect();
    },
  },
  {
    client: "kafkajs",
    name: "consume-group",
    run: async (broker) => {
      const consumer = kafkaJsClient(broker).consumer({ groupId: FIXTURE_GROUP, maxWaitTimeInMs: 100 });
      await withTimeout(
        (async () => {
          await consumer.connect();
          await consumer.subscribe({ topics: [FIXTURE_TOPIC], fromBeginning: true });
          await consumer.run({ eachMessage: async () => {} });
          await broker.waitFor(isApi(ApiKey.Fetch));
          await delay(CONSUMER_LINGER_MS);
        })(),
        "kafkajs consumer",
      );
      await consumer.disconnect();
    },
  },
  {
    client: "kafka-python",
    name: "admin",
    run: (broker) =>
      runProcess(
        PYTHON,
        kafkaPython(
          broker,
          [
            "from kafka.admin import KafkaAdminClient, NewTopic",
            "admin = KafkaAdminClient(bootstrap_servers=BOOTSTRAP, client_id=CLIENT_ID)",
            "admin.create_topics([NewTopic(CREATED, 1, 1)])",
            "admin.list_topics()",
            "admin.close()",
          ].join("\n"),
        ),
        null,
        null,
      ),
  },
  {
    client: "kafka-python",
    name: "produce",
    run: (broker) =>
      runProcess(
        PYTHON,
        kafkaPython(
          broker,
          [
            "from kafka import KafkaProducer",
            "producer = KafkaProducer(bootstrap_servers=BOOTSTRAP, client_id=CLIENT_ID)",
            "producer.send(TOPIC, key=b'key', value=b'hello').get(timeout=10)",
            "producer.close()",
          ].join("\n"),
        ),
        null,
        null,
      ),
  },
  {
    client: "kafka-python",
    name: "consume-group",
    run: (broker) =>
      runProcess(
        PYTHON,
        kafkaPython(
          broker,
          [
            "from kafka import KafkaConsumer",
            "consumer = KafkaConsumer(TOPIC, bootstrap_servers=BOOTSTRAP, client_id=CLIENT_ID, group_id=GROUP,",
            "    auto_offset_reset='earliest', consumer_timeout_ms=3000)",
            "print(consumer.topics())",
            "for message in consumer: pass",
            "consumer.commit()",
            "consumer.close()",
          ].join("\n"),
        ),
        null,
        null,
      ),
  },
];

function kafkaJsClient(broker: RecordingBroker): kafkajs.Kafka {
  return new kafkajs.Kafka({
    clientId: CLIENT_IDS.kafkajs,
    brokers: [`127.0.0.1:${broker.port}`],
    logLevel: kafkajs.logLevel.NOTHING,
    retry: { retries: 2 },
  });
}

// ----- writing fixtures -----

export interface FixtureEntry {
  readonly file: string;
  readonly client: ClientName;
  readonly scenario: string;
  readonly apiKey: number;
  readonly apiName: string;
  readonly apiVersion: number;
}

export interface FixtureManifest {
  readonly note: string;
  readonly clients: Readonly<Record<ClientName, string>>;
  readonly fixtures: readonly FixtureEntry[];
}

async function commandOutput(command: string, args: string[]): Promise<string> {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  await new Promise((resolveExit) => child.on("close", resolveExit));
  return output;
}

async function clientVersions(): Promise<Record<ClientName, string>> {
  const kcatVersion = /Version (\S+) .*?(librdkafka \S+)/s.exec(await commandOutput("kcat", ["-V"]));
  const kafkaPythonVersion = await commandOutput(PYTHON, ["-c", "import kafka; print(kafka.__version__)"]);
  const kafkajsPackage = (await import("kafkajs/package.json", { with: { type: "json" } })) as { default: { version: string } };
  return {
    kcat: kcatVersion === null ? "unknown" : `kcat ${kcatVersion[1]} (${kcatVersion[2]})`,
    kafkajs: `kafkajs ${kafkajsPackage.default.version}`,
    "kafka-python": `kafka-python ${kafkaPythonVersion.trim()}`,
  };
}

async function main(): Promise<void> {
  const entries: FixtureEntry[] = [];
  for (const client of Object.keys(CLIENT_IDS) as ClientName[]) rmSync(join(FIXTURES_DIR, client), { recursive: true, force: true });
  for (const scenario of SCENARIOS) {
    const broker = new RecordingBroker();
    await broker.start();
    try {
      await scenario.run(broker);
    } finally {
      await broker.stop();
    }
    const directory = join(FIXTURES_DIR, scenario.client);
    mkdirSync(directory, { recursive: true });
    const seen = new Set<string>();
    for (const { header, frame } of broker.frames) {
      const key = `${header.requestApiKey}/${header.requestApiVersion}`;
      if (seen.has(key) || !API_DEFINITIONS.has(header.requestApiKey)) continue;
      seen.add(key);
      const name = apiName(header.requestApiKey);
      const file = `${kebabCase(name)}-v${header.requestApiVersion}-request-${scenario.name}.bin`;
      writeFileSync(join(directory, file), frame);
      entries.push({
        file: `${scenario.client}/${file}`,
        client: scenario.client,
        scenario: scenario.name,
        apiKey: header.requestApiKey,
        apiName: name,
        apiVersion: header.requestApiVersion,
      });
    }
    console.log(`${scenario.client} ${scenario.name}: ${[...seen].length} request kinds`);
  }
  const manifest: FixtureManifest = {
    note: "Request frames (size prefix included) captured by scripts/capture-fixtures.ts; do not edit by hand.",
    clients: await clientVersions(),
    fixtures: entries,
  };
  writeFileSync(join(FIXTURES_DIR, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
  console.log(`wrote ${entries.length} fixtures to ${FIXTURES_DIR}`);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}

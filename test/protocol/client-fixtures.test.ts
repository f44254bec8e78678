// Requests captured from real clients (kcat/librdkafka, kafkajs, kafka-python) by
// scripts/capture-fixtures.ts: each decodes with our header and body codecs to the end of its
// frame, carries what the scenario sent (client id, topic, group, record batch), and encodes back
// to exactly the captured bytes. No client is needed to run this test: the frames are committed.

import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import type { MessageCodec } from "../../src/protocol/codec.js";
import type { ApiVersionsRequest } from "../../src/protocol/generated/api-versions.js";
import { ConsumerProtocolAssignmentCodec } from "../../src/protocol/generated/consumer-protocol-assignment.js";
import { ConsumerProtocolSubscriptionCodec } from "../../src/protocol/generated/consumer-protocol-subscription.js";
import type { CreateTopicsRequest } from "../../src/protocol/generated/create-topics.js";
import type { FetchRequest } from "../../src/protocol/generated/fetch.js";
import type { FindCoordinatorRequest } from "../../src/protocol/generated/find-coordinator.js";
import type { HeartbeatRequest } from "../../src/protocol/generated/heartbeat.js";
import { API_DEFINITIONS, ApiKey } from "../../src/protocol/generated/index.js";
import type { InitProducerIdRequest } from "../../src/protocol/generated/init-producer-id.js";
import type { JoinGroupRequest } from "../../src/protocol/generated/join-group.js";
import type { LeaveGroupRequest } from "../../src/protocol/generated/leave-group.js";
import type { ListOffsetsRequest } from "../../src/protocol/generated/list-offsets.js";
import type { MetadataRequest } from "../../src/protocol/generated/metadata.js";
import type { OffsetCommitRequest } from "../../src/protocol/generated/offset-commit.js";
import type { OffsetFetchRequest } from "../../src/protocol/generated/offset-fetch.js";
import type { ProduceRequest } from "../../src/protocol/generated/produce.js";
import type { SyncGroupRequest } from "../../src/protocol/generated/sync-group.js";
import { readRequestHeader, writeRequestHeader } from "../../src/protocol/headers.js";
import { Reader } from "../../src/protocol/primitives/reader.js";
import { Writer } from "../../src/protocol/primitives/writer.js";
import {
  CLIENT_IDS,
  FIXTURE_CREATED_TOPIC,
  FIXTURE_GROUP,
  FIXTURE_TOPIC,
  FIXTURES_DIR,
  type FixtureEntry,
  type FixtureManifest,
} from "../../scripts/capture-fixtures.js";

/** Every client must have been captured in at least these APIs. */
const REQUIRED_APIS_PER_CLIENT = [ApiKey.ApiVersions, ApiKey.Metadata, ApiKey.Produce, ApiKey.JoinGroup, ApiKey.SyncGroup, ApiKey.Fetch];
/** The member id the capture's stand-in broker hands out in JoinGroup. */
const MEMBER_ID = "fixture-member-1";
const RECORD_BATCH_MAGIC_OFFSET = 16;
const RECORD_BATCH_LENGTH_OFFSET = 8;
const RECORD_BATCH_LOG_OVERHEAD_BYTES = 12;

const manifest = JSON.parse(readFileSync(join(FIXTURES_DIR, "manifest.json"), "utf8")) as FixtureManifest;

/** Decodes one of the consumer protocol's opaque blobs: an int16 version, then the body. */
function decodeVersioned<T>(codec: MessageCodec<T>, bytes: Buffer): T {
  const reader = new Reader(bytes);
  const version = reader.int16();
  assert.ok(version >= codec.minVersion && version <= codec.maxVersion, `${codec.name} version ${version}`);
  const value = codec.decode(reader, version);
  assert.equal(reader.remaining, 0, `${codec.name} consumes its bytes`);
  return value;
}

/** Checks that a record batch (magic 2) fills the records field exactly. */
function assertRecordBatch(records: unknown): void {
  assert.ok(Buffer.isBuffer(records), "records are present");
  assert.ok(records.length > RECORD_BATCH_MAGIC_OFFSET, "records hold a batch header");
  assert.equal(records[RECORD_BATCH_MAGIC_OFFSET], 2, "record batch magic 2");
  assert.equal(records.readInt32BE(RECORD_BATCH_LENGTH_OFFSET) + RECORD_BATCH_LOG_OVERHEAD_BYTES, records.length, "one whole batch");
}

/** What each scenario must have sent, by API: the fields a broker acts on. */
function assertKeyFields(entry: FixtureEntry, body: unknown): void {
  switch (entry.apiKey) {
    case ApiKey.ApiVersions: {
      const request = body as ApiVersionsRequest;
      if (entry.apiVersion >= 3) {
        assert.match(request.clientSoftwareName, /\S/);
        assert.match(request.clientSoftwareVersion, /\S/);
      }
      break;
    }
    case ApiKey.Metadata: {
      const request = body as MetadataRequest;
      for (const topic of request.topics ?? []) assert.ok([FIXTURE_TOPIC, FIXTURE_CREATED_TOPIC].includes(topic.name ?? ""), `topic ${topic.name}`);
      break;
    }
    case ApiKey.Produce: {
      const request = body as ProduceRequest;
      assert.deepEqual(
        request.topicData.map((topic) => topic.name),
        [FIXTURE_TOPIC],
      );
      assert.ok([-1, 1].includes(request.acks), `acks ${request.acks}`);
      for (const partition of request.topicData[0].partitionData) assertRecordBatch(partition.records);
      break;
    }
    case ApiKey.CreateTopics: {
      const request = body as CreateTopicsRequest;
      assert.deepEqual(
        request.topics.map((topic) => [topic.name, topic.numPartitions, topic.replicationFactor]),
        [[FIXTURE_CREATED_TOPIC, 1, 1]],
      );
      break;
    }
    case ApiKey.FindCoordinator: {
      const request = body as FindCoordinatorRequest;
      assert.ok(request.key === FIXTURE_GROUP || request.coordinatorKeys.includes(FIXTURE_GROUP));
      break;
    }
    case ApiKey.JoinGroup: {
      const request = body as JoinGroupRequest;
      assert.equal(request.groupId, FIXTURE_GROUP);
      assert.equal(request.protocolType, "consumer");
      assert.ok(request.protocols.length > 0);
      for (const protocol of request.protocols) {
        const subscription = decodeVersioned(ConsumerProtocolSubscriptionCodec, protocol.metadata);
        assert.deepEqual(subscription.topics, [FIXTURE_TOPIC], `protocol ${protocol.name}`);
      }
      break;
    }
    case ApiKey.SyncGroup: {
      const request = body as SyncGroupRequest;
      assert.equal(request.groupId, FIXTURE_GROUP);
      assert.equal(request.memberId, MEMBER_ID);
      assert.deepEqual(
        request.assignments.map((assignment) => assignment.memberId),
        [MEMBER_ID],
      );
      const assignment = decodeVersioned(ConsumerProtocolAssignmentCodec, request.assignments[0].assignment);
      assert.deepEqual(assignment.assignedPartitions, [{ topic: FIXTURE_TOPIC, partitions: [0] }]);
      break;
    }
    case ApiKey.Heartbeat: {
      const request = body as HeartbeatRequest;
      assert.equal(request.groupId, FIXTURE_GROUP);
      assert.equal(request.memberId, MEMBER_ID);
      break;
    }
    case ApiKey.LeaveGroup: {
      const request = body as LeaveGroupRequest;
      assert.equal(request.groupId, FIXTURE_GROUP);
      const memberIds = entry.apiVersion >= 3 ? request.members.map((member) => member.memberId) : [request.memberId];
      assert.deepEqual(memberIds, [MEMBER_ID]);
      break;
    }
    case ApiKey.OffsetFetch: {
      const request = body as OffsetFetchRequest;
      const groupId = entry.apiVersion >= 8 ? request.groups[0].groupId : request.groupId;
      assert.equal(groupId, FIXTURE_GROUP);
      const topics = entry.apiVersion >= 8 ? request.groups[0].topics : request.topics;
      assert.deepEqual(topics?.map((topic) => topic.name), [FIXTURE_TOPIC]);
      break;
    }
    case ApiKey.OffsetCommit: {
      const request = body as OffsetCommitRequest;
      assert.equal(request.groupId, FIXTURE_GROUP);
      assert.deepEqual(
        request.topics.map((topic) => topic.name),
        [FIXTURE_TOPIC],
      );
      break;
    }
    case ApiKey.ListOffsets: {
      const request = body as ListOffsetsRequest;
      assert.equal(request.replicaId, -1, "a consumer, not a replica");
      assert.deepEqual(
        request.topics.map((topic) => [topic.name, topic.partitions.map((partition) => partition.partitionIndex)]),
        [[FIXTURE_TOPIC, [0]]],
      );
      break;
    }
    case ApiKey.Fetch: {
      const request = body as FetchRequest;
      assert.equal(request.replicaId, -1, "a consumer, not a replica");
      assert.deepEqual(
        request.topics.map((topic) => [topic.topic, topic.partitions.map((partition) => partition.partition)]),
        [[FIXTURE_TOPIC, [0]]],
      );
      break;
    }
    case ApiKey.InitProducerId: {
      const request = body as InitProducerIdRequest;
      assert.equal(request.transactionalId, null, "idempotent, not transactional");
      break;
    }
    default:
      assert.fail(`no key-field check for ${entry.apiName}; add one`);
  }
}

test("the manifest and the fixture files agree", () => {
  const listed = new Set(manifest.fixtures.map((entry) => entry.file));
  assert.equal(listed.size, manifest.fixtures.length, "no duplicates");
  const onDisk: string[] = [];
  for (const client of readdirSync(FIXTURES_DIR)) {
    if (!statSync(join(FIXTURES_DIR, client)).isDirectory()) continue;
    for (const file of readdirSync(join(FIXTURES_DIR, client))) onDisk.push(`${client}/${file}`);
  }
  assert.deepEqual(onDisk.sort(), [...listed].sort());
  for (const entry of manifest.fixtures) {
    assert.ok(entry.client in CLIENT_IDS, entry.client);
    assert.equal(API_DEFINITIONS.get(entry.apiKey)?.name, entry.apiName);
    assert.ok(entry.file.endsWith(`-v${entry.apiVersion}-request-${entry.scenario}.bin`), entry.file);
  }
  for (const client of Object.keys(CLIENT_IDS)) {
    for (const apiKey of REQUIRED_APIS_PER_CLIENT) {
      assert.ok(
        manifest.fixtures.some((entry) => entry.client === client && entry.apiKey === apiKey),
        `${client} has a fixture for ${API_DEFINITIONS.get(apiKey)?.name}`,
      );
    }
  }
});

for (const entry of manifest.fixtures) {
  describe(entry.file, () => {
    const frame = readFileSync(join(FIXTURES_DIR, entry.file));
    const definition = API_DEFINITIONS.get(entry.apiKey);

    test("decodes (header and body) to the end of its frame, with what the client sent", () => {
      assert.ok(definition !== undefined);
      assert.equal(frame.readInt32BE(0), frame.length - 4, "size prefix");
      const reader = new Reader(frame, 4);
      const header = readRequestHeader(reader);
      assert.equal(header.requestApiKey, entry.apiKey);
      assert.equal(header.requestApiVersion, entry.apiVersion);
      assert.equal(header.clientId, CLIENT_IDS[entry.client]);
      const body = definition.request.decode(reader, entry.apiVersion);
      assert.equal(reader.remaining, 0, "the body ends where the frame ends");
      assertKeyFields(entry, body);
    });

    test("re-encodes to the captured bytes", () => {
      assert.ok(definition !== undefined);
      const reader = new Reader(frame, 4);
      const header = readRequestHeader(reader);
      const body = definition.request.decode(reader, entry.apiVersion);
      const writer = new Writer();
      writer.int32(frame.length - 4);
      writeRequestHeader(writer, header);
      definition.request.encode(writer, entry.apiVersion, body);
      assert.equal(writer.toBuffer().toString("hex"), frame.toString("hex"));
    });
  });
}

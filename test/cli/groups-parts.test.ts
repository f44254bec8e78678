// The pure pieces behind `tributary groups`, checked without a broker: decoding the consumer
// protocol assignment bytes kafkajs writes, the group API version negotiation (FindCoordinator
// before v4 takes one key; OffsetFetch needs v2+), and --by-duration's ISO-8601 durations.

import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import kafkajs from "kafkajs";
import { ApiVersionTable, GROUP_API_VERSIONS, UnsupportedApiError, decodeConsumerProtocolAssignment, groupApiVersion, requireGroupApiVersion } from "../../src/client/index.js";
import { ApiKey } from "../../src/protocol/generated/index.js";
import { parseDuration } from "../../src/cli/groups.js";

const { AssignerProtocol } = kafkajs;

test("consumer protocol assignments written by kafkajs decode to sorted topic partitions", () => {
  fc.assert(
    fc.property(
      fc.dictionary(fc.string({ minLength: 1, maxLength: 20 }), fc.uniqueArray(fc.integer({ min: 0, max: 10_000 }), { maxLength: 20 })),
      fc.option(fc.uint8Array({ maxLength: 16 }), { nil: undefined }),
      (assignment, userData) => {
        const bytes = AssignerProtocol.MemberAssignment.encode({ version: 0, assignment, userData: userData === undefined ? Buffer.alloc(0) : Buffer.from(userData) });
        const expected = Object.entries(assignment)
          .filter(([, partitions]) => partitions.length > 0)
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([topic, partitions]) => ({ topic, partitions: [...partitions].sort((a, b) => a - b) }));
        assert.deepEqual(decodeConsumerProtocolAssignment(bytes), expected);
      },
    ),
    { numRuns: 300 },
  );
  assert.deepEqual(decodeConsumerProtocolAssignment(Buffer.alloc(0)), [], "a member without an assignment yet");
  assert.equal(decodeConsumerProtocolAssignment(Buffer.from([0x00, 0x00, 0x00, 0x00, 0x00, 0x05])), null, "truncated bytes are not an assignment");
  assert.equal(decodeConsumerProtocolAssignment(Buffer.from([0xff, 0xff])), null, "a negative version is not an assignment");
});

test("group APIs use the highest version both sides speak, and say so when there is none", () => {
  const broker = new ApiVersionTable(
    [
      { apiKey: ApiKey.FindCoordinator, minVersion: 0, maxVersion: 3 },
      { apiKey: ApiKey.OffsetFetch, minVersion: 0, maxVersion: 1 },
      { apiKey: ApiKey.ListGroups, minVersion: 0, maxVersion: 9 },
    ],
    "broker:9092",
  );
  assert.equal(groupApiVersion(broker, ApiKey.FindCoordinator), 3);
  assert.equal(groupApiVersion(broker, ApiKey.ListGroups), GROUP_API_VERSIONS.get(ApiKey.ListGroups)?.maxVersion);
  assert.equal(groupApiVersion(broker, ApiKey.OffsetFetch), null);
  assert.equal(groupApiVersion(broker, ApiKey.ConsumerGroupDescribe), null);
  assert.throws(() => requireGroupApiVersion(broker, ApiKey.OffsetFetch), (error: unknown) => error instanceof UnsupportedApiError && /offers OffsetFetch v0-1, but this client speaks v2-9/.test(error.message));
  assert.throws(() => requireGroupApiVersion(broker, ApiKey.DeleteGroups), (error: unknown) => error instanceof UnsupportedApiError && /does not support DeleteGroups/.test(error.message));
});

test("--by-duration takes ISO-8601 durations of days to seconds", () => {
  const cases: [string, number][] = [
    ["PT30M", 30 * 60_000],
    ["P1D", 86_400_000],
    ["P1DT12H", 36 * 3_600_000],
    ["PT1H2M3S", 3_723_000],
    ["PT0.5S", 500],
    ["pt10s", 10_000],
    ["PT0S", 0],
  ];
  for (const [text, ms] of cases) assert.equal(parseDuration(text), ms, text);
  for (const bad of ["", "P", "PT", "P1DT", "30M", "PT-5S", "P1W", "PT1.2345S", "1 hour"]) {
    assert.throws(() => parseDuration(bad), /duration must be ISO-8601/, bad);
  }
});

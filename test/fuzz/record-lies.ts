// Produce requests whose record batches lie, structure-aware: the batch header stays consistent
// enough (CRC recomputed after the lie, lastOffsetDelta matched to the count) that the lie reaches
// the layer meant to catch it. Record-level lies: counts that disagree with the records present,
// record lengths too long, negative or encoded in 11 bytes, keys and headers overrunning their
// record, negative lengths, offset deltas out of order, trailing bytes, timestamps as 11-byte
// varlongs, keyless records for a compacted topic, each uncompressed or inside a compressed
// payload. Batch-level lies: CRC, batchLength, magic, unknown codec ids, truncated or garbage
// compressed data, two batches per partition, control batches, sequence-less producer ids,
// timestamps out of range, and decompression bombs (bombs.ts). Valid batches are sent too, in
// every codec, and must be accepted: the validator must not refuse honest data.
//
// The fuzzer knows the verdict for every partition: a lie must be refused (a partition error), an
// honest batch accepted. Anything else is a finding.

import { ApiKey } from "../../src/protocol/generated/index.js";
import { ProduceRequestCodec } from "../../src/protocol/generated/produce.js";
import { Writer } from "../../src/protocol/primitives/writer.js";
import {
  CONTROL_FLAG_MASK,
  CompressionType,
  CRC_OFFSET,
  LOG_OVERHEAD,
  RECORDS_OFFSET,
  computeBatchCrc,
} from "../../src/protocol/records/batch-header.js";
import { compress } from "../../src/protocol/records/compression.js";
import type { Bomb } from "./bombs.js";
import { ANSWER_ONLY, type ExpectedResponse, type FuzzCase, type PartitionVerdict } from "./fuzz-case.js";
import { encodeRequestFrame, type ServedApi } from "./request-cases.js";
import type { Random } from "./random.js";

/** Topics the fuzz target must have (createFuzzTopics in fuzz-runner.ts). */
export const FUZZ_TOPICS = {
  /** Plain topic, FUZZ_RECORDS_PARTITIONS partitions. */
  records: "fuzz-records",
  /** cleanup.policy=compact: records need keys. */
  compact: "fuzz-compact",
  /** max.message.bytes=FUZZ_BIG_MAX_MESSAGE_BYTES: room for multi-megabyte bombs. */
  big: "fuzz-big",
} as const;
export const FUZZ_RECORDS_PARTITIONS = 3;
export const FUZZ_BIG_MAX_MESSAGE_BYTES = 8 * 1024 * 1024;

interface RecordSpec {
  timestampDelta: number;
  offsetDelta: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: { key: Buffer; value: Buffer | null }[];
}

/** How one record's bytes are written, with the lie (if any) applied. */
interface RecordLie {
  readonly name: string;
  /** Applied to the specs before encoding (offset deltas, keys). */
  readonly specs?: (specs: RecordSpec[], random: Random) => void;
  /** Replaces the encoding of record `target` (its length prefix included). */
  readonly encode?: (spec: RecordSpec, body: Buffer, random: Random) => Buffer;
  /** Appended after the records. */
  readonly trailing?: (random: Random) => Buffer;
  /** recordCount in the header, from the true count (lastOffsetDelta follows it). */
  readonly count?: (trueCount: number, random: Random) => number;
  /** Only meaningful for the compacted topic. */
  readonly compactedOnly?: boolean;
}

const OVERLONG_ZERO_VARINT = Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00]);

function varint(value: number): Buffer {
  return new Writer(16).varint(value).toBuffer();
}

function varlong(value: number): Buffer {
  return new Writer(16).varlong(value).toBuffer();
}

function nullable(bytes: Buffer | null): Buffer {
  return bytes === null ? varint(-1) : Buffer.concat([varint(bytes.length), bytes]);
}

/** attributes..headers of one record. */
function recordBody(spec: RecordSpec, timestampField?: Buffer): Buffer {
  const parts: Buffer[] = [Buffer.from([0]), timestampField ?? varlong(spec.timestampDelta), varint(spec.offsetDelta), nullable(spec.key), nullable(spec.value), varint(spec.headers.length)];
  for (const header of spec.headers) parts.push(varint(header.key.length), header.key, nullable(header.value));
  return Buffer.concat(parts);
}

function encodeRecord(spec: RecordSpec): Buffer {
  const body = recordBody(spec);
  return Buffer.concat([varint(body.length), body]);
}

/** Replaces the bytes of the first field after attributes+timestamp+offset with `lie` (key length). */
function withKeyLength(spec: RecordSpec, keyLength: Buffer): Buffer {
  const head = Buffer.concat([Buffer.from([0]), varlong(spec.timestampDelta), varint(spec.offsetDelta)]);
  const rest = Buffer.concat([spec.key ?? Buffer.alloc(0), nullable(spec.value), varint(0)]);
  const body = Buffer.concat([head, keyLength, rest]);
  return Buffer.concat([varint(body.length), body]);
}

const RECORD_LIES: readonly RecordLie[] = [
  { name: "record count above the records present", count: (count, random) => count + random.int(1, 5) },
  { name: "record count below the records present (0 for one record)", count: (count) => count - 1 },
  { name: "record count 2^31-1", count: () => 0x7fff_ffff },
  { name: "record count 2^30 (claims gigabytes of records)", count: () => 1 << 30 },
  { name: "record length varint of 11 bytes", encode: (_spec, body) => Buffer.concat([OVERLONG_ZERO_VARINT, body]) },
  { name: "record length beyond the batch", encode: (_spec, body, random) => Buffer.concat([varint(body.length + random.int(100, 1 << 20)), body]) },
  { name: "negative record length", encode: (_spec, body, random) => Buffer.concat([varint(-random.int(2, 1000)), body]) },
  { name: "record length shorter than its fields", encode: (_spec, body) => Buffer.concat([varint(Math.max(0, body.length - 2)), body]) },
  { name: "record length 2^31-1", encode: (_spec, body) => Buffer.concat([varint(0x7fff_ffff), body]) },
  { name: "key length beyond the record", encode: (spec) => withKeyLength(spec, varint(1 << 20)) },
  { name: "negative key length -7", encode: (spec) => withKeyLength(spec, varint(-7)) },
  { name: "header count 2^30", encode: (spec) => {
    const head = recordBody({ ...spec, headers: [] });
    const body = Buffer.concat([head.subarray(0, head.length - 1), varint(1 << 30)]);
    return Buffer.concat([varint(body.length), body]);
  } },
  { name: "negative header key length", encode: (spec) => {
    const head = recordBody({ ...spec, headers: [] });
    const body = Buffer.concat([head.subarray(0, head.length - 1), varint(1), varint(-3), varint(-1)]);
    return Buffer.concat([varint(body.length), body]);
  } },
  { name: "record longer than its fields (padding inside)", encode: (_spec, body) => Buffer.concat([varint(body.length + 3), body, Buffer.from([1, 2, 3])]) },
  { name: "timestamp delta varlong of 11 bytes", encode: (spec) => {
    const body = recordBody(spec, OVERLONG_ZERO_VARINT);
    return Buffer.concat([varint(body.length), body]);
  } },
  { name: "offset deltas out of order", specs: (specs) => {
    if (specs.length === 1) specs[0].offsetDelta = 1;
    else [specs[0].offsetDelta, specs[1].offsetDelta] = [specs[1].offsetDelta, specs[0].offsetDelta];
  } },
  { name: "offset deltas with a gap", specs: (specs) => { specs[specs.length - 1].offsetDelta += 2; } },
  { name: "bytes after the last record", trailing: (random) => random.bytes(random.int(1, 40)) },
  { name: "keyless record on a compacted topic", compactedOnly: true, specs: (specs, random) => { specs[random.int(0, specs.length - 1)].key = null; } },
];

interface BatchFields {
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
  magic: number;
}

function assembleBatch(fields: BatchFields, payload: Buffer): Buffer {
  const writer = new Writer(RECORDS_OFFSET + payload.length + 16);
  writer
    .int64(0)
    .int32(RECORDS_OFFSET + payload.length - LOG_OVERHEAD)
    .int32(-1)
    .int8(fields.magic)
    .uint32(0)
    .int16(fields.attributes)
    .int32(fields.lastOffsetDelta)
    .int64(fields.baseTimestamp)
    .int64(fields.maxTimestamp)
    .int64(fields.producerId)
    .int16(fields.producerEpoch)
    .int32(fields.baseSequence)
    .int32(fields.recordCount)
    .raw(payload);
  const batch = writer.toBuffer();
  batch.writeUInt32BE(computeBatchCrc(batch), CRC_OFFSET);
  return batch;
}

function randomSpecs(random: Random, count: number, withKeys: boolean): RecordSpec[] {
  return Array.from({ length: count }, (_, index) => ({
    timestampDelta: random.int(0, 50),
    offsetDelta: index,
    key: withKeys || random.bool(0.5) ? random.bytes(random.int(0, 16)) : null,
    value: random.bool(0.9) ? random.bytes(random.int(0, 200)) : null,
    headers: random.bool(0.3) ? [{ key: Buffer.from(`h${random.int(0, 9)}`), value: random.bool() ? random.bytes(random.int(0, 8)) : null }] : [],
  }));
}

const CODECS: readonly CompressionType[] = [CompressionType.None, CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd];

interface BuiltBatch {
  readonly batch: Buffer;
  readonly verdict: PartitionVerdict;
  readonly what: string;
}

/** Names of the record-level lies, and whether each needs a compacted topic. */
export function recordLies(): { readonly name: string; readonly compactedOnly: boolean }[] {
  return RECORD_LIES.map((lie) => ({ name: lie.name, compactedOnly: lie.compactedOnly === true }));
}

export interface RecordBatchChoice {
  /** A lie from recordLies(); none for an honest batch. */
  readonly lie?: string;
  readonly compression?: CompressionType;
  readonly compacted?: boolean;
}

/** One batch of random records, honest or with the named record-level lie (for unit tests). */
export function buildRecordBatch(random: Random, choice: RecordBatchChoice): Buffer {
  const lie = choice.lie === undefined ? undefined : RECORD_LIES.find((candidate) => candidate.name === choice.lie);
  if (choice.lie !== undefined && lie === undefined) throw new Error(`no record lie named ${choice.lie}`);
  return recordLevelBatch(random, choice.compacted === true, lie === undefined, lie, choice.compression).batch;
}

/** A batch with a record-level lie (or none), uncompressed or compressed with a random codec. */
function recordLevelBatch(random: Random, compacted: boolean, honest: boolean, chosenLie?: RecordLie, chosenCompression?: CompressionType): BuiltBatch {
  const candidates = RECORD_LIES.filter((lie) => compacted || lie.compactedOnly !== true);
  const lie = honest ? undefined : (chosenLie ?? random.pick(candidates));
  const count = random.int(1, 12);
  const specs = randomSpecs(random, count, compacted);
  lie?.specs?.(specs, random);
  const target = random.int(0, count - 1);
  const encoded = specs.map((spec, index) => (lie?.encode !== undefined && index === target ? lie.encode(spec, recordBody(spec), random) : encodeRecord(spec)));
  if (lie?.trailing !== undefined) encoded.push(lie.trailing(random));
  const records = Buffer.concat(encoded);
  const compression = chosenCompression ?? random.pick(CODECS);
  const payload = compression === CompressionType.None ? records : compress(compression, records);
  const recordCount = lie?.count?.(count, random) ?? count;
  const now = Date.now();
  const batch = assembleBatch(
    {
      attributes: compression,
      lastOffsetDelta: recordCount - 1,
      baseTimestamp: now,
      maxTimestamp: now + 50,
      producerId: -1,
      producerEpoch: -1,
      baseSequence: -1,
      recordCount,
      magic: 2,
    },
    payload,
  );
  const codec = CompressionType[compression];
  return { batch, verdict: lie === undefined ? "accepted" : "refused", what: `${lie?.name ?? "honest batch"} (${count} records, ${codec})` };
}

/** A batch whose header or compressed payload lies. */
function batchLevelBatch(random: Random): BuiltBatch {
  const honest = recordLevelBatch(random, false, true).batch;
  const copy = (): Buffer => Buffer.from(honest);
  const recrc = (batch: Buffer): Buffer => {
    batch.writeUInt32BE(computeBatchCrc(batch), CRC_OFFSET);
    return batch;
  };
  const choice = random.int(0, 10);
  switch (choice) {
    case 0: {
      const batch = copy();
      batch.writeUInt32BE((batch.readUInt32BE(CRC_OFFSET) ^ (1 << random.int(0, 31))) >>> 0, CRC_OFFSET);
      return { batch, verdict: "refused", what: "CRC off by one bit" };
    }
    case 1: {
      const batch = copy();
      batch[random.int(RECORDS_OFFSET, batch.length - 1)] ^= 0x10;
      return { batch, verdict: "refused", what: "a record byte flipped, CRC kept (a CRC lie)" };
    }
    case 2: {
      const batch = copy();
      batch.writeInt32BE(batch.readInt32BE(8) + random.int(1, 1 << 20), 8);
      return { batch, verdict: "refused", what: "batchLength beyond the bytes" };
    }
    case 3: {
      const batch = copy();
      batch.writeInt32BE(batch.readInt32BE(8) - random.int(1, 40), 8);
      return { batch, verdict: "refused", what: "batchLength short of the bytes" };
    }
    case 4: {
      const batch = copy();
      const magic = random.pick([0, 1, 3, -1]);
      batch.writeInt8(magic, 16);
      return { batch: recrc(batch), verdict: "refused", what: `magic ${magic}` };
    }
    case 5: {
      const batch = copy();
      const codec = random.int(5, 7);
      batch.writeInt16BE((batch.readInt16BE(21) & ~0x07) | codec, 21);
      return { batch: recrc(batch), verdict: "refused", what: `unknown compression codec ${codec}` };
    }
    case 6: {
      const codec = random.pick(CODECS.slice(1));
      const payload = random.bytes(random.int(1, 300));
      const batch = assembleBatch({ attributes: codec, lastOffsetDelta: 0, baseTimestamp: Date.now(), maxTimestamp: Date.now(), producerId: -1, producerEpoch: -1, baseSequence: -1, recordCount: 1, magic: 2 }, payload);
      return { batch, verdict: "refused", what: `${CompressionType[codec]} payload of random bytes` };
    }
    case 7: {
      const codec = random.pick(CODECS.slice(1));
      const records = Buffer.concat(randomSpecs(random, 5, false).map(encodeRecord));
      const compressed = compress(codec, records);
      const payload = compressed.subarray(0, random.int(1, compressed.length - 1));
      const batch = assembleBatch({ attributes: codec, lastOffsetDelta: 4, baseTimestamp: Date.now(), maxTimestamp: Date.now(), producerId: -1, producerEpoch: -1, baseSequence: -1, recordCount: 5, magic: 2 }, payload);
      return { batch, verdict: "refused", what: `${CompressionType[codec]} payload cut short` };
    }
    case 8: {
      const batch = copy();
      batch.writeInt16BE(batch.readInt16BE(21) | CONTROL_FLAG_MASK, 21);
      return { batch: recrc(batch), verdict: "refused", what: "control batch from a client" };
    }
    case 9: {
      const batch = copy();
      batch.writeInt32BE(0, 43);
      batch.writeInt32BE(random.int(1, 1000), 47);
      batch.writeInt32BE(-1, 53);
      return { batch: recrc(batch), verdict: "refused", what: "producer id without a sequence" };
    }
    default: {
      const batch = copy();
      const future = Date.now() + 48 * 3600 * 1000;
      batch.writeInt32BE(Math.floor(future / 0x1_0000_0000), 35);
      batch.writeUInt32BE(future % 0x1_0000_0000, 39);
      return { batch: recrc(batch), verdict: "refused", what: "max timestamp two days ahead" };
    }
  }
}

function bombBatch(bomb: Bomb, random: Random): BuiltBatch {
  const recordCount = random.pick([1, 1000, 100_000]);
  const batch = assembleBatch(
    { attributes: bomb.compression, lastOffsetDelta: recordCount - 1, baseTimestamp: Date.now(), maxTimestamp: Date.now(), producerId: -1, producerEpoch: -1, baseSequence: -1, recordCount, magic: 2 },
    bomb.payload,
  );
  return { batch, verdict: "refused", what: `decompression bomb, ${bomb.description}: ${bomb.payload.length} bytes inflating to ${(bomb.inflatedBytes / 2 ** 30).toFixed(1)} GiB` };
}

function produceVersionRange(served: readonly ServedApi[]): { min: number; max: number } | null {
  const produce = served.find((api) => api.apiKey === ApiKey.Produce);
  if (produce === undefined) return null;
  // v0-v2 carry old message formats (answered UNSUPPORTED_VERSION); v13+ names topics by id.
  const min = Math.max(3, produce.minVersion);
  const max = Math.min(12, produce.maxVersion);
  return min <= max ? { min, max } : null;
}

function produceCase(index: number, kind: string, topic: string, batches: ReadonlyMap<number, BuiltBatch>, version: number, random: Random): FuzzCase {
  const correlationId = random.int(0, 0x7fff_ffff);
  const message = {
    ...ProduceRequestCodec.create(),
    acks: random.pick([1, -1]),
    timeoutMs: 5000,
    topicData: [{ name: topic, partitionData: [...batches].map(([partition, built]) => ({ index: partition, records: built.batch })) }],
  };
  const frame = encodeRequestFrame(ApiKey.Produce, version, correlationId, "fuzz-records", message).frame;
  const verdicts = new Map([...batches].map(([partition, built]) => [partition, built.verdict]));
  const expected: ExpectedResponse = { apiKey: ApiKey.Produce, apiVersion: version, correlationId, produce: { topic, partitions: verdicts } };
  const what = [...batches].map(([partition, built]) => `p${partition}: ${built.what}`).join("; ");
  return { index, kind, description: `Produce v${version} to ${topic}: ${what}`, bytes: frame, responses: [expected], allowed: ANSWER_ONLY };
}

/** A Produce request with lying (or honest) batches; null when the broker serves no Produce v3+. */
export function recordCase(index: number, served: readonly ServedApi[], random: Random, bombs: readonly Bomb[]): FuzzCase | null {
  const versions = produceVersionRange(served);
  if (versions === null) return null;
  const version = random.int(versions.min, versions.max);
  const choice = random.next();
  if (choice < 0.04 && bombs.length > 0) {
    const bomb = random.pick(bombs);
    return produceCase(index, `bomb:${CompressionType[bomb.compression]}`, FUZZ_TOPICS.big, new Map([[0, bombBatch(bomb, random)]]), version, random);
  }
  if (choice < 0.15) {
    const honest = random.bool(0.3);
    const built = recordLevelBatch(random, true, honest);
    return produceCase(index, honest ? "record-honest:compacted" : "record-lie:compacted", FUZZ_TOPICS.compact, new Map([[0, built]]), version, random);
  }
  if (choice < 0.3) {
    const built = batchLevelBatch(random);
    return produceCase(index, "batch-lie", FUZZ_TOPICS.records, new Map([[random.int(0, FUZZ_RECORDS_PARTITIONS - 1), built]]), version, random);
  }
  if (choice < 0.35) {
    // Two batches where Produce v3+ allows one.
    const first = recordLevelBatch(random, false, true);
    const second = recordLevelBatch(random, false, true);
    const built: BuiltBatch = { batch: Buffer.concat([first.batch, second.batch]), verdict: "refused", what: "two batches in one partition" };
    return produceCase(index, "batch-lie", FUZZ_TOPICS.records, new Map([[0, built]]), version, random);
  }
  // One to three partitions, each honest or lying on its own: one bad partition fails only itself.
  const batches = new Map<number, BuiltBatch>();
  const partitions = random.int(1, FUZZ_RECORDS_PARTITIONS);
  for (let partition = 0; partition < partitions; partition++) batches.set(partition, recordLevelBatch(random, false, random.bool(0.3)));
  const kinds = [...batches.values()].map((built) => (built.verdict === "accepted" ? "honest" : "lie"));
  return produceCase(index, `record-${kinds.includes("lie") ? "lie" : "honest"}`, FUZZ_TOPICS.records, batches, version, random);
}

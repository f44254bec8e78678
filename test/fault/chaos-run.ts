// Chaos: kill -9 a real broker process again and again under mixed load, restart it each time,
// then check what survived. Shared by test/fault/chaos.test.ts (a few kills, in CI) and
// scripts/chaos.ts (hundreds).
//
// Load, all kafkajs: producers with acks=all sending numbered records ("<producer>:<partition>:<seq>")
// one batch at a time, each batch to one partition; half of them idempotent when the broker
// advertises InitProducerId (checked with ApiVersions at run time), else all plain; and a consumer
// group of two members committing offsets as they go. A watcher polls the group's committed
// offsets (OffsetFetch) throughout.
//
// Checks, after the last restart, per partition, from the log itself (our own Fetch, exact offsets):
// - every acknowledged record is there;
// - each producer's records appear in sequence order; a record appears twice only if its producer
//   was not idempotent (a retry of a batch whose acknowledgement the kill swallowed), and such
//   duplicates are counted; an idempotent producer's records appear at most once;
// - no committed offset observed by the watcher ever went backwards;
// - every restart succeeded.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import kafkajs from "kafkajs";
import { BrokerChild } from "./broker-child.js";
import { createTopics, offsetForTimestamp, readPartition } from "./data-tools.js";
import { KafkaConnection } from "../../src/client/connection.js";
import { ApiKey } from "../../src/protocol/generated/index.js";
import type { ApiVersionsResponse } from "../../src/protocol/generated/api-versions.js";
import type { OffsetFetchResponse } from "../../src/protocol/generated/offset-fetch.js";
import { ErrorCode, errorName } from "../../src/protocol/error-codes.js";

const { Kafka, logLevel, CompressionTypes } = kafkajs;
type Producer = ReturnType<InstanceType<typeof Kafka>["producer"]>;
type Consumer = ReturnType<InstanceType<typeof Kafka>["consumer"]>;

const TOPIC = "chaos";
const GROUP = "chaos-group";
/** How long the consumer group gets, after the load stops, to commit up to the end of the log. */
const CATCH_UP_WAIT_MS = 30_000;
/** ListOffsets timestamp meaning "the log end". */
const LATEST_TIMESTAMP = -1;

export interface ChaosOptions {
  readonly kills: number;
  readonly partitions?: number;
  readonly producers?: number;
  /** The broker runs this long (uniformly random in the range) between restart and the next kill. */
  readonly minUpMs?: number;
  readonly maxUpMs?: number;
  readonly recordsPerBatch?: number;
  /** Progress lines. */
  readonly log?: (line: string) => void;
}

export interface ProducerFigures {
  readonly name: string;
  readonly idempotent: boolean;
  readonly batchesAcked: number;
  readonly batchesFailed: number;
  readonly recordsAcked: number;
}

export interface ChaosReport {
  readonly kills: number;
  readonly restarts: number;
  readonly idempotenceAvailable: boolean;
  readonly producers: readonly ProducerFigures[];
  readonly recordsAcked: number;
  /** Acknowledged records found in the log (each counted once). */
  readonly recordsVerified: number;
  readonly recordsLost: number;
  /** Extra copies of records from plain producers (allowed, counted). */
  readonly duplicatesPlain: number;
  /** Extra copies of records from idempotent producers (must be 0). */
  readonly duplicatesIdempotent: number;
  readonly recordsInLog: number;
  readonly recordsConsumed: number;
  /** Group members kafkajs gave up on (a crash it would not restart from) and that were replaced. */
  readonly consumerReplacements: number;
  /** Records the group had not committed CATCH_UP_WAIT_MS after the load stopped (reported, not judged). */
  readonly groupLagAtEnd: number;
  /** Why kafkajs consumers crashed (restarted by kafkajs or replaced), with counts. */
  readonly consumerCrashReasons: readonly string[];
  readonly offsetObservations: number;
  readonly offsetRegressions: readonly string[];
  /** Everything that breaks a promise; empty when the run passed. */
  readonly problems: readonly string[];
  readonly durationMs: number;
}

function randomBetween(min: number, max: number): number {
  return min + Math.floor(Math.random() * (max - min + 1));
}

async function advertisesInitProducerId(port: number): Promise<boolean> {
  const client = await KafkaConnection.connect("127.0.0.1", port, { clientId: "chaos-probe" });
  try {
    const versions = await client.send<ApiVersionsResponse>(ApiKey.ApiVersions, 3, { clientSoftwareName: "chaos", clientSoftwareVersion: "1" });
    return versions.apiKeys.some((api) => api.apiKey === ApiKey.InitProducerId);
  } finally {
    await client.close();
  }
}

/** One producer: batches of numbered records to one partition at a time, remembering what was acknowledged. */
class ChaosProducer {
  readonly acked = new Map<number, Set<number>>();
  batchesAcked = 0;
  batchesFailed = 0;
  private readonly nextSequence = new Map<number, number>();
  private producer: Producer | null = null;
  private stopped = false;
  private batchIndex = 0;

  constructor(
    readonly name: string,
    readonly idempotent: boolean,
    private readonly bootstrap: () => string,
    private readonly partitions: number,
    private readonly recordsPerBatch: number,
  ) {}

  private create(): Producer {
    const kafka = new Kafka({ clientId: this.name, brokers: [this.bootstrap()], logLevel: logLevel.NOTHING, retry: { initialRetryTime: 100, maxRetryTime: 1000, retries: 8 } });
    return this.idempotent
      ? kafka.producer({ idempotent: true, maxInFlightRequests: 1, retry: { initialRetryTime: 100, maxRetryTime: 1000, retries: Number.MAX_SAFE_INTEGER } })
      : kafka.producer({ maxInFlightRequests: 1, retry: { initialRetryTime: 100, maxRetryTime: 1000, retries: 8 } });
  }

  async run(): Promise<void> {
    while (!this.stopped) {
      try {
        if (this.producer === null) {
          this.producer = this.create();
          await this.producer.connect();
        }
        const partition = this.batchIndex++ % this.partitions;
        const first = this.nextSequence.get(partition) ?? 0;
        this.nextSequence.set(partition, first + this.recordsPerBatch);
        const messages = Array.from({ length: this.recordsPerBatch }, (_, index) => ({ partition, value: `${this.name}:${partition}:${first + index}` }));
        await this.producer.send({ topic: TOPIC, acks: -1, timeout: 10_000, compression: this.batchIndex % 4 === 0 ? CompressionTypes.GZIP : CompressionTypes.None, messages });
        let set = this.acked.get(partition);
        if (set === undefined) {
          set = new Set();
          this.acked.set(partition, set);
        }
        for (let index = 0; index < this.recordsPerBatch; index++) set.add(first + index);
        this.batchesAcked++;
      } catch {
        // Not acknowledged: the records may or may not be in the log. A fresh producer (and, when
        // idempotent, a fresh producer id) carries on with new sequence numbers.
        this.batchesFailed++;
        const failed = this.producer;
        this.producer = null;
        await failed?.disconnect().catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    await this.producer?.disconnect().catch(() => undefined);
  }

  stop(): void {
    this.stopped = true;
  }

  get recordsAcked(): number {
    let count = 0;
    for (const set of this.acked.values()) count += set.size;
    return count;
  }
}

/** Polls the group's committed offsets; any offset lower than one seen before is a regression. */
class OffsetWatcher {
  observations = 0;
  readonly regressions: string[] = [];
  private readonly highest = new Map<number, number>();
  private stopped = false;
  private readonly done: Promise<void>;

  constructor(private readonly port: () => number) {
    this.done = this.run();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        const client = await KafkaConnection.connect("127.0.0.1", this.port(), { clientId: "chaos-watcher", connectTimeoutMs: 1000, requestTimeoutMs: 3000 });
        try {
          while (!this.stopped) {
            const response = await client.send<OffsetFetchResponse>(ApiKey.OffsetFetch, 7, { groupId: GROUP, topics: null, groups: [], requireStable: false });
            if (response.errorCode === ErrorCode.NONE) {
              for (const topic of response.topics) {
                if (topic.name !== TOPIC) continue;
                for (const partition of topic.partitions) {
                  if (partition.errorCode !== ErrorCode.NONE || partition.committedOffset < 0) continue;
                  this.observations++;
                  const highest = this.highest.get(partition.partitionIndex) ?? -1;
                  if (partition.committedOffset < highest) {
                    this.regressions.push(`partition ${partition.partitionIndex}: committed offset ${partition.committedOffset} after ${highest} was seen`);
                  }
                  this.highest.set(partition.partitionIndex, Math.max(highest, partition.committedOffset));
                }
              }
            }
            await new Promise((resolve) => setTimeout(resolve, 200));
          }
        } finally {
          await client.close().catch(() => undefined);
        }
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
  }

  /** The highest committed offset seen for a partition (-1 before any). */
  committed(partition: number): number {
    return this.highest.get(partition) ?? -1;
  }
}

/**
 * One member of the consumer group. kafkajs restarts a consumer after retriable errors itself; one
 * that gives up (a crash it will not restart from) is replaced, so the group keeps committing
 * through every kill. The reasons are kept for the report.
 */
class ChaosConsumer {
  replacements = 0;
  readonly crashReasons = new Map<string, number>();
  private consumer: Consumer | null = null;
  private stopped = false;
  private replacing: Promise<void> = Promise.resolve();

  constructor(
    private readonly bootstrap: () => string,
    private readonly onRecords: (count: number) => void,
  ) {}

  async start(): Promise<void> {
    const kafka = new Kafka({ clientId: "chaos-consumer", brokers: [this.bootstrap()], logLevel: logLevel.NOTHING, retry: { initialRetryTime: 100, maxRetryTime: 1000, retries: 30 } });
    const consumer = kafka.consumer({ groupId: GROUP, sessionTimeout: 10_000, heartbeatInterval: 500, maxWaitTimeInMs: 200, retry: { initialRetryTime: 100, maxRetryTime: 1000, retries: 30 } });
    this.consumer = consumer;
    consumer.on(consumer.events.CRASH, (event) => {
      const reason = `${event.payload.error.name}: ${event.payload.error.message}`;
      this.crashReasons.set(reason, (this.crashReasons.get(reason) ?? 0) + 1);
      if (!event.payload.restart && !this.stopped) this.replacing = this.replace(consumer);
    });
    await consumer.connect();
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    await consumer.run({
      autoCommitInterval: 200,
      eachBatch: async ({ batch }) => this.onRecords(batch.messages.length),
    });
  }

  private async replace(crashed: Consumer): Promise<void> {
    await crashed.disconnect().catch(() => undefined);
    if (this.stopped || this.consumer !== crashed) return;
    this.replacements++;
    for (;;) {
      try {
        await this.start();
        return;
      } catch {
        if (this.stopped) return;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.replacing;
    await this.consumer?.disconnect().catch(() => undefined);
  }
}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const log = options.log ?? (() => undefined);
  const partitions = options.partitions ?? 6;
  const producerCount = options.producers ?? 4;
  const recordsPerBatch = options.recordsPerBatch ?? 20;
  const started = performance.now();
  const dataDir = mkdtempSync(join(tmpdir(), "tributary-chaos-"));
  const broker = new BrokerChild({ dataDir });
  const problems: string[] = [];
  let restarts = 0;
  let consumed = 0;
  const consumers: ChaosConsumer[] = [];
  try {
    await broker.start();
    await createTopics(broker.port, [{ name: TOPIC, partitions }]);
    const idempotenceAvailable = await advertisesInitProducerId(broker.port);
    log(`broker pid ${broker.pid} on ${broker.bootstrap}; InitProducerId ${idempotenceAvailable ? "advertised: half the producers are idempotent" : "not advertised: plain producers only"}`);
    const producers = Array.from(
      { length: producerCount },
      (_, index) => new ChaosProducer(`p${index}`, idempotenceAvailable && index % 2 === 0, () => broker.bootstrap, partitions, recordsPerBatch),
    );
    const running = producers.map((producer) => producer.run());
    for (let member = 0; member < 2; member++) {
      const consumer = new ChaosConsumer(() => broker.bootstrap, (count) => (consumed += count));
      consumers.push(consumer);
      await consumer.start();
    }
    const watcher = new OffsetWatcher(() => broker.port);

    for (let kill = 1; kill <= options.kills; kill++) {
      await new Promise((resolve) => setTimeout(resolve, randomBetween(options.minUpMs ?? 500, options.maxUpMs ?? 2000)));
      await broker.kill();
      try {
        await broker.start();
        restarts++;
      } catch (error) {
        problems.push(`restart after kill ${kill} failed: ${(error as Error).message.split("\n")[0]}`);
        break;
      }
      if (kill % 10 === 0 || kill === options.kills) {
        const acked = producers.reduce((sum, producer) => sum + producer.recordsAcked, 0);
        log(`kill ${kill}/${options.kills}: restarted; ${acked} records acknowledged so far, ${consumed} consumed`);
      }
    }
    // Let the load run against the last broker, then stop it and check.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    for (const producer of producers) producer.stop();
    await Promise.all(running);
    // Give the group time to commit up to the end of every partition (reported, not required).
    let groupLag = Number.POSITIVE_INFINITY;
    const catchUpDeadline = performance.now() + CATCH_UP_WAIT_MS;
    while (performance.now() < catchUpDeadline) {
      groupLag = 0;
      for (let partition = 0; partition < partitions; partition++) {
        const end = await offsetForTimestamp(broker.port, TOPIC, LATEST_TIMESTAMP, partition);
        groupLag += Math.max(0, end.offset - Math.max(0, watcher.committed(partition)));
      }
      if (groupLag === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    log(`consumer group lag at the end: ${groupLag} records`);
    await watcher.stop();
    const consumerReplacements = consumers.reduce((sum, consumer) => sum + consumer.replacements, 0);
    const crashReasons = new Map<string, number>();
    for (const consumer of consumers) for (const [reason, count] of consumer.crashReasons) crashReasons.set(reason, (crashReasons.get(reason) ?? 0) + count);
    for (const consumer of consumers.splice(0)) await consumer.stop();

    let recordsVerified = 0;
    let recordsLost = 0;
    let duplicatesPlain = 0;
    let duplicatesIdempotent = 0;
    let recordsInLog = 0;
    const byName = new Map(producers.map((producer) => [producer.name, producer]));
    for (let partition = 0; partition < partitions; partition++) {
      const contents = await readPartition(broker.port, TOPIC, partition);
      if (contents.errorCode !== ErrorCode.NONE) problems.push(`partition ${partition}: reading stopped with ${errorName(contents.errorCode)}`);
      recordsInLog += contents.records.length;
      contents.records.forEach((record, index) => {
        if (record.offset !== contents.logStartOffset + index) problems.push(`partition ${partition}: offset ${record.offset} at position ${index} (offsets must be dense)`);
      });
      const seen = new Map<string, Set<number>>();
      const lastSequence = new Map<string, number>();
      for (const record of contents.records) {
        const [name, partitionText, sequenceText] = record.value.split(":");
        const producer = byName.get(name);
        if (producer === undefined || Number(partitionText) !== partition) {
          problems.push(`partition ${partition}: unexpected record ${record.value} at ${record.offset}`);
          continue;
        }
        const sequence = Number(sequenceText);
        let sequences = seen.get(name);
        if (sequences === undefined) {
          sequences = new Set();
          seen.set(name, sequences);
        }
        if (sequences.has(sequence)) {
          if (producer.idempotent) duplicatesIdempotent++;
          else duplicatesPlain++;
          continue;
        }
        sequences.add(sequence);
        const last = lastSequence.get(name) ?? -1;
        if (sequence < last) problems.push(`partition ${partition}: ${record.value} at offset ${record.offset} comes after sequence ${last} (out of order)`);
        lastSequence.set(name, Math.max(last, sequence));
      }
      for (const producer of producers) {
        const acked = producer.acked.get(partition) ?? new Set<number>();
        const present = seen.get(producer.name) ?? new Set<number>();
        for (const sequence of acked) {
          if (present.has(sequence)) recordsVerified++;
          else {
            recordsLost++;
            if (recordsLost <= 20) problems.push(`partition ${partition}: acknowledged record ${producer.name}:${partition}:${sequence} is missing`);
          }
        }
      }
    }
    if (recordsLost > 20) problems.push(`... ${recordsLost} acknowledged records missing in all`);
    if (duplicatesIdempotent > 0) problems.push(`${duplicatesIdempotent} duplicate records from idempotent producers`);
    problems.push(...watcher.regressions.slice(0, 20));
    if (broker.unexpectedExit !== null) problems.push(broker.unexpectedExit);
    const stopCode = await broker.stop();
    if (stopCode !== 0) problems.push(`graceful stop after the run exited with ${stopCode}`);
    return {
      kills: options.kills,
      restarts,
      idempotenceAvailable,
      producers: producers.map((producer) => ({
        name: producer.name,
        idempotent: producer.idempotent,
        batchesAcked: producer.batchesAcked,
        batchesFailed: producer.batchesFailed,
        recordsAcked: producer.recordsAcked,
      })),
      recordsAcked: producers.reduce((sum, producer) => sum + producer.recordsAcked, 0),
      recordsVerified,
      recordsLost,
      duplicatesPlain,
      duplicatesIdempotent,
      recordsInLog,
      recordsConsumed: consumed,
      consumerReplacements,
      groupLagAtEnd: groupLag,
      consumerCrashReasons: [...crashReasons].map(([reason, count]) => `${count}x ${reason}`),
      offsetObservations: watcher.observations,
      offsetRegressions: watcher.regressions,
      problems,
      durationMs: performance.now() - started,
    };
  } finally {
    for (const consumer of consumers) await consumer.stop();
    await broker.kill();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export function formatChaosReport(report: ChaosReport): string {
  const lines = [
    `${report.kills} kill -9s, ${report.restarts} restarts, ${(report.durationMs / 1000).toFixed(0)} s; idempotent producers: ${report.idempotenceAvailable ? "yes" : "no (InitProducerId not advertised)"}`,
    `records: ${report.recordsAcked} acknowledged, ${report.recordsVerified} verified in the log, ${report.recordsLost} lost; ${report.recordsInLog} in the log in all; ${report.recordsConsumed} consumed by the group`,
    `duplicates: ${report.duplicatesPlain} from plain producers (retries after a kill), ${report.duplicatesIdempotent} from idempotent producers`,
    `committed offsets: ${report.offsetObservations} observations, ${report.offsetRegressions.length} went backwards`,
    `consumer group: lag ${report.groupLagAtEnd} at the end; ${report.consumerReplacements} members replaced after kafkajs gave up; crashes: ${report.consumerCrashReasons.join("; ") || "none"}`,
    ...report.producers.map(
      (producer) => `  ${producer.name} (${producer.idempotent ? "idempotent" : "plain"}): ${producer.batchesAcked} batches acknowledged, ${producer.batchesFailed} failed, ${producer.recordsAcked} records acknowledged`,
    ),
  ];
  if (report.problems.length > 0) lines.push(`PROBLEMS:\n  ${report.problems.join("\n  ")}`);
  return lines.join("\n");
}

// The in-memory view of cluster metadata every broker reads on the request path: topics by name
// and id, partition state, config overrides and live brokers. It is rebuilt from the store at
// start and kept current by the store's watch, so reads never wait on I/O.

import type { MetadataEvent, MetadataStore } from "./metadata-store.js";
import {
  BROKERS_PREFIX,
  BROKER_CONFIGS_PREFIX,
  BROKER_DEFAULT_CONFIGS_KEY,
  TOPICS_PREFIX,
  TOPIC_CONFIGS_PREFIX,
  type BrokerRecord,
  type ConfigRecord,
  type TopicRecord,
} from "./metadata-records.js";

export type ImageChange =
  | { readonly type: "topic-updated"; readonly previous: TopicRecord | undefined; readonly topic: TopicRecord }
  | { readonly type: "topic-deleted"; readonly topic: TopicRecord }
  | { readonly type: "topic-configs-updated"; readonly topicName: string }
  | { readonly type: "broker-configs-updated"; readonly nodeId: number | null }
  | { readonly type: "broker-updated"; readonly nodeId: number };

const EMPTY_CONFIGS: Readonly<Record<string, string>> = Object.freeze({});

export class ClusterImage {
  private readonly topicsByName = new Map<string, TopicRecord>();
  private readonly topicsById = new Map<string, TopicRecord>();
  private readonly topicConfigs = new Map<string, Readonly<Record<string, string>>>();
  private readonly brokerConfigs = new Map<number, Readonly<Record<string, string>>>();
  private defaultBrokerConfigs: Readonly<Record<string, string>> = EMPTY_CONFIGS;
  private readonly brokersById = new Map<number, BrokerRecord>();
  private readonly listeners = new Set<(changes: readonly ImageChange[]) => void>();
  private unwatch: (() => void) | null = null;

  /** Loads the current state and follows every later commit. */
  static async load(store: MetadataStore): Promise<ClusterImage> {
    const image = new ClusterImage();
    const events: MetadataEvent[] = (await store.list("")).map((entry) => ({ type: "put", entry }));
    image.apply(events);
    image.unwatch = store.watch("", (batch) => image.apply(batch));
    return image;
  }

  close(): void {
    this.unwatch?.();
    this.unwatch = null;
    this.listeners.clear();
  }

  /** Called after each applied batch of changes (synchronously, after the image is updated). */
  onChange(listener: (changes: readonly ImageChange[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  topic(name: string): TopicRecord | undefined {
    return this.topicsByName.get(name);
  }

  topicById(topicId: string): TopicRecord | undefined {
    return this.topicsById.get(topicId);
  }

  topics(): IterableIterator<TopicRecord> {
    return this.topicsByName.values();
  }

  get topicCount(): number {
    return this.topicsByName.size;
  }

  topicConfigOverrides(name: string): Readonly<Record<string, string>> {
    return this.topicConfigs.get(name) ?? EMPTY_CONFIGS;
  }

  brokerConfigOverrides(nodeId: number): Readonly<Record<string, string>> {
    return this.brokerConfigs.get(nodeId) ?? EMPTY_CONFIGS;
  }

  defaultBrokerConfigOverrides(): Readonly<Record<string, string>> {
    return this.defaultBrokerConfigs;
  }

  broker(nodeId: number): BrokerRecord | undefined {
    return this.brokersById.get(nodeId);
  }

  brokers(): IterableIterator<BrokerRecord> {
    return this.brokersById.values();
  }

  private apply(events: readonly MetadataEvent[]): void {
    const changes: ImageChange[] = [];
    for (const event of events) {
      const key = event.type === "put" ? event.entry.key : event.key;
      const value = event.type === "put" ? event.entry.value : null;
      if (key.startsWith(TOPICS_PREFIX)) {
        this.applyTopic(key.slice(TOPICS_PREFIX.length), value, changes);
      } else if (key.startsWith(TOPIC_CONFIGS_PREFIX)) {
        const name = key.slice(TOPIC_CONFIGS_PREFIX.length);
        if (value === null) this.topicConfigs.delete(name);
        else this.topicConfigs.set(name, Object.freeze({ ...(JSON.parse(value) as ConfigRecord).configs }));
        changes.push({ type: "topic-configs-updated", topicName: name });
      } else if (key === BROKER_DEFAULT_CONFIGS_KEY) {
        this.defaultBrokerConfigs = value === null ? EMPTY_CONFIGS : Object.freeze({ ...(JSON.parse(value) as ConfigRecord).configs });
        changes.push({ type: "broker-configs-updated", nodeId: null });
      } else if (key.startsWith(BROKER_CONFIGS_PREFIX)) {
        const nodeId = Number(key.slice(BROKER_CONFIGS_PREFIX.length));
        if (value === null) this.brokerConfigs.delete(nodeId);
        else this.brokerConfigs.set(nodeId, Object.freeze({ ...(JSON.parse(value) as ConfigRecord).configs }));
        changes.push({ type: "broker-configs-updated", nodeId });
      } else if (key.startsWith(BROKERS_PREFIX)) {
        const nodeId = Number(key.slice(BROKERS_PREFIX.length));
        if (value === null) this.brokersById.delete(nodeId);
        else this.brokersById.set(nodeId, JSON.parse(value) as BrokerRecord);
        changes.push({ type: "broker-updated", nodeId });
      }
    }
    if (changes.length === 0) return;
    for (const listener of this.listeners) listener(changes);
  }

  private applyTopic(name: string, value: string | null, changes: ImageChange[]): void {
    const previous = this.topicsByName.get(name);
    if (previous !== undefined) this.topicsById.delete(previous.topicId);
    if (value === null) {
      this.topicsByName.delete(name);
      if (previous !== undefined) changes.push({ type: "topic-deleted", topic: previous });
      return;
    }
    const topic = JSON.parse(value) as TopicRecord;
    this.topicsByName.set(name, topic);
    this.topicsById.set(topic.topicId, topic);
    changes.push({ type: "topic-updated", previous, topic });
  }
}

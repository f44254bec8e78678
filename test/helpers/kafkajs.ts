// Small wrappers around kafkajs for tests: quiet logging, short retries, always disconnect.

import kafkajs from "kafkajs";

const { Kafka, logLevel } = kafkajs;

export function kafkaClient(bootstrap: string, clientId = "tributary-test"): InstanceType<typeof Kafka> {
  return new Kafka({
    clientId,
    brokers: [bootstrap],
    logLevel: logLevel.NOTHING,
    retry: { retries: 3, initialRetryTime: 50 },
  });
}

export async function createTopicsWithKafkajs(
  bootstrap: string,
  topics: { topic: string; numPartitions?: number; configEntries?: { name: string; value: string }[] }[],
): Promise<void> {
  const admin = kafkaClient(bootstrap).admin();
  await admin.connect();
  try {
    const created = await admin.createTopics({ topics, waitForLeaders: true });
    if (!created) throw new Error("kafkajs reported that the topics already existed");
  } finally {
    await admin.disconnect();
  }
}

// Starts an isolated in-memory broker on a random port for one test, and always stops it.

import { startBroker, type BrokerHandle, type BrokerOptions } from "../../src/index.js";

export async function withBroker<T>(run: (broker: BrokerHandle) => Promise<T>, options: BrokerOptions = {}): Promise<T> {
  const broker = await startBroker({ port: 0, storage: "memory", ...options });
  try {
    return await run(broker);
  } finally {
    await broker.close();
  }
}

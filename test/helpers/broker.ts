// Starts an isolated in-memory broker on a random port for one test, and always stops it.
// A test that configures its own `listeners` keeps them.

import { startBroker, type BrokerHandle, type BrokerOptions } from "../../src/index.js";

export async function withBroker<T>(run: (broker: BrokerHandle) => Promise<T>, options: BrokerOptions = {}): Promise<T> {
  const ownListeners = options.config?.listeners !== undefined;
  const broker = await startBroker({ ...(ownListeners ? {} : { port: 0 }), storage: "memory", ...options });
  try {
    return await run(broker);
  } finally {
    await broker.close();
  }
}

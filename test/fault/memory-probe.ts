// Loaded into a broker process with `node --import <this file> bin/tributary.js start ...` when it
// is started with an IPC channel (BrokerChild with probe: true): answers "memory" messages with
// process.memoryUsage(), after a full GC when the process runs with --expose-gc, so a soak or
// fault test can read the broker's heap (RSS and file descriptors come from /proc). Does nothing
// in a process without an IPC channel, and never keeps the process alive.

interface ProbeRequest {
  readonly type: "memory";
  readonly id: number;
  readonly gc?: boolean;
}

function isProbeRequest(message: unknown): message is ProbeRequest {
  return typeof message === "object" && message !== null && (message as { type?: unknown }).type === "memory";
}

if (process.send !== undefined && process.channel !== undefined) {
  process.channel.unref();
  process.on("message", (message: unknown) => {
    if (!isProbeRequest(message)) return;
    const collect = (globalThis as { gc?: () => void }).gc;
    const collected = message.gc === true && collect !== undefined;
    if (collected) collect();
    process.send?.({ type: "memory", id: message.id, collected, usage: process.memoryUsage() });
  });
}

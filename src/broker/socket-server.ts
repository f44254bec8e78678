// The broker's listeners: one TCP server per configured listener, connection limits
// (max.connections, max.connections.per.ip), and graceful shutdown (stop accepting, let each
// connection finish the requests it already received, then close).

import { createServer, type Server, type Socket } from "node:net";
import type { Logger } from "../lib/logger.js";
import { Connection, type ConnectionLimits, type FrameProcessor } from "./connection.js";

export interface ListenerSpec {
  readonly name: string;
  readonly host: string;
  /** 0 picks a free port; the bound port is reported in BoundListener. */
  readonly port: number;
  readonly securityProtocol: string;
}

export interface BoundListener extends ListenerSpec {
  readonly port: number;
}

export interface SocketServerLimits extends ConnectionLimits {
  /** max.connections: across all listeners. */
  readonly maxConnections: number;
  /** max.connections.per.ip */
  readonly maxConnectionsPerIp: number;
}

/** How long a connection may take to finish its received requests at shutdown. */
const SHUTDOWN_DRAIN_TIMEOUT_MS = 5_000;

export class SocketServer {
  private readonly servers: Server[] = [];
  private readonly connections = new Set<Connection>();
  private readonly connectionsPerIp = new Map<string, number>();
  private nextConnectionId = 0;
  private stopping = false;
  private bound: BoundListener[] = [];

  constructor(
    private readonly processor: FrameProcessor,
    private readonly limits: SocketServerLimits,
    private readonly logger: Logger,
  ) {}

  get listeners(): readonly BoundListener[] {
    return this.bound;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  async start(specs: readonly ListenerSpec[]): Promise<readonly BoundListener[]> {
    const bound: BoundListener[] = [];
    try {
      for (const spec of specs) bound.push(await this.listen(spec));
    } catch (error) {
      await this.closeServers();
      throw error;
    }
    this.bound = bound;
    return bound;
  }

  private listen(spec: ListenerSpec): Promise<BoundListener> {
    const server = createServer({ noDelay: true }, (socket) => this.accept(spec, socket));
    this.servers.push(server);
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      // An empty host binds every interface, as a Kafka listener like PLAINTEXT://:9092 does.
      server.listen({ host: spec.host === "" ? undefined : spec.host, port: spec.port }, () => {
        server.off("error", reject);
        server.on("error", (error) => this.logger.error({ listener: spec.name, err: error }, "listener error"));
        const address = server.address();
        const port = typeof address === "object" && address !== null ? address.port : spec.port;
        resolve({ ...spec, port });
      });
    });
  }

  private accept(spec: ListenerSpec, socket: Socket): void {
    const ip = socket.remoteAddress ?? "unknown";
    if (this.stopping) {
      socket.destroy();
      return;
    }
    const perIp = this.connectionsPerIp.get(ip) ?? 0;
    if (this.connections.size >= this.limits.maxConnections || perIp >= this.limits.maxConnectionsPerIp) {
      this.logger.warn(
        { ip, connections: this.connections.size, perIp },
        "refusing connection: max.connections or max.connections.per.ip reached",
      );
      socket.destroy();
      return;
    }
    this.connectionsPerIp.set(ip, perIp + 1);
    const id = `${spec.name}-${this.nextConnectionId++}`;
    const connection = new Connection(id, spec.name, socket, this.processor, this.limits, this.logger, (closed) => {
      if (!this.connections.delete(closed)) return;
      const remaining = (this.connectionsPerIp.get(ip) ?? 1) - 1;
      if (remaining <= 0) this.connectionsPerIp.delete(ip);
      else this.connectionsPerIp.set(ip, remaining);
    });
    this.connections.add(connection);
  }

  private async closeServers(): Promise<void> {
    await Promise.all(
      this.servers.map((server) => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()))),
    );
  }

  /** Stops accepting connections; the ones open keep being served until drain(). */
  stopAccepting(): Promise<void> {
    this.stopping = true;
    return this.closeServers();
  }

  /** Lets connections finish the requests they already sent, then closes them. */
  async drain(): Promise<void> {
    await Promise.all([...this.connections].map((connection) => connection.drainAndClose(SHUTDOWN_DRAIN_TIMEOUT_MS)));
  }

  async stop(): Promise<void> {
    const closing = this.stopAccepting();
    await this.drain();
    await closing;
  }
}

// The broker's listeners: one TCP server per configured listener, connection limits
// (max.connections, max.connections.per.ip with max.connections.per.ip.overrides), the limits all
// connections share (queued.max.requests, queued.max.request.bytes: RequestAdmission), and
// graceful shutdown (stop accepting, let each connection finish the requests it already received,
// then close).
//
// A connection over max.connections or its IP's limit is closed at once, before anything is read
// from it (Kafka closes it too, after accepting it), so opening thousands of sockets costs the
// broker one accept and one close each. Refusals are logged at most once per
// REFUSAL_LOG_INTERVAL_MS with a count, so a connection flood cannot flood the log as well.

import { createServer, isIP, type Server, type Socket } from "node:net";
import { lookup } from "node:dns/promises";
import type { Logger } from "../lib/logger.js";
import { errorMessage } from "../lib/errors.js";
import { Connection, type ConnectionLimits, type FrameProcessor } from "./connection.js";
import { MemoryPool } from "./memory-pool.js";
import { RequestAdmission } from "./request-admission.js";

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
  /** max.connections.per.ip.overrides: host name or IP address to its own limit. */
  readonly maxConnectionsPerIpOverrides?: ReadonlyMap<string, number>;
  /** queued.max.requests: whole requests waiting to be processed, over all connections. */
  readonly queuedMaxRequests: number;
  /** queued.max.request.bytes: bytes of requests received and not yet answered; -1 for no limit. */
  readonly queuedMaxRequestBytes: number;
}

/** What the listeners hold right now; for tests, metrics and the soak script. */
export interface SocketServerStats {
  readonly connectionCount: number;
  readonly refusedConnectionCount: number;
  readonly queuedRequests: number;
  readonly poolUsedBytes: number;
  readonly connectionsWaitingForAdmission: number;
  /** Pooled frame buffers handed to requests and not yet back (RequestBufferPool). */
  readonly requestBuffersOutstanding: number;
  /** Bytes of pooled frame buffers waiting for reuse. */
  readonly requestBufferIdleBytes: number;
}

/** How long a connection may take to finish its received requests at shutdown. */
const SHUTDOWN_DRAIN_TIMEOUT_MS = 5_000;
/** At most one "refusing connection" log line per this interval (with the count since the last). */
const REFUSAL_LOG_INTERVAL_MS = 10_000;

/** ::ffff:10.0.0.1 (an IPv4 client of a dual-stack listener) counts as 10.0.0.1. */
function normalizeIp(address: string): string {
  return address.startsWith("::ffff:") && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

export class SocketServer {
  private readonly servers: Server[] = [];
  private readonly connections = new Set<Connection>();
  private readonly connectionsPerIp = new Map<string, number>();
  /** max.connections.per.ip.overrides by IP address (host names resolved at start). */
  private readonly perIpOverrides = new Map<string, number>();
  private readonly admission: RequestAdmission;
  private nextConnectionId = 0;
  private stopping = false;
  private bound: BoundListener[] = [];
  private refusedCount = 0;
  private refusedSinceLogCount = 0;
  private lastRefusalLogMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly processor: FrameProcessor,
    private readonly limits: SocketServerLimits,
    private readonly logger: Logger,
    private readonly nowMs: () => number = Date.now,
  ) {
    this.admission = new RequestAdmission(limits.queuedMaxRequests, new MemoryPool(limits.queuedMaxRequestBytes));
  }

  get listeners(): readonly BoundListener[] {
    return this.bound;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  stats(): SocketServerStats {
    return {
      connectionCount: this.connections.size,
      refusedConnectionCount: this.refusedCount,
      queuedRequests: this.admission.queuedRequests,
      poolUsedBytes: this.admission.pool.usedBytes,
      connectionsWaitingForAdmission: this.admission.waitingCount,
      requestBuffersOutstanding: this.admission.buffers.outstandingCount,
      requestBufferIdleBytes: this.admission.buffers.idleBytes,
    };
  }

  async start(specs: readonly ListenerSpec[]): Promise<readonly BoundListener[]> {
    await this.resolveOverrides();
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

  /** Kafka resolves override host names once, at start; a name that does not resolve is ignored with a warning. */
  private async resolveOverrides(): Promise<void> {
    for (const [host, count] of this.limits.maxConnectionsPerIpOverrides ?? []) {
      if (isIP(host) !== 0) {
        this.perIpOverrides.set(normalizeIp(host), count);
        continue;
      }
      try {
        for (const { address } of await lookup(host, { all: true })) this.perIpOverrides.set(normalizeIp(address), count);
      } catch (error) {
        this.logger.warn({ host, err: errorMessage(error) }, "max.connections.per.ip.overrides: host does not resolve; entry ignored");
      }
    }
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

  private maxConnectionsFor(ip: string): number {
    return this.perIpOverrides.get(ip) ?? this.limits.maxConnectionsPerIp;
  }

  private accept(spec: ListenerSpec, socket: Socket): void {
    const ip = normalizeIp(socket.remoteAddress ?? "unknown");
    // A reset before we close it must not surface as an unhandled 'error'.
    socket.on("error", () => undefined);
    if (this.stopping) {
      socket.destroy();
      return;
    }
    const perIp = this.connectionsPerIp.get(ip) ?? 0;
    if (this.connections.size >= this.limits.maxConnections) {
      this.refuse(socket, ip, perIp, "max.connections");
      return;
    }
    if (perIp >= this.maxConnectionsFor(ip)) {
      this.refuse(socket, ip, perIp, "max.connections.per.ip");
      return;
    }
    this.connectionsPerIp.set(ip, perIp + 1);
    const id = `${spec.name}-${this.nextConnectionId++}`;
    const connection = new Connection(id, spec.name, socket, this.processor, this.limits, this.admission, this.logger, (closed) => {
      if (!this.connections.delete(closed)) return;
      const remaining = (this.connectionsPerIp.get(ip) ?? 1) - 1;
      if (remaining <= 0) this.connectionsPerIp.delete(ip);
      else this.connectionsPerIp.set(ip, remaining);
    });
    this.connections.add(connection);
  }

  private refuse(socket: Socket, ip: string, perIp: number, limit: string): void {
    socket.destroy();
    this.refusedCount += 1;
    this.refusedSinceLogCount += 1;
    const now = this.nowMs();
    if (now - this.lastRefusalLogMs >= REFUSAL_LOG_INTERVAL_MS) {
      this.logger.warn(
        { ip, connections: this.connections.size, perIp, refusedSinceLastLog: this.refusedSinceLogCount, refusedTotal: this.refusedCount },
        `refusing connections: ${limit} reached`,
      );
      this.lastRefusalLogMs = now;
      this.refusedSinceLogCount = 0;
    }
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

// Broker configs for node identity, listeners, connections, request limits and thread counts.
// Defaults are Kafka 4.0's except node.id/broker.id, process.roles and listeners, which Tributary
// sets so one node starts with no config file at all (Kafka's own values are kept in kafkaDefault).
// Dynamic scopes follow Kafka's DynamicBrokerConfig: listener configs are per-broker, connection
// limits and thread counts cluster-wide.

import {
  INT_MAX_VALUE_STRING,
  atLeast,
  eachOneOf,
  oneOf,
  type BrokerConfigDefinition,
  type ConfigValidator,
  type TypedConfigValue,
} from "../config-definition.js";
import { SECURITY_PROTOCOLS, parseConnectionOverrides, parseListenerEndpoints, parseSecurityProtocolMap } from "../listeners.js";
import { brokerGroup } from "./define.js";

function stringCheck(check: (value: string) => string | undefined): (value: TypedConfigValue) => string | undefined {
  return (value) => (typeof value === "string" ? check(value) : "Value must be a string");
}

export const LISTENERS_VALIDATOR: ConfigValidator = {
  kind: "custom",
  validValues: "NAME://host:port,... (empty host: every interface; port 0: any free port)",
  check: stringCheck((value) => {
    const parsed = parseListenerEndpoints(value);
    if (!parsed.ok) return parsed.rule;
    return parsed.value.length === 0 ? "At least one listener must be defined" : undefined;
  }),
};

export const ADVERTISED_LISTENERS_VALIDATOR: ConfigValidator = {
  kind: "custom",
  validValues: "NAME://host:port,...",
  check: stringCheck((value) => {
    const parsed = parseListenerEndpoints(value);
    if (!parsed.ok) return parsed.rule;
    const meta = parsed.value.find((endpoint) => endpoint.host === "0.0.0.0");
    return meta === undefined ? undefined : `advertised.listeners cannot use the nonroutable meta-address 0.0.0.0 (listener ${meta.name})`;
  }),
};

export const SECURITY_PROTOCOL_MAP_VALIDATOR: ConfigValidator = {
  kind: "custom",
  validValues: `NAME:PROTOCOL,... with PROTOCOL one of ${SECURITY_PROTOCOLS.join(", ")}`,
  check: stringCheck((value) => {
    const parsed = parseSecurityProtocolMap(value);
    return parsed.ok ? undefined : parsed.rule;
  }),
};

const CONNECTION_OVERRIDES_VALIDATOR: ConfigValidator = {
  kind: "custom",
  validValues: "host:count,...",
  check: stringCheck((value) => {
    const parsed = parseConnectionOverrides(value);
    return parsed.ok ? undefined : parsed.rule;
  }),
};

const node = brokerGroup("Node and roles");
const listeners = brokerGroup("Listeners and connections");
const requests = brokerGroup("Requests and threads");

export const NODE_NETWORK_CONFIGS: readonly BrokerConfigDefinition[] = [
  node({
    name: "node.id",
    type: "int",
    defaultValue: "1",
    kafkaDefault: null,
    validator: atLeast(0),
    importance: "high",
    dynamicScope: "read-only",
    documentation: "The id of this node, unique in the cluster. broker.id is a synonym; if both are set they must agree.",
    tributaryNote: "Defaults to 1 so a single node starts without any configuration.",
  }),
  node({
    name: "broker.id",
    type: "int",
    defaultValue: "1",
    kafkaDefault: "-1",
    validator: atLeast(0),
    importance: "high",
    dynamicScope: "read-only",
    documentation: "The older name of node.id; setting either one sets both.",
  }),
  node({
    name: "process.roles",
    type: "list",
    defaultValue: "broker,controller",
    kafkaDefault: "",
    validator: eachOneOf("broker", "controller"),
    importance: "high",
    dynamicScope: "read-only",
    documentation: "The roles this process plays in a KRaft cluster: broker, controller, or both.",
    tributaryNote:
      "Accepted so Kafka configs load. Tributary always runs as one combined node; cluster metadata lives in a local store or etcd, not a KRaft quorum.",
    noEffect: true,
  }),
  node({
    name: "broker.rack",
    type: "string",
    defaultValue: null,
    importance: "medium",
    dynamicScope: "read-only",
    documentation: "The rack or availability zone of this broker, used to spread a partition's replicas across racks.",
  }),
  node({
    name: "controller.listener.names",
    type: "string",
    defaultValue: null,
    importance: "high",
    dynamicScope: "read-only",
    documentation: "Comma-separated names of the listeners used by the KRaft controller.",
    tributaryNote:
      "Accepted; there is no KRaft controller. Listeners named here are left out of the advertised listeners, as Kafka does.",
    noEffect: true,
  }),
  node({
    name: "controller.quorum.voters",
    type: "list",
    defaultValue: "",
    importance: "high",
    dynamicScope: "read-only",
    documentation: "The static KRaft controller quorum, as id@host:port entries.",
    tributaryNote: "Accepted and ignored: Tributary coordinates a cluster through etcd.",
    noEffect: true,
  }),
  node({
    name: "controller.quorum.bootstrap.servers",
    type: "list",
    defaultValue: "",
    importance: "high",
    dynamicScope: "read-only",
    documentation: "Endpoints used to discover the KRaft controller quorum.",
    tributaryNote: "Accepted and ignored: Tributary coordinates a cluster through etcd.",
    noEffect: true,
  }),
  node({
    name: "metadata.log.dir",
    type: "string",
    defaultValue: null,
    importance: "high",
    dynamicScope: "read-only",
    documentation: "Where a KRaft node keeps its cluster metadata log; by default the first log directory.",
    tributaryNote: "Accepted and ignored: the local metadata store lives inside the first log directory.",
    noEffect: true,
  }),

  listeners({
    name: "listeners",
    type: "string",
    defaultValue: "PLAINTEXT://127.0.0.1:9092",
    kafkaDefault: "PLAINTEXT://:9092",
    validator: LISTENERS_VALIDATOR,
    importance: "high",
    dynamicScope: "per-broker",
    documentation:
      "The addresses the broker accepts connections on, as NAME://host:port entries. An empty host binds every interface; a name that is not a security protocol needs an entry in listener.security.protocol.map.",
    tributaryNote: "Defaults to the loopback interface so a development broker is not reachable from other machines.",
  }),
  listeners({
    name: "advertised.listeners",
    type: "string",
    defaultValue: null,
    validator: ADVERTISED_LISTENERS_VALIDATOR,
    importance: "high",
    dynamicScope: "per-broker",
    documentation:
      "The addresses given to clients in metadata responses, when they differ from the bind addresses (NAT, containers). Unset means the value of listeners; controller listeners are never advertised.",
  }),
  listeners({
    name: "listener.security.protocol.map",
    type: "string",
    defaultValue: "SASL_SSL:SASL_SSL,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT",
    validator: SECURITY_PROTOCOL_MAP_VALIDATOR,
    importance: "low",
    dynamicScope: "per-broker",
    documentation: "Maps each listener name to the security protocol it speaks, e.g. INTERNAL:SSL,EXTERNAL:SASL_SSL.",
  }),
  listeners({
    name: "inter.broker.listener.name",
    type: "string",
    defaultValue: null,
    importance: "medium",
    dynamicScope: "read-only",
    documentation:
      "The listener brokers use to talk to each other. Unset means the listener named after security.inter.broker.protocol; do not set both.",
  }),
  listeners({
    name: "security.inter.broker.protocol",
    type: "string",
    defaultValue: "PLAINTEXT",
    validator: oneOf(...SECURITY_PROTOCOLS),
    importance: "medium",
    dynamicScope: "read-only",
    documentation: "The security protocol for broker-to-broker traffic when inter.broker.listener.name is not set.",
  }),
  listeners({
    name: "socket.send.buffer.bytes",
    type: "int",
    defaultValue: "102400",
    importance: "high",
    dynamicScope: "read-only",
    documentation: "The SO_SNDBUF size requested for client sockets; -1 keeps the operating system's default.",
  }),
  listeners({
    name: "socket.receive.buffer.bytes",
    type: "int",
    defaultValue: "102400",
    importance: "high",
    dynamicScope: "read-only",
    documentation: "The SO_RCVBUF size requested for client sockets; -1 keeps the operating system's default.",
  }),
  listeners({
    name: "socket.listen.backlog.size",
    type: "int",
    defaultValue: "50",
    validator: atLeast(1),
    importance: "medium",
    dynamicScope: "read-only",
    documentation: "How many not-yet-accepted connections the listening socket queues before the OS refuses more.",
  }),
  listeners({
    name: "max.connections",
    type: "int",
    defaultValue: INT_MAX_VALUE_STRING,
    validator: atLeast(0),
    importance: "medium",
    dynamicScope: "cluster-wide",
    documentation: "The most client connections the broker holds at once; new connections beyond it wait or are closed.",
  }),
  listeners({
    name: "max.connections.per.ip",
    type: "int",
    defaultValue: INT_MAX_VALUE_STRING,
    validator: atLeast(0),
    importance: "medium",
    dynamicScope: "cluster-wide",
    documentation: "The most connections allowed from one IP address, unless max.connections.per.ip.overrides says otherwise.",
  }),
  listeners({
    name: "max.connections.per.ip.overrides",
    type: "string",
    defaultValue: "",
    validator: CONNECTION_OVERRIDES_VALIDATOR,
    importance: "medium",
    dynamicScope: "cluster-wide",
    documentation: "Per-host exceptions to max.connections.per.ip, as host:count entries, e.g. 10.0.0.5:200,ci-runner:50.",
  }),
  listeners({
    name: "max.connection.creation.rate",
    type: "int",
    defaultValue: INT_MAX_VALUE_STRING,
    validator: atLeast(0),
    importance: "medium",
    dynamicScope: "cluster-wide",
    documentation: "The most new connections per second the broker accepts; faster arrivals are delayed.",
  }),
  listeners({
    name: "connections.max.idle.ms",
    type: "long",
    defaultValue: "600000",
    importance: "medium",
    dynamicScope: "read-only",
    documentation: "A connection that sends nothing for this long is closed.",
  }),
  listeners({
    name: "connection.failed.authentication.delay.ms",
    type: "int",
    defaultValue: "100",
    validator: atLeast(0),
    importance: "low",
    dynamicScope: "read-only",
    documentation: "How long the broker waits before closing a connection whose authentication failed, to slow down password guessing.",
  }),

  requests({
    name: "message.max.bytes",
    type: "int",
    defaultValue: "1048588",
    validator: atLeast(0),
    importance: "high",
    dynamicScope: "cluster-wide",
    documentation:
      "The largest record batch, after compression, the broker accepts; the broker default of the topic config max.message.bytes.",
  }),
  requests({
    name: "socket.request.max.bytes",
    type: "int",
    defaultValue: "104857600",
    validator: atLeast(1),
    importance: "high",
    dynamicScope: "read-only",
    documentation: "The largest request frame the broker reads; a connection announcing a bigger one is closed.",
  }),
  requests({
    name: "fetch.max.bytes",
    type: "int",
    defaultValue: "57671680",
    validator: atLeast(1024),
    importance: "medium",
    dynamicScope: "read-only",
    documentation: "The most record bytes one fetch response carries, whatever the client asks for.",
  }),
  requests({
    name: "max.incremental.fetch.session.cache.slots",
    type: "int",
    defaultValue: "1000",
    validator: atLeast(0),
    importance: "medium",
    dynamicScope: "read-only",
    documentation: "How many incremental fetch sessions (KIP-227) the broker keeps at once.",
  }),
  requests({
    name: "queued.max.requests",
    type: "int",
    defaultValue: "500",
    validator: atLeast(1),
    importance: "high",
    dynamicScope: "read-only",
    documentation: "How many requests may wait to be processed before the broker stops reading from connections.",
  }),
  requests({
    name: "queued.max.request.bytes",
    type: "long",
    defaultValue: "-1",
    importance: "medium",
    dynamicScope: "read-only",
    documentation: "How many bytes of waiting requests the broker holds before it stops reading from connections; -1 means no byte limit.",
  }),
  requests({
    name: "request.timeout.ms",
    type: "int",
    defaultValue: "30000",
    importance: "high",
    dynamicScope: "read-only",
    documentation: "How long the broker waits for an answer to a request it sends to another broker or controller.",
  }),
  requests({
    name: "num.network.threads",
    type: "int",
    defaultValue: "3",
    validator: atLeast(1),
    importance: "high",
    dynamicScope: "cluster-wide",
    documentation: "In Kafka, the threads that read requests from and write responses to the network.",
    tributaryNote: "Accepted and reported only: Tributary serves every connection from Node's single event loop.",
    noEffect: true,
  }),
  requests({
    name: "num.io.threads",
    type: "int",
    defaultValue: "8",
    validator: atLeast(1),
    importance: "high",
    dynamicScope: "cluster-wide",
    documentation: "In Kafka, the threads that process requests, including disk I/O.",
    tributaryNote:
      "Accepted and reported only: requests are handled on the event loop, which also makes file writes of up to 64 KiB and reads of up to 64 KiB of freshly written data itself; larger file I/O runs on libuv's thread pool (sized by UV_THREADPOOL_SIZE).",
    noEffect: true,
  }),
  requests({
    name: "background.threads",
    type: "int",
    defaultValue: "10",
    validator: atLeast(1),
    importance: "high",
    dynamicScope: "cluster-wide",
    documentation: "In Kafka, the threads that run background tasks such as retention and deleting files.",
    tributaryNote: "Accepted and reported only: background tasks are timers on the event loop.",
    noEffect: true,
  }),
];

// Loading the broker config: precedence of the layers, environment names, warnings for unknown and
// no-effect keys, errors that name key/value/rule/origin, synonyms (node.id/broker.id, log.dirs/
// log.dir), listener parsing, cross-config rules, and dynamic configs.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  EMBEDDED_DEFAULTS,
  applyDynamicBrokerConfigs,
  brokerConfigWith,
  listenerConfigValue,
  loadBrokerConfig,
  parseOverride,
  type LoadBrokerConfigOptions,
} from "../../src/config/broker-config.js";
import { ConfigError } from "../../src/config/config-error.js";
import { DEFAULT_LOG_CONFIG } from "../../src/storage/log-config.js";

function configError(options: LoadBrokerConfigOptions): ConfigError {
  try {
    loadBrokerConfig(options);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail("expected loadBrokerConfig to throw");
}

describe("defaults", () => {
  test("a broker starts with no config at all", () => {
    const { config, warnings } = loadBrokerConfig();
    assert.deepEqual(warnings, []);
    assert.equal(config.nodeId, 1);
    assert.deepEqual(config.processRoles, ["broker", "controller"]);
    assert.deepEqual(config.listeners, [{ name: "PLAINTEXT", host: "127.0.0.1", port: 9092, securityProtocol: "PLAINTEXT" }]);
    assert.deepEqual(config.advertisedListeners, config.listeners);
    assert.deepEqual(config.logDirs, ["/tmp/tributary-logs"]);
    assert.equal(config.interBrokerListenerName, "PLAINTEXT");
    assert.deepEqual(config.defaultLogConfig, DEFAULT_LOG_CONFIG);
  });

  test("Kafka 4.0 defaults for the limits the broker enforces", () => {
    const config = brokerConfigWith();
    assert.equal(config.numPartitions, 1);
    assert.equal(config.defaultReplicationFactor, 1);
    assert.equal(config.messageMaxBytes, 1048588);
    assert.equal(config.socketRequestMaxBytes, 104857600);
    assert.equal(config.maxConnections, 2147483647);
    assert.equal(config.connectionsMaxIdleMs, 600000);
    assert.equal(config.queuedMaxRequests, 500);
    assert.equal(config.queuedMaxRequestBytes, -1);
    assert.equal(config.fetchMaxBytes, 57671680);
    assert.equal(config.offsetsTopicNumPartitions, 50);
    assert.equal(config.offsetsTopicReplicationFactor, 3);
    assert.equal(config.offsetsRetentionMs, 7 * 24 * 60 * 60 * 1000);
    assert.equal(config.transactionStateLogMinIsr, 2);
    assert.equal(config.transactionMaxTimeoutMs, 900000);
    assert.equal(config.groupInitialRebalanceDelayMs, 3000);
    assert.deepEqual(config.groupCoordinatorRebalanceProtocols, ["classic", "consumer"]);
    assert.deepEqual(config.groupConsumerAssignors, ["uniform", "range"]);
    assert.equal(config.logFlushSchedulerIntervalMs, Number.MAX_SAFE_INTEGER);
    assert.equal(config.compressionType, "producer");
    assert.equal(config.minInsyncReplicas, 1);
    assert.equal(config.uncleanLeaderElectionEnable, false);
    assert.equal(config.authorizerClassName, "");
    assert.deepEqual(config.saslEnabledMechanisms, ["GSSAPI"]);
  });

  test("embedded defaults set the single-node values and are reported as static", () => {
    const { config, warnings } = loadBrokerConfig({ embeddedDefaults: EMBEDDED_DEFAULTS });
    assert.deepEqual(warnings, []);
    assert.equal(config.offsetsTopicReplicationFactor, 1);
    assert.equal(config.transactionStateLogReplicationFactor, 1);
    assert.equal(config.transactionStateLogMinIsr, 1);
    assert.equal(config.groupInitialRebalanceDelayMs, 0);
    assert.equal(config.sources.get("offsets.topic.replication.factor"), "embedded");
    assert.equal(config.sources.get("num.partitions"), "default");
    assert.equal(config.raw.get("group.initial.rebalance.delay.ms"), "0");
    assert.equal(config.raw.has("num.partitions"), false);
  });
});

describe("precedence: defaults < embedded < file < env < overrides", () => {
  const file = { path: "/etc/tributary/server.properties", contents: "num.partitions=2\nlog.dirs=/from-file\ngroup.initial.rebalance.delay.ms=100\n" };

  test("each layer wins over the ones below it", () => {
    const { config } = loadBrokerConfig({
      embeddedDefaults: EMBEDDED_DEFAULTS,
      file,
      env: { TRIBUTARY_NUM_PARTITIONS: "3", TRIBUTARY_LOG_DIRS: "/from-env" },
      overrides: { "log.dirs": "/a,/b" },
    });
    assert.equal(config.groupInitialRebalanceDelayMs, 100, "file beats embedded");
    assert.equal(config.numPartitions, 3, "env beats file");
    assert.deepEqual(config.logDirs, ["/a", "/b"], "override beats env");
    assert.equal(config.sources.get("group.initial.rebalance.delay.ms"), "file");
    assert.equal(config.sources.get("num.partitions"), "env");
    assert.equal(config.sources.get("log.dirs"), "override");
    assert.equal(config.sources.get("offsets.topic.replication.factor"), "embedded");
  });

  test("only TRIBUTARY_* variables are read, and undefined ones are skipped", () => {
    const { config, warnings } = loadBrokerConfig({ env: { NUM_PARTITIONS: "9", PATH: "/bin", TRIBUTARY_NUM_PARTITIONS: undefined } });
    assert.equal(config.numPartitions, 1);
    assert.deepEqual(warnings, []);
  });

  test("overrides may be a Map, and parseOverride splits key=value at the first '='", () => {
    assert.deepEqual(parseOverride("listeners=PLAINTEXT://:0"), ["listeners", "PLAINTEXT://:0"]);
    assert.deepEqual(parseOverride("sasl.jaas.config=a=b"), ["sasl.jaas.config", "a=b"]);
    assert.throws(() => parseOverride("novalue"), ConfigError);
    const { config } = loadBrokerConfig({ overrides: new Map([["num.partitions", "4"]]) });
    assert.equal(config.numPartitions, 4);
  });
});

describe("warnings", () => {
  test("unknown keys are kept and reported with where they came from", () => {
    const { config, warnings } = loadBrokerConfig({
      file: { path: "server.properties", contents: "zookeeper.connect=localhost:2181\n" },
      env: { TRIBUTARY_MY_PLUGIN_SETTING: "x" },
      overrides: { "custom.key": "1" },
    });
    assert.deepEqual(
      warnings.map((warning) => [warning.kind, warning.key, warning.origin]),
      [
        ["unknown", "zookeeper.connect", "server.properties"],
        ["unknown", "my.plugin.setting", "environment variable TRIBUTARY_MY_PLUGIN_SETTING"],
        ["unknown", "custom.key", "override"],
      ],
    );
    assert.match(warnings[0].message, /zookeeper\.connect is not a known broker config/);
    assert.equal(config.raw.get("zookeeper.connect"), "localhost:2181");
  });

  test("a TRIBUTARY_ variable that encodes no key is reported", () => {
    const { warnings } = loadBrokerConfig({ env: { TRIBUTARY_A____B: "1" } });
    assert.deepEqual(warnings.map((warning) => warning.key), ["TRIBUTARY_A____B"]);
  });

  test("keys accepted only for compatibility warn that they have no effect", () => {
    const { warnings } = loadBrokerConfig({ overrides: { "num.io.threads": "16", "num.partitions": "2" } });
    assert.deepEqual(warnings.map((warning) => [warning.kind, warning.key]), [["no-effect", "num.io.threads"]]);
  });

  test("listener-prefixed keys of known configs are not unknown", () => {
    const { warnings } = loadBrokerConfig({
      overrides: {
        "listener.name.sasl_plaintext.plain.sasl.jaas.config": "org.example.PlainLoginModule required;",
        "listener.name.ssl.ssl.keystore.location": "/etc/broker.pem",
        "listener.name.ssl.not.a.config": "x",
      },
    });
    assert.deepEqual(warnings.map((warning) => warning.key), ["listener.name.ssl.not.a.config"]);
  });
});

describe("invalid values throw ConfigError naming key, value, rule and origin", () => {
  test("a non-number from the environment", () => {
    const error = configError({ env: { TRIBUTARY_NUM_PARTITIONS: "abc" } });
    assert.equal(
      error.message,
      "Invalid value abc for configuration num.partitions: Not a number of type INT (from environment variable TRIBUTARY_NUM_PARTITIONS)",
    );
    assert.deepEqual(error.issues[0], { key: "num.partitions", value: "abc", rule: "Not a number of type INT", origin: "environment variable TRIBUTARY_NUM_PARTITIONS" });
  });

  test("a value below the range, from the file", () => {
    const error = configError({ file: { path: "/srv/server.properties", contents: "log.segment.bytes=10\n" } });
    assert.equal(error.message, "Invalid value 10 for configuration log.segment.bytes: Value must be at least 14 (from /srv/server.properties)");
  });

  test("every problem is listed at once", () => {
    const error = configError({ overrides: { "num.partitions": "0", "log.cleanup.policy": "compact,purge", "auto.create.topics.enable": "maybe" } });
    assert.deepEqual(
      error.issues.map((issue) => issue.key),
      ["num.partitions", "auto.create.topics.enable", "log.cleanup.policy"],
    );
    assert.match(error.message, /Invalid value compact,purge for configuration log.cleanup.policy: String must be one of: compact, delete/);
    assert.match(error.message, /Expected value to be either true or false/);
  });

  test("a broker synonym that breaks the topic config's rule names the broker key", () => {
    const error = configError({ overrides: { "log.roll.ms": "0" } });
    assert.equal(error.issues[0].key, "log.roll.ms");
    assert.match(error.message, /Invalid value 0 for configuration log.roll.ms: Value must be at least 1 \(as the broker default of topic config segment.ms\)/);
  });

  test("cross-config rules", () => {
    assert.match(configError({ overrides: { "node.id": "1", "broker.id": "2" } }).message, /node.id and broker.id \(2\) must be equal/);
    assert.match(
      configError({ overrides: { "replica.fetch.wait.max.ms": "40000" } }).message,
      /replica.fetch.wait.max.ms: Must be no more than replica.socket.timeout.ms \(30000\)/,
    );
    assert.match(
      configError({ overrides: { "group.consumer.heartbeat.interval.ms": "20000" } }).message,
      /group.consumer.heartbeat.interval.ms: Must be no more than group.consumer.max.heartbeat.interval.ms/,
    );
    assert.match(configError({ overrides: { "log.cleaner.dedupe.buffer.size": "1000" } }).message, /at least 1MB per cleaner thread/);
    assert.match(configError({ overrides: { "log.dir": "" } }).message, /At least one log directory/);
    assert.match(
      configError({ overrides: { "group.coordinator.rebalance.protocols": "consumer" } }).message,
      /Disabling the 'classic' protocol is not supported/,
    );
    assert.match(configError({ overrides: { "queued.max.request.bytes": "1000" } }).message, /must be larger or equal to socket.request.max.bytes/);
    assert.match(configError({ overrides: { "max.connections.per.ip": "0" } }).message, /can be set to zero only if max.connections.per.ip.overrides is set/);
    assert.equal(brokerConfigWith({ "max.connections.per.ip": "0", "max.connections.per.ip.overrides": "10.0.0.1:5" }).maxConnectionsPerIpOverrides.get("10.0.0.1"), 5);
    assert.match(
      configError({ overrides: { "connections.max.idle.ms": "50" } }).message,
      /connection.failed.authentication.delay.ms: Must be less than connections.max.idle.ms \(50\)/,
    );
    assert.match(
      configError({ overrides: { listeners: "SASL_PLAINTEXT://:9092", "inter.broker.listener.name": "SASL_PLAINTEXT", "sasl.enabled.mechanisms": "PLAIN" } })
        .message,
      /sasl.mechanism.inter.broker.protocol must be included in sasl.enabled.mechanisms/,
    );
  });

  test("a malformed properties file names the file and line", () => {
    const error = configError({ file: { path: "/etc/server.properties", contents: "a=1\nb=\\uZZZZ\n" } });
    assert.equal(error.message, "/etc/server.properties: line 2: Malformed \\uxxxx encoding");
  });
});

describe("synonyms between broker keys", () => {
  test("broker.id alone sets node.id, and node.id alone sets broker.id", () => {
    const fromBrokerId = brokerConfigWith({ "broker.id": "7" });
    assert.equal(fromBrokerId.nodeId, 7);
    assert.equal(fromBrokerId.values.get("broker.id")?.display, "7");
    const fromNodeId = brokerConfigWith({ "node.id": "5" });
    assert.equal(fromNodeId.nodeId, 5);
    assert.equal(fromNodeId.values.get("broker.id")?.display, "5");
  });

  test("log.dirs wins over log.dir", () => {
    assert.deepEqual(brokerConfigWith({ "log.dir": "/one" }).logDirs, ["/one"]);
    assert.deepEqual(brokerConfigWith({ "log.dir": "/one", "log.dirs": "/two, /three" }).logDirs, ["/two", "/three"]);
  });
});

describe("listeners", () => {
  test("names are upper-cased, empty hosts mean every interface, IPv6 hosts are bracketed", () => {
    const config = brokerConfigWith({
      listeners: "plaintext://:9092,INTERNAL://[::1]:9093,EXTERNAL://broker.example:0",
      "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,internal:SSL,EXTERNAL:SASL_SSL",
      "inter.broker.listener.name": "internal",
    });
    assert.deepEqual(config.listeners, [
      { name: "PLAINTEXT", host: null, port: 9092, securityProtocol: "PLAINTEXT" },
      { name: "INTERNAL", host: "::1", port: 9093, securityProtocol: "SSL" },
      { name: "EXTERNAL", host: "broker.example", port: 0, securityProtocol: "SASL_SSL" },
    ]);
    assert.equal(config.interBrokerListenerName, "INTERNAL");
  });

  test("advertised listeners replace the bound ones in metadata; controller listeners are never advertised", () => {
    const config = brokerConfigWith({
      listeners: "PLAINTEXT://:9092,CONTROLLER://:9093",
      "advertised.listeners": "PLAINTEXT://localhost:9092,CONTROLLER://localhost:9093",
      "controller.listener.names": "CONTROLLER",
      "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
    });
    assert.deepEqual(config.advertisedListeners, [{ name: "PLAINTEXT", host: "localhost", port: 9092, securityProtocol: "PLAINTEXT" }]);
    assert.deepEqual(config.controllerListenerNames, ["CONTROLLER"]);
    assert.equal(config.listeners.length, 2);
  });

  test("bad listener configs are rejected with the reason", () => {
    assert.match(configError({ overrides: { listeners: "PLAINTEXT:9092" } }).message, /Unable to parse PLAINTEXT:9092 to a broker endpoint/);
    assert.match(configError({ overrides: { listeners: "PLAINTEXT://:70000" } }).message, /outside 0-65535/);
    assert.match(configError({ overrides: { listeners: "CLIENT://:9092" } }).message, /No security protocol defined for listener CLIENT/);
    assert.match(configError({ overrides: { listeners: "PLAINTEXT://:9092,SSL://:9092" } }).message, /both use port 9092/);
    assert.match(configError({ overrides: { listeners: "PLAINTEXT://:1,plaintext://:2" } }).message, /PLAINTEXT appears twice/);
    assert.match(configError({ overrides: { "advertised.listeners": "PLAINTEXT://0.0.0.0:9092" } }).message, /nonroutable meta-address/);
    assert.match(configError({ overrides: { "advertised.listeners": "SSL://host:9093" } }).message, /Advertised listener SSL is not one of the listeners/);
    assert.match(configError({ overrides: { "listener.security.protocol.map": "A:TLS" } }).message, /Unknown security protocol TLS/);
    assert.match(
      configError({ overrides: { "inter.broker.listener.name": "PLAINTEXT", "security.inter.broker.protocol": "SSL" } }).message,
      /Only one of inter.broker.listener.name and security.inter.broker.protocol/,
    );
  });

  test("listenerConfigValue prefers the listener-and-mechanism key, then the listener key, then the broker value", () => {
    const config = brokerConfigWith({
      "sasl.enabled.mechanisms": "PLAIN",
      "listener.name.sasl_plaintext.sasl.enabled.mechanisms": "SCRAM-SHA-256",
      "listener.name.sasl_plaintext.plain.sasl.jaas.config": "plain-login;",
    });
    assert.equal(listenerConfigValue(config, "SASL_PLAINTEXT", "sasl.enabled.mechanisms"), "SCRAM-SHA-256");
    assert.equal(listenerConfigValue(config, "PLAINTEXT", "sasl.enabled.mechanisms"), "PLAIN");
    assert.equal(listenerConfigValue(config, "SASL_PLAINTEXT", "sasl.jaas.config", "PLAIN"), "plain-login;");
    assert.equal(listenerConfigValue(config, "SASL_PLAINTEXT", "sasl.jaas.config", "SCRAM-SHA-512"), null);
  });
});

test("a Kafka 4.0 style combined-mode server.properties loads", () => {
  const contents = [
    "# combined broker and controller",
    "process.roles=broker,controller",
    "node.id=1",
    "controller.quorum.voters=1@localhost:9093",
    "listeners=PLAINTEXT://:9092,CONTROLLER://:9093",
    "inter.broker.listener.name=PLAINTEXT",
    "advertised.listeners=PLAINTEXT://localhost:9092,CONTROLLER://localhost:9093",
    "controller.listener.names=CONTROLLER",
    "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL",
    "num.network.threads=3",
    "socket.send.buffer.bytes=102400",
    "log.dirs=/tmp/kraft-combined-logs",
    "offsets.topic.replication.factor=1",
    "transaction.state.log.replication.factor=1",
    "transaction.state.log.min.isr=1",
    "log.retention.hours=168",
    "log.segment.bytes=1073741824",
    "log.retention.check.interval.ms=300000",
  ].join("\n");
  const { config, warnings } = loadBrokerConfig({ file: { path: "server.properties", contents } });
  assert.deepEqual(warnings.map((warning) => warning.key), ["process.roles", "controller.quorum.voters", "controller.listener.names", "num.network.threads"]);
  assert.ok(warnings.every((warning) => warning.kind === "no-effect"));
  assert.deepEqual(config.advertisedListeners.map((listener) => `${listener.name}://${listener.host}:${listener.port}`), ["PLAINTEXT://localhost:9092"]);
  assert.deepEqual(config.logDirs, ["/tmp/kraft-combined-logs"]);
  assert.equal(config.offsetsTopicReplicationFactor, 1);
});

describe("dynamic configs", () => {
  test("per-broker beats cluster default beats static, and sources say so", () => {
    const base = brokerConfigWith({ "log.retention.ms": "1000", "max.connections": "100" });
    const config = applyDynamicBrokerConfigs(base, {
      clusterDefault: { "log.retention.ms": "2000", "max.connections": "200", "num.io.threads": "4" },
      perBroker: { "max.connections": "300" },
    });
    assert.equal(config.defaultLogConfig.retentionMs, 2000);
    assert.equal(config.maxConnections, 300);
    assert.equal(config.sources.get("log.retention.ms"), "dynamic-default");
    assert.equal(config.sources.get("max.connections"), "dynamic-broker");
    assert.equal(base.maxConnections, 100, "the original config is unchanged");
    const reverted = applyDynamicBrokerConfigs(config, {});
    assert.equal(reverted.maxConnections, 100);
    assert.equal(reverted.sources.get("max.connections"), "override");
  });

  test("read-only configs cannot be set dynamically; per-broker ones not as the cluster default", () => {
    const base = brokerConfigWith();
    assert.throws(() => applyDynamicBrokerConfigs(base, { perBroker: { "log.retention.hours": "1" } }), /log.retention.hours: Cannot update these configs dynamically/);
    assert.throws(
      () => applyDynamicBrokerConfigs(base, { clusterDefault: { listeners: "PLAINTEXT://:9093" } }),
      /Cannot update these configs at default cluster level, broker id must be specified/,
    );
    assert.throws(() => applyDynamicBrokerConfigs(base, { perBroker: { "message.max.bytes": "-1" } }), /Value must be at least 0 \(from dynamic broker config\)/);
    assert.equal(applyDynamicBrokerConfigs(base, { perBroker: { listeners: "PLAINTEXT://:9093" } }).listeners[0].port, 9093);
  });

  test("loadBrokerConfig applies dynamic configs passed with the static layers", () => {
    const { config } = loadBrokerConfig({ overrides: { "num.partitions": "2" }, dynamic: { perBroker: { "log.segment.bytes": "2048" } } });
    assert.equal(config.defaultLogConfig.segmentBytes, 2048);
    assert.equal(config.numPartitions, 2);
  });
});

// TRIBUTARY_* names: the documented examples, the escapes for "_" and "-", and a round trip for
// every defined config and for arbitrary key-shaped strings.

import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { BROKER_CONFIG_DEFINITIONS } from "../../src/config/definitions/index.js";
import { configNameForEnv, envNameForConfig } from "../../src/config/env.js";

test("documented examples", () => {
  assert.equal(envNameForConfig("log.dirs"), "TRIBUTARY_LOG_DIRS");
  assert.equal(envNameForConfig("num.partitions"), "TRIBUTARY_NUM_PARTITIONS");
  assert.equal(configNameForEnv("TRIBUTARY_LOG_DIRS"), "log.dirs");
  assert.equal(configNameForEnv("TRIBUTARY_NUM_PARTITIONS"), "num.partitions");
});

test("underscores and hyphens inside keys are escaped", () => {
  assert.equal(envNameForConfig("listener.name.sasl_ssl.sasl.enabled.mechanisms"), "TRIBUTARY_LISTENER_NAME_SASL__SSL_SASL_ENABLED_MECHANISMS");
  assert.equal(configNameForEnv("TRIBUTARY_LISTENER_NAME_SASL__SSL_SASL_ENABLED_MECHANISMS"), "listener.name.sasl_ssl.sasl.enabled.mechanisms");
  assert.equal(envNameForConfig("listener.name.client-a.x"), "TRIBUTARY_LISTENER_NAME_CLIENT___A_X");
  assert.equal(configNameForEnv("TRIBUTARY_LISTENER_NAME_CLIENT___A_X"), "listener.name.client-a.x");
});

test("other variables and malformed names map to no key", () => {
  assert.equal(configNameForEnv("HOME"), undefined);
  assert.equal(configNameForEnv("TRIBUTARY_"), undefined);
  assert.equal(configNameForEnv("TRIBUTARY_A____B"), undefined);
});

test("every broker config round-trips", () => {
  for (const definition of BROKER_CONFIG_DEFINITIONS) {
    assert.equal(configNameForEnv(envNameForConfig(definition.name)), definition.name);
  }
});

test("property: lower-case keys of letters, digits, '.', '_' and '-' round-trip", () => {
  const segment = fc.stringMatching(/^[a-z0-9]([a-z0-9_-]*[a-z0-9])?$/);
  const key = fc.array(segment, { minLength: 1, maxLength: 5 }).map((segments) => segments.join("."));
  fc.assert(
    fc.property(key, (name) => {
      // Adjacent escapes ("_-") make runs the decoder cannot split; such keys do not occur in Kafka.
      fc.pre(!/[_-]{2}/.test(name));
      assert.equal(configNameForEnv(envNameForConfig(name)), name);
    }),
    { numRuns: 300 },
  );
});

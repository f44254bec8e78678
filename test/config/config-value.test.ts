// One value through Kafka's type parsing and validators: accepted syntax, exact 64-bit range checks,
// Long.MAX_VALUE held as MAX_SAFE_INTEGER but displayed exactly, Java's double formatting, and the
// rule wording Kafka uses.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { atLeast, between, oneOf, type ConfigDefinition } from "../../src/config/config-definition.js";
import { checkValidator, javaDoubleToString, javaTrim, parseConfigValue, parseTyped, validValuesText } from "../../src/config/config-value.js";

function definition(partial: Partial<ConfigDefinition> & Pick<ConfigDefinition, "type">): ConfigDefinition {
  return { name: "x", defaultValue: null, documentation: "", importance: "low", ...partial };
}

describe("parseTyped", () => {
  test("booleans are case-insensitive and trimmed", () => {
    assert.deepEqual(parseTyped("boolean", " TRUE "), { ok: true, typed: true, display: "true" });
    assert.deepEqual(parseTyped("boolean", "False"), { ok: true, typed: false, display: "false" });
    assert.deepEqual(parseTyped("boolean", "yes"), { ok: false, rule: "Expected value to be either true or false" });
  });

  test("integers accept a sign and canonicalise the display", () => {
    assert.deepEqual(parseTyped("int", "+007"), { ok: true, typed: 7, display: "7" });
    assert.deepEqual(parseTyped("int", "-2147483648"), { ok: true, typed: -2147483648, display: "-2147483648" });
  });

  test("integers outside the Java type's range or not integers are rejected as Kafka words it", () => {
    assert.deepEqual(parseTyped("int", "2147483648"), { ok: false, rule: "Not a number of type INT" });
    assert.deepEqual(parseTyped("short", "32768"), { ok: false, rule: "Not a number of type SHORT" });
    assert.deepEqual(parseTyped("long", "9223372036854775808"), { ok: false, rule: "Not a number of type LONG" });
    assert.deepEqual(parseTyped("int", "1.5"), { ok: false, rule: "Not a number of type INT" });
    assert.deepEqual(parseTyped("long", ""), { ok: false, rule: "Not a number of type LONG" });
    assert.deepEqual(parseTyped("int", "1e3"), { ok: false, rule: "Not a number of type INT" });
  });

  test("Long.MAX_VALUE is held as MAX_SAFE_INTEGER and displayed exactly", () => {
    assert.deepEqual(parseTyped("long", "9223372036854775807"), { ok: true, typed: Number.MAX_SAFE_INTEGER, display: "9223372036854775807" });
    assert.deepEqual(parseTyped("long", "-9223372036854775808"), { ok: true, typed: Number.MIN_SAFE_INTEGER, display: "-9223372036854775808" });
    assert.deepEqual(parseTyped("long", "9007199254740991"), { ok: true, typed: 9007199254740991, display: "9007199254740991" });
  });

  test("doubles accept Java's syntax and print like Java", () => {
    assert.deepEqual(parseTyped("double", "0.5"), { ok: true, typed: 0.5, display: "0.5" });
    assert.deepEqual(parseTyped("double", "1"), { ok: true, typed: 1, display: "1.0" });
    assert.deepEqual(parseTyped("double", ".25d"), { ok: true, typed: 0.25, display: "0.25" });
    assert.deepEqual(parseTyped("double", "1.7976931348623157E308"), { ok: true, typed: Number.MAX_VALUE, display: "1.7976931348623157E308" });
    assert.deepEqual(parseTyped("double", "abc"), { ok: false, rule: "Not a number of type DOUBLE" });
  });

  test("lists split on commas with surrounding whitespace; empty text is an empty list", () => {
    assert.deepEqual(parseTyped("list", " compact , delete "), { ok: true, typed: ["compact", "delete"], display: "compact,delete" });
    assert.deepEqual(parseTyped("list", "  "), { ok: true, typed: [], display: "" });
  });

  test("strings, passwords and classes are trimmed; null stays unset", () => {
    assert.deepEqual(parseTyped("string", "  a b  "), { ok: true, typed: "a b", display: "a b" });
    assert.deepEqual(parseTyped("password", " secret "), { ok: true, typed: "secret", display: "secret" });
    assert.deepEqual(parseTyped("int", null), { ok: true, typed: null, display: null });
  });
});

describe("validators", () => {
  test("ranges use Kafka's wording", () => {
    assert.equal(checkValidator(atLeast(1), 0), "Value must be at least 1");
    assert.equal(checkValidator(between(0, 1), 1.5), "Value must be no more than 1");
    assert.equal(checkValidator(between(0, 1), 1), undefined);
  });

  test("one-of names the allowed strings", () => {
    assert.equal(checkValidator(oneOf("CreateTime", "LogAppendTime"), "createtime"), "String must be one of: CreateTime, LogAppendTime");
    assert.equal(checkValidator({ kind: "one-of", values: ["a"], caseInsensitive: true }, "A"), undefined);
  });

  test("parseConfigValue skips the validator for unset values", () => {
    assert.deepEqual(parseConfigValue(definition({ type: "int", validator: atLeast(1) }), null), { ok: true, typed: null, display: null });
    assert.deepEqual(parseConfigValue(definition({ type: "int", validator: atLeast(1) }), "0"), { ok: false, rule: "Value must be at least 1" });
  });

  test("valid values read like Kafka's docs", () => {
    assert.equal(validValuesText(atLeast(1)), "[1,...]");
    assert.equal(validValuesText(between(1, 17)), "[1,...,17]");
    assert.equal(validValuesText({ kind: "range-or", min: 1, max: 9, orValue: -1 }), "[1,...,9] or -1");
    assert.equal(validValuesText(oneOf("a", "b")), "[a, b]");
    assert.equal(validValuesText(undefined), "");
  });
});

test("javaTrim strips control characters and spaces only", () => {
  assert.equal(javaTrim("\u0000 \t x \n"), "x");
  assert.equal(javaTrim("\u00a0x\u00a0"), "\u00a0x\u00a0");
});

test("javaDoubleToString matches Java's Double.toString for config-like values", () => {
  assert.equal(javaDoubleToString(0), "0.0");
  assert.equal(javaDoubleToString(0.9), "0.9");
  assert.equal(javaDoubleToString(10000000), "1.0E7");
  assert.equal(javaDoubleToString(0.0001), "1.0E-4");
  assert.equal(javaDoubleToString(123.5), "123.5");
});

test("property: any Java long parses exactly, displays canonically, and saturates past 2^53", () => {
  const javaLong = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
  fc.assert(
    fc.property(javaLong, fc.constantFrom("", "+", "00"), (value, prefix) => {
      const text = value < 0n ? `-${prefix.replace("+", "")}${-value}` : `${prefix}${value}`;
      const parsed = parseTyped("long", text);
      assert.ok(parsed.ok);
      assert.equal(parsed.display, value.toString());
      const expected = value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : value < BigInt(Number.MIN_SAFE_INTEGER) ? Number.MIN_SAFE_INTEGER : Number(value);
      assert.equal(parsed.typed, expected);
    }),
    { numRuns: 500 },
  );
});

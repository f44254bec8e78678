// Turns one config string into a typed value the way Kafka's ConfigDef.parseType and its validators
// do (same accepted syntax, same rule wording), and back into Kafka's canonical string form for
// DescribeConfigs and the docs. 64-bit values are checked against Java's long range exactly (BigInt)
// and then held as numbers; anything past 2^53 (in practice Long.MAX_VALUE, meaning "never") is held
// as Number.MAX_SAFE_INTEGER while its display string stays the exact long.

import type { ConfigDefinition, ConfigValidator, ConfigValueType, TypedConfigValue } from "./config-definition.js";

export type ParseResult =
  | { readonly ok: true; readonly typed: TypedConfigValue; readonly display: string | null }
  | { readonly ok: false; readonly rule: string };

const INTEGER_BOUNDS: Readonly<Record<"short" | "int" | "long", readonly [bigint, bigint]>> = {
  short: [-(2n ** 15n), 2n ** 15n - 1n],
  int: [-(2n ** 31n), 2n ** 31n - 1n],
  long: [-(2n ** 63n), 2n ** 63n - 1n],
};

const INTEGER_SYNTAX = /^[+-]?[0-9]+$/;
// Java's Double.parseDouble: optional sign, NaN/Infinity, decimal with optional exponent and an
// optional float/double suffix. Hexadecimal floats are not accepted (no Kafka config uses them).
const DOUBLE_SYNTAX = /^[+-]?(NaN|Infinity|(([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?))[fFdD]?$/;
// Kafka splits lists on commas with any surrounding whitespace.
const LIST_SEPARATOR = /\s*,\s*/;

/** Java's String.trim: strips every char at or below U+0020 from both ends (not Unicode spaces). */
export function javaTrim(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && value.charCodeAt(start) <= 0x20) start++;
  while (end > start && value.charCodeAt(end - 1) <= 0x20) end--;
  return value.slice(start, end);
}

/** Java's Double.toString for the values configs use: "0.5", "1.0", "1.7976931348623157E308". */
export function javaDoubleToString(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "Infinity";
  if (value === -Infinity) return "-Infinity";
  const magnitude = Math.abs(value);
  if (magnitude === 0 || (magnitude >= 1e-3 && magnitude < 1e7)) {
    const plain = String(value);
    return plain.includes(".") ? plain : `${plain}.0`;
  }
  const [mantissa, exponent] = value.toExponential().split("e");
  const javaMantissa = mantissa.includes(".") ? mantissa : `${mantissa}.0`;
  return `${javaMantissa}E${exponent.startsWith("+") ? exponent.slice(1) : exponent}`;
}

function parseInteger(type: "short" | "int" | "long", trimmed: string): ParseResult {
  const typeName = type.toUpperCase();
  if (!INTEGER_SYNTAX.test(trimmed)) return { ok: false, rule: `Not a number of type ${typeName}` };
  const exact = BigInt(trimmed);
  const [min, max] = INTEGER_BOUNDS[type];
  if (exact < min || exact > max) return { ok: false, rule: `Not a number of type ${typeName}` };
  const display = exact.toString();
  if (exact > BigInt(Number.MAX_SAFE_INTEGER)) return { ok: true, typed: Number.MAX_SAFE_INTEGER, display };
  if (exact < BigInt(Number.MIN_SAFE_INTEGER)) return { ok: true, typed: Number.MIN_SAFE_INTEGER, display };
  return { ok: true, typed: Number(exact), display };
}

function parseDouble(trimmed: string): ParseResult {
  if (!DOUBLE_SYNTAX.test(trimmed)) return { ok: false, rule: "Not a number of type DOUBLE" };
  const withoutSuffix = /[fFdD]$/.test(trimmed) ? trimmed.slice(0, -1) : trimmed;
  const typed = Number(withoutSuffix);
  return { ok: true, typed, display: javaDoubleToString(typed) };
}

/** Parses `raw` as `type` without running a validator. Null stays null (an unset config). */
export function parseTyped(type: ConfigValueType, raw: string | null): ParseResult {
  if (raw === null) return { ok: true, typed: null, display: null };
  const trimmed = javaTrim(raw);
  switch (type) {
    case "boolean": {
      const lower = trimmed.toLowerCase();
      if (lower === "true") return { ok: true, typed: true, display: "true" };
      if (lower === "false") return { ok: true, typed: false, display: "false" };
      return { ok: false, rule: "Expected value to be either true or false" };
    }
    case "short":
    case "int":
    case "long":
      return parseInteger(type, trimmed);
    case "double":
      return parseDouble(trimmed);
    case "list": {
      const items = trimmed === "" ? [] : trimmed.split(LIST_SEPARATOR);
      return { ok: true, typed: items, display: items.join(",") };
    }
    case "string":
    case "password":
    case "class":
      return { ok: true, typed: trimmed, display: trimmed };
  }
}

/** Runs `validator` on a parsed, non-null value; returns the broken rule or undefined. */
export function checkValidator(validator: ConfigValidator, typed: TypedConfigValue): string | undefined {
  switch (validator.kind) {
    case "range": {
      if (typeof typed !== "number") return "Value must be a number";
      if (validator.min !== undefined && typed < validator.min) return `Value must be at least ${validator.min}`;
      if (validator.max !== undefined && typed > validator.max) return `Value must be no more than ${validator.max}`;
      return undefined;
    }
    case "range-or": {
      if (typeof typed !== "number") return "Value must be a number";
      if (typed === validator.orValue || (typed >= validator.min && typed <= validator.max)) return undefined;
      return `Value must be between ${validator.min} and ${validator.max} or equal to ${validator.orValue}`;
    }
    case "one-of": {
      if (typeof typed !== "string") return "Value must be a string";
      const matches = validator.caseInsensitive
        ? validator.values.some((allowed) => allowed.toLowerCase() === typed.toLowerCase())
        : validator.values.includes(typed);
      if (matches) return undefined;
      const qualifier = validator.caseInsensitive ? " (case insensitive)" : "";
      return `String must be one of${qualifier}: ${validator.values.join(", ")}`;
    }
    case "each-one-of": {
      if (!Array.isArray(typed)) return "Value must be a list";
      for (const item of typed) {
        if (!validator.values.includes(item)) return `String must be one of: ${validator.values.join(", ")} (got "${item}")`;
      }
      return undefined;
    }
    case "custom":
      return validator.check(typed);
  }
}

/** Parses and validates `raw` (null meaning unset) against `definition`. */
export function parseConfigValue(definition: ConfigDefinition, raw: string | null): ParseResult {
  const parsed = parseTyped(definition.type, raw);
  if (!parsed.ok || parsed.typed === null || definition.validator === undefined) return parsed;
  const broken = checkValidator(definition.validator, parsed.typed);
  return broken === undefined ? parsed : { ok: false, rule: broken };
}

/** Kafka's "Valid Values" column: "[1,...]", "[1,...,9]", "[CreateTime, LogAppendTime]", or "". */
export function validValuesText(validator: ConfigValidator | undefined): string {
  if (validator === undefined) return "";
  switch (validator.kind) {
    case "range": {
      const { min, max } = validator;
      if (min !== undefined && max !== undefined) return `[${min},...,${max}]`;
      if (min !== undefined) return `[${min},...]`;
      if (max !== undefined) return `[...,${max}]`;
      return "";
    }
    case "range-or":
      return `[${validator.min},...,${validator.max}] or ${validator.orValue}`;
    case "one-of":
    case "each-one-of":
      return `[${validator.values.join(", ")}]`;
    case "custom":
      return validator.validValues;
  }
}

// Reading Kafka's JSON message schemas (clients/src/main/resources/common/message/*.json) into a
// resolved model: version ranges parsed, common structs inlined, names in camelCase.
// The files are JSON with // line comments; see ../shared/kafka-protocol/README.md.

import type { FieldDefault, FieldSchema, MessageSchema, PrimitiveType, StructSchema, VersionRange } from "../codec.js";

export const EMPTY_RANGE: VersionRange = { min: 0, max: -1 };

interface RawField {
  name: string;
  type: string;
  versions?: string;
  nullableVersions?: string;
  taggedVersions?: string;
  tag?: number | string;
  default?: string | number | boolean;
  flexibleVersions?: string;
  fields?: RawField[];
}

interface RawMessage {
  apiKey?: number;
  type: "request" | "response" | "header" | "data";
  name: string;
  validVersions: string;
  flexibleVersions: string;
  fields: RawField[];
  commonStructs?: { name: string; versions?: string; fields: RawField[] }[];
  latestVersionUnstable?: boolean;
  listeners?: string[];
}

const PRIMITIVES = new Set<string>([
  "bool",
  "int8",
  "int16",
  "uint16",
  "int32",
  "uint32",
  "int64",
  "float64",
  "string",
  "bytes",
  "records",
  "uuid",
]);

/**
 * int64 fields typed as bigint instead of number (DESIGN.md "64-bit integers"): only fields whose
 * values can legitimately exceed 2^53. None of the client-facing fields do today; a path here is
 * "MessageName.FieldName" (for example "FooRequest.Bar").
 */
export const BIGINT_FIELDS: ReadonlySet<string> = new Set<string>([]);

/** A field's default value, already parsed; struct defaults are built by the emitted code. */
export type DefaultValue = FieldDefault;

export interface FieldModel extends FieldSchema {
  readonly struct: StructModel | null;
}

export interface StructModel extends StructSchema {
  /** The TypeScript interface name (unique within the emitted file). */
  readonly typeName: string;
  readonly fields: readonly FieldModel[];
}

export interface MessageModel extends MessageSchema {
  readonly typeName: string;
  readonly fields: readonly FieldModel[];
  readonly latestVersionUnstable: boolean;
  readonly listeners: readonly string[];
  /** Every struct defined in this message, nested ones first. */
  readonly structs: readonly StructModel[];
}

/** Removes // comments outside of strings. */
export function stripJsonComments(text: string): string {
  let output = "";
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (inString) {
      output += char;
      if (char === "\\") {
        output += text[++i] ?? "";
      } else if (char === '"') {
        inString = false;
      }
    } else if (char === '"') {
      inString = true;
      output += char;
    } else if (char === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++;
      output += "\n";
    } else {
      output += char;
    }
  }
  return output;
}

export function parseVersions(text: string | undefined): VersionRange {
  if (text === undefined || text === "none" || text === "") return EMPTY_RANGE;
  const trimmed = text.trim();
  if (trimmed.endsWith("+")) return { min: Number(trimmed.slice(0, -1)), max: Infinity };
  const dash = trimmed.indexOf("-");
  if (dash > 0) return { min: Number(trimmed.slice(0, dash)), max: Number(trimmed.slice(dash + 1)) };
  const single = Number(trimmed);
  return { min: single, max: single };
}

export function camelCase(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

function intersect(a: VersionRange, b: VersionRange): VersionRange {
  const min = Math.max(a.min, b.min);
  const max = Math.min(a.max, b.max);
  return min > max ? EMPTY_RANGE : { min, max };
}

/** Inclusive bounds of each integer type, so a default that cannot be written is refused here. */
const INTEGER_BOUNDS: Readonly<Partial<Record<PrimitiveType, readonly [bigint, bigint]>>> = {
  int8: [-(2n ** 7n), 2n ** 7n - 1n],
  int16: [-(2n ** 15n), 2n ** 15n - 1n],
  uint16: [0n, 2n ** 16n - 1n],
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  uint32: [0n, 2n ** 32n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
};

/** Parses an integer default ("-1", "0x7fffffff", 60000) exactly, as a bigint. */
function parseIntegerDefault(name: string, raw: string | number | boolean): bigint {
  const text = String(raw).trim();
  const negative = text.startsWith("-");
  const digits = negative ? text.slice(1) : text;
  if (!/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(digits)) throw new Error(`${name}: bad integer default ${text}`);
  const magnitude = BigInt(digits);
  return negative ? -magnitude : magnitude;
}

function parseDefault(
  field: RawField,
  type: PrimitiveType | "struct",
  isArray: boolean,
  nullable: boolean,
  bigint: boolean,
): DefaultValue {
  const raw = field.default;
  if (isArray) return raw === "null" && nullable ? null : "empty-array";
  if (type === "struct") return raw === "null" && nullable ? null : "struct";
  if (raw === "null") {
    if (!nullable) throw new Error(`${field.name}: default null on a non-nullable field`);
    return null;
  }
  switch (type) {
    case "bool":
      return raw === true || raw === "true";
    case "string":
      return raw === undefined ? "" : String(raw);
    case "bytes":
      return "empty-bytes";
    case "records":
      return nullable ? null : "empty-bytes";
    case "uuid":
      return "AAAAAAAAAAAAAAAAAAAAAA";
    case "float64": {
      const value = raw === undefined ? 0 : Number(raw);
      if (!Number.isFinite(value)) throw new Error(`${field.name}: bad float64 default ${String(raw)}`);
      return value;
    }
    default: {
      const value = raw === undefined ? 0n : parseIntegerDefault(field.name, raw);
      const [low, high] = INTEGER_BOUNDS[type] ?? [0n, -1n];
      if (value < low || value > high) throw new Error(`${field.name}: default ${value} does not fit ${type}`);
      if (bigint) return value;
      // A number field holds only safe integers (DESIGN.md "64-bit integers"); a larger default
      // belongs to a field that needs the bigint override in BIGINT_FIELDS.
      if (value < BigInt(Number.MIN_SAFE_INTEGER) || value > BigInt(Number.MAX_SAFE_INTEGER)) {
        throw new Error(`${field.name}: default ${value} is not a safe integer; type the field as bigint`);
      }
      return Number(value);
    }
  }
}

class MessageResolver {
  private readonly commonStructs = new Map<string, StructModel>();
  readonly structs: StructModel[] = [];

  constructor(
    private readonly message: RawMessage,
    private readonly messageRange: VersionRange,
    private readonly typeNames: Set<string>,
  ) {
    this.typeNames.add(message.name);
  }

  private structTypeName(name: string): string {
    let typeName = name;
    if (this.typeNames.has(typeName)) typeName = `${this.message.name}${name}`;
    let suffix = 2;
    while (this.typeNames.has(typeName)) typeName = `${this.message.name}${name}${suffix++}`;
    this.typeNames.add(typeName);
    return typeName;
  }

  resolveFields(fields: RawField[], outerRange: VersionRange): FieldModel[] {
    return fields.map((field) => this.resolveField(field, outerRange));
  }

  private resolveField(field: RawField, outerRange: VersionRange): FieldModel {
    const isArray = field.type.startsWith("[]");
    const elementType = isArray ? field.type.slice(2) : field.type;
    const isPrimitive = PRIMITIVES.has(elementType);
    const type = (isPrimitive ? elementType : "struct") as PrimitiveType | "struct";
    const versions = intersect(parseVersions(field.versions), outerRange);
    const nullableVersions = intersect(parseVersions(field.nullableVersions), versions);
    const taggedVersions = intersect(parseVersions(field.taggedVersions), versions);
    const tag = field.tag === undefined ? null : Number(field.tag);
    if ((tag === null) !== (taggedVersions.min > taggedVersions.max)) {
      throw new Error(`${this.message.name}.${field.name}: tag and taggedVersions must come together`);
    }
    let struct: StructModel | null = null;
    if (!isPrimitive) {
      struct =
        field.fields === undefined
          ? this.commonStruct(elementType)
          : this.resolveStruct(elementType, field.fields, versions);
    }
    const bigint = type === "int64" && BIGINT_FIELDS.has(`${this.message.name}.${field.name}`);
    const nullableSomewhere = nullableVersions.min <= nullableVersions.max;
    return {
      name: camelCase(field.name),
      type,
      isArray,
      bigint,
      versions,
      nullableVersions,
      taggedVersions,
      tag,
      flexibleVersions: field.flexibleVersions === undefined ? null : parseVersions(field.flexibleVersions),
      struct,
      defaultValue: parseDefault(field, type, isArray, nullableSomewhere, bigint),
    };
  }

  /** Common structs are resolved once, against the whole message range, and shared by every use. */
  private commonStruct(name: string): StructModel {
    const resolved = this.commonStructs.get(name);
    if (resolved !== undefined) return resolved;
    const common = this.message.commonStructs?.find((candidate) => candidate.name === name);
    if (common === undefined) throw new Error(`${this.message.name}: unknown struct type ${name}`);
    const struct = this.resolveStruct(name, common.fields, this.messageRange);
    this.commonStructs.set(name, struct);
    return struct;
  }

  private resolveStruct(name: string, fields: RawField[], range: VersionRange): StructModel {
    const typeName = this.structTypeName(name);
    const resolvedFields = this.resolveFields(fields, range);
    const struct: StructModel = { name, typeName, fields: resolvedFields };
    this.structs.push(struct);
    return struct;
  }

  get range(): VersionRange {
    return this.messageRange;
  }
}

/**
 * Parses one schema file. `typeNames` holds the interface names already taken in the module the
 * message is emitted into (a request and its response share one module), so names stay unique.
 */
export function parseMessage(text: string, typeNames: Set<string> = new Set()): MessageModel {
  const raw = JSON.parse(stripJsonComments(text)) as RawMessage;
  const validVersions = parseVersions(raw.validVersions);
  const resolver = new MessageResolver(raw, validVersions, typeNames);
  const fields = resolver.resolveFields(raw.fields, resolver.range);
  return {
    name: raw.name,
    typeName: raw.name,
    apiKey: raw.apiKey ?? null,
    kind: raw.type,
    validVersions,
    flexibleVersions: parseVersions(raw.flexibleVersions),
    fields,
    latestVersionUnstable: raw.latestVersionUnstable === true,
    listeners: raw.listeners ?? [],
    structs: resolver.structs,
  };
}

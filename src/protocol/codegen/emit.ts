// Emits one TypeScript module per API (request and response together), or per header/data schema.
// Each struct gets an interface, a reader, a writer and a default constructor; version checks
// become plain comparisons on `v`, simplified against the message's valid range.

import type { VersionRange } from "../codec.js";
import type { FieldModel, MessageModel, StructModel } from "./spec.js";

const EMPTY: VersionRange = { min: 0, max: -1 };

function isEmpty(range: VersionRange): boolean {
  return range.min > range.max;
}

/** A boolean expression in `v` that is true exactly for versions in `range`, within `context`. */
function condition(range: VersionRange, context: VersionRange): string {
  const min = Math.max(range.min, context.min);
  const max = Math.min(range.max, context.max);
  if (min > max) return "false";
  const lowOpen = min <= context.min;
  const highOpen = max >= context.max;
  if (lowOpen && highOpen) return "true";
  if (lowOpen) return `v <= ${max}`;
  if (highOpen) return `v >= ${min}`;
  if (min === max) return `v === ${min}`;
  return `(v >= ${min} && v <= ${max})`;
}

/** The part of `range` inside `context`: the versions in which code guarded by `range` runs. */
function narrow(range: VersionRange, context: VersionRange): VersionRange {
  const min = Math.max(range.min, context.min);
  const max = Math.min(range.max, context.max);
  return min > max ? EMPTY : { min, max };
}

function ternary(test: string, whenTrue: string, whenFalse: string): string {
  if (test === "true" || whenTrue === whenFalse) return whenTrue;
  if (test === "false") return whenFalse;
  return `(${test} ? ${whenTrue} : ${whenFalse})`;
}

/** Versions in which the field is written positionally: its versions minus its tagged versions. */
function positionalRange(field: FieldModel): VersionRange {
  if (isEmpty(field.taggedVersions)) return field.versions;
  if (field.taggedVersions.max < field.versions.max) {
    throw new Error(`${field.name}: tagged versions must run to the field's last version`);
  }
  if (field.taggedVersions.min <= field.versions.min) return EMPTY;
  return { min: field.versions.min, max: field.taggedVersions.min - 1 };
}

/** The field's default as it appears in the emitted schema (FieldSchema.defaultValue). */
function defaultLiteral(field: FieldModel): string {
  const value = field.defaultValue;
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "number") return field.bigint ? `${value}n` : String(value);
  return JSON.stringify(value);
}

function isNullableSomewhere(field: FieldModel): boolean {
  return !isEmpty(field.nullableVersions);
}

class ModuleEmitter {
  private readonly lines: string[] = [];

  constructor(private readonly messages: readonly MessageModel[]) {}

  /** Marks a runtime name the module refers to; imports are derived from the emitted text. */
  private use(name: string): string {
    return name;
  }

  private emit(line = ""): void {
    this.lines.push(line);
  }

  // ----- types -----

  private elementType(field: FieldModel): string {
    switch (field.type) {
      case "bool":
        return "boolean";
      case "int64":
        return field.bigint ? "bigint" : "number";
      case "string":
      case "uuid":
        return "string";
      case "bytes":
        return "Buffer";
      case "records":
        this.use("Records");
        return "Records";
      case "struct":
        return field.struct!.typeName;
      default:
        return "number";
    }
  }

  private fieldType(field: FieldModel): string {
    let type = this.elementType(field);
    if (field.isArray) type = `${type}[]`;
    if (isNullableSomewhere(field)) type = `${type} | null`;
    return type;
  }

  // ----- defaults -----

  private defaultExpression(field: FieldModel): string {
    const value = field.defaultValue;
    if (value === null) return "null";
    if (value === "empty-array") return "[]";
    if (value === "empty-bytes") return this.use("EMPTY_BUFFER");
    if (value === "struct") return `default${field.struct!.typeName}()`;
    if (typeof value === "string") return JSON.stringify(value);
    if (typeof value === "bigint") return `${value}n`;
    if (field.bigint && typeof value === "number") return `${value}n`;
    return String(value);
  }

  /** An expression that is true when a tagged field must be written (it differs from its default). */
  private differsFromDefault(field: FieldModel, access: string): string {
    const value = field.defaultValue;
    const nullable = isNullableSomewhere(field);
    if (value === null) return `${access} !== null`;
    if (value === "empty-array" || value === "empty-bytes") {
      return nullable ? `(${access} === null || ${access}.length > 0)` : `${access}.length > 0`;
    }
    if (value === "struct") {
      return `!${this.use("sameAsDefault")}(${access}, default${field.struct!.typeName}())`;
    }
    return `${access} !== ${this.defaultExpression(field)}`;
  }

  // ----- reading -----

  private flexible(field: FieldModel, message: MessageModel): VersionRange {
    return field.flexibleVersions ?? message.flexibleVersions;
  }

  private readScalar(field: FieldModel, message: MessageModel, forceFlexible: boolean, context: VersionRange): string {
    const flex = forceFlexible ? "true" : condition(this.flexible(field, message), context);
    const nullable = condition(field.nullableVersions, context);
    switch (field.type) {
      case "bool":
        return "r.bool()";
      case "int8":
        return "r.int8()";
      case "int16":
        return "r.int16()";
      case "uint16":
        return "r.uint16()";
      case "int32":
        return "r.int32()";
      case "uint32":
        return "r.uint32()";
      case "int64":
        return field.bigint ? "r.int64Big()" : "r.int64()";
      case "float64":
        return "r.float64()";
      case "uuid":
        return "r.uuid()";
      case "string":
        return ternary(
          nullable,
          ternary(flex, "r.compactNullableString()", "r.nullableString()"),
          ternary(flex, "r.compactString()", "r.string()"),
        );
      case "bytes":
      case "records":
        return ternary(
          nullable,
          ternary(flex, "r.compactNullableBytes()", "r.nullableBytes()"),
          ternary(flex, "r.compactBytes()", "r.bytes()"),
        );
      case "struct":
        return `read${field.struct!.typeName}(r, v)`;
    }
  }

  /** Statements that assign the decoded field to `target`. */
  private readField(
    field: FieldModel,
    message: MessageModel,
    target: string,
    forceFlexible: boolean,
    indent: string,
    context: VersionRange,
  ): void {
    const nullable = condition(field.nullableVersions, context);
    if (!field.isArray) {
      if (field.type === "struct" && nullable !== "false") {
        // A nullable struct carries a presence marker, but only in its nullable versions: an int8
        // (-1 null, 1 present) when positional, an unsigned varint (0 null, 1 present) when tagged.
        const isNull = forceFlexible ? "r.unsignedVarint() === 0" : "r.int8() < 0";
        this.emit(`${indent}if (${nullable === "true" ? isNull : `(${nullable}) && ${isNull}`}) {`);
        this.emit(`${indent}  ${target} = null;`);
        this.emit(`${indent}} else {`);
        this.emit(`${indent}  ${target} = ${this.readScalar(field, message, forceFlexible, context)};`);
        this.emit(`${indent}}`);
        return;
      }
      this.emit(`${indent}${target} = ${this.readScalar(field, message, forceFlexible, context)};`);
      return;
    }
    const flex = forceFlexible ? "true" : condition(this.flexible(field, message), context);
    const count = ternary(flex, "r.compactArrayLength()", "r.arrayLength()");
    const notNullable = `throw new ${this.use("DecodeError")}("${message.name}.${field.name} is not nullable")`;
    this.emit(`${indent}{`);
    this.emit(`${indent}  const count = ${count};`);
    if (nullable === "false") {
      this.emit(`${indent}  if (count < 0) ${notNullable};`);
      this.emit(`${indent}  {`);
    } else {
      this.emit(`${indent}  if (count < 0) {`);
      if (nullable !== "true") this.emit(`${indent}    if (!(${nullable})) ${notNullable};`);
      this.emit(`${indent}    ${target} = null;`);
      this.emit(`${indent}  } else {`);
    }
    this.emit(`${indent}    const items: ${this.elementType(field)}[] = [];`);
    const element: FieldModel = { ...field, isArray: false, nullableVersions: EMPTY };
    this.emit(`${indent}    for (let i = 0; i < count; i++) items.push(${this.readScalar(element, message, forceFlexible, context)});`);
    this.emit(`${indent}    ${target} = items;`);
    this.emit(`${indent}  }`);
    this.emit(`${indent}}`);
  }

  private emitReader(struct: StructModel, message: MessageModel): void {
    const context = message.validVersions;
    this.emit(`function read${struct.typeName}(r: ${this.use("Reader")}, v: number): ${struct.typeName} {`);
    for (const field of struct.fields) {
      const present = condition(positionalRange(field), context);
      const local = `f_${field.name}`;
      const fieldContext = narrow(positionalRange(field), context);
      const simple = !field.isArray && !(field.type === "struct" && isNullableSomewhere(field));
      if (present === "true" && simple) {
        this.emit(`  const ${local}: ${this.fieldType(field)} = ${this.readScalar(field, message, false, fieldContext)};`);
        continue;
      }
      // A field read in every version needs no default; the others start at theirs.
      const initial = present === "true" ? "" : ` = ${this.defaultExpression(field)}`;
      this.emit(`  let ${local}: ${this.fieldType(field)}${initial};`);
      if (present === "false") continue;
      if (present === "true") {
        this.readField(field, message, local, false, "  ", fieldContext);
      } else {
        this.emit(`  if (${present}) {`);
        this.readField(field, message, local, false, "    ", fieldContext);
        this.emit(`  }`);
      }
    }
    const tagged = struct.fields.filter((field) => !isEmpty(field.taggedVersions));
    const flexible = condition(message.flexibleVersions, context);
    if (flexible !== "false") {
      this.emit(`  if (${flexible}) {`);
      this.emit(`    const taggedCount = r.unsignedVarint();`);
      this.emit(`    for (let t = 0; t < taggedCount; t++) {`);
      this.emit(`      const tag = r.unsignedVarint();`);
      this.emit(`      const size = r.unsignedVarint();`);
      if (tagged.length === 0) {
        this.emit(`      void tag;`);
        this.emit(`      r.skip(size);`);
      } else {
        this.emit(`      const tagReader = r.sub(size);`);
        this.emit(`      switch (tag) {`);
        for (const field of [...tagged].sort((a, b) => a.tag! - b.tag!)) {
          const when = condition(field.taggedVersions, context);
          this.emit(`        case ${field.tag}: {`);
          this.emit(`          if (${when}) {`);
          this.emit(`            const r = tagReader;`);
          this.readField(field, message, `f_${field.name}`, true, "            ", narrow(field.taggedVersions, context));
          this.emit(`          }`);
          this.emit(`          break;`);
          this.emit(`        }`);
        }
        this.emit(`        default:`);
        this.emit(`          break;`);
        this.emit(`      }`);
      }
      this.emit(`    }`);
      this.emit(`  }`);
    }
    const assignments = struct.fields.map((field) => `${field.name}: f_${field.name}`);
    this.emit(`  return { ${assignments.join(", ")} };`);
    this.emit(`}`);
    this.emit();
  }

  // ----- writing -----

  private writeScalar(
    field: FieldModel,
    message: MessageModel,
    value: string,
    forceFlexible: boolean,
    context: VersionRange,
  ): string {
    const flex = forceFlexible ? "true" : condition(this.flexible(field, message), context);
    const nullable = condition(field.nullableVersions, context);
    const label = `"${message.name}.${field.name}"`;
    const nonNull = isNullableSomewhere(field) ? `${this.use("required")}(${value}, ${label}, v)` : value;
    switch (field.type) {
      case "bool":
        return `w.bool(${value})`;
      case "int8":
      case "int16":
      case "uint16":
      case "int32":
      case "uint32":
      case "float64":
      case "uuid":
        return `w.${field.type}(${value})`;
      case "int64":
        return field.bigint ? `w.int64Big(${value})` : `w.int64(${value})`;
      case "string":
        return ternary(
          nullable,
          ternary(flex, `w.compactNullableString(${value})`, `w.nullableString(${value})`),
          ternary(flex, `w.compactString(${nonNull})`, `w.string(${nonNull})`),
        );
      case "bytes":
        return ternary(
          nullable,
          ternary(flex, `w.compactNullableBytes(${value})`, `w.nullableBytes(${value})`),
          ternary(flex, `w.compactBytes(${nonNull})`, `w.bytes(${nonNull})`),
        );
      case "records":
        return `w.records(${nullable === "true" ? value : ternary(nullable, value, nonNull)}, ${flex})`;
      case "struct":
        return `write${field.struct!.typeName}(w, v, ${value})`;
    }
  }

  private writeField(
    field: FieldModel,
    message: MessageModel,
    access: string,
    forceFlexible: boolean,
    indent: string,
    context: VersionRange,
  ): void {
    const label = `"${message.name}.${field.name}"`;
    if (!field.isArray) {
      if (field.type === "struct" && isNullableSomewhere(field)) {
        // The presence marker exists only in the nullable versions (see readField).
        const nullable = condition(field.nullableVersions, context);
        const nonNull = { ...field, nullableVersions: EMPTY };
        if (nullable === "false") {
          const value = `${this.use("required")}(${access}, ${label}, v)`;
          this.emit(`${indent}${this.writeScalar(nonNull, message, value, forceFlexible, context)};`);
          return;
        }
        const marker = (present: boolean): string =>
          forceFlexible ? `w.unsignedVarint(${present ? 1 : 0})` : `w.int8(${present ? 1 : -1})`;
        this.emit(`${indent}if (${access} === null) {`);
        if (nullable !== "true") this.emit(`${indent}  if (!(${nullable})) ${this.use("required")}(null, ${label}, v);`);
        this.emit(`${indent}  ${marker(false)};`);
        this.emit(`${indent}} else {`);
        if (nullable === "true") this.emit(`${indent}  ${marker(true)};`);
        else this.emit(`${indent}  if (${nullable}) ${marker(true)};`);
        this.emit(`${indent}  ${this.writeScalar(nonNull, message, access, forceFlexible, context)};`);
        this.emit(`${indent}}`);
        return;
      }
      this.emit(`${indent}${this.writeScalar(field, message, access, forceFlexible, context)};`);
      return;
    }
    const flex = forceFlexible ? "true" : condition(this.flexible(field, message), context);
    const lengthCall = (count: string): string => ternary(flex, `w.compactArrayLength(${count})`, `w.arrayLength(${count})`);
    const element: FieldModel = { ...field, isArray: false, nullableVersions: EMPTY };
    this.emit(`${indent}{`);
    this.emit(`${indent}  const items = ${access};`);
    if (isNullableSomewhere(field)) {
      const nullable = condition(field.nullableVersions, context);
      this.emit(`${indent}  if (items === null) {`);
      if (nullable !== "true") this.emit(`${indent}    if (!(${nullable})) ${this.use("required")}(null, ${label}, v);`);
      this.emit(`${indent}    ${lengthCall("null")};`);
      this.emit(`${indent}  } else {`);
      this.emit(`${indent}    ${lengthCall("items.length")};`);
      this.emit(`${indent}    for (const item of items) ${this.writeScalar(element, message, "item", forceFlexible, context)};`);
      this.emit(`${indent}  }`);
    } else {
      this.emit(`${indent}  ${lengthCall("items.length")};`);
      this.emit(`${indent}  for (const item of items) ${this.writeScalar(element, message, "item", forceFlexible, context)};`);
    }
    this.emit(`${indent}}`);
  }

  private emitWriter(struct: StructModel, message: MessageModel): void {
    const context = message.validVersions;
    this.emit(`function write${struct.typeName}(w: ${this.use("Writer")}, v: number, m: ${struct.typeName}): void {`);
    for (const field of struct.fields) {
      const present = condition(positionalRange(field), context);
      if (present === "false") continue;
      const fieldContext = narrow(positionalRange(field), context);
      if (present === "true") {
        this.writeField(field, message, `m.${field.name}`, false, "  ", fieldContext);
      } else {
        this.emit(`  if (${present}) {`);
        this.writeField(field, message, `m.${field.name}`, false, "    ", fieldContext);
        this.emit(`  }`);
      }
    }
    const flexible = condition(message.flexibleVersions, context);
    if (flexible !== "false") {
      const tagged = struct.fields.filter((field) => !isEmpty(field.taggedVersions)).sort((a, b) => a.tag! - b.tag!);
      this.emit(`  if (${flexible}) {`);
      if (tagged.length === 0) {
        this.emit(`    w.unsignedVarint(0);`);
      } else {
        for (const field of tagged) {
          const when = condition(field.taggedVersions, context);
          this.emit(`    const write_${field.name} = ${when} && ${this.differsFromDefault(field, `m.${field.name}`)};`);
        }
        this.emit(`    w.unsignedVarint(${tagged.map((field) => `(write_${field.name} ? 1 : 0)`).join(" + ")});`);
        for (const field of tagged) {
          this.emit(`    if (write_${field.name}) {`);
          this.emit(`      const tagWriter = new ${this.use("Writer")}(64);`);
          this.emit(`      {`);
          this.emit(`        const w = tagWriter;`);
          this.writeField(field, message, `m.${field.name}`, true, "        ", narrow(field.taggedVersions, context));
          this.emit(`      }`);
          this.emit(`      const tagBytes = tagWriter.toBuffer();`);
          this.emit(`      w.unsignedVarint(${field.tag}).unsignedVarint(tagBytes.length).raw(tagBytes);`);
          this.emit(`    }`);
        }
      }
      this.emit(`  }`);
    }
    this.emit(`}`);
    this.emit();
  }

  // ----- interfaces, defaults, schema, codec -----

  private emitInterface(struct: StructModel): void {
    this.emit(`export interface ${struct.typeName} {`);
    for (const field of struct.fields) this.emit(`  ${field.name}: ${this.fieldType(field)};`);
    this.emit(`}`);
    this.emit();
  }

  private emitDefault(struct: StructModel): void {
    const values = struct.fields.map((field) => `${field.name}: ${this.defaultExpression(field)}`);
    this.emit(`export function default${struct.typeName}(): ${struct.typeName} {`);
    this.emit(`  return { ${values.join(", ")} };`);
    this.emit(`}`);
    this.emit();
  }

  private schemaLiteral(struct: StructModel, indent: string): string {
    const range = (r: VersionRange): string => `{ min: ${r.min}, max: ${r.max === Infinity ? "Infinity" : r.max} }`;
    const fieldLiterals = struct.fields.map((field) => {
      const parts = [
        `name: ${JSON.stringify(field.name)}`,
        `type: ${JSON.stringify(field.type)}`,
        `isArray: ${field.isArray}`,
        `bigint: ${field.bigint}`,
        `versions: ${range(field.versions)}`,
        `nullableVersions: ${range(field.nullableVersions)}`,
        `taggedVersions: ${range(field.taggedVersions)}`,
        `tag: ${field.tag}`,
        `flexibleVersions: ${field.flexibleVersions === null ? "null" : range(field.flexibleVersions)}`,
        `struct: ${field.struct === null ? "null" : this.schemaLiteral(field.struct, indent + "  ")}`,
        `defaultValue: ${defaultLiteral(field)}`,
      ];
      return `${indent}  { ${parts.join(", ")} },`;
    });
    return `{ name: ${JSON.stringify(struct.name)}, fields: [\n${fieldLiterals.join("\n")}\n${indent}] }`;
  }

  private emitMessage(message: MessageModel): void {
    const topStruct: StructModel = { name: message.name, typeName: message.typeName, fields: message.fields };
    const structs = [...message.structs, topStruct];
    for (const struct of structs) this.emitInterface(struct);
    for (const struct of structs) this.emitDefault(struct);
    for (const struct of structs) this.emitReader(struct, message);
    for (const struct of structs) this.emitWriter(struct, message);
    const range = (r: VersionRange): string => `{ min: ${r.min}, max: ${r.max === Infinity ? "Infinity" : r.max} }`;
    const schema = this.schemaLiteral(topStruct, "");
    const schemaBody = schema.slice(1, -1).trim();
    this.emit(`const ${message.name}Schema: ${this.use("MessageSchema")} = {`);
    this.emit(`  apiKey: ${message.apiKey}, kind: ${JSON.stringify(message.kind)},`);
    this.emit(`  validVersions: ${range(message.validVersions)}, flexibleVersions: ${range(message.flexibleVersions)},`);
    this.emit(`  ${schemaBody}`);
    this.emit(`};`);
    this.emit();
    const flexibleMin = isEmpty(message.flexibleVersions) ? "null" : String(message.flexibleVersions.min);
    this.emit(`export const ${message.name}Codec: ${this.use("MessageCodec")}<${message.typeName}> = {`);
    this.emit(`  name: ${JSON.stringify(message.name)},`);
    this.emit(`  apiKey: ${message.apiKey},`);
    this.emit(`  minVersion: ${message.validVersions.min},`);
    this.emit(`  maxVersion: ${message.validVersions.max},`);
    this.emit(`  flexibleMinVersion: ${flexibleMin},`);
    this.emit(`  decode: read${message.typeName},`);
    this.emit(`  encode: write${message.typeName},`);
    this.emit(`  create: default${message.typeName},`);
    this.emit(`  schema: ${message.name}Schema,`);
    this.emit(`};`);
    this.emit();
  }

  render(sourceFiles: readonly string[]): string {
    for (const message of this.messages) this.emitMessage(message);
    const body = this.lines.join("\n");
    const imports: string[] = [];
    const importFrom = (names: string[], from: string, typeOnly: boolean): void => {
      const wanted = names.filter((name) => new RegExp(`\\b${name}\\b`).test(body));
      if (wanted.length > 0) imports.push(`import ${typeOnly ? "type " : ""}{ ${wanted.join(", ")} } from "${from}";`);
    };
    // Writer is constructed for tagged fields, so it is a value import when that happens.
    const writerIsValue = this.lines.some((line) => line.includes("new Writer("));
    importFrom(["MessageCodec", "MessageSchema"], "../codec.js", true);
    importFrom(["DecodeError"], "../primitives/decode-error.js", false);
    importFrom(["Reader"], "../primitives/reader.js", true);
    importFrom(["EMPTY_BUFFER", "required", "sameAsDefault"], "../primitives/runtime.js", false);
    if (writerIsValue) {
      importFrom(["Writer"], "../primitives/writer.js", false);
      importFrom(["Records"], "../primitives/writer.js", true);
    } else {
      importFrom(["Records", "Writer"], "../primitives/writer.js", true);
    }
    const header = [
      `// Generated by src/protocol/codegen from Apache Kafka's message schemas (${sourceFiles.join(", ")}).`,
      `// Do not edit: run \`npm run gen:protocol\`.`,
      `/* eslint-disable */`,
      ``,
    ];
    return [...header, ...imports, "", ...renameUnusedVersionParameters(this.lines)].join("\n").replace(/\n+$/, "\n");
  }
}

export function emitModule(messages: readonly MessageModel[], sourceFiles: readonly string[]): string {
  return new ModuleEmitter(messages).render(sourceFiles);
}

/** A reader or writer that never looks at the version takes `_v`, so strict unused checks pass. */
function renameUnusedVersionParameters(lines: readonly string[]): string[] {
  const output = [...lines];
  let start = -1;
  for (let i = 0; i < output.length; i++) {
    if (/^function (read|write)\w+\(/.test(output[i])) start = i;
    if (start >= 0 && output[i] === "}") {
      const body = output.slice(start + 1, i).join("\n");
      if (!/\bv\b/.test(body)) output[start] = output[start].replace(", v: number", ", _v: number");
      if (!/\bm\b/.test(body)) output[start] = output[start].replace(", m: ", ", _m: ");
      start = -1;
    }
  }
  return output;
}

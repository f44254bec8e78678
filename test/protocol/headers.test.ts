// Request and response headers: which header version goes with each API version (v0 only for
// ControlledShutdown v0; v2/v1 for flexible versions; ApiVersions responses always v0), the exact
// bytes (the client id stays a classic string even in header v2), and reading them back.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { API_DEFINITIONS, ApiKey } from "../../src/protocol/generated/index.js";
import {
  readRequestHeader,
  readResponseHeader,
  requestHeaderVersion,
  responseHeaderVersion,
  writeRequestHeader,
  writeResponseHeader,
} from "../../src/protocol/headers.js";
import { DecodeError } from "../../src/protocol/primitives/decode-error.js";
import { Reader } from "../../src/protocol/primitives/reader.js";
import { Writer } from "../../src/protocol/primitives/writer.js";
import { stringArbitrary } from "./support/message-arbitrary.js";

function isFlexible(flexibleMinVersion: number | null, version: number): boolean {
  return flexibleMinVersion !== null && version >= flexibleMinVersion;
}

describe("header version selection", () => {
  test("named cases", () => {
    assert.equal(requestHeaderVersion(ApiKey.ControlledShutdown, 0), 0);
    assert.equal(requestHeaderVersion(ApiKey.ControlledShutdown, 1), 1);
    assert.equal(requestHeaderVersion(ApiKey.ControlledShutdown, 3), 2);
    assert.equal(requestHeaderVersion(ApiKey.Produce, 8), 1);
    assert.equal(requestHeaderVersion(ApiKey.Produce, 9), 2);
    assert.equal(requestHeaderVersion(ApiKey.ApiVersions, 2), 1);
    assert.equal(requestHeaderVersion(ApiKey.ApiVersions, 3), 2);
    assert.equal(requestHeaderVersion(ApiKey.SaslHandshake, 1), 1);
    assert.equal(requestHeaderVersion(999, 0), 1, "an unknown api key gets header v1");
    assert.equal(requestHeaderVersion(ApiKey.ApiVersions, 5), 2, "a newer flexible version than we know");
    for (let version = 0; version <= 4; version++) {
      assert.equal(responseHeaderVersion(ApiKey.ApiVersions, version), 0, `ApiVersions v${version} response`);
    }
    assert.equal(responseHeaderVersion(ApiKey.ApiVersions, 9), 0, "even a version we do not speak");
    assert.equal(responseHeaderVersion(ApiKey.Metadata, 8), 0);
    assert.equal(responseHeaderVersion(ApiKey.Metadata, 9), 1);
    assert.equal(responseHeaderVersion(ApiKey.Fetch, 12), 1);
  });

  test("every API and version: flexible means request header v2 and response header v1", () => {
    for (const definition of API_DEFINITIONS.values()) {
      for (let version = definition.request.minVersion; version <= definition.request.maxVersion; version++) {
        const expectedRequest =
          definition.apiKey === ApiKey.ControlledShutdown && version === 0 ? 0 : isFlexible(definition.request.flexibleMinVersion, version) ? 2 : 1;
        assert.equal(requestHeaderVersion(definition.apiKey, version), expectedRequest, `${definition.name} v${version} request`);
        const expectedResponse =
          definition.apiKey === ApiKey.ApiVersions ? 0 : isFlexible(definition.response.flexibleMinVersion, version) ? 1 : 0;
        assert.equal(responseHeaderVersion(definition.apiKey, version), expectedResponse, `${definition.name} v${version} response`);
        assert.equal(definition.request.flexibleMinVersion, definition.response.flexibleMinVersion, `${definition.name} flexibility agrees`);
      }
    }
  });
});

describe("request header bytes", () => {
  test("v1 (Metadata v1): api key, version, correlation id, int16 client id", () => {
    const writer = new Writer();
    writeRequestHeader(writer, { requestApiKey: ApiKey.Metadata, requestApiVersion: 1, correlationId: 7, clientId: "kcat" });
    assert.equal(writer.toBuffer().toString("hex"), "0003" + "0001" + "00000007" + "0004" + "6b636174");
  });

  test("v2 (ApiVersions v3): the client id stays a classic string, then an empty tagged-field section", () => {
    const writer = new Writer();
    writeRequestHeader(writer, { requestApiKey: ApiKey.ApiVersions, requestApiVersion: 3, correlationId: 1, clientId: "kcat" });
    const bytes = writer.toBuffer();
    assert.equal(bytes.toString("hex"), "0012" + "0003" + "00000001" + "0004" + "6b636174" + "00");
    const reader = new Reader(bytes);
    assert.deepEqual(readRequestHeader(reader), { requestApiKey: 18, requestApiVersion: 3, correlationId: 1, clientId: "kcat" });
    assert.equal(reader.remaining, 0);
  });

  test("v2 skips unknown tagged fields", () => {
    const bytes = Buffer.from("0012" + "0003" + "00000001" + "ffff" + "01" + "05" + "02" + "abcd", "hex");
    const reader = new Reader(bytes);
    assert.deepEqual(readRequestHeader(reader), { requestApiKey: 18, requestApiVersion: 3, correlationId: 1, clientId: null });
    assert.equal(reader.remaining, 0);
  });

  test("v0 (ControlledShutdown v0) has no client id", () => {
    const writer = new Writer();
    writeRequestHeader(writer, { requestApiKey: ApiKey.ControlledShutdown, requestApiVersion: 0, correlationId: 3, clientId: "" });
    assert.equal(writer.toBuffer().toString("hex"), "0007" + "0000" + "00000003");
  });

  test("fewer than 4 bytes is a DecodeError", () => {
    assert.throws(() => readRequestHeader(new Reader(Buffer.from("001200", "hex"))), DecodeError);
  });

  test("property: every API and version reads back what was written, body untouched", () => {
    const apis = [...API_DEFINITIONS.values()];
    fc.assert(
      fc.property(
        fc.constantFrom(...apis),
        fc.nat(),
        fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff }),
        fc.option(stringArbitrary(), { nil: null }),
        (definition, versionSeed, correlationId, clientId) => {
          const span = definition.request.maxVersion - definition.request.minVersion + 1;
          const version = definition.request.minVersion + (versionSeed % span);
          const headerVersion = requestHeaderVersion(definition.apiKey, version);
          const header = {
            requestApiKey: definition.apiKey,
            requestApiVersion: version,
            correlationId,
            clientId: headerVersion === 0 ? "" : clientId,
          };
          const writer = new Writer();
          writeRequestHeader(writer, header);
          writer.int32(0x0badf00d);
          const reader = new Reader(writer.toBuffer());
          assert.deepEqual(readRequestHeader(reader), header);
          assert.equal(reader.int32(), 0x0badf00d);
          assert.equal(reader.remaining, 0);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("response header bytes", () => {
  test("ApiVersions v3: correlation id only (v0)", () => {
    const writer = new Writer();
    writeResponseHeader(writer, ApiKey.ApiVersions, 3, 5);
    assert.equal(writer.toBuffer().toString("hex"), "00000005");
    assert.deepEqual(readResponseHeader(new Reader(writer.toBuffer()), ApiKey.ApiVersions, 3), { correlationId: 5 });
  });

  test("Metadata v9: correlation id and an empty tagged-field section (v1)", () => {
    const writer = new Writer();
    writeResponseHeader(writer, ApiKey.Metadata, 9, 5);
    assert.equal(writer.toBuffer().toString("hex"), "00000005" + "00");
    const reader = new Reader(writer.toBuffer());
    assert.deepEqual(readResponseHeader(reader, ApiKey.Metadata, 9), { correlationId: 5 });
    assert.equal(reader.remaining, 0);
  });

  test("Metadata v8: correlation id only (v0)", () => {
    const writer = new Writer();
    writeResponseHeader(writer, ApiKey.Metadata, 8, -1);
    assert.equal(writer.toBuffer().toString("hex"), "ffffffff");
  });
});

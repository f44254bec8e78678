// parseProperties follows java.util.Properties.load: separators, comments, continuations, escapes,
// duplicates. The property test writes arbitrary key/value pairs with Java-style escaping and checks
// they read back exactly.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { PropertiesSyntaxError, parseProperties } from "../../src/config/properties.js";

function parsed(text: string): Record<string, string> {
  return Object.fromEntries(parseProperties(text));
}

describe("parseProperties", () => {
  test("accepts =, : and whitespace as separators, with whitespace around them", () => {
    assert.deepEqual(parsed("a=1\nb:2\nc 3\nd = 4\ne\t:\t5\nf   =   6\n"), { a: "1", b: "2", c: "3", d: "4", e: "5", f: "6" });
  });

  test("keeps everything after the separator, including further separators and trailing spaces", () => {
    assert.deepEqual(parsed("listeners=PLAINTEXT://:9092\nurl = a=b:c \n"), { listeners: "PLAINTEXT://:9092", url: "a=b:c " });
  });

  test("a key followed by whitespace then '=' takes only one separator", () => {
    assert.deepEqual(parsed("key = =value\nother  :  :x"), { key: "=value", other: ":x" });
  });

  test("a key alone has an empty value", () => {
    assert.deepEqual(parsed("alone\nalso=\n"), { alone: "", also: "" });
  });

  test("# and ! start comments only at the beginning of a line (after whitespace)", () => {
    assert.deepEqual(parsed("# comment\n  ! also comment\nkey=value # not a comment\n"), { key: "value # not a comment" });
  });

  test("blank lines and whitespace-only lines are skipped; \\r\\n and \\r end lines too", () => {
    assert.deepEqual(parsed("\n   \n\ta=1\r\nb=2\rc=3"), { a: "1", b: "2", c: "3" });
  });

  test("a trailing backslash continues the line and drops the next line's leading whitespace", () => {
    assert.deepEqual(parsed("list=a,\\\n    b,\\\n\tc\nnext=1"), { list: "a,b,c", next: "1" });
  });

  test("a continued line may start with # without becoming a comment", () => {
    assert.deepEqual(parsed("key=one\\\n  #two"), { key: "one#two" });
  });

  test("an even number of trailing backslashes is an escaped backslash, not a continuation", () => {
    assert.deepEqual(parsed("path=C:\\\\temp\\\\\nnext=1"), { path: "C:\\temp\\", next: "1" });
  });

  test("a comment line ending in a backslash does not continue", () => {
    assert.deepEqual(parsed("# comment \\\nkey=value"), { key: "value" });
  });

  test("a continuation at the end of the text is dropped", () => {
    assert.deepEqual(parsed("key=value\\"), { key: "value" });
  });

  test("an empty continuation line ends the logical line", () => {
    assert.deepEqual(parsed("a=1\\\n\nb=2"), { a: "1", b: "2" });
  });

  test("escapes: \\t \\n \\r \\f \\uXXXX and any other escaped character", () => {
    assert.deepEqual(parsed("v=\\t\\n\\r\\f\\u0041\\u00e9\\q\\\\"), { v: "\t\n\r\fAéq\\" });
  });

  test("escaped separators and spaces belong to the key", () => {
    assert.deepEqual(parsed("a\\=b=c\nd\\:e:f\ng\\ h i"), { "a=b": "c", "d:e": "f", "g h": "i" });
  });

  test("the last duplicate wins", () => {
    const map = parseProperties("a=1\nb=2\na=3");
    assert.deepEqual([...map], [["a", "3"], ["b", "2"]]);
  });

  test("a malformed \\u escape is an error naming the line", () => {
    assert.throws(() => parseProperties("ok=1\nbad=\\u12G4"), (error: unknown) => {
      assert.ok(error instanceof PropertiesSyntaxError);
      assert.equal(error.line, 2);
      assert.match(error.message, /line 2: Malformed \\uxxxx encoding/);
      return true;
    });
  });

  test("the line number of a broken continued line is where it starts", () => {
    assert.throws(() => parseProperties("a=1\nb=x\\\n  \\u00"), (error: unknown) => error instanceof PropertiesSyntaxError && error.line === 2);
  });
});

// Writes a string the way Properties.store does: escape backslash, separators, comment starts,
// leading spaces, and control characters; non-ASCII as \uXXXX.
function escapeForProperties(text: string, isKey: boolean): string {
  let out = "";
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    const code = text.charCodeAt(index);
    if (char === "\\") out += "\\\\";
    else if (char === "\t") out += "\\t";
    else if (char === "\n") out += "\\n";
    else if (char === "\r") out += "\\r";
    else if (char === "\f") out += "\\f";
    else if (char === "=" || char === ":" || char === "#" || char === "!") out += `\\${char}`;
    else if (char === " " && (isKey || index === 0)) out += "\\ ";
    else if (code < 0x20 || code > 0x7e) out += `\\u${code.toString(16).padStart(4, "0")}`;
    else out += char;
  }
  return out;
}

test("property: escaped pairs read back exactly, in order, with any separator style", () => {
  const pair = fc.tuple(fc.string({ minLength: 1, maxLength: 12, unit: "binary" }), fc.string({ maxLength: 20, unit: "binary" }));
  const separator = fc.constantFrom("=", ":", " ", " = ", "\t:");
  fc.assert(
    fc.property(fc.uniqueArray(pair, { selector: ([key]) => key, maxLength: 8 }), separator, (pairs, sep) => {
      const text = pairs.map(([key, value]) => `${escapeForProperties(key, true)}${sep}${escapeForProperties(value, false)}`).join("\n");
      const result = parseProperties(text);
      assert.deepEqual([...result], pairs);
    }),
    { numRuns: 300 },
  );
});

// Reads Java .properties text (Kafka's server.properties format) with java.util.Properties.load's
// rules, so a file written for Kafka means the same here: `key=value`, `key:value` and `key value`;
// `#` and `!` comment lines; a backslash at the end of a line continues it (leading whitespace of the
// next line is dropped); escapes \t \n \r \f \uXXXX, and a backslash before any other character
// keeps that character (so `\=`, `\:`, `\ ` and `\\` can appear in keys). The last duplicate wins.

export class PropertiesSyntaxError extends Error {
  override name = "PropertiesSyntaxError";
  /** 1-based number of the line where the broken logical line starts. */
  readonly line: number;

  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.line = line;
  }
}

// Whitespace in the .properties grammar: space, tab and form feed (not other Unicode spaces).
function isPropertiesWhitespace(char: string): boolean {
  return char === " " || char === "\t" || char === "\f";
}

function stripLeadingWhitespace(line: string): string {
  let start = 0;
  while (start < line.length && isPropertiesWhitespace(line[start])) start++;
  return line.slice(start);
}

/** True when the line ends in an odd number of backslashes, i.e. an unescaped continuation mark. */
function endsWithContinuation(line: string): boolean {
  let count = 0;
  for (let index = line.length - 1; index >= 0 && line[index] === "\\"; index--) count++;
  return count % 2 === 1;
}

const HEX_DIGITS = /^[0-9a-fA-F]{4}$/;

function unescape(text: string, lineNumber: number): string {
  let out = "";
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (char !== "\\") {
      out += char;
      continue;
    }
    index++;
    if (index >= text.length) break;
    const escaped = text[index];
    switch (escaped) {
      case "t":
        out += "\t";
        break;
      case "n":
        out += "\n";
        break;
      case "r":
        out += "\r";
        break;
      case "f":
        out += "\f";
        break;
      case "u": {
        const hex = text.slice(index + 1, index + 5);
        if (!HEX_DIGITS.test(hex)) throw new PropertiesSyntaxError(lineNumber, "Malformed \\uxxxx encoding");
        out += String.fromCharCode(Number.parseInt(hex, 16));
        index += 4;
        break;
      }
      default:
        out += escaped;
    }
  }
  return out;
}

/** Splits a logical line into its raw (still escaped) key and value, per Properties.load. */
function splitKeyValue(line: string): { key: string; value: string } {
  let keyEnd = 0;
  let valueStart = line.length;
  let hasSeparator = false;
  let precedingBackslash = false;
  while (keyEnd < line.length) {
    const char = line[keyEnd];
    if ((char === "=" || char === ":") && !precedingBackslash) {
      valueStart = keyEnd + 1;
      hasSeparator = true;
      break;
    }
    if (isPropertiesWhitespace(char) && !precedingBackslash) {
      valueStart = keyEnd + 1;
      break;
    }
    precedingBackslash = char === "\\" ? !precedingBackslash : false;
    keyEnd++;
  }
  // Whitespace, then at most one '=' or ':' (if the key ended at whitespace), then whitespace.
  while (valueStart < line.length) {
    const char = line[valueStart];
    if (!isPropertiesWhitespace(char)) {
      if (!hasSeparator && (char === "=" || char === ":")) hasSeparator = true;
      else break;
    }
    valueStart++;
  }
  return { key: line.slice(0, keyEnd), value: line.slice(valueStart) };
}

/**
 * Parses .properties text into an ordered map (first appearance order; the last value of a
 * duplicated key wins). Throws PropertiesSyntaxError only for a malformed \uXXXX escape.
 */
export function parseProperties(text: string): Map<string, string> {
  const naturalLines = text.split(/\r\n|\r|\n/);
  const result = new Map<string, string>();
  let index = 0;
  while (index < naturalLines.length) {
    const startLine = index + 1;
    const first = stripLeadingWhitespace(naturalLines[index]);
    index++;
    if (first === "" || first[0] === "#" || first[0] === "!") continue;
    let logical = first;
    // A continuation joins the next natural line with its leading whitespace removed; comment
    // characters there are ordinary text. A continuation on the last line is simply dropped.
    while (endsWithContinuation(logical)) {
      logical = logical.slice(0, -1);
      if (index >= naturalLines.length) break;
      logical += stripLeadingWhitespace(naturalLines[index]);
      index++;
    }
    const { key, value } = splitKeyValue(logical);
    result.set(unescape(key, startLine), unescape(value, startLine));
  }
  return result;
}

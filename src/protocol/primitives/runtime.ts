// Small helpers the generated codecs call. Kept apart from Reader/Writer because they are
// about message values, not bytes.

import { AssertionError } from "../../lib/assert.js";
import { isDeepStrictEqual } from "node:util";

export const EMPTY_BUFFER: Buffer = Buffer.alloc(0);
export const ZERO_UUID = "AAAAAAAAAAAAAAAAAAAAAA";

/** A null in a field that is not nullable in the version being written is a programmer error. */
export function required<T>(value: T | null, field: string, version: number): T {
  if (value === null) throw new AssertionError(`${field} is not nullable in version ${version}`);
  return value;
}

/** Used for tagged struct fields, which are written only when they differ from their default. */
export function sameAsDefault(value: unknown, defaultValue: unknown): boolean {
  return isDeepStrictEqual(value, defaultValue);
}

// assert.throws that hands back the error, typed, so a test can check its fields.

import assert from "node:assert/strict";

export function expectError<T extends Error>(errorClass: new (...args: never[]) => T, action: () => unknown): T {
  try {
    action();
  } catch (error) {
    assert.ok(error instanceof errorClass, `expected ${errorClass.name}, got ${String(error)}`);
    return error;
  }
  assert.fail(`expected ${errorClass.name}, nothing was thrown`);
}

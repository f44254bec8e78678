// Assertions for programmer errors. They stay on in production: a broken invariant is a bug,
// and stopping is safer than serving wrong data (restart recovery then runs).

export class AssertionError extends Error {
  override name = "AssertionError";
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError(message);
}

export function assertNever(value: never, message = "unexpected value"): never {
  throw new AssertionError(`${message}: ${String(value)}`);
}

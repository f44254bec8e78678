// The one exception a decoder may throw: the bytes do not form a valid message.
// A DecodeError on a client frame closes that connection; it never crashes the broker.

export class DecodeError extends Error {
  override name = "DecodeError";
}

// A Kafka outcome raised inside the coordinator's validation code and turned back into an error
// code at its public methods (which never throw one). Throwing keeps the many early exits of
// Kafka's group rules readable; nothing outside the coordinator sees these.

import { errorName } from "../../protocol/error-codes.js";

export class GroupError extends Error {
  override name = "GroupError";

  constructor(
    readonly errorCode: number,
    message?: string,
  ) {
    super(message ?? errorName(errorCode));
  }
}

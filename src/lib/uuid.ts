// Kafka-style uuids: 16 random bytes shown as 22 characters of URL-safe base64. Like Kafka's
// Uuid.randomUuid, never the all-zero uuid (it means "unset") and never one whose text starts
// with '-', which command-line tools would read as an option.

import { randomBytes } from "node:crypto";

export const ZERO_UUID = "AAAAAAAAAAAAAAAAAAAAAA";

export function randomUuid(random: (byteCount: number) => Buffer = randomBytes): string {
  for (;;) {
    const text = random(16).toString("base64url");
    if (text !== ZERO_UUID && !text.startsWith("-")) return text;
  }
}

// Kafka's rules for topic names (org.apache.kafka.common.internals.Topic): 1 to 249 characters of
// ASCII letters, digits, '.', '_' and '-', not "." or "..". Names that differ only by '.' versus
// '_' collide, because metric names replace '.' with '_'.

export const TOPIC_NAME_LENGTH_MAX = 249;
const LEGAL_TOPIC_NAME = /^[a-zA-Z0-9._-]+$/;

/** Kafka's error message for an illegal name, or null when the name is legal. */
export function topicNameError(name: string): string | null {
  if (name.length === 0) return "Topic name is illegal, it can't be empty";
  if (name === "." || name === "..") return 'Topic name cannot be "." or ".."';
  if (name.length > TOPIC_NAME_LENGTH_MAX) {
    return `Topic name is illegal, it can't be longer than ${TOPIC_NAME_LENGTH_MAX} characters, topic name: ${name}`;
  }
  if (!LEGAL_TOPIC_NAME.test(name)) {
    return `Topic name "${name}" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`;
  }
  return null;
}

/** The form two colliding names share. */
export function unifyCollisionChars(name: string): string {
  return name.replace(/\./g, "_");
}

export const INTERNAL_TOPICS: ReadonlySet<string> = new Set(["__consumer_offsets", "__transaction_state"]);

export function isInternalTopic(name: string): boolean {
  return INTERNAL_TOPICS.has(name);
}

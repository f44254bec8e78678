// The one error type for bad configuration. Every problem names the key, the value and the broken
// rule in Kafka's wording ("Invalid value X for configuration Y: Z"), plus where the value came from,
// so a typo in server.properties or an environment variable is found without reading code.

import { assert } from "../lib/assert.js";

export interface ConfigIssue {
  /** The config key the problem is reported against. */
  readonly key: string;
  /** The offending value as given (null when the problem is a missing value). */
  readonly value: string | null;
  /** The rule the value breaks, e.g. "Value must be at least 1". */
  readonly rule: string;
  /** Where the value came from, e.g. "environment variable TRIBUTARY_NUM_PARTITIONS". */
  readonly origin?: string;
  /**
   * Kafka's own wording when the problem is not about one value ("Unknown topic config name: x",
   * "conflict topic config setting ..."); replaces the standard "Invalid value" sentence.
   */
  readonly message?: string;
}

export function formatConfigIssue(issue: ConfigIssue): string {
  const base = issue.message ?? `Invalid value ${String(issue.value)} for configuration ${issue.key}: ${issue.rule}`;
  return issue.origin === undefined ? base : `${base} (from ${issue.origin})`;
}

export class ConfigError extends Error {
  override name = "ConfigError";
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    assert(issues.length > 0, "ConfigError needs at least one issue");
    super(issues.length === 1 ? formatConfigIssue(issues[0]) : issues.map(formatConfigIssue).join("; "));
    this.issues = issues;
  }
}

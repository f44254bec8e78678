// Test support for suites that drive real clients against an embedded broker: wait until a
// group reaches a state, or is Stable with every member holding its assignment, instead of
// sleeping a guessed amount. Polls the coordinator's view with a bounded timeout.

import { setTimeout as delay } from "node:timers/promises";
import type { GroupSummary } from "./group-coordinator.js";

const DEFAULT_TIMEOUT_MS = 30_000;
const POLL_INTERVAL_MS = 10;

export interface GroupView {
  groupSummary(groupId: string): GroupSummary | undefined;
}

export interface WaitForGroupOptions {
  /** Give up after this long (default 30 s). */
  readonly timeoutMs?: number;
}

export interface WaitForAssignmentOptions extends WaitForGroupOptions {
  /** Also wait for exactly this many members. */
  readonly members?: number;
  /** Also wait until this many partitions are assigned in total (each exactly once). */
  readonly partitions?: number;
}

export class GroupWaitTimeoutError extends Error {
  override name = "GroupWaitTimeoutError";
}

async function waitFor(view: GroupView, groupId: string, what: string, done: (summary: GroupSummary | undefined) => boolean, timeoutMs: number): Promise<GroupSummary | undefined> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const summary = view.groupSummary(groupId);
    if (done(summary)) return summary;
    if (performance.now() >= deadline) {
      throw new GroupWaitTimeoutError(`group ${groupId} did not become ${what} within ${timeoutMs} ms (now: ${JSON.stringify(summary ?? null)})`);
    }
    await delay(POLL_INTERVAL_MS);
  }
}

/** Resolves with the group once it is in the state ("Stable", "Empty", ...; "Dead" means gone). */
export async function waitForGroupState(view: GroupView, groupId: string, state: string, options: WaitForGroupOptions = {}): Promise<GroupSummary | undefined> {
  return waitFor(view, groupId, state, (summary) => (summary === undefined ? state === "Dead" : summary.state === state), options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
}

/** Resolves once the group is Stable and every member has a readable assignment (see options). */
export async function waitForStableAssignment(view: GroupView, groupId: string, options: WaitForAssignmentOptions = {}): Promise<GroupSummary> {
  const summary = await waitFor(
    view,
    groupId,
    "Stable with its assignment",
    (candidate) => {
      if (candidate === undefined || candidate.state !== "Stable" || candidate.members.length === 0) return false;
      if (options.members !== undefined && candidate.members.length !== options.members) return false;
      if (candidate.members.some((member) => member.assignment === null)) return false;
      if (options.partitions !== undefined) {
        const assigned = new Set<string>();
        let count = 0;
        for (const member of candidate.members) {
          for (const { topic, partitions } of member.assignment ?? []) {
            for (const partition of partitions) {
              assigned.add(`${topic}\u0000${partition}`);
              count++;
            }
          }
        }
        if (count !== options.partitions || assigned.size !== options.partitions) return false;
      }
      return true;
    },
    options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  );
  if (summary === undefined) throw new GroupWaitTimeoutError(`group ${groupId} vanished`);
  return summary;
}

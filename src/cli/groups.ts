// `tributary groups list|describe|delete|reset-offsets`, with kafka-consumer-groups.sh's option
// names, tables and messages: list (with --state / --type, a GROUP STATE TYPE table), describe
// (per partition GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG CONSUMER-ID HOST
// CLIENT-ID; --members; --state), delete, and reset-offsets (plan printed as GROUP TOPIC
// PARTITION NEW-OFFSET; a dry run unless --execute, and only for inactive groups).
// Differences from Kafka's tool: tables start without Kafka's leading blank line (groups are
// separated by one), notes and warnings go to stderr prefixed "tributary:", and a group that
// does not exist or cannot be reset makes the exit code 1 (Kafka's tool exits 0).

import { InvalidArgumentError, type Command } from "commander";
import {
  CONSUMER_PROTOCOL_TYPE,
  commitGroupOffsets,
  deleteGroups,
  describeGroupLag,
  describeGroups,
  fetchCommittedOffsets,
  listGroups,
  planOffsetReset,
  type GroupDescription,
  type GroupListing,
  type GroupMemberDescription,
  type KafkaClient,
  type KafkaProtocolError,
  type OffsetResetSpec,
  type PlannedOffset,
  type TopicPartitionRef,
  type TopicPartitions,
} from "../client/index.js";
import { ErrorCode } from "../protocol/error-codes.js";
import { CliError } from "./cli-error.js";
import { addBootstrapOption, collect, withClient, writeOut, type ConnectionOptions } from "./client-options.js";
import { parseTimestamp } from "./consume.js";

interface GroupsOptions extends ConnectionOptions {
  group: string[];
  allGroups?: boolean;
}

interface ListOptions extends ConnectionOptions {
  state?: string | true;
  type?: string | true;
}

interface DescribeOptions extends GroupsOptions {
  members?: boolean;
  state?: boolean;
  offsets?: boolean;
  verbose?: boolean;
}

interface ResetOptions extends GroupsOptions {
  topic: string[];
  allTopics?: boolean;
  toEarliest?: boolean;
  toLatest?: boolean;
  toCurrent?: boolean;
  toOffset?: number;
  toDatetime?: number;
  shiftBy?: number;
  byDuration?: number;
  dryRun?: boolean;
  execute?: boolean;
}

/** Kafka's state names of consumer groups (classic and KIP-848), as ListGroups takes them. */
const CONSUMER_GROUP_STATES = ["PreparingRebalance", "CompletingRebalance", "Stable", "Dead", "Empty", "Assigning", "Reconciling"] as const;
const GROUP_TYPES = ["classic", "consumer"] as const;
/** States in which a group is moving partitions between members. */
const REBALANCING_STATES: ReadonlySet<string> = new Set(["PreparingRebalance", "CompletingRebalance", "Assigning", "Reconciling"]);
/** States in which a group has no active member, so its offsets may be reset. */
const INACTIVE_STATES: ReadonlySet<string> = new Set(["Empty", "Dead"]);
/** Kafka's placeholder for a value that is not known. */
const MISSING = "-";
/** Kafka's narrowest width of the name columns. */
const NAME_COLUMN_WIDTH_MIN = 15;
/** Groups and topics given on one command line: far above any real use, bounds the work. */
const NAMES_PER_COMMAND_MAX = 10_000;
const INT64_SAFE_MAX = Number.MAX_SAFE_INTEGER;

export function registerGroupsCommand(program: Command): void {
  const groups = program.command("groups").description("list, describe, delete consumer groups and reset their offsets (like kafka-consumer-groups.sh)");

  addBootstrapOption(groups.command("list").description("list consumer groups, one per line (a table with --state or --type)"))
    .option("--state [states]", "show each group's state; with a comma-separated list, only groups in those states")
    .option("--type [types]", "show each group's type; with a comma-separated list (classic, consumer), only those types")
    .action((options: ListOptions) => {
      const states = listFilter(options.state, CONSUMER_GROUP_STATES, "state");
      const types = listFilter(options.type, GROUP_TYPES, "type");
      return withClient(options, (client) => list(client, states, types));
    });

  addGroupSelection(addBootstrapOption(groups.command("describe").description("show each partition's committed offset, log end offset and lag, or --members, or --state")))
    .option("--offsets", "per partition: committed offset, log end offset, lag and member (the default)")
    .option("--members", "one line per member: id, host, client id and partition count")
    .option("--state", "one line per group: coordinator, assignor, state and member count")
    .option("--verbose", "more columns: the leader epoch of offsets; members' epochs and assignments; group epochs")
    .action((options: DescribeOptions) => {
      const selection = groupSelection(options);
      const view = describeView(options);
      return withClient(options, (client) => describe(client, selection, view, options.verbose === true));
    });

  addGroupSelection(addBootstrapOption(groups.command("delete").description("delete consumer groups that have no active members, with their offsets")))
    .action((options: GroupsOptions) => {
      const selection = groupSelection(options);
      return withClient(options, (client) => remove(client, selection));
    });

  addGroupSelection(addBootstrapOption(groups.command("reset-offsets").description("move an inactive group's committed offsets (a dry run unless --execute)")))
    .option("--topic <topic[:partitions]>", "a topic to reset, all its partitions or topic:0,1,2 (repeatable)", collect, [])
    .option("--all-topics", "every topic the group has committed offsets for")
    .option("--to-earliest", "to the log start offset")
    .option("--to-latest", "to the log end offset")
    .option("--to-current", "to the committed offset (the log end offset where there is none)")
    .option("--to-offset <offset>", "to this offset (moved into the partition's range)", parseOffset)
    .option("--to-datetime <date>", "to the first offset at or after this time (ISO-8601 such as 2024-05-01T12:00:00.000, local time unless a zone is given; or ms since the epoch)", parseDatetime)
    .option("--shift-by <n>", "by n from the committed offset (negative moves back; kept within the partition's range)", parseShift)
    .option("--by-duration <duration>", "to the first offset at or after now minus this ISO-8601 duration (PnDTnHnMnS)", parseDuration)
    .option("--dry-run", "print the new offsets without changing anything (the default)")
    .option("--execute", "commit the new offsets")
    .action((options: ResetOptions) => {
      const selection = groupSelection(options);
      const scope = resetScope(options);
      const spec = resetSpec(options);
      if (options.dryRun === true && options.execute === true) throw new CliError("give at most one of --dry-run and --execute", 2);
      return withClient(options, (client) => resetOffsets(client, selection, scope, spec, options.execute === true));
    });
}

// ------------------------------------------------------------------ options

function addGroupSelection(command: Command): Command {
  return command.option("--group <id>", "a consumer group (repeatable)", collect, []).option("--all-groups", "every consumer group");
}

type GroupSelection = { readonly all: true } | { readonly all: false; readonly groupIds: readonly string[] };

function groupSelection(options: GroupsOptions): GroupSelection {
  if (options.allGroups === true && options.group.length > 0) throw new CliError("give either --group or --all-groups, not both", 2);
  if (options.allGroups === true) return { all: true };
  if (options.group.length === 0) throw new CliError("give --group <id> (repeatable) or --all-groups", 2);
  if (options.group.length > NAMES_PER_COMMAND_MAX) throw new CliError(`at most ${NAMES_PER_COMMAND_MAX} groups at once`, 2);
  if (options.group.some((groupId) => groupId === "")) throw new CliError("a group id cannot be empty", 2);
  return { all: false, groupIds: [...new Set(options.group)] };
}

/** The filter of `list --state` / `--type`: null when not asked, [] when asked for all values. */
function listFilter(value: string | true | undefined, valid: readonly string[], what: string): string[] | null {
  if (value === undefined) return null;
  if (value === true || value.trim() === "") return [];
  const chosen: string[] = [];
  for (const entry of value.split(",")) {
    const match = valid.find((candidate) => candidate.toLowerCase() === entry.trim().toLowerCase());
    if (match === undefined) throw new CliError(`invalid ${what} list '${value}'. Valid ${what}s are: ${valid.join(", ")}`, 2);
    if (!chosen.includes(match)) chosen.push(match);
  }
  return chosen;
}

type DescribeView = "offsets" | "members" | "state";

function describeView(options: DescribeOptions): DescribeView {
  const chosen: DescribeView[] = [];
  if (options.offsets === true) chosen.push("offsets");
  if (options.members === true) chosen.push("members");
  if (options.state === true) chosen.push("state");
  if (chosen.length > 1) throw new CliError("give at most one of --offsets, --members and --state", 2);
  return chosen[0] ?? "offsets";
}

type ResetScope = { readonly allTopics: true } | { readonly allTopics: false; readonly topics: readonly TopicArgument[] };

interface TopicArgument {
  readonly topic: string;
  /** null: every partition of the topic. */
  readonly partitions: readonly number[] | null;
}

function resetScope(options: ResetOptions): ResetScope {
  if (options.allTopics === true && options.topic.length > 0) throw new CliError("give either --topic or --all-topics, not both", 2);
  if (options.allTopics === true) return { allTopics: true };
  if (options.topic.length === 0) throw new CliError("give the offsets to reset: --topic <topic[:partitions]> (repeatable) or --all-topics", 2);
  if (options.topic.length > NAMES_PER_COMMAND_MAX) throw new CliError(`at most ${NAMES_PER_COMMAND_MAX} topics at once`, 2);
  return { allTopics: false, topics: options.topic.map(parseTopicArgument) };
}

/** "topic" or "topic:0,1,2", as kafka-consumer-groups.sh takes them. */
function parseTopicArgument(value: string): TopicArgument {
  const colon = value.indexOf(":");
  if (colon < 0) {
    if (value === "") throw new CliError("a topic name cannot be empty", 2);
    return { topic: value, partitions: null };
  }
  const topic = value.slice(0, colon);
  const list = value.slice(colon + 1);
  if (topic === "" || list === "") throw new CliError(`invalid topic argument '${value}': expected topic or topic:partition,partition,...`, 2);
  const partitions = list.split(",").map((entry) => {
    if (!/^\d+$/.test(entry) || Number(entry) > 0x7fff_ffff) throw new CliError(`invalid partition '${entry}' in topic argument '${value}'`, 2);
    return Number(entry);
  });
  return { topic, partitions: [...new Set(partitions)].sort((a, b) => a - b) };
}

function parseInteger(value: string, what: string, min: number): number {
  if (!/^-?\d+$/.test(value.trim())) throw new InvalidArgumentError(`${what} must be an integer.`);
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < min || parsed > INT64_SAFE_MAX) throw new InvalidArgumentError(`${what} must be between ${min} and ${INT64_SAFE_MAX}.`);
  return parsed;
}

function parseOffset(value: string): number {
  return parseInteger(value, "offset", 0);
}

function parseShift(value: string): number {
  return parseInteger(value, "shift", -INT64_SAFE_MAX);
}

function parseDatetime(value: string): number {
  return parseTimestamp(value);
}

const MS_PER_SECOND = 1_000;
const MS_PER_MINUTE = 60 * MS_PER_SECOND;
const MS_PER_HOUR = 60 * MS_PER_MINUTE;
const MS_PER_DAY = 24 * MS_PER_HOUR;

/** An ISO-8601 duration in Java's Duration form, days to seconds only (PnDTnHnMn.nS): its length in ms. */
export function parseDuration(value: string): number {
  const match = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)(?:\.(\d{1,3}))?S)?)?$/i.exec(value.trim());
  const usage = "duration must be ISO-8601 days to seconds, such as PT30M, P1DT12H or PT0.5S.";
  if (match === null || value.trim().toUpperCase().endsWith("T") || match.slice(1).every((part) => part === undefined)) throw new InvalidArgumentError(usage);
  const [, days, hours, minutes, seconds, fraction] = match;
  const ms =
    Number(days ?? 0) * MS_PER_DAY +
    Number(hours ?? 0) * MS_PER_HOUR +
    Number(minutes ?? 0) * MS_PER_MINUTE +
    Number(seconds ?? 0) * MS_PER_SECOND +
    Number((fraction ?? "").padEnd(3, "0"));
  if (!Number.isSafeInteger(ms)) throw new InvalidArgumentError(usage);
  return ms;
}

function resetSpec(options: ResetOptions): OffsetResetSpec {
  const specs: OffsetResetSpec[] = [];
  if (options.toEarliest === true) specs.push({ kind: "earliest" });
  if (options.toLatest === true) specs.push({ kind: "latest" });
  if (options.toCurrent === true) specs.push({ kind: "current" });
  if (options.toOffset !== undefined) specs.push({ kind: "offset", offset: options.toOffset });
  if (options.toDatetime !== undefined) specs.push({ kind: "timestamp", timestampMs: options.toDatetime });
  if (options.shiftBy !== undefined) specs.push({ kind: "shift", by: options.shiftBy });
  // The duration counts back from now: the moment the command runs.
  if (options.byDuration !== undefined) specs.push({ kind: "timestamp", timestampMs: Date.now() - options.byDuration });
  if (specs.length !== 1) {
    throw new CliError("give exactly one of --to-earliest, --to-latest, --to-current, --to-offset, --to-datetime, --shift-by and --by-duration", 2);
  }
  return specs[0];
}

// ------------------------------------------------------------------ output helpers

interface Column {
  readonly header: string;
  /** Kafka's width for the column; longer values widen it. */
  readonly width: number;
}

/** A table in Kafka's layout: left-aligned columns separated by a space, without trailing spaces. */
function table(columns: readonly Column[], rows: readonly (readonly string[])[]): string {
  const widths = columns.map((column, index) => Math.max(column.width, column.header.length, longest(rows.map((row) => row[index]))));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, index) => (index === cells.length - 1 ? cell : cell.padEnd(widths[index])))
      .join(" ")
      .trimEnd();
  return [line(columns.map((column) => column.header)), ...rows.map(line)].join("\n") + "\n";
}

function nameColumn(header: string, values: readonly string[]): Column {
  return { header, width: Math.max(NAME_COLUMN_WIDTH_MIN, longest(values)) };
}

/** The length of the longest value (a loop: tables may have more rows than a spread allows arguments). */
function longest(values: readonly string[]): number {
  let length = 0;
  for (const value of values) length = Math.max(length, value.length);
  return length;
}

function orMissing(value: number | string | null): string {
  return value === null || value === "" ? MISSING : String(value);
}

/** "topic:0,1;other:3", Kafka's assignment string; "-" when empty. */
function assignmentString(assignment: readonly TopicPartitions[] | null): string {
  if (assignment === null || assignment.length === 0) return MISSING;
  return assignment.map(({ topic, partitions }) => `${topic}:${partitions.join(",")}`).join(";");
}

function partitionCount(assignment: readonly TopicPartitions[]): number {
  return assignment.reduce((sum, entry) => sum + entry.partitions.length, 0);
}

/** A Kafka error as "NAME: description", without the subject our client prefixes. */
function errorText(error: KafkaProtocolError): string {
  const prefix = `${error.subject}: `;
  return error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
}

function note(message: string): void {
  process.stderr.write(`tributary: ${message}\n`);
}

/** Reports every failure on stderr and ends with exit code 1 (the last one is the CliError). */
function failWith(failures: readonly string[]): void {
  if (failures.length === 0) return;
  for (const failure of failures.slice(0, -1)) note(failure);
  throw new CliError(failures[failures.length - 1]);
}

/** Consumer groups (protocol type "consumer", or "" for groups that only hold offsets), as Kafka's tool lists them. */
function isConsumerGroup(listing: GroupListing): boolean {
  return listing.protocolType === CONSUMER_PROTOCOL_TYPE || listing.protocolType === "";
}

async function selectedGroupIds(client: KafkaClient, selection: GroupSelection): Promise<readonly string[]> {
  if (!selection.all) return selection.groupIds;
  return (await listGroups(client)).filter(isConsumerGroup).map((listing) => listing.groupId);
}

// ------------------------------------------------------------------ list

async function list(client: KafkaClient, states: string[] | null, types: string[] | null): Promise<void> {
  const listings = (await listGroups(client, { states: states ?? [], types: types ?? [] })).filter(isConsumerGroup);
  if (states === null && types === null) {
    if (listings.length > 0) await writeOut(listings.map((listing) => listing.groupId).join("\n") + "\n");
    return;
  }
  // Kafka's tool makes the group column of this table 10 wider than the longest id.
  const groupWidth = Math.max(NAME_COLUMN_WIDTH_MIN, longest(listings.map((listing) => listing.groupId))) + 10;
  const columns: Column[] = [{ header: "GROUP", width: groupWidth }];
  if (types !== null) columns.push({ header: "TYPE", width: 20 });
  if (states !== null) columns.push({ header: "STATE", width: 20 });
  const rows = listings.map((listing) => {
    const row = [listing.groupId];
    if (types !== null) row.push(listing.type ?? "Unknown");
    if (states !== null) row.push(listing.state ?? "Unknown");
    return row;
  });
  await writeOut(table(columns, rows));
}

// ------------------------------------------------------------------ describe

async function describe(client: KafkaClient, selection: GroupSelection, view: DescribeView, verbose: boolean): Promise<void> {
  const groupIds = [...(await selectedGroupIds(client, selection))].sort();
  const descriptions = await describeGroups(client, groupIds);
  const failures: string[] = [];
  let printed = false;
  for (const group of descriptions) {
    if (group.error !== null) {
      failures.push(`cannot describe consumer group '${group.groupId}': ${errorText(group.error)}`);
      continue;
    }
    if (group.state === "Dead") {
      failures.push(`consumer group '${group.groupId}' does not exist.`);
      continue;
    }
    if (view !== "state") {
      if (group.state === "Empty") note(`consumer group '${group.groupId}' has no active members.`);
      else if (REBALANCING_STATES.has(group.state)) note(`warning: consumer group '${group.groupId}' is rebalancing.`);
    }
    let text: string | null;
    if (view === "offsets") text = await offsetsTable(client, group, verbose);
    else if (view === "members") text = membersTable(group, verbose);
    else text = stateTable(group, verbose);
    if (text === null) continue;
    await writeOut(printed ? `\n${text}` : text);
    printed = true;
  }
  failWith(failures);
}

async function offsetsTable(client: KafkaClient, group: GroupDescription, verbose: boolean): Promise<string | null> {
  const lags = await describeGroupLag(client, group);
  if (lags.length === 0) return null;
  const rows = lags.map((lag) => {
    const row = [group.groupId, lag.topic, String(lag.partition)];
    if (verbose) row.push(orMissing(lag.committedLeaderEpoch));
    row.push(
      orMissing(lag.committedOffset),
      orMissing(lag.logEndOffset),
      orMissing(lag.lag),
      lag.member === null ? MISSING : lag.member.memberId,
      lag.member === null ? MISSING : orMissing(lag.member.clientHost),
      lag.member === null ? MISSING : orMissing(lag.member.clientId),
    );
    return row;
  });
  const columns: Column[] = [nameColumn("GROUP", [group.groupId]), nameColumn("TOPIC", lags.map((lag) => lag.topic)), { header: "PARTITION", width: 10 }];
  if (verbose) columns.push({ header: "LEADER-EPOCH", width: 15 });
  columns.push(
    { header: "CURRENT-OFFSET", width: 15 },
    { header: "LOG-END-OFFSET", width: 15 },
    { header: "LAG", width: 15 },
    nameColumn("CONSUMER-ID", lags.map((lag) => lag.member?.memberId ?? MISSING)),
    nameColumn("HOST", lags.map((lag) => lag.member?.clientHost ?? MISSING)),
    { header: "CLIENT-ID", width: 0 },
  );
  return table(columns, rows);
}

function membersTable(group: GroupDescription, verbose: boolean): string | null {
  if (group.members.length === 0) return null;
  const withInstanceIds = group.members.some((member) => member.groupInstanceId !== null && member.groupInstanceId !== "");
  const columns: Column[] = [nameColumn("GROUP", [group.groupId]), nameColumn("CONSUMER-ID", group.members.map((member) => member.memberId))];
  if (withInstanceIds) columns.push({ header: "GROUP-INSTANCE-ID", width: 17 });
  columns.push(nameColumn("HOST", group.members.map((member) => member.clientHost)), nameColumn("CLIENT-ID", group.members.map((member) => member.clientId)), {
    header: "#PARTITIONS",
    width: 15,
  });
  if (verbose) {
    columns.push({ header: "CURRENT-EPOCH", width: 15 }, { header: "CURRENT-ASSIGNMENT", width: 20 }, { header: "TARGET-EPOCH", width: 15 }, { header: "TARGET-ASSIGNMENT", width: 20 });
  }
  const rows = group.members.map((member: GroupMemberDescription) => {
    const row = [group.groupId, member.memberId];
    if (withInstanceIds) row.push(orMissing(member.groupInstanceId));
    row.push(orMissing(member.clientHost), orMissing(member.clientId), String(partitionCount(member.assignment)));
    if (verbose) {
      row.push(orMissing(member.memberEpoch), assignmentString(member.assignment), orMissing(group.assignmentEpoch), assignmentString(member.targetAssignment));
    }
    return row;
  });
  return table(columns, rows);
}

function stateTable(group: GroupDescription, verbose: boolean): string {
  const coordinator = `${group.coordinator.host}:${group.coordinator.port}  (${group.coordinator.nodeId})`;
  const columns: Column[] = [nameColumn("GROUP", [group.groupId]), { header: "COORDINATOR (ID)", width: 25 }, { header: "ASSIGNMENT-STRATEGY", width: 20 }, { header: "STATE", width: 20 }];
  const row = [group.groupId, coordinator, orMissing(group.assignmentStrategy), group.state];
  if (verbose) {
    columns.push({ header: "GROUP-EPOCH", width: 15 }, { header: "TARGET-ASSIGNMENT-EPOCH", width: 25 });
    row.push(orMissing(group.groupEpoch), orMissing(group.assignmentEpoch));
  }
  columns.push({ header: "#MEMBERS", width: 0 });
  row.push(String(group.members.length));
  return table(columns, [row]);
}

// ------------------------------------------------------------------ delete

async function remove(client: KafkaClient, selection: GroupSelection): Promise<void> {
  const groupIds = await selectedGroupIds(client, selection);
  if (groupIds.length === 0) {
    await writeOut("There are no consumer groups to delete.\n");
    return;
  }
  const outcomes = await deleteGroups(client, groupIds);
  const deleted: string[] = [];
  const failed: string[] = [];
  for (const { groupId, error } of outcomes) {
    if (error === null) deleted.push(`'${groupId}'`);
    else failed.push(`* Group '${groupId}' could not be deleted due to: ${errorText(error)}`);
  }
  if (failed.length === 0) {
    await writeOut(`Deletion of requested consumer groups (${deleted.join(", ")}) was successful.\n`);
    return;
  }
  if (deleted.length > 0) await writeOut(`These consumer groups were deleted successfully: ${deleted.join(", ")}\n`);
  note("deletion of some consumer groups failed:");
  process.stderr.write(failed.join("\n") + "\n");
  throw new CliError(`${failed.length} of ${outcomes.length} consumer groups could not be deleted`);
}

// ------------------------------------------------------------------ reset-offsets

async function resetOffsets(client: KafkaClient, selection: GroupSelection, scope: ResetScope, spec: OffsetResetSpec, execute: boolean): Promise<void> {
  const groupIds = [...(await selectedGroupIds(client, selection))].sort();
  // Named partitions are checked once, before any group's offsets are touched.
  const named = scope.allTopics ? null : await partitionsOf(client, scope.topics);
  const descriptions = await describeGroups(client, groupIds);
  const failures: string[] = [];
  const plans: { groupId: string; plan: PlannedOffset[] }[] = [];
  for (const group of descriptions) {
    if (group.error !== null && group.error.code !== ErrorCode.GROUP_ID_NOT_FOUND) {
      failures.push(`cannot describe consumer group '${group.groupId}': ${errorText(group.error)}`);
      continue;
    }
    if (group.error === null && !INACTIVE_STATES.has(group.state)) {
      failures.push(`Assignments can only be reset if the group '${group.groupId}' is inactive, but the current state is ${group.state}.`);
      continue;
    }
    const committed = await fetchCommittedOffsets(client, group.groupId);
    const partitions = named ?? committed.map(({ topic, partition }) => ({ topic, partition }));
    const plan = await planOffsetReset(client, partitions, spec, committed);
    for (const entry of plan) if (entry.warning !== null) note(`warning: ${entry.warning}`);
    if (execute && plan.length > 0) {
      const outcomes = await commitGroupOffsets(
        client,
        group.groupId,
        plan.map(({ topic, partition, offset }) => ({ topic, partition, offset })),
      );
      const failed = outcomes.flatMap((outcome) => (outcome.error === null ? [] : [{ name: `${outcome.topic}-${outcome.partition}`, error: outcome.error }]));
      if (failed.length > 0) {
        const first = failed[0].error;
        const inactiveOnly = first.code === ErrorCode.UNKNOWN_MEMBER_ID || first.code === ErrorCode.ILLEGAL_GENERATION || first.code === ErrorCode.REBALANCE_IN_PROGRESS;
        failures.push(
          inactiveOnly
            ? `Assignments can only be reset if the group '${group.groupId}' is inactive: the coordinator refused the new offsets (${errorText(first)}).`
            : `cannot commit the new offsets of group '${group.groupId}': ${failed.map(({ name, error }) => `${name}: ${errorText(error)}`).join(", ")}`,
        );
        continue;
      }
    }
    plans.push({ groupId: group.groupId, plan });
  }
  const rows = plans.flatMap(({ groupId, plan }) => plan.map((entry) => [groupId, entry.topic, String(entry.partition), String(entry.offset)]));
  if (rows.length > 0) {
    const columns: Column[] = [nameColumn("GROUP", rows.map((row) => row[0])), nameColumn("TOPIC", rows.map((row) => row[1])), { header: "PARTITION", width: 10 }, { header: "NEW-OFFSET", width: 0 }];
    await writeOut(table(columns, rows));
  }
  failWith(failures);
}

/** The partitions named by --topic arguments, checked against the cluster's metadata. */
async function partitionsOf(client: KafkaClient, topics: readonly TopicArgument[]): Promise<TopicPartitionRef[]> {
  const metadata = await client.retry(() => client.metadata([...new Set(topics.map((entry) => entry.topic))]));
  const chosen = new Map<string, TopicPartitionRef>();
  const missing: string[] = [];
  for (const { topic, partitions } of topics) {
    const described = metadata.topics.get(topic);
    const existing = described === undefined || described.errorCode !== ErrorCode.NONE ? [] : described.partitions.map((entry) => entry.partition);
    if (existing.length === 0) {
      missing.push(partitions === null ? topic : partitions.map((partition) => `${topic}-${partition}`).join(","));
      continue;
    }
    for (const partition of partitions ?? existing) {
      if (!existing.includes(partition)) missing.push(`${topic}-${partition}`);
      else chosen.set(`${topic}\u0000${partition}`, { topic, partition });
    }
  }
  if (missing.length > 0) throw new CliError(`the partitions "${missing.join(",")}" do not exist`);
  return [...chosen.values()].sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
}

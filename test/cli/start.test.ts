// `tributary start` as a user runs it: config from flags and environment, a clear exit code 2 for
// invalid config, graceful shutdown on SIGTERM, and topic metadata and cluster id that survive a
// restart on disk.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeFailure, run, runKcat } from "../helpers/processes.js";

const BIN = new URL("../../../bin/tributary.js", import.meta.url).pathname;

interface RunningBroker {
  readonly child: ChildProcess;
  readonly bootstrap: string;
  readonly clusterId: string;
  readonly output: () => string;
}

/**
 * Starts `tributary start` with the given arguments and waits for its "listening on" line; with
 * asProgram the bin runs as an executable (its #! line picks node and its flags), as npx runs it.
 */
function startCli(args: readonly string[], env: Record<string, string> = {}, asProgram = false): Promise<RunningBroker> {
  return new Promise((resolve, reject) => {
    const startArgs = ["start", "--log-level", "warn", ...args];
    const child = spawn(asProgram ? BIN : process.execPath, asProgram ? startArgs : [BIN, ...startArgs], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const onData = (chunk: Buffer): void => {
      output += chunk.toString("utf8");
      const match = /listening on (\S+) \(cluster (\S+)\)/.exec(output);
      if (match !== null) resolve({ child, bootstrap: match[1], clusterId: match[2], output: () => output });
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => reject(new Error(`tributary start exited with ${code}:\n${output}`)));
  });
}

function stop(broker: RunningBroker, signal: NodeJS.Signals): Promise<number | null> {
  return new Promise((resolve) => {
    broker.child.removeAllListeners("exit");
    broker.child.on("exit", (code) => resolve(code));
    broker.child.kill(signal);
  });
}

test("tributary start serves clients, stops on SIGTERM, and keeps topics and cluster id across restarts", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "tributary-cli-"));
  try {
    const args = ["--override", "listeners=PLAINTEXT://127.0.0.1:0", "--override", `log.dirs=${dataDir}`];
    const first = await startCli(args, { TRIBUTARY_NUM_PARTITIONS: "3" });
    const created = await runKcat(["-b", first.bootstrap, "-L", "-J", "-t", "kept-topic"]);
    assert.equal(created.code, 0, describeFailure(created));
    const createdTopic = (JSON.parse(created.stdout) as { topics: { partitions: unknown[] }[] }).topics[0];
    assert.equal(createdTopic.partitions.length, 3, "TRIBUTARY_NUM_PARTITIONS=3 should apply");
    assert.equal(await stop(first, "SIGTERM"), 0);
    assert.match(readFileSync(join(dataDir, "meta.properties"), "utf8"), new RegExp(`cluster.id=${first.clusterId}`));

    const second = await startCli(args);
    assert.equal(second.clusterId, first.clusterId, "the cluster id is kept in meta.properties");
    const listed = await runKcat(["-b", second.bootstrap, "-L", "-J"]);
    assert.equal(listed.code, 0, describeFailure(listed));
    const topics = (JSON.parse(listed.stdout) as { topics: { topic: string; partitions: unknown[] }[] }).topics;
    assert.deepEqual(
      topics.map((topic) => [topic.topic, topic.partitions.length]),
      [["kept-topic", 3]],
    );
    assert.equal(await stop(second, "SIGINT"), 0);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test("run as a program, the broker gets the node flags of the #! line", { skip: process.platform !== "linux" && "reads /proc" }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "tributary-cli-"));
  try {
    const broker = await startCli(["--override", "listeners=PLAINTEXT://127.0.0.1:0", "--override", `log.dirs=${dataDir}`], {}, true);
    const commandLine = readFileSync(`/proc/${broker.child.pid}/cmdline`, "utf8").split("\0");
    assert.ok(commandLine.includes("--max-semi-space-size=4"), `command line: ${commandLine.join(" ")}`);
    const listed = await runKcat(["-b", broker.bootstrap, "-L", "-J"]);
    assert.equal(listed.code, 0, describeFailure(listed));
    assert.equal(await stop(broker, "SIGTERM"), 0);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test("an invalid config value exits with code 2 and names the key", async () => {
  const result = await run(process.execPath, [BIN, "start", "--override", "num.partitions=many"]);
  assert.equal(result.code, 2, describeFailure(result));
  assert.match(result.stderr, /num\.partitions/);
  assert.match(result.stderr, /many/);
});

test("an invalid value in the environment exits with code 2 and names the variable", async () => {
  const result = await run(process.execPath, [BIN, "start"], { env: { TRIBUTARY_MESSAGE_MAX_BYTES: "-5" } });
  assert.equal(result.code, 2, describeFailure(result));
  assert.match(result.stderr, /message\.max\.bytes/);
  assert.match(result.stderr, /TRIBUTARY_MESSAGE_MAX_BYTES/);
});

test("an unreadable config file exits with code 2", async () => {
  const result = await run(process.execPath, [BIN, "start", "--config", "/nonexistent/server.properties"]);
  assert.equal(result.code, 2, describeFailure(result));
  assert.match(result.stderr, /server\.properties/);
});

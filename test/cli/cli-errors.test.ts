// How every command fails when it cannot do its job: an unreachable broker is one clear line on
// stderr ("cannot connect to host:port: ECONNREFUSED") and exit code 1, without a stack trace;
// bad usage (missing or invalid flags, conflicting options, unknown commands) is exit code 2,
// decided before any connection is tried.

import { test } from "node:test";
import assert from "node:assert/strict";
import { closedPort, describeResult, mapConcurrently, runCli } from "./cli-runner.js";

/** Commands started at once: each is a short-lived Node process. */
const CONCURRENCY = 4;

test("an unreachable broker is one line on stderr and exit code 1, for every command", async () => {
  const port = await closedPort();
  const address = `127.0.0.1:${port}`;
  const commands: [string[], string?][] = [
    [["topics", "list"]],
    [["topics", "create", "--topic", "t"]],
    [["configs", "describe", "--topic", "t"]],
    [["produce", "--topic", "t"], "line\n"],
    [["consume", "--topic", "t"]],
  ];
  const results = await mapConcurrently(commands, CONCURRENCY, ([args, input]) => runCli([...args, "--bootstrap-server", address], input));
  commands.forEach(([args], index) => {
    const result = results[index];
    assert.equal(result.code, 1, `${args.join(" ")}: ${describeResult(result)}`);
    assert.equal(result.stderr, `tributary: cannot connect to ${address}: ECONNREFUSED\n`, args.join(" "));
    assert.equal(result.stdout.length, 0);
  });
  const port2 = await closedPort();
  const several = await runCli(["topics", "list", "--bootstrap-server", `${address},127.0.0.1:${port2}`]);
  assert.equal(several.code, 1, describeResult(several));
  assert.equal(several.stderr, `tributary: cannot connect to any bootstrap server: ${address} (ECONNREFUSED), 127.0.0.1:${port2} (ECONNREFUSED)\n`);
});

test("bad usage exits with code 2", async () => {
  const port = await closedPort();
  const server = ["--bootstrap-server", `127.0.0.1:${port}`];
  const cases: string[][] = [
    ["consume", ...server],
    ["produce", ...server],
    ["consume", ...server, "--topic", "t", "--partition", "-1"],
    ["consume", ...server, "--topic", "t", "--offset", "soon"],
    ["consume", ...server, "--topic", "t", "--timestamp", "yesterday"],
    ["consume", ...server, "--topic", "t", "--offset", "3", "--timestamp", "5"],
    ["consume", ...server, "--topic", "t", "--format", "%x"],
    ["consume", ...server, "--topic", "t", "--format", "%s", "--print-key"],
    ["consume", "--topic", "t", "--bootstrap-server", "localhost:port"],
    ["produce", ...server, "--topic", "t", "--acks", "2"],
    ["produce", ...server, "--topic", "t", "--compression", "brotli"],
    ["produce", ...server, "--topic", "t", "--header", "novalue"],
    ["produce", ...server, "--topic", "t", "--file", "/nonexistent/input.txt"],
    ["topics", "frobnicate"],
    ["topics", "create", ...server],
    ["topics", "list", ...server, "--no-such-flag"],
  ];
  const results = await mapConcurrently(cases, CONCURRENCY, (args) => runCli(args));
  cases.forEach((args, index) => {
    const result = results[index];
    assert.equal(result.code, 2, `${args.join(" ")}: ${describeResult(result)}`);
    assert.doesNotMatch(result.stderr, /\n\s+at /, `${args.join(" ")}: no stack trace`);
  });
});

// Entry point of the `tributary` command line: one sub-command per file.

import { Command, CommanderError } from "commander";
import { registerStartCommand } from "./start.js";
import { registerTopicsCommand } from "./topics.js";
import { registerProduceCommand } from "./produce.js";
import { registerConsumeCommand } from "./consume.js";
import { registerConfigsCommand } from "./configs.js";
import { registerGroupsCommand } from "./groups.js";
import { registerPerfCommand } from "./perf.js";
import { CliError } from "./cli-error.js";

export async function main(argv: readonly string[]): Promise<void> {
  const program = new Command("tributary")
    .description("Tributary: a Kafka-compatible broker for Node.js")
    .showHelpAfterError()
    .exitOverride();
  registerStartCommand(program);
  registerTopicsCommand(program);
  registerProduceCommand(program);
  registerConsumeCommand(program);
  registerConfigsCommand(program);
  registerGroupsCommand(program);
  registerPerfCommand(program);
  try {
    await program.parseAsync([...argv], { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    if (error instanceof CliError) {
      process.stderr.write(`tributary: ${error.message}\n`);
      process.exitCode = error.exitCode;
      return;
    }
    throw error;
  }
}

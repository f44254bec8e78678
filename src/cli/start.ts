// `tributary start`: runs a broker in the foreground until SIGINT or SIGTERM, then shuts down
// gracefully (stop accepting, finish requests in flight, flush and close files).
// Config comes from --config (a Kafka server.properties file), TRIBUTARY_* environment variables
// and --override key=value, over the embedded single-node defaults; see docs/configuration.md.

import { readFileSync } from "node:fs";
import type { Command } from "commander";
import type { PropertiesFile } from "../config/index.js";
import type { LogLevel } from "../lib/logger.js";
import { CliError } from "./cli-error.js";

interface StartOptions {
  config?: string;
  override: string[];
  memory?: boolean;
  logLevel: string;
}

const LOG_LEVELS: readonly string[] = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

function readConfigFile(path: string): PropertiesFile {
  try {
    return { path, contents: readFileSync(path, "utf8") };
  } catch (error) {
    throw new CliError(`cannot read config file ${path}: ${(error as Error).message}`, 2);
  }
}

export function registerStartCommand(program: Command): void {
  program
    .command("start")
    .description("run a broker (single node, embedded defaults) until interrupted")
    .option("-c, --config <file>", "a Kafka server.properties file")
    .option(
      "-o, --override <key=value>",
      "set a broker config (repeatable); wins over the file and the environment",
      (value: string, previous: string[]) => [...previous, value],
      [],
    )
    .option("--memory", "keep all data in memory (nothing is written to disk)")
    .option("--log-level <level>", `one of ${LOG_LEVELS.join(", ")}`, "info")
    .action(async (options: StartOptions) => {
      if (!LOG_LEVELS.includes(options.logLevel)) throw new CliError(`unknown log level ${options.logLevel}`, 2);
      // Loaded here, not at the top: the client commands should not pay for loading a broker.
      const { ConfigError, EMBEDDED_DEFAULTS, loadBrokerConfig, parseOverride } = await import("../config/index.js");
      const { createLogger } = await import("../lib/logger.js");
      const { startBroker } = await import("../broker/broker.js");
      const logger = createLogger({ level: options.logLevel as LogLevel });
      const overrides = new Map<string, string>();
      for (const argument of options.override) {
        try {
          const [key, value] = parseOverride(argument);
          overrides.set(key, value);
        } catch (error) {
          throw new CliError((error as Error).message, 2);
        }
      }
      let loaded;
      try {
        loaded = loadBrokerConfig({
          embeddedDefaults: EMBEDDED_DEFAULTS,
          file: options.config === undefined ? undefined : readConfigFile(options.config),
          env: process.env,
          overrides,
        });
      } catch (error) {
        if (error instanceof ConfigError) throw new CliError(error.message, 2);
        throw error;
      }
      for (const warning of loaded.warnings) logger.warn({ key: warning.key, origin: warning.origin }, warning.message);
      let broker;
      try {
        broker = await startBroker({ brokerConfig: loaded.config, storage: options.memory === true ? "memory" : "disk", logger });
      } catch (error) {
        throw new CliError(`could not start the broker: ${(error as Error).message}`);
      }
      process.stdout.write(`Tributary broker ${broker.nodeId} listening on ${broker.bootstrap} (cluster ${broker.clusterId})\n`);
      await new Promise<void>((resolve) => {
        const shutdown = (signal: NodeJS.Signals): void => {
          logger.info({ signal }, "shutting down");
          process.off("SIGINT", shutdown);
          process.off("SIGTERM", shutdown);
          broker.close().then(resolve, (error: unknown) => {
            logger.error({ err: error }, "shutdown failed");
            process.exitCode = 1;
            resolve();
          });
        };
        process.on("SIGINT", shutdown);
        process.on("SIGTERM", shutdown);
      });
    });
}

// The BROKER_LOGGER config resource (KIP-412): log levels of the running broker, described by
// DescribeConfigs and changed by IncrementalAlterConfigs, as Kafka's Log4jController and
// RuntimeLoggerManager do, with the same checks and messages. Unlike every other config resource
// it lives in this process only: nothing is stored, and a restart returns to the configured level.
// It sits next to the config controller because the same requests carry it.
//
// Tributary logs through one pino logger, so there is one logger, Kafka's "root"; its level maps
// to log4j's names (pino's "silent" is log4j's OFF).

import { ErrorCode } from "../../protocol/error-codes.js";
import type { Logger } from "../../lib/logger.js";
import { AlterConfigOpType, alterConfigOpName, brokerResourceNameError, type ConfigAlteration, type ConfigOutcome } from "./config-controller.js";

export const ROOT_LOGGER = "root";

/** log4j's levels Kafka accepts (LogLevelConfig.VALID_LOG_LEVELS), sorted as Kafka lists them. */
const VALID_LOG_LEVELS: readonly string[] = ["DEBUG", "ERROR", "FATAL", "INFO", "TRACE", "WARN"];

export interface LoggerLevel {
  readonly name: string;
  /** log4j's name for the level: TRACE, DEBUG, INFO, WARN, ERROR, FATAL or OFF. */
  readonly level: string;
}

function log4jLevel(pinoLevel: string): string {
  return pinoLevel === "silent" ? "OFF" : pinoLevel.toUpperCase();
}

/** The broker's loggers and their levels. */
export function describeBrokerLoggers(logger: Logger): LoggerLevel[] {
  return [{ name: ROOT_LOGGER, level: log4jLevel(logger.level) }];
}

/** Checks every change first, then applies them all (unless validateOnly). */
export function alterBrokerLoggers(logger: Logger, nodeId: number, alteration: ConfigAlteration, validateOnly: boolean): ConfigOutcome {
  const nameError = brokerResourceNameError(alteration.resourceName, nodeId);
  if (nameError !== null) return nameError;
  for (const change of alteration.changes) {
    const fail = (errorCode: number, errorMessage: string): ConfigOutcome => ({ errorCode, errorMessage });
    switch (change.operation) {
      case AlterConfigOpType.SET:
        if (change.name !== ROOT_LOGGER) return fail(ErrorCode.INVALID_CONFIG, `Logger ${change.name} does not exist!`);
        if (change.value === null || !VALID_LOG_LEVELS.includes(change.value)) {
          return fail(
            ErrorCode.INVALID_CONFIG,
            `Cannot set the log level of ${change.name} to ${String(change.value)} as it is not a supported log level. ` +
              `Valid log levels are ${VALID_LOG_LEVELS.join(", ")}`,
          );
        }
        break;
      case AlterConfigOpType.DELETE:
        if (change.name !== ROOT_LOGGER) return fail(ErrorCode.INVALID_CONFIG, `Logger ${change.name} does not exist!`);
        return fail(ErrorCode.INVALID_REQUEST, `Removing the log level of the ${ROOT_LOGGER} logger is not allowed`);
      case AlterConfigOpType.APPEND:
      case AlterConfigOpType.SUBTRACT:
        return fail(ErrorCode.INVALID_REQUEST, `${alterConfigOpName(change.operation)} operation is not allowed for the BROKER_LOGGER resource`);
      default:
        return fail(ErrorCode.INVALID_REQUEST, `Unknown operation type ${change.operation} is not allowed for the BROKER_LOGGER resource`);
    }
  }
  if (!validateOnly) {
    for (const change of alteration.changes) {
      const level = (change.value ?? "").toLowerCase();
      logger.warn({ logger: change.name, level: change.value }, "log level changed by IncrementalAlterConfigs");
      logger.level = level;
    }
  }
  return { errorCode: ErrorCode.NONE, errorMessage: null };
}

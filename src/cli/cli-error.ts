// A failure the CLI reports as one clear line and an exit code, without a stack trace.
// Exit code 2 means bad input (usage, invalid config); 1 means the operation failed.

export class CliError extends Error {
  override name = "CliError";
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

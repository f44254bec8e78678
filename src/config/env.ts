// Maps config keys to environment variable names and back. TRIBUTARY_<NAME>, where NAME is the key
// upper-cased with "." written as "_" (log.dirs -> TRIBUTARY_LOG_DIRS). Keys that contain "_" or "-"
// themselves (listener names such as sasl_ssl in listener.name.sasl_ssl.*) use "__" for "_" and "___"
// for "-", the convention Kafka's container images use, so every key has exactly one variable name.

export const ENV_PREFIX = "TRIBUTARY_";

/** The environment variable that sets `key`, e.g. "num.partitions" -> "TRIBUTARY_NUM_PARTITIONS". */
export function envNameForConfig(key: string): string {
  let name = ENV_PREFIX;
  for (const char of key) {
    if (char === ".") name += "_";
    else if (char === "_") name += "__";
    else if (char === "-") name += "___";
    else name += char.toUpperCase();
  }
  return name;
}

/**
 * The config key an environment variable sets, or undefined when the variable does not start with
 * TRIBUTARY_ or is not a valid encoding (a run of four or more underscores, or an empty name).
 */
export function configNameForEnv(envName: string): string | undefined {
  if (!envName.startsWith(ENV_PREFIX)) return undefined;
  const encoded = envName.slice(ENV_PREFIX.length);
  if (encoded === "") return undefined;
  let key = "";
  let index = 0;
  while (index < encoded.length) {
    if (encoded[index] !== "_") {
      key += encoded[index].toLowerCase();
      index++;
      continue;
    }
    let run = 0;
    while (index < encoded.length && encoded[index] === "_") {
      run++;
      index++;
    }
    if (run === 1) key += ".";
    else if (run === 2) key += "_";
    else if (run === 3) key += "-";
    else return undefined;
  }
  return key;
}

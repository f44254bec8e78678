// Parsing a bootstrap server list as Kafka's tools take it: "host:port,host:port", IPv6 literals
// in brackets ("[::1]:9092"), an optional listener prefix ("PLAINTEXT://host:port").

import { ClientUsageError } from "./errors.js";

export interface BrokerAddress {
  readonly host: string;
  readonly port: number;
}

/** Kafka's default listener port, for an entry given without one. */
export const DEFAULT_KAFKA_PORT = 9092;
/** A bootstrap list is a handful of seeds, not a cluster inventory. */
const BOOTSTRAP_SERVERS_MAX = 100;
const PORT_MAX = 65_535;

function parsePort(text: string, entry: string): number {
  if (!/^\d{1,5}$/.test(text)) throw new ClientUsageError(`invalid port in bootstrap server "${entry}"`);
  const port = Number(text);
  if (port < 1 || port > PORT_MAX) throw new ClientUsageError(`invalid port in bootstrap server "${entry}"`);
  return port;
}

function parseEntry(entry: string): BrokerAddress {
  const withoutScheme = entry.replace(/^[A-Za-z_][A-Za-z0-9_]*:\/\//, "");
  if (withoutScheme.startsWith("[")) {
    const close = withoutScheme.indexOf("]");
    if (close < 0) throw new ClientUsageError(`invalid bootstrap server "${entry}": unclosed [`);
    const host = withoutScheme.slice(1, close);
    const rest = withoutScheme.slice(close + 1);
    if (rest === "") return { host, port: DEFAULT_KAFKA_PORT };
    if (!rest.startsWith(":")) throw new ClientUsageError(`invalid bootstrap server "${entry}"`);
    return { host, port: parsePort(rest.slice(1), entry) };
  }
  const colon = withoutScheme.lastIndexOf(":");
  if (colon < 0) return { host: withoutScheme, port: DEFAULT_KAFKA_PORT };
  const host = withoutScheme.slice(0, colon);
  if (host === "" || host.includes(":")) throw new ClientUsageError(`invalid bootstrap server "${entry}" (write IPv6 addresses as [addr]:port)`);
  return { host, port: parsePort(withoutScheme.slice(colon + 1), entry) };
}

/** Parses "host:port[,host:port...]"; throws ClientUsageError for anything malformed. */
export function parseBootstrapServers(text: string): BrokerAddress[] {
  const entries = text
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
  if (entries.length === 0) throw new ClientUsageError("the bootstrap server list is empty");
  if (entries.length > BOOTSTRAP_SERVERS_MAX) throw new ClientUsageError(`more than ${BOOTSTRAP_SERVERS_MAX} bootstrap servers`);
  return entries.map(parseEntry);
}

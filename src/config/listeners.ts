// Parses the listener-shaped broker configs: `listeners` / `advertised.listeners`
// ("NAME://host:port,..."), `listener.security.protocol.map` ("NAME:PROTOCOL,...") and
// `max.connections.per.ip.overrides` ("host:count,..."). Same syntax as Kafka: listener names are
// case-insensitive and normalised to upper case, an empty host means every interface, IPv6 hosts go
// in brackets, port 0 asks the OS for a free port (handy in tests).

export type SecurityProtocol = "PLAINTEXT" | "SSL" | "SASL_PLAINTEXT" | "SASL_SSL";

export const SECURITY_PROTOCOLS: readonly SecurityProtocol[] = ["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"];

export interface ListenerEndpoint {
  /** Upper-cased listener name, e.g. "PLAINTEXT" or "INTERNAL". */
  readonly name: string;
  /** Host or IP to bind/advertise; null when empty in the config (bind every interface). */
  readonly host: string | null;
  readonly port: number;
}

export interface Listener extends ListenerEndpoint {
  readonly securityProtocol: SecurityProtocol;
}

export type ListResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly rule: string };

const MAX_PORT = 65535;
// NAME://host:port with an optional [bracketed] IPv6 host, as in Kafka's listener URI pattern.
const LISTENER_PATTERN = /^([^:/\s]+):\/\/(?:\[([0-9a-fA-F:.%a-zA-Z]*)\]|([0-9a-zA-Z\-%._]*)):(-?[0-9]+)$/;
const LISTENER_NAME_PATTERN = /^[A-Za-z0-9_-]+$/;

function splitCsv(value: string): string[] {
  const trimmed = value.trim();
  return trimmed === "" ? [] : trimmed.split(/\s*,\s*/);
}

function isSecurityProtocol(value: string): value is SecurityProtocol {
  return (SECURITY_PROTOCOLS as readonly string[]).includes(value);
}

/** Parses "NAME://host:port,..." (no security protocols yet: those come from the protocol map). */
export function parseListenerEndpoints(value: string): ListResult<ListenerEndpoint[]> {
  const endpoints: ListenerEndpoint[] = [];
  const names = new Set<string>();
  for (const entry of splitCsv(value)) {
    const match = LISTENER_PATTERN.exec(entry);
    if (match === null) return { ok: false, rule: `Unable to parse ${entry} to a broker endpoint (expected NAME://host:port)` };
    const [, rawName, ipv6Host, plainHost, portText] = match;
    if (!LISTENER_NAME_PATTERN.test(rawName)) return { ok: false, rule: `Invalid listener name ${rawName}` };
    const port = Number(portText);
    if (port < 0 || port > MAX_PORT) return { ok: false, rule: `Port ${portText} of listener ${rawName} is outside 0-${MAX_PORT}` };
    const name = rawName.toUpperCase();
    if (names.has(name)) return { ok: false, rule: `Each listener must have a different name; ${name} appears twice` };
    names.add(name);
    const host = ipv6Host ?? plainHost;
    endpoints.push({ name, host: host === "" ? null : host, port });
  }
  return { ok: true, value: endpoints };
}

/** Parses "NAME:PROTOCOL,..." into an upper-cased name -> protocol map. */
export function parseSecurityProtocolMap(value: string): ListResult<Map<string, SecurityProtocol>> {
  const map = new Map<string, SecurityProtocol>();
  for (const entry of splitCsv(value)) {
    const separator = entry.indexOf(":");
    if (separator <= 0) return { ok: false, rule: `Entry ${entry} is not of the form NAME:PROTOCOL` };
    const name = entry.slice(0, separator).trim().toUpperCase();
    const protocol = entry.slice(separator + 1).trim().toUpperCase();
    if (!isSecurityProtocol(protocol)) {
      const expected = SECURITY_PROTOCOLS.join(", ");
      return { ok: false, rule: `Unknown security protocol ${protocol} for listener ${name}; expected one of ${expected}` };
    }
    if (map.has(name)) return { ok: false, rule: `Listener ${name} is mapped twice` };
    map.set(name, protocol);
  }
  return { ok: true, value: map };
}

/** Parses "host:count,..." (the host may itself contain colons: the count follows the last one). */
export function parseConnectionOverrides(value: string): ListResult<Map<string, number>> {
  const overrides = new Map<string, number>();
  for (const entry of splitCsv(value)) {
    const separator = entry.lastIndexOf(":");
    const host = entry.slice(0, separator).trim();
    const countText = entry.slice(separator + 1).trim();
    if (separator <= 0 || host === "" || !/^[0-9]+$/.test(countText) || Number(countText) > 2 ** 31 - 1) {
      return { ok: false, rule: `Entry ${entry} is not of the form host:count` };
    }
    overrides.set(host, Number(countText));
  }
  return { ok: true, value: overrides };
}

/** Attaches each endpoint's security protocol; fails naming the first listener with no mapping. */
export function resolveListeners(
  endpoints: readonly ListenerEndpoint[],
  protocolMap: ReadonlyMap<string, SecurityProtocol>,
): ListResult<Listener[]> {
  const listeners: Listener[] = [];
  for (const endpoint of endpoints) {
    const securityProtocol = protocolMap.get(endpoint.name);
    if (securityProtocol === undefined) {
      return { ok: false, rule: `No security protocol defined for listener ${endpoint.name} (add it to listener.security.protocol.map)` };
    }
    listeners.push({ ...endpoint, securityProtocol });
  }
  return { ok: true, value: listeners };
}

function isIpv4Literal(host: string | null): boolean {
  return host !== null && /^[0-9]{1,3}(\.[0-9]{1,3}){3}$/.test(host);
}

function isIpv6Literal(host: string | null): boolean {
  return host !== null && host.includes(":");
}

/**
 * Kafka lets two listeners share a port only when one binds an IPv4 address and the other an IPv6
 * address; returns the broken rule or undefined.
 */
export function checkDistinctPorts(endpoints: readonly ListenerEndpoint[]): string | undefined {
  for (let i = 0; i < endpoints.length; i++) {
    for (let j = i + 1; j < endpoints.length; j++) {
      const a = endpoints[i];
      const b = endpoints[j];
      if (a.port !== b.port || a.port === 0) continue;
      const mixedFamilies = (isIpv4Literal(a.host) && isIpv6Literal(b.host)) || (isIpv6Literal(a.host) && isIpv4Literal(b.host));
      if (!mixedFamilies) return `Listeners ${a.name} and ${b.name} both use port ${a.port}`;
    }
  }
  return undefined;
}

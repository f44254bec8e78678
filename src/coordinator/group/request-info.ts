// The client identity the group APIs record for a member, formatted as Kafka formats it: the
// client id ("" when none) and "/" + the client's IP address (Java's InetAddress.toString()),
// which kafka-consumer-groups.sh shows in its HOST column.

import type { RequestInfo } from "./shard-context.js";

const IPV4_MAPPED_PREFIX = "::ffff:";

export function clientHostOf(clientAddress: string): string {
  const address = clientAddress.startsWith(IPV4_MAPPED_PREFIX) && clientAddress.includes(".") ? clientAddress.slice(IPV4_MAPPED_PREFIX.length) : clientAddress;
  return `/${address}`;
}

export function requestInfoOf(request: { readonly apiVersion: number; readonly clientId: string | null; readonly clientAddress: string }): RequestInfo {
  return { apiVersion: request.apiVersion, clientId: request.clientId ?? "", clientHost: clientHostOf(request.clientAddress) };
}

// meta.properties in every log directory, as Kafka writes it in KRaft mode: it ties the
// directory to one cluster and one node, so a broker never mixes data from two clusters.
// A directory without it is formatted on first start (Kafka asks for `kafka-storage format`;
// a broker meant to start in a blink does it itself).

import { joinPath, isNotFound, writeFileAtomically, type FileSystem } from "../../storage/io/file-system.js";
import { randomUuid } from "../../lib/uuid.js";

export const META_PROPERTIES_FILE = "meta.properties";

export interface MetaProperties {
  readonly clusterId: string;
  readonly nodeId: number;
  readonly directoryId: string;
}

export class MetaPropertiesError extends Error {
  override name = "MetaPropertiesError";
}

export function parseMetaProperties(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("#") || trimmed.startsWith("!")) continue;
    const separator = trimmed.indexOf("=");
    if (separator > 0) values.set(trimmed.slice(0, separator).trim(), trimmed.slice(separator + 1).trim());
  }
  return values;
}

export function formatMetaProperties(properties: MetaProperties, now: Date): string {
  return [
    "#",
    `#${now.toUTCString()}`,
    `cluster.id=${properties.clusterId}`,
    `directory.id=${properties.directoryId}`,
    `node.id=${properties.nodeId}`,
    "version=1",
    "",
  ].join("\n");
}

/**
 * Reads meta.properties from every log dir, checks they agree with each other and with nodeId,
 * and writes it where missing. Returns the cluster id.
 */
export async function ensureMetaProperties(fs: FileSystem, logDirs: readonly string[], nodeId: number, now: Date): Promise<string> {
  const found: { dir: string; values: Map<string, string> }[] = [];
  const missing: string[] = [];
  for (const dir of logDirs) {
    await fs.mkdirp(dir);
    try {
      const text = (await fs.readFile(joinPath(dir, META_PROPERTIES_FILE))).toString("utf8");
      found.push({ dir, values: parseMetaProperties(text) });
    } catch (error) {
      if (!isNotFound(error)) throw error;
      missing.push(dir);
    }
  }
  let clusterId: string | undefined;
  for (const { dir, values } of found) {
    const dirClusterId = values.get("cluster.id");
    const dirNodeId = values.get("node.id") ?? values.get("broker.id");
    if (dirClusterId === undefined) throw new MetaPropertiesError(`${dir}/${META_PROPERTIES_FILE} has no cluster.id`);
    if (dirNodeId !== undefined && Number(dirNodeId) !== nodeId) {
      throw new MetaPropertiesError(
        `${dir}/${META_PROPERTIES_FILE} belongs to node.id ${dirNodeId}, but this broker is configured with node.id ${nodeId}`,
      );
    }
    if (clusterId !== undefined && clusterId !== dirClusterId) {
      throw new MetaPropertiesError(`log dirs belong to different clusters: ${clusterId} and ${dirClusterId} (${dir})`);
    }
    clusterId = dirClusterId;
  }
  clusterId ??= randomUuid();
  for (const dir of missing) {
    const text = formatMetaProperties({ clusterId, nodeId, directoryId: randomUuid() }, now);
    await writeFileAtomically(fs, joinPath(dir, META_PROPERTIES_FILE), Buffer.from(text, "utf8"));
  }
  return clusterId;
}

// Which version of each API our client sends to a broker: the top of the overlap between the
// range this client implements and the range the broker advertises in ApiVersions (what Kafka's
// Java client and librdkafka do). No overlap is a clear error naming both ranges.
//
// Our minimums are where the request shapes our code builds start to mean what we want: record
// batch v2 needs Produce v3 and Fetch v4; ListOffsets v1 is the first with one timestamp per
// partition; DescribeConfigs v1 is the first that reports config sources.

import { ApiKey, apiName } from "../protocol/generated/api-keys.js";
import type { ApiVersion } from "../protocol/generated/api-versions.js";
import { UnsupportedApiError } from "./errors.js";

export interface ApiVersionRange {
  readonly minVersion: number;
  readonly maxVersion: number;
}

/** The versions this client implements, per API. */
export const CLIENT_API_VERSIONS: ReadonlyMap<number, ApiVersionRange> = new Map<number, ApiVersionRange>([
  [ApiKey.Produce, { minVersion: 3, maxVersion: 11 }],
  [ApiKey.Fetch, { minVersion: 4, maxVersion: 17 }],
  [ApiKey.ListOffsets, { minVersion: 1, maxVersion: 10 }],
  [ApiKey.Metadata, { minVersion: 1, maxVersion: 12 }],
  [ApiKey.ApiVersions, { minVersion: 0, maxVersion: 4 }],
  [ApiKey.CreateTopics, { minVersion: 2, maxVersion: 7 }],
  [ApiKey.DeleteTopics, { minVersion: 1, maxVersion: 6 }],
  [ApiKey.CreatePartitions, { minVersion: 0, maxVersion: 3 }],
  [ApiKey.DescribeConfigs, { minVersion: 1, maxVersion: 4 }],
  [ApiKey.AlterConfigs, { minVersion: 0, maxVersion: 2 }],
  [ApiKey.IncrementalAlterConfigs, { minVersion: 0, maxVersion: 1 }],
]);

/** The negotiated versions for one broker connection. */
export class ApiVersionTable {
  private readonly brokerRanges = new Map<number, ApiVersionRange>();

  constructor(
    brokerApis: readonly ApiVersion[],
    /** Who advertised these ranges, for error messages. */
    readonly brokerAddress: string,
    private readonly clientRanges: ReadonlyMap<number, ApiVersionRange> = CLIENT_API_VERSIONS,
  ) {
    for (const api of brokerApis) this.brokerRanges.set(api.apiKey, { minVersion: api.minVersion, maxVersion: api.maxVersion });
  }

  /** The range the broker advertised for an API, if any. */
  brokerRange(apiKey: number): ApiVersionRange | undefined {
    return this.brokerRanges.get(apiKey);
  }

  /** True when some version of the API is spoken by both sides. */
  supports(apiKey: number): boolean {
    return this.overlap(apiKey) !== null;
  }

  /** The version to send: the highest both sides speak. Throws UnsupportedApiError when there is none. */
  version(apiKey: number): number {
    const overlap = this.overlap(apiKey);
    if (overlap !== null) return overlap.maxVersion;
    const client = this.clientRanges.get(apiKey);
    const broker = this.brokerRanges.get(apiKey);
    const name = apiName(apiKey);
    if (client === undefined) throw new UnsupportedApiError(`this client does not implement ${name}`);
    if (broker === undefined) throw new UnsupportedApiError(`the broker at ${this.brokerAddress} does not support ${name}`);
    throw new UnsupportedApiError(
      `the broker at ${this.brokerAddress} offers ${name} v${broker.minVersion}-${broker.maxVersion}, ` +
        `but this client speaks v${client.minVersion}-${client.maxVersion}`,
    );
  }

  private overlap(apiKey: number): ApiVersionRange | null {
    const client = this.clientRanges.get(apiKey);
    const broker = this.brokerRanges.get(apiKey);
    if (client === undefined || broker === undefined) return null;
    const minVersion = Math.max(client.minVersion, broker.minVersion);
    const maxVersion = Math.min(client.maxVersion, broker.maxVersion);
    return minVersion <= maxVersion ? { minVersion, maxVersion } : null;
  }
}

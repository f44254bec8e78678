// A latency histogram with bounded memory and about 1% relative precision (log-linear buckets,
// as HdrHistogram does with two significant digits): record millions of samples, read any
// percentile. Values are in microseconds; one sample may stand for many records (count).

const SUB_BUCKETS = 128;
/** Values up to 2^40 µs (about 12 days) are kept; larger ones land in the last bucket. */
const MAGNITUDES = 40;

export class LatencyHistogram {
  private readonly counts = new Float64Array(MAGNITUDES * SUB_BUCKETS);
  private total = 0;
  private sum = 0;
  private maxValue = 0;
  private minValue = Number.POSITIVE_INFINITY;

  record(valueMicros: number, count = 1): void {
    const value = Math.max(0, valueMicros);
    this.counts[LatencyHistogram.bucketOf(value)] += count;
    this.total += count;
    this.sum += value * count;
    if (value > this.maxValue) this.maxValue = value;
    if (value < this.minValue) this.minValue = value;
  }

  private static bucketOf(value: number): number {
    if (value < SUB_BUCKETS) return Math.floor(value);
    const magnitude = Math.min(MAGNITUDES - 1, Math.floor(Math.log2(value / SUB_BUCKETS)) + 1);
    const width = 2 ** (magnitude - 1);
    const sub = Math.min(SUB_BUCKETS - 1, Math.floor((value - SUB_BUCKETS * width) / width) % SUB_BUCKETS);
    return magnitude * SUB_BUCKETS + sub;
  }

  /** The upper bound of a bucket's values. */
  private static valueOf(bucket: number): number {
    const magnitude = Math.floor(bucket / SUB_BUCKETS);
    const sub = bucket % SUB_BUCKETS;
    if (magnitude === 0) return sub;
    const width = 2 ** (magnitude - 1);
    return SUB_BUCKETS * width + (sub + 1) * width;
  }

  get count(): number {
    return this.total;
  }

  get meanMicros(): number {
    return this.total === 0 ? 0 : this.sum / this.total;
  }

  get maxMicros(): number {
    return this.maxValue;
  }

  get minMicros(): number {
    return this.total === 0 ? 0 : this.minValue;
  }

  /** The value below which `percent` of the samples fall (0 < percent <= 100). */
  percentileMicros(percent: number): number {
    if (this.total === 0) return 0;
    const rank = (percent / 100) * this.total;
    let seen = 0;
    for (let bucket = 0; bucket < this.counts.length; bucket++) {
      seen += this.counts[bucket];
      if (seen >= rank) return Math.min(LatencyHistogram.valueOf(bucket), this.maxValue);
    }
    return this.maxValue;
  }

  merge(other: LatencyHistogram): void {
    for (let bucket = 0; bucket < this.counts.length; bucket++) this.counts[bucket] += other.counts[bucket];
    this.total += other.total;
    this.sum += other.sum;
    this.maxValue = Math.max(this.maxValue, other.maxValue);
    this.minValue = Math.min(this.minValue, other.minValue);
  }
}

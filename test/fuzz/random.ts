// A small seeded random source for the fuzzer: every case is a pure function of (seed, case index),
// so a failure printed with its seed and index replays exactly. mulberry32 is enough: we need
// reproducibility and spread, not cryptographic strength.

export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** The generator for one case: independent of how many values earlier cases drew. */
  static forCase(seed: number, caseIndex: number): Random {
    // Mix the two so neighbouring indexes give unrelated streams.
    let mixed = (seed ^ Math.imul(caseIndex + 1, 0x9e37_79b9)) >>> 0;
    mixed = Math.imul(mixed ^ (mixed >>> 16), 0x85eb_ca6b) >>> 0;
    mixed = Math.imul(mixed ^ (mixed >>> 13), 0xc2b2_ae35) >>> 0;
    return new Random(mixed ^ (mixed >>> 16));
  }

  /** Uniform in [0, 2^32). */
  uint32(): number {
    this.state = (this.state + 0x6d2b_79f5) >>> 0;
    let value = this.state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return (value ^ (value >>> 14)) >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.uint32() / 0x1_0000_0000;
  }

  /** Integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  bool(probability = 0.5): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)];
  }

  bytes(count: number): Buffer {
    const bytes = Buffer.allocUnsafe(count);
    for (let index = 0; index < count; index++) bytes[index] = this.uint32() & 0xff;
    return bytes;
  }

  /** A seed for fast-check, derived from this stream. */
  seed(): number {
    return this.uint32() | 0;
  }
}

/** A fresh random seed for a run, printed so the run can be replayed. */
export function randomSeed(): number {
  return (Math.random() * 0x1_0000_0000) >>> 0;
}

// Percentiles from the histogram stay within its ~1% precision of the exact ones.

import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { LatencyHistogram } from "../../src/lib/latency-histogram.js";

function exactPercentile(sorted: number[], percent: number): number {
  return sorted[Math.max(0, Math.ceil((percent / 100) * sorted.length) - 1)];
}

test("percentiles are within 1% (or 1 µs) of the exact values", () => {
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 10_000_000 })), { minLength: 1, maxLength: 2000 }), (values) => {
      const histogram = new LatencyHistogram();
      for (const value of values) histogram.record(value);
      const sorted = [...values].sort((a, b) => a - b);
      for (const percent of [50, 90, 99, 99.9, 100]) {
        const exact = exactPercentile(sorted, percent);
        const estimate = histogram.percentileMicros(percent);
        assert.ok(Math.abs(estimate - exact) <= Math.max(1, exact * 0.01), `p${percent}: ${estimate} vs ${exact}`);
      }
      assert.equal(histogram.count, values.length);
      assert.equal(histogram.maxMicros, sorted[sorted.length - 1]);
    }),
    { numRuns: 200 },
  );
});

test("weighted samples count as many records", () => {
  const histogram = new LatencyHistogram();
  histogram.record(100, 99);
  histogram.record(5000, 1);
  assert.equal(histogram.count, 100);
  assert.equal(histogram.percentileMicros(50), 100);
  assert.ok(histogram.percentileMicros(100) >= 4950);
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type Bucket, bucketQuantile } from "../../../src/metrics/promql/histogram.js";

const b = (pairs: [number, number][]): Bucket[] =>
  pairs.map(([upperBound, count]) => ({ upperBound, count }));
const INF = Number.POSITIVE_INFINITY;

describe("bucketQuantile (histogram_quantile over classic buckets)", () => {
  const buckets = b([
    [0.5, 30],
    [0.1, 10],
    [INF, 50],
    [1, 40],
  ]);

  it("interpolates linearly inside the bucket holding the rank (buckets in any order)", () => {
    // rank 25 falls in (0.1, 0.5]: 0.1 + 0.4 × (25 − 10) / (30 − 10).
    assert.equal(bucketQuantile(0.5, buckets), 0.1 + 0.4 * 0.75);
    // rank 2.5 in the first bucket, which starts at 0.
    assert.equal(bucketQuantile(0.05, buckets), 0.025);
  });

  it("answers the highest finite bound when the rank falls in the +Inf bucket", () => {
    assert.equal(bucketQuantile(0.9, buckets), 1);
  });

  it("is NaN without a +Inf bucket, with fewer than two buckets, or no observations", () => {
    assert.ok(Number.isNaN(bucketQuantile(0.5, b([[1, 5]]))));
    assert.ok(Number.isNaN(bucketQuantile(0.5, b([[INF, 5]]))));
    assert.ok(
      Number.isNaN(
        bucketQuantile(
          0.5,
          b([
            [1, 0],
            [INF, 0],
          ]),
        ),
      ),
    );
  });

  it("gives ∓Inf for q outside [0, 1] and NaN for NaN", () => {
    assert.equal(bucketQuantile(-1, buckets), Number.NEGATIVE_INFINITY);
    assert.equal(bucketQuantile(2, buckets), INF);
    assert.ok(Number.isNaN(bucketQuantile(Number.NaN, buckets)));
  });

  it("forces cumulative counts to be monotonic", () => {
    // 0.5 has fewer than 0.1: taken as 10; rank 25 lands in (0.5, 1]: 0.5 + 0.5 × 15 / 30.
    const fixed = b([
      [0.1, 10],
      [0.5, 8],
      [1, 40],
      [INF, 50],
    ]);
    assert.equal(bucketQuantile(0.5, fixed), 0.75);
  });

  it("returns a non-positive first bound as is", () => {
    assert.equal(
      bucketQuantile(
        0.1,
        b([
          [-1, 5],
          [0, 10],
          [INF, 10],
        ]),
      ),
      -1,
    );
  });

  it("adds up buckets with the same bound", () => {
    const dup = b([
      [0.5, 10],
      [1, 10],
      [1, 10],
      [INF, 20],
    ]);
    // Coalesced: 0.5:10, 1:20, +Inf:20; rank 15 in (0.5, 1]: 0.5 + 0.5 × 5/10.
    assert.equal(bucketQuantile(0.75, dup), 0.75);
  });

  it("does not modify its input", () => {
    const input = b([
      [1, 5],
      [0.5, 7],
      [INF, 9],
    ]);
    bucketQuantile(0.5, input);
    assert.deepEqual(
      input,
      b([
        [1, 5],
        [0.5, 7],
        [INF, 9],
      ]),
    );
  });
});

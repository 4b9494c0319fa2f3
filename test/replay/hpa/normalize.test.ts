import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  recordScaleEvent,
  resolveBehavior,
  scaleDownLimit,
  scaleUpLimit,
} from "../../../src/replay/hpa/normalize.js";
import { DEFAULT_HPA_CONTROLLER_CONFIG } from "../../../src/replay/hpa/types.js";

const NOW = 1_000_000;
const rules = (over: Parameters<typeof resolveBehavior>[0]) =>
  resolveBehavior(over, DEFAULT_HPA_CONTROLLER_CONFIG);

describe("resolveBehavior", () => {
  it("fills the §4.1 defaults", () => {
    const b = rules({});
    assert.equal(b.scaleUp.stabilizationWindowSeconds, 0);
    assert.equal(b.scaleDown.stabilizationWindowSeconds, 300);
    assert.deepEqual(
      b.scaleUp.policies.map((p) => `${p.type}${p.value}/${p.periodSeconds}`),
      ["Pods4/15", "Percent100/15"],
    );
    assert.deepEqual(b.scaleDown.policies, [{ type: "Percent", value: 100, periodSeconds: 15 }]);
    assert.equal(b.scaleDown.selectPolicy, "Max");
  });
});

describe("rate limits", () => {
  const none = { up: [], down: [] };
  const cases: {
    name: string;
    current: number;
    up: boolean;
    behavior: Parameters<typeof resolveBehavior>[0];
    want: number;
  }[] = [
    // max(10 + 4, ceil(10 × 2)) = 20.
    { name: "up default", current: 10, up: true, behavior: {}, want: 20 },
    // min(14, 20) = 14.
    { name: "up Min", current: 10, up: true, behavior: { scaleUp: { selectPolicy: "Min" } }, want: 14 },
    // Percent 10: ceil(3 × 1.1) = ceil(3.3) = 4 (rounded up so small targets still grow).
    {
      name: "up Percent ceil",
      current: 3,
      up: true,
      behavior: { scaleUp: { policies: [{ type: "Percent", value: 10, periodSeconds: 60 }] } },
      want: 4,
    },
    // Pods 3 vs Percent 50: min(10 − 3, trunc(5)) = 5 (Max = biggest change).
    {
      name: "down Max",
      current: 10,
      up: false,
      behavior: {
        scaleDown: {
          policies: [
            { type: "Pods", value: 3, periodSeconds: 60 },
            { type: "Percent", value: 50, periodSeconds: 60 },
          ],
        },
      },
      want: 5,
    },
    // Same policies, Min: max(7, 5) = 7.
    {
      name: "down Min",
      current: 10,
      up: false,
      behavior: {
        scaleDown: {
          selectPolicy: "Min",
          policies: [
            { type: "Pods", value: 3, periodSeconds: 60 },
            { type: "Percent", value: 50, periodSeconds: 60 },
          ],
        },
      },
      want: 7,
    },
    // trunc(3 × 0.7) = trunc(2.1) = 2.
    {
      name: "down Percent truncates",
      current: 3,
      up: false,
      behavior: { scaleDown: { policies: [{ type: "Percent", value: 30, periodSeconds: 15 }] } },
      want: 2,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const b = rules(c.behavior);
      const got = c.up
        ? scaleUpLimit(NOW, c.current, none, b.scaleUp)
        : scaleDownLimit(NOW, c.current, none, b.scaleDown);
      assert.equal(got, c.want);
    });
  }

  it("periodStart subtracts recent ups and adds recent downs", () => {
    const b = rules({ scaleUp: { policies: [{ type: "Pods", value: 2, periodSeconds: 60 }] } });
    const events = {
      up: [{ replicaChange: 3, timeMs: NOW - 30_000, outdated: false }],
      down: [
        { replicaChange: 1, timeMs: NOW - 10_000, outdated: false },
        { replicaChange: 5, timeMs: NOW - 60_000, outdated: false },
      ],
    };
    // periodStart = 8 − 3 + 1 = 6 (the down event at exactly now−60 s is outside) → 6 + 2 = 8.
    assert.equal(scaleUpLimit(NOW, 8, events, b.scaleUp), 8);
  });
});

describe("recordScaleEvent", () => {
  it("reuses a slot older than the longest policy period, else appends", () => {
    const b = rules({});
    const old = { replicaChange: 2, timeMs: NOW - 16_000, outdated: false };
    const recent = { replicaChange: 1, timeMs: NOW - 5_000, outdated: false };
    const next = recordScaleEvent(NOW, { up: [old, recent], down: [] }, b, 4, 7);
    assert.deepEqual(next.up, [{ replicaChange: 3, timeMs: NOW, outdated: false }, recent]);
    const down = recordScaleEvent(NOW, { up: [], down: [recent] }, b, 7, 4);
    assert.equal(down.down.length, 2);
  });

  // horizontal_test.go TestStoreScaleEvents, "replace one entry, use policies with different periods":
  // scale-up rules Pods 10/60 s and Percent 100/30 s, so the longest period is 60 s. Of the stored
  // events 8 (−29 s) and 6 (−59 s) are recent; 7 and 9 (both −61 s) are outdated. The controller's
  // loop remembers the LAST outdated index, so 9 is replaced by the new change of 5 and 7 stays,
  // marked outdated: [8, 6, 7 (outdated), 5]. Within 60 s that leaves 8 + 6 + 5 = 19 added.
  it("replaces the last outdated event, as the controller's loop does", () => {
    const b = rules({
      scaleUp: {
        policies: [
          { type: "Pods", value: 10, periodSeconds: 60 },
          { type: "Percent", value: 100, periodSeconds: 30 },
        ],
      },
    });
    const at = (replicaChange: number, ago: number) => ({
      replicaChange,
      timeMs: NOW - ago * 1000,
      outdated: false,
    });
    const previous = [at(8, 29), at(6, 59), at(7, 61), at(9, 61)];
    const next = recordScaleEvent(NOW, { up: previous, down: [] }, b, 10, 15);
    assert.deepEqual(
      next.up.map((e) => [e.replicaChange, e.outdated]),
      [
        [8, false],
        [6, false],
        [7, true],
        [5, false],
      ],
    );
    assert.equal(next.up[3]?.timeMs, NOW);
  });
});

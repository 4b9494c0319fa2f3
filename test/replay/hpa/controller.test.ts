import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { syncHpa } from "../../../src/replay/hpa/controller.js";
import {
  type HpaSpec,
  type HpaState,
  initialHpaState,
  type MetricReading,
  type MetricSpec,
  type SimPod,
  type SyncInput,
  type SyncResult,
} from "../../../src/replay/hpa/types.js";

// Worked examples derived by hand from metrics-api-and-hpa.md §4. Values are milli-units.
const T0 = 1_000_000_000;
const LONG_AGO = T0 - 3_600_000;

function running(name: string, extra: Partial<SimPod> = {}): SimPod {
  return {
    name,
    phase: "Running",
    ready: true,
    startTimeMs: LONG_AGO,
    readyTransitionTimeMs: LONG_AGO + 10_000,
    ...extra,
  };
}
function podsNamed(n: number, extra: Partial<SimPod> = {}): SimPod[] {
  return Array.from({ length: n }, (_, i) => running(`p${i}`, extra));
}
function values(vals: number[]): MetricReading {
  return { values: Object.fromEntries(vals.map((v, i) => [`p${i}`, v])), timestampMs: T0 };
}

const podsMetric = (target = 1000): MetricSpec => ({
  type: "Pods",
  pods: { metricName: "qps", target: { type: "AverageValue", averageValue: target } },
});
const cpuUtil = (pct: number): MetricSpec => ({
  type: "Resource",
  resource: { name: "cpu", target: { type: "Utilization", averageUtilization: pct } },
});

/** A sync with `current` ready pods (unless `pods` given) and legacy-path defaults. */
function sync(
  over: Partial<Omit<SyncInput, "spec">> & { current?: number; spec?: Partial<HpaSpec> },
): SyncResult {
  const current = over.current ?? over.pods?.length ?? 4;
  const spec: HpaSpec = { maxReplicas: 100, metrics: [podsMetric()], ...over.spec };
  return syncHpa({
    nowMs: over.nowMs ?? T0,
    spec,
    state: over.state ?? initialHpaState(),
    scale: over.scale ?? { specReplicas: current, statusReplicas: current, selector: "app=x" },
    pods: over.pods ?? podsNamed(current),
    readings: over.readings ?? [],
  });
}
/** State whose recommendation history is empty (not first sight), so no stabilization applies. */
const fresh = (): HpaState => ({ ...initialHpaState(), recommendations: [] });
const cond = (r: SyncResult, type: string) => r.conditions.find((c) => c.type === type);

describe("syncHpa: per-metric formulas and tolerance", () => {
  const cases: { name: string; pods?: SimPod[]; vals: number[]; want: number }[] = [
    // avg 1050 / 1000 = 1.05, within 0.1 → keep 4.
    { name: "ratio 1.05 is within tolerance", vals: [1050, 1050, 1050, 1050], want: 4 },
    // avg 1200 → r 1.2 → ceil(1.2 × 4) = ceil(4.8) = 5.
    { name: "ratio 1.2 scales up to ceil(r×ready)", vals: [1200, 1200, 1200, 1200], want: 5 },
    // avg 2000 → r 2 → 8; limit max(2×4, 4) = 8.
    { name: "plain scale-up doubles", vals: [2000, 2000, 2000, 2000], want: 8 },
    // avg (1000+3000)/2 = 2000 → r 2 → ceil(2×2) = 4; limit 4.
    { name: "avg over pods", pods: podsNamed(2), vals: [1000, 3000], want: 4 },
    // avg trunc(2501/2) = 1250 → r 1.25 → ceil(2.5) = 3.
    { name: "average truncates like int64 division", pods: podsNamed(2), vals: [1250, 1251], want: 3 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = sync({ pods: c.pods, readings: [values(c.vals)], state: fresh() });
      assert.equal(r.desiredReplicas, c.want);
      assert.equal(r.rescale, c.want !== (c.pods?.length ?? 4));
    });
  }

  it("missing pods on scale-down are assumed at target", () => {
    // 3 of 4 report 500 → r 0.5; missing p3 at 1000 → avg trunc(2500/4) = 625 → r' 0.625 → ceil(2.5) = 3.
    const reading: MetricReading = { values: { p0: 500, p1: 500, p2: 500 } };
    const r = sync({ readings: [reading], state: fresh() });
    assert.equal(r.desiredReplicas, 3);
    assert.deepEqual(r.proposals[0], { metric: "pods metric qps", replicas: 3, current: 500 });
  });

  it("missing pods on scale-up count as 0", () => {
    // 3 of 4 report 2000 → r 2; missing at 0 → avg 6000/4 = 1500 → r' 1.5 → ceil(1.5 × 4) = 6.
    const r = sync({ readings: [{ values: { p0: 2000, p1: 2000, p2: 2000 } }], state: fresh() });
    assert.equal(r.desiredReplicas, 6);
  });

  it("unready (Pending) pods count as 0 on scale-up, and a direction flip keeps current", () => {
    const pods = [...podsNamed(2), running("p2", { phase: "Pending" }), running("p3", { phase: "Pending" })];
    // Ready p0,p1 at 1500 → r 1.5; unready at 0 → avg 3000/4 = 750 → r' 0.75: flipped → keep 4
    // (ignoring unready pods would give ceil(1.5 × 2) = 3).
    assert.equal(sync({ pods, readings: [values([1500, 1500])], state: fresh() }).desiredReplicas, 4);
    // Ready at 3000 → r 3; unready at 0 → avg 6000/4 = 1500 → r' 1.5 → ceil(1.5 × 4) = 6.
    assert.equal(sync({ pods, readings: [values([3000, 3000])], state: fresh() }).desiredReplicas, 6);
  });

  it("deleted and Failed pods are ignored", () => {
    const pods = [...podsNamed(2), running("p2", { deleted: true }), running("p3", { phase: "Failed" })];
    // Counted p0,p1 at 2000 → r 2, no missing/unready → ceil(2 × 2) = 4 = current: no rescale.
    const r = sync({ pods, readings: [values([2000, 2000, 9000, 9000])], state: fresh() });
    assert.equal(r.desiredReplicas, 4);
    assert.equal(r.rescale, false);
  });

  it("CPU utilization uses requests", () => {
    const pods = podsNamed(3, { requests: { cpu: 500 } });
    // util = trunc(100 × (400+450+500) / 1500) = 90 → r 90/60 = 1.5 → ceil(4.5) = 5; limit 6.
    const r = sync({
      pods,
      spec: { metrics: [cpuUtil(60)] },
      readings: [values([400, 450, 500])],
      state: fresh(),
    });
    assert.equal(r.desiredReplicas, 5);
    assert.equal(r.proposals[0]?.current, 90);
  });

  it("CPU utilization: missing pods assumed at max(100, target)% of request", () => {
    const pods = podsNamed(4, { requests: { cpu: 1000 } });
    // util(p0..p2) = 600/3000 = 20% → r 0.4; missing p3 at 100% = 1000 → 1600/4000 = 40% → r' 0.8
    // → ceil(3.2) = 4 = current (at target 50% it would be 1100/4000 = 27% → ceil(2.16) = 3).
    const reading: MetricReading = { values: { p0: 200, p1: 200, p2: 200 }, timestampMs: T0 };
    const r = sync({ pods, spec: { metrics: [cpuUtil(50)] }, readings: [reading], state: fresh() });
    assert.equal(r.desiredReplicas, 4);
  });

  it("CPU readiness: a never-ready Running pod is unready for CPU but ready for a Pods metric", () => {
    const pods = [
      running("p0", { requests: { cpu: 1000 } }),
      running("p1", { requests: { cpu: 1000 }, ready: false, readyTransitionTimeMs: LONG_AGO }),
    ];
    // CPU: counted p0 → util 90 → r 1.8; p1 unready at 0 → 900/2000 = 45% → r' 0.9: flipped → keep 2.
    const cpu = sync({
      pods,
      spec: { metrics: [cpuUtil(50)] },
      readings: [values([900, 900])],
      state: fresh(),
    });
    assert.equal(cpu.desiredReplicas, 2);
    // Pods metric target 450: both ready → avg 900 → r 2 → ceil(2 × 2) = 4.
    const podsR = sync({
      pods,
      spec: { metrics: [podsMetric(450)] },
      readings: [values([900, 900])],
      state: fresh(),
    });
    assert.equal(podsR.desiredReplicas, 4);
  });

  it("CPU readiness: within the initialization period a sample must cover a window after readiness", () => {
    // Started 60 s ago, ready 50 s ago; sample at now−30 s with a 60 s window: T0−30s < T0−50s+60s → unready.
    const young = running("p1", {
      startTimeMs: T0 - 60_000,
      readyTransitionTimeMs: T0 - 50_000,
      requests: { cpu: 1000 },
    });
    const pods = [running("p0", { requests: { cpu: 1000 } }), young];
    const reading: MetricReading = {
      values: { p0: 1000, p1: 1000 },
      timestampMs: T0 - 30_000,
      windowMs: 60_000,
    };
    // p0 alone: 100% → r 2; p1 unready at 0 → 1000/2000 = 50% → r' 1 → within → keep 2.
    const r = sync({ pods, spec: { metrics: [cpuUtil(50)] }, readings: [reading], state: fresh() });
    assert.equal(r.desiredReplicas, 2);
    // Ready since T0−100 s: T0−30 s ≥ T0−100 s + 60 s → the sample counts.
    const settled = { ...young, readyTransitionTimeMs: T0 - 100_000, startTimeMs: T0 - 110_000 };
    const r2 = sync({
      pods: [pods[0] as SimPod, settled],
      spec: { metrics: [cpuUtil(50)] },
      readings: [reading],
      state: fresh(),
    });
    // Both ready: 2000/2000 = 100% → r 2 → ceil(2 × 2) = 4.
    assert.equal(r2.desiredReplicas, 4);
  });

  it("External AverageValue uses the summed items and status.replicas", () => {
    // Σ = 8000; r = 8000 / (1000 × 2) = 4 → ceil(8000/1000) = 8; legacy limit max(4, 4) = 4.
    const spec: Partial<HpaSpec> = {
      metrics: [
        {
          type: "External",
          external: { metricName: "queue", target: { type: "AverageValue", averageValue: 1000 } },
        },
      ],
    };
    const r = sync({ current: 2, spec, readings: [{ items: [3000, 5000] }], state: fresh() });
    assert.equal(r.proposals[0]?.replicas, 8);
    assert.equal(r.proposals[0]?.current, 4000);
    assert.equal(r.desiredReplicas, 4);
    assert.equal(cond(r, "ScalingLimited")?.reason, "ScaleUpLimit");
  });

  it("Object Value scales by the ready pod count", () => {
    const pods = [...podsNamed(3), running("p3", { phase: "Pending" }), running("p4", { ready: false })];
    // r = 3000/1000 = 3; ready (Running & Ready) = 3 → ceil(9) = 9; limit max(10, 4) = 10.
    const spec: Partial<HpaSpec> = {
      metrics: [{ type: "Object", object: { metricName: "rps", target: { type: "Value", value: 1000 } } }],
    };
    assert.equal(sync({ pods, spec, readings: [{ value: 3000 }], state: fresh() }).desiredReplicas, 9);
  });

  it("multiple metrics take the max", () => {
    // Pods: avg 1500 → ceil(1.5 × 4) = 6. External Value: r 2, ready 4 → 8. Max = 8 (limit 8).
    const spec: Partial<HpaSpec> = {
      metrics: [
        podsMetric(),
        { type: "External", external: { metricName: "q", target: { type: "Value", value: 500 } } },
      ],
    };
    const r = sync({ spec, readings: [values([1500, 1500, 1500, 1500]), { items: [1000] }], state: fresh() });
    assert.deepEqual(
      r.proposals.map((p) => p.replicas),
      [6, 8],
    );
    assert.equal(r.desiredReplicas, 8);
    assert.match(r.events[0]?.message ?? "", /New size: 8; reason: external metric q above target/);
  });
});

describe("syncHpa: metric errors", () => {
  const spec2: Partial<HpaSpec> = {
    metrics: [
      podsMetric(),
      { type: "External", external: { metricName: "q", target: { type: "Value", value: 1000 } } },
    ],
  };
  it("a single failing metric holds the replica count and the previous desiredReplicas", () => {
    const state = { ...fresh(), desiredReplicas: 5 };
    const r = sync({ readings: [{ error: "no metrics returned from custom metrics API" }], state });
    assert.equal(r.rescale, false);
    assert.equal(r.desiredReplicas, 5);
    assert.equal(cond(r, "ScalingActive")?.reason, "FailedGetPodsMetric");
    assert.equal(cond(r, "ScalingActive")?.status, "False");
    assert.ok(r.events.some((e) => e.reason === "FailedComputeMetricsReplicas"));
  });
  it("some invalid and the valid max below spec.replicas → no scaling", () => {
    // External: r 0.5 × 4 ready = 2 < 4 with one invalid → hold.
    const r = sync({ spec: spec2, readings: [{ error: "boom" }, { items: [500] }], state: fresh() });
    assert.equal(r.rescale, false);
    assert.equal(r.desiredReplicas, 4);
  });
  it("some invalid but the valid ones scale up → scale up", () => {
    // External: r 2 × 4 = 8 > 4 → scale to 8 despite the failed Pods metric.
    const r = sync({ spec: spec2, readings: [{ error: "boom" }, { items: [2000] }], state: fresh() });
    assert.equal(r.desiredReplicas, 8);
    assert.equal(cond(r, "ScalingActive")?.reason, "ValidMetricFound");
  });
  it("pods without metrics at all, and an empty selector, are errors", () => {
    assert.equal(sync({ readings: [{ values: {} }], state: fresh() }).rescale, false);
    const r = sync({
      scale: { specReplicas: 4, statusReplicas: 4, selector: "" },
      readings: [values([9000])],
    });
    assert.equal(cond(r, "ScalingActive")?.reason, "InvalidSelector");
    assert.equal(r.rescale, false);
  });
});

describe("syncHpa: early exits and legacy normalization (§4.2, §4.5)", () => {
  it("current 0 with minReplicas ≠ 0 disables scaling", () => {
    const r = sync({ current: 0, pods: [], readings: [values([9000])] });
    assert.equal(r.rescale, false);
    assert.equal(cond(r, "ScalingActive")?.reason, "ScalingDisabled");
  });
  it("current above max goes to max and below min goes to min without metrics", () => {
    const above = sync({ current: 12, spec: { maxReplicas: 10 }, readings: [{ error: "unused" }] });
    assert.deepEqual([above.desiredReplicas, above.rescale], [10, true]);
    assert.match(above.events[0]?.message ?? "", /above Spec.MaxReplicas/);
    const below = sync({ current: 1, spec: { minReplicas: 3 }, readings: [{ error: "unused" }] });
    assert.equal(below.desiredReplicas, 3);
  });
  const clampCases: {
    name: string;
    current: number;
    spec: Partial<HpaSpec>;
    avg: number;
    want: number;
    reason: string;
  }[] = [
    // r 10 → 10; limit max(2×1, 4) = 4.
    { name: "current 1 → at most 4", current: 1, spec: {}, avg: 10_000, want: 4, reason: "ScaleUpLimit" },
    // r 5 → 50; limit max(20, 4) = 20.
    { name: "current 10 → at most 20", current: 10, spec: {}, avg: 5000, want: 20, reason: "ScaleUpLimit" },
    // r 3 → 12; limit 8 but max 6 ≤ 8 → 6.
    {
      name: "max clamp",
      current: 4,
      spec: { maxReplicas: 6 },
      avg: 3000,
      want: 6,
      reason: "TooManyReplicas",
    },
    // r 0.1 → ceil(0.4) = 1 < min 3 → 3.
    { name: "min clamp", current: 4, spec: { minReplicas: 3 }, avg: 100, want: 3, reason: "TooFewReplicas" },
    // r 1.5 → 6 ≤ 8.
    { name: "within range", current: 4, spec: {}, avg: 1500, want: 6, reason: "DesiredWithinRange" },
  ];
  for (const c of clampCases) {
    it(c.name, () => {
      const r = sync({
        current: c.current,
        spec: c.spec,
        readings: [values(Array(c.current).fill(c.avg))],
        state: fresh(),
      });
      assert.equal(r.desiredReplicas, c.want);
      const limited = cond(r, "ScalingLimited");
      assert.equal(limited?.reason, c.reason);
      assert.equal(limited?.status, c.reason === "DesiredWithinRange" ? "False" : "True");
    });
  }

  it("downscale stabilization holds the 5-minute max, then falls", () => {
    let state = initialHpaState();
    let current = 4;
    const seen: number[] = [];
    // t=0: avg 1000 → 4 (within). t=15..300 s: avg 500 → r 0.5 → 2, but recs (4, t=0) are in the
    // window (not before now−300 s) → hold 4. t=315 s: t=0 entries are old → max(2, 2…) = 2.
    for (let t = 0; t <= 315; t += 15) {
      const avg = t === 0 ? 1000 : 500;
      const r = sync({ nowMs: T0 + t * 1000, current, state, readings: [values(Array(current).fill(avg))] });
      seen.push(r.desiredReplicas);
      if (t > 0 && t < 315) assert.equal(cond(r, "AbleToScale")?.reason, "ScaleDownStabilized", `t=${t}`);
      state = r.state;
      current = r.desiredReplicas;
    }
    assert.deepEqual(seen.slice(0, -1), Array(21).fill(4));
    assert.equal(seen.at(-1), 2);
    assert.equal(state.lastScaleTimeMs, T0 + 315_000);
    // Legacy path records no scale events.
    assert.equal(state.scaleDownEvents.length, 0);
  });

  it("defaults to CPU utilization 80% and does not mutate its input", () => {
    const pods = podsNamed(2, { requests: { cpu: 1000 } });
    const state = Object.freeze({ ...fresh(), recommendations: Object.freeze([]) });
    const input: SyncInput = {
      nowMs: T0,
      spec: { maxReplicas: 10 },
      state,
      scale: { specReplicas: 2, statusReplicas: 2, selector: "app=x" },
      pods,
      readings: [values([1600, 1600])],
    };
    const before = JSON.stringify(input);
    // util 3200/2000 = 160% → r 2 → ceil(2 × 2) = 4.
    const r = syncHpa(input);
    assert.equal(r.desiredReplicas, 4);
    assert.equal(JSON.stringify(input), before);
    assert.equal(r.state.recommendations?.length, 1);
  });
});

describe("syncHpa: behavior normalization (§4.6)", () => {
  const load = (n: number, avg: number) => [values(Array(n).fill(avg))];

  it("default scale-up: Pods 4/15s and Percent 100/15s, Max", () => {
    // t0: current 3, r 10 → 30. periodStart 3: Pods 3+4 = 7, Percent ceil(3×2) = 6 → Max 7.
    const spec = { behavior: {} };
    const r1 = sync({ current: 3, spec, readings: load(3, 10_000) });
    assert.equal(r1.desiredReplicas, 7);
    assert.equal(cond(r1, "ScalingLimited")?.reason, "ScaleUpLimit");
    assert.deepEqual(
      r1.state.scaleUpEvents.map((e) => e.replicaChange),
      [4],
    );
    // t0+10 s: the +4 event is inside the 15 s period → periodStart 7−4 = 3 → limit 7 = current: hold.
    const r2 = sync({ nowMs: T0 + 10_000, current: 7, spec, state: r1.state, readings: load(7, 10_000) });
    assert.equal(r2.rescale, false);
    // t0+15 s: the event is not newer than now−15 s → periodStart 7: Pods 11, Percent 14 → 14.
    const r3 = sync({ nowMs: T0 + 15_000, current: 7, spec, state: r1.state, readings: load(7, 10_000) });
    assert.equal(r3.desiredReplicas, 14);
  });

  it("selectPolicy Min picks the smaller increase", () => {
    // Pods 7 vs Percent 6 → Min 6.
    const spec = { behavior: { scaleUp: { selectPolicy: "Min" as const } } };
    assert.equal(sync({ current: 3, spec, readings: load(3, 10_000) }).desiredReplicas, 6);
  });

  it("Disabled scale-down keeps current", () => {
    // r 0.1 → 1; stabilization window 0 → 1; Disabled → limit 4 → allowed max(1, 4) = 4.
    const spec = {
      behavior: { scaleDown: { selectPolicy: "Disabled" as const, stabilizationWindowSeconds: 0 } },
    };
    const r = sync({ spec, readings: load(4, 100) });
    assert.equal(r.rescale, false);
    assert.equal(cond(r, "ScalingLimited")?.reason, "ScaleDownLimit");
  });

  it("Percent scale-down truncates and the default down window stabilizes", () => {
    const policies = [{ type: "Percent" as const, value: 50, periodSeconds: 60 }];
    // current 10, r 0.1 → 1; window 0; limit trunc(10 × 0.5) = 5.
    const spec = { behavior: { scaleDown: { stabilizationWindowSeconds: 0, policies } } };
    const r = sync({ current: 10, spec, readings: load(10, 100) });
    assert.equal(r.desiredReplicas, 5);
    assert.deepEqual(
      r.state.scaleDownEvents.map((e) => e.replicaChange),
      [5],
    );
    // 30 s later from 5: periodStart = 5 + 5 (down event in the last 60 s) = 10 → trunc(5) = 5 = current.
    const r2 = sync({ nowMs: T0 + 30_000, current: 5, spec, state: r.state, readings: load(5, 100) });
    assert.equal(r2.rescale, false);
    // Default scaleDown window (300 s): the first-sight recommendation (4, t0) holds 4.
    const held = sync({ spec: { behavior: {} }, readings: load(4, 100) });
    assert.equal(held.desiredReplicas, 4);
    assert.equal(cond(held, "AbleToScale")?.reason, "ScaleDownStabilized");
  });

  it("scale-up stabilization window takes the min of recent recommendations", () => {
    const spec = { behavior: { scaleUp: { stabilizationWindowSeconds: 60 } } };
    // Recs newer than now−60 s: (4, t−30 s) → upRec = min(8, 4) = 4 → stays at current 4.
    const state: HpaState = { ...initialHpaState(), recommendations: [{ replicas: 4, timeMs: T0 - 30_000 }] };
    const r = sync({ spec, state, readings: load(4, 2000) });
    assert.equal(r.desiredReplicas, 4);
    assert.equal(cond(r, "AbleToScale")?.reason, "ScaleUpStabilized");
    // Per-direction tolerance: 1.15 is within a 0.2 up-tolerance.
    const tol = sync({
      spec: { behavior: { scaleUp: { tolerance: 0.2 } } },
      state: fresh(),
      readings: load(4, 1150),
    });
    assert.equal(tol.rescale, false);
  });
});

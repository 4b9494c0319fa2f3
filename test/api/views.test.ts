/**
 * The review API's pure view builders: why a model won in each situation (single best, ensemble,
 * fallback without a score, a better-ranked model that failed its final fit, no forecast), replicas
 * over time from decisions, and a config target's conditions after a failed run.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { DecisionEntry } from "../../src/actuator/decisionLog.js";
import { explainChoice, replicasOverTime, targetSummary } from "../../src/api/views.js";
import type { ModelScore, StoredForecast, TargetState } from "../../src/forecast/store.js";

const score = (scaledPinball: number, extra: Partial<ModelScore> = {}): ModelScore => ({
  scaledPinball,
  coverage: 0.9,
  mase: 1,
  fitSeconds: 0.1,
  ready: true,
  ...extra,
});

function state(model: string, scores: Record<string, ModelScore>): TargetState {
  const forecast: StoredForecast = {
    startMs: 60_000,
    stepSeconds: 60,
    mean: [1, 2, 3],
    quantiles: { "0.9": [2, 9, 4] },
    model,
    scores,
    calibration: {},
    computedAtMs: 0,
    kind: "full",
    data: { startMs: 0, endMs: 0, points: 0, masked: 0 },
  };
  return { target: "t", forecast, readiness: { ready: true }, errorCount: 0 };
}

describe("explainChoice", () => {
  it("names the winner's loss, the runner-up and the ensemble that was not better", () => {
    const why = explainChoice(state("mstl", { mstl: score(0.3), naive: score(0.9), hw: score(0.5) }));
    assert.equal(
      why,
      "lowest scaled pinball loss (0.3) among 3 scored models; next best hw (0.5); an ensemble of the best models was not better",
    );
  });

  it("explains an ensemble against the best single model", () => {
    // The stored scores hold the served ensemble's too; it is not a single model to compare with.
    const why = explainChoice(
      state("ensemble(a,b)", { "ensemble(a,b)": score(0.35), a: score(0.4), b: score(0.45) }),
    );
    assert.match(
      why,
      /^an ensemble \(inverse-loss weighted average\) of a and b scored a lower scaled pinball loss than the best single model, a \(0\.4\) on the same backtest windows, among 2 scored models$/,
    );
  });

  it("says when the chosen model has no score, or when better ones failed their final fit", () => {
    assert.match(
      explainChoice(
        state("seasonal_naive", {
          seasonal_naive: score(Number.NaN, { reason: "too little history to backtest" }),
        }),
      ),
      /seasonal_naive serves without a backtest score \(too little history to backtest\)/,
    );
    assert.match(
      explainChoice(state("hw", { mstl: score(0.2, { reason: "final fit failed: boom" }), hw: score(0.5) })),
      /rank 2 of 2\): better-ranked models failed their final fit/,
    );
  });

  it("without a forecast: the readiness reason or the last error", () => {
    assert.equal(
      explainChoice({
        target: "t",
        readiness: { ready: false, reason: "needs 2 days", needMoreSeconds: 1 },
        errorCount: 0,
      }),
      "no model chosen yet: needs 2 days",
    );
    assert.equal(explainChoice(undefined), "no model chosen yet: no forecast run has finished");
  });
});

describe("replicasOverTime", () => {
  const e = (atMs: number, action: string, extra: Partial<DecisionEntry> = {}): DecisionEntry => ({
    atMs,
    scaler: "a/b",
    mode: "Floor",
    action,
    applied: true,
    reason: "",
    ...extra,
  });

  it("takes replica-setting actions as applied and forecasts ÷ capacity as recommended, ascending", () => {
    const entries = [
      e(3, "SetFloor", { to: 5, forecast: { value: 41, quantile: 0.9, horizon: "5m" } }),
      e(3, "SetCapacityBuffer", { to: 9, forecast: { value: 41, quantile: 0.9, horizon: "5m" } }),
      e(2, "Refused", { applied: false, to: 7 }),
      e(1, "Recommend", { applied: false, to: 4 }),
      e(4, "SetFloor", { to: 1, forecast: { value: 0.5, quantile: 0.9, horizon: "5m" } }),
      e(5, "Scale", { applied: false, to: 8, error: "conflict" }),
    ];
    const out = replicasOverTime(entries, { capacityPerReplica: 10, minReplicas: 2, maxReplicas: 4 });
    assert.deepEqual(out.applied, [
      [3, 5],
      [4, 1],
    ]);
    assert.deepEqual(out.recommended, [
      [1, 4],
      [3, 4],
      [4, 2],
    ]);
    assert.deepEqual(
      replicasOverTime(entries, {}).recommended,
      [[1, 4]],
      "no capacity: only Recommend entries",
    );
  });
});

describe("targetSummary", () => {
  it("adds ForecastDegraded after a failed run and finds the peak within the horizon only", () => {
    const s: TargetState = {
      ...state("mstl", { mstl: score(0.3, { pinball: 4.5 }) }),
      lastError: { message: "timeout", atMs: 5 },
    };
    const row = targetSummary(
      { name: "t", query: "up", quantiles: [0.9], horizonMs: 60_000, stepSeconds: 60 },
      s,
      60_000,
    );
    assert.deepEqual(
      row.conditions.map((c) => `${c.type}=${c.status}`),
      ["ForecastReady=True", "ForecastDegraded=True"],
    );
    assert.equal(row.conditions[1]?.message, "timeout");
    // Steps at 60 s (2) and 120 s (9) are within [now, now + 60 s]; 180 s (4) is not.
    assert.deepEqual(row.nextPeak, { value: 9, at: new Date(120_000).toISOString() });
    // The served quantile's pinball in demand units, not the scale-free score used for selection.
    assert.deepEqual(row.accuracy, { pinball: 4.5, coverage: 0.9 });
  });
});

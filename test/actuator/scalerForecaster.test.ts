/**
 * ScalerForecaster shows each scaler's prepared history to `observeFull` at its full runs only (the
 * controller feeds the shared global model with it), and forecasts exactly as without the hook.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ScalerForecaster, type ScalerForecastTarget } from "../../src/actuator/scalerForecaster.js";
import { forecastSeries } from "../../src/forecast/engine.js";
import { SeasonalNaiveModel } from "../../src/forecast/models/seasonalNaive.js";
import { prepareSeries } from "../../src/forecast/prepare.js";
import { ForecastStore } from "../../src/forecast/store.js";
import type { Series } from "../../src/forecast/types.js";
import { ClockTimers } from "../../src/replay/clockTimers.js";
import { SimClock } from "../../src/replay/cluster/simClock.js";
import { DAY, DemandSource, dailyDemand, QUERY, START } from "./harness.js";

const STEP_S = 300;

function target(name: string): ScalerForecastTarget {
  return {
    name,
    query: QUERY,
    stepSeconds: STEP_S,
    historyMs: 4 * DAY,
    horizonMs: 3_600_000,
    quantiles: [0.9],
    schedule: "0 * * * *",
    updateEveryMs: STEP_S * 1000,
  };
}

async function forecasterWith(observeFull?: (target: string, series: Series) => void) {
  const clock = new SimClock(START + 5 * DAY);
  const forecaster = new ScalerForecaster({
    source: new DemandSource(clock, dailyDemand),
    store: new ForecastStore({ clock }),
    clock,
    timers: new ClockTimers(clock),
    forecast: forecastSeries,
    prepare: prepareSeries,
    models: () => [new SeasonalNaiveModel()],
    timeoutMs: 60_000,
    ...(observeFull ? { observeFull } : {}),
  });
  return forecaster;
}

describe("ScalerForecaster's observeFull", () => {
  it("sees each scaler's history at full runs, not at updates, and the forecast is unchanged", async () => {
    const seen: { target: string; steps: number; stepSeconds: number }[] = [];
    const observed = await forecasterWith((name, series) =>
      seen.push({ target: name, steps: series.values.length, stepSeconds: series.stepSeconds }),
    );
    const plain = await forecasterWith();
    try {
      for (const f of [observed, plain]) f.sync(target("shop/web"));
      // A new target's first run is a full one.
      for (const f of [observed, plain]) await f.idle();
      assert.ok(plain.state("shop/web")?.forecast, "a forecast was made");
      assert.equal(seen.length, 1);
      assert.equal(seen[0]?.target, "shop/web");
      assert.equal(seen[0]?.stepSeconds, STEP_S);
      // Four days of five-minute steps (the history asked for), give or take the step in progress.
      assert.ok(Math.abs((seen[0]?.steps ?? 0) - (4 * DAY) / (STEP_S * 1000)) <= 1, JSON.stringify(seen));

      assert.equal((await observed.run("shop/web", "update"))?.status, "ok");
      assert.equal(seen.length, 1, "an update shows nothing");

      assert.deepEqual(
        observed.state("shop/web")?.forecast?.quantiles,
        plain.state("shop/web")?.forecast?.quantiles,
      );
    } finally {
      await observed.stop();
      await plain.stop();
    }
  });
});

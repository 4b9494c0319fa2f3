/**
 * foresight_forecast{scaler} served from PredictiveScaler status: freshness (three history steps),
 * namespace, mode and selector filtering, and the built-in that combines it with config-file
 * forecast targets (404 from targets swallowed only when a scaler matched; problems → 503).
 * Scalers are written as an informer holds them and read the way `serve` reads them, through the
 * actuator's metricScalers, so the staleness window of each scaler's history step is covered too.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { metricScalers, STALE_STEPS } from "../../../src/actuator/metricScalers.js";
import type { BuiltinExternalMetric } from "../../../src/adapter/externalProvider.js";
import { forecastBuiltin } from "../../../src/adapter/forecastMetric/builtin.js";
import { scalerMetricValues as servedFrom } from "../../../src/adapter/forecastMetric/scalers.js";
import type { ExternalMetricValue } from "../../../src/adapter/metricValues.js";
import type { Selector } from "../../../src/k8s/labelSelector.js";
import { parseLabelSelector } from "../../../src/k8s/labelSelector.js";
import { ApiError, notFound, serviceUnavailable } from "../../../src/k8s/status.js";

const NAME = "foresight_forecast";
const NOW = Date.UTC(2026, 0, 1, 12);
const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
const everything = parseLabelSelector("");

interface Fixture {
  name: string;
  namespace?: string;
  mode?: string;
  step?: string;
  metric?: { value: string; replicas: number; updateTime: string };
}

/** A PredictiveScaler as an informer holds it (plain JSON). */
function psc(f: Fixture): unknown {
  return {
    apiVersion: "foresight.dev/v1alpha1",
    kind: "PredictiveScaler",
    metadata: { name: f.name, namespace: f.namespace ?? "shop" },
    spec: {
      mode: f.mode ?? "Metric",
      capacityPerReplica: 50,
      ...(f.step !== undefined ? { history: { step: f.step } } : {}),
    },
    ...(f.metric !== undefined ? { status: { metric: f.metric } } : {}),
  };
}

const fresh = (name: string, value: string, ageMs = MIN, extra: Partial<Fixture> = {}) =>
  psc({ name, metric: { value, replicas: Number(value) / 50, updateTime: iso(NOW - ageMs) }, ...extra });

/** The scaler half as `serve` wires it: the informer's objects through metricScalers. */
const scalerMetricValues = (
  objects: readonly unknown[],
  metricName: string,
  namespace: string,
  selector: Selector,
  nowMs: number,
) => servedFrom(metricScalers(objects), metricName, namespace, selector, nowMs);

describe("scalerMetricValues", () => {
  it("serves status.metric of each Metric scaler in the namespace", () => {
    const answer = scalerMetricValues(
      [fresh("web", "600"), fresh("api", "150", 2 * MIN)],
      NAME,
      "shop",
      everything,
      NOW,
    );
    assert.equal(answer.matched, 2);
    assert.deepEqual(answer.problems, []);
    assert.deepEqual(answer.items, [
      { metricName: NAME, metricLabels: { scaler: "web" }, timestamp: NOW - MIN, value: "600" },
      { metricName: NAME, metricLabels: { scaler: "api" }, timestamp: NOW - 2 * MIN, value: "150" },
    ]);
  });

  it("filters by namespace, mode and the label selector on `scaler`", () => {
    const scalers = [
      fresh("web", "600"),
      fresh("api", "150"),
      fresh("other-ns", "50", MIN, { namespace: "bank" }),
      fresh("floor", "100", MIN, { mode: "Floor" }),
      fresh("only", "100", MIN, { mode: "ForecastOnly" }),
      null,
      "garbage",
      { metadata: { name: "no-spec", namespace: "shop" } },
    ];
    const names = (selector: string, ns = "shop") =>
      scalerMetricValues(scalers, NAME, ns, parseLabelSelector(selector), NOW).items.map(
        (i) => i.metricLabels.scaler,
      );
    assert.deepEqual(names(""), ["web", "api"]);
    assert.deepEqual(names("scaler=web"), ["web"]);
    assert.deepEqual(names("scaler in (api,floor)"), ["api"]);
    assert.deepEqual(names("scaler!=web"), ["api"]);
    assert.deepEqual(names("target=web"), [], "a config-target selector names no scaler");
    assert.deepEqual(names("", "bank"), ["other-ns"]);
    assert.deepEqual(names("scaler=floor"), [], "mode Floor serves no metric");
    const none = scalerMetricValues(scalers, NAME, "shop", parseLabelSelector("scaler=floor"), NOW);
    assert.equal(none.matched, 0);
  });

  it("refuses a value older than three history steps, naming the scaler and its age", () => {
    assert.equal(STALE_STEPS, 3);
    // Default step 5m: 15 minutes old is still served, 15 minutes and 1 second is not.
    const edge = scalerMetricValues([fresh("web", "600", 15 * MIN)], NAME, "shop", everything, NOW);
    assert.equal(edge.items.length, 1);
    const old = scalerMetricValues([fresh("web", "600", 15 * MIN + 1000)], NAME, "shop", everything, NOW);
    assert.equal(old.matched, 1);
    assert.deepEqual(old.items, []);
    assert.equal(old.problems.length, 1);
    assert.match(old.problems[0] ?? "", /^scaler web: forecast metric is stale \(last updated 901 s ago;/);
    // The scaler's own step counts: 1m steps go stale after 3 minutes.
    const short = scalerMetricValues(
      [fresh("web", "600", 4 * MIN, { step: "1m" })],
      NAME,
      "shop",
      everything,
      NOW,
    );
    assert.match(short.problems[0] ?? "", /stale \(last updated 240 s ago/);
    const long = scalerMetricValues(
      [fresh("web", "600", 40 * MIN, { step: "15m" })],
      NAME,
      "shop",
      everything,
      NOW,
    );
    assert.equal(long.items.length, 1);
  });

  it("reports scalers without a metric yet or with an unreadable time", () => {
    const answer = scalerMetricValues(
      [
        psc({ name: "new" }),
        psc({ name: "broken", metric: { value: "1", replicas: 1, updateTime: "yesterday" } }),
        fresh("web", "600"),
      ],
      NAME,
      "shop",
      everything,
      NOW,
    );
    assert.equal(answer.matched, 3);
    assert.equal(answer.items.length, 1);
    assert.deepEqual(answer.problems, [
      "scaler new: the controller has not computed the forecast metric yet",
      "scaler broken: forecast metric is stale (last updated never; is the foresight controller running?)",
    ]);
  });
});

/** Config-file forecast targets: answers for `target=...` selectors, 404 otherwise. */
function fakeTargets(answer: (selector: string) => ExternalMetricValue[]): BuiltinExternalMetric & {
  calls: string[];
} {
  const calls: string[] = [];
  return {
    name: NAME,
    calls,
    listed: () => true,
    getMetric(req) {
      calls.push(req.labelSelector.toString());
      return answer(req.labelSelector.toString());
    },
  };
}

const targetItem: ExternalMetricValue = {
  metricName: NAME,
  metricLabels: { target: "checkout", quantile: "0.9", horizon: "15m" },
  timestamp: NOW,
  value: "420",
};

const targetsByLabel = () =>
  fakeTargets((selector) => {
    if (selector === "" || selector.startsWith("target=")) return [targetItem];
    throw notFound(`no forecast target matches ${selector}`);
  });

const clock = { now: () => NOW };

async function rejection(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ApiError, `an ApiError, got ${String(err)}`);
    return err;
  }
  assert.fail("expected a rejection");
}

const req = (selector: string, namespace = "shop") => ({
  namespace,
  metricName: NAME,
  labelSelector: parseLabelSelector(selector),
});

describe("forecastBuiltin", () => {
  it("is listed when it has scalers or targets", () => {
    assert.equal(forecastBuiltin({ clock }).listed(), false);
    assert.equal(forecastBuiltin({ clock, scalers: () => metricScalers([]) }).listed(), true);
    assert.equal(forecastBuiltin({ clock, targets: targetsByLabel() }).listed(), true);
  });

  it("scalers only: serves matches, 404 naming the selector when none match", async () => {
    const b = forecastBuiltin({ clock, scalers: () => metricScalers([fresh("web", "600")]) });
    const items = await b.getMetric(req("scaler=web"));
    assert.deepEqual(
      items.map((i) => [i.metricLabels.scaler, i.value]),
      [["web", "600"]],
    );
    const err = await rejection(Promise.resolve(b.getMetric(req("scaler=api"))));
    assert.equal(err.code, 404);
    assert.match(
      err.message,
      /external metric foresight_forecast in namespace shop with selector scaler=api/,
    );
    const other = await rejection(Promise.resolve(b.getMetric(req("", "bank"))));
    assert.equal(other.code, 404);
    assert.match(other.message, /selector <everything>: no PredictiveScaler in mode Metric matches/);
  });

  it("uses the clock for freshness: a status gone stale is a 503 naming the scaler", async () => {
    let now = NOW;
    const b = forecastBuiltin({
      clock: { now: () => now },
      scalers: () => metricScalers([fresh("web", "600")]),
    });
    assert.equal((await b.getMetric(req("scaler=web"))).length, 1);
    now = NOW + 20 * MIN;
    const err = await rejection(Promise.resolve(b.getMetric(req("scaler=web"))));
    assert.equal(err.code, 503);
    assert.match(err.message, /^foresight_forecast is not available: scaler web: forecast metric is stale/);
  });

  it("any matched scaler with a problem makes the whole answer a 503, before targets are asked", async () => {
    const targets = targetsByLabel();
    const b = forecastBuiltin({
      clock,
      targets,
      scalers: () => metricScalers([fresh("web", "600"), psc({ name: "new" })]),
    });
    const err = await rejection(Promise.resolve(b.getMetric(req(""))));
    assert.equal(err.code, 503);
    assert.match(err.message, /scaler new: the controller has not computed/);
    assert.deepEqual(targets.calls, []);
    // A selector that leaves the broken scaler out is served.
    assert.equal((await b.getMetric(req("scaler=web"))).length, 1);
  });

  it("swallows a 404 from targets only when a scaler matched", async () => {
    const targets = targetsByLabel();
    const b = forecastBuiltin({ clock, targets, scalers: () => metricScalers([fresh("web", "600")]) });
    // A scaler selector: targets say 404, the scaler answers.
    const scalerItems = await b.getMetric(req("scaler=web"));
    assert.deepEqual(
      scalerItems.map((i) => i.metricLabels),
      [{ scaler: "web" }],
    );
    assert.deepEqual(targets.calls, ["scaler=web"]);
    // A target selector: no scaler matches, the targets answer.
    assert.deepEqual(await b.getMetric(req("target=checkout")), [targetItem]);
    // Neither: the targets' 404 goes out as is.
    const err = await rejection(Promise.resolve(b.getMetric(req("scaler=nope"))));
    assert.equal(err.code, 404);
    assert.match(err.message, /no forecast target matches scaler=nope/);
    // Everything: both kinds, scalers first.
    const all = await b.getMetric(req(""));
    assert.deepEqual(
      all.map((i) => i.value),
      ["600", "420"],
    );
  });

  it("passes other target errors through even when a scaler matched", async () => {
    const targets = fakeTargets(() => {
      throw serviceUnavailable("forecast store not loaded");
    });
    const b = forecastBuiltin({ clock, targets, scalers: () => metricScalers([fresh("web", "600")]) });
    const err = await rejection(Promise.resolve(b.getMetric(req("scaler=web"))));
    assert.equal(err.code, 503);
    assert.match(err.message, /forecast store not loaded/);
  });

  it("targets only: passes their answers and errors through", async () => {
    const b = forecastBuiltin({ clock, targets: targetsByLabel() });
    assert.deepEqual(await b.getMetric(req("target=checkout")), [targetItem]);
    const err = await rejection(Promise.resolve(b.getMetric(req("scaler=web"))));
    assert.equal(err.code, 404);
  });
});

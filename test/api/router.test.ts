/**
 * The review API through real HTTP (express on port 0, fetch): every route, answered from an
 * in-memory ReviewSource built on a real ForecastStore and MemoryDecisionLog with a few
 * PredictiveScaler objects; each 2xx body is checked against its route's schema, errors are
 * Kubernetes Status objects with the right code, and the backtest job lifecycle runs on a fake
 * runner (queued, running with progress, succeeded; failed; one at a time).
 */
import assert from "node:assert/strict";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import express from "express";
import { MemoryDecisionLog } from "../../src/actuator/decisionLog.js";
import type { PredictiveScaler } from "../../src/actuator/types.js";
import type { BacktestRunner, DemandPoint, ReviewSource, SubjectRef } from "../../src/api/reviewSource.js";
import { createReviewApi, type ReviewApi } from "../../src/api/router.js";
import {
  backtestJobSchema,
  controllerViewSchema,
  decisionPageSchema,
  modelsViewSchema,
  scalerListSchema,
  scalerSummarySchema,
  seriesViewSchema,
  statusSchema,
} from "../../src/api/schemas.js";
import type {
  BacktestJob,
  ControllerView,
  DecisionPageView,
  ModelsView,
  ScalerList,
  ScalerSummary,
  SeriesView,
} from "../../src/api/types.js";
import { ForecastStore, type StoredForecast } from "../../src/forecast/store.js";
import { MetricsSourceError } from "../../src/metrics/source.js";
import { eventually } from "../harness/eventually.js";

const NOW = Date.parse("2025-06-02T08:00:00Z");
const MIN = 60_000;
const HOUR = 3_600_000;

function scaler(namespace: string, name: string, extra: Partial<PredictiveScaler> = {}): PredictiveScaler {
  return {
    apiVersion: "foresight.dev/v1alpha1",
    kind: "PredictiveScaler",
    metadata: { name, namespace },
    spec: {
      targetRef: { kind: "Deployment", name },
      demand: { query: `sum(rate(requests_total{app="${name}"}[1m]))` },
      capacityPerReplica: "10",
      leadTime: "5m",
      quantile: 0.9,
      horizon: "1h",
      history: { length: "14d", step: "1m", minimum: "1d" },
      schedule: "*/5 * * * *",
      mode: "Floor",
      minReplicas: 2,
      maxReplicas: 20,
      maxCapacityBreach: "Honor",
      scaleDown: { delay: "10m", maxPercentPerMinute: 10 },
      nodes: { mode: "None", leadTime: "0" },
      fallback: { behavior: "Release", underPredictionRate: 0.3, failureThreshold: 3 },
    },
    ...extra,
  };
}

function forecast(model: string, startMs: number, quantile09: number[]): StoredForecast {
  return {
    startMs,
    stepSeconds: 60,
    mean: quantile09.map((v) => v - 5),
    quantiles: { "0.5": quantile09.map((v) => v - 5), "0.9": quantile09 },
    model,
    scores: {
      mstl: { scaledPinball: 0.41, coverage: 0.91, mase: 0.6, fitSeconds: 0.8, ready: true },
      holt_winters: { scaledPinball: 0.52, coverage: 0.87, mase: 0.7, fitSeconds: 0.3, ready: true },
      seasonal_naive: { scaledPinball: 0.8, coverage: 0.8, mase: 1, fitSeconds: 0.01, ready: true },
      neural: {
        scaledPinball: Number.NaN,
        coverage: Number.NaN,
        mase: Number.NaN,
        fitSeconds: 0,
        ready: false,
        reason: "not ready: needs 7 days of history",
      },
    },
    calibration: { "0.5": 0, "0.9": 1.5 },
    computedAtMs: startMs - MIN,
    kind: "full",
    data: { startMs: startMs - 14 * 24 * HOUR, endMs: startMs - MIN, points: 20_160, masked: 0 },
  };
}

interface Deferred {
  resolve(value: unknown): void;
  reject(error: Error): void;
  progress(fraction: number): void;
}

/** A runner whose jobs finish when the test says so. */
function fakeRunner(): BacktestRunner & { knownPolicies: string[]; pending: Deferred[]; started: number } {
  const runner = {
    knownPolicies: ["reactive", "oracle", "predictive-floor"],
    pending: [] as Deferred[],
    started: 0,
    run(_request: unknown, onProgress: (f: number) => void): Promise<unknown> {
      runner.started += 1;
      return new Promise((resolve, reject) => {
        runner.pending.push({ resolve, reject, progress: onProgress });
      });
    },
  };
  return runner;
}

interface Rig {
  readonly url: string;
  readonly api: ReviewApi;
  readonly runner: ReturnType<typeof fakeRunner>;
  readonly historyCalls: { subject: SubjectRef; sinceMs: number }[];
  readonly pastCalls: { subject: SubjectRef; sinceMs: number; beforeMs: number }[];
  close(): Promise<void>;
}

async function startRig(): Promise<Rig> {
  const scalerStore = new ForecastStore();
  const targetStore = new ForecastStore();
  // The 0.9 path peaks at 52 at step 20 (NOW + 21 min).
  const path = Array.from({ length: 120 }, (_, i) => (i === 20 ? 52 : 40 + (i % 7)));
  scalerStore.recordForecast("llm/vllm", forecast("mstl", NOW + MIN, path), NOW);
  targetStore.recordForecast("gpu-util", forecast("ensemble(mstl,holt_winters)", NOW + MIN, path), NOW);
  targetStore.recordNotReady("cold", "needs 2 days of history for a daily pattern", 86_400, NOW);

  const log = new MemoryDecisionLog();
  // 120 decisions, one a minute, the newest at NOW − 1 min: floors from 3 up, a forecast on each.
  for (let i = 0; i < 120; i++) {
    const atMs = NOW - (120 - i) * MIN;
    log.append({
      atMs,
      scaler: "llm/vllm",
      mode: "Floor",
      action: i % 10 === 9 ? "SetCapacityBuffer" : "SetFloor",
      applied: true,
      from: 2 + Math.floor(i / 40),
      to: 3 + Math.floor(i / 40),
      reason: `decision ${i}`,
      forecast: { value: 25 + Math.floor(i / 40) * 10, quantile: 0.9, horizon: "5m", model: "mstl" },
    });
  }

  const vllm = scaler("llm", "vllm", {
    status: {
      conditions: [
        {
          type: "Ready",
          status: "True",
          reason: "FloorApplied",
          message: "floor 6",
          lastTransitionTime: new Date(NOW - HOUR).toISOString(),
        },
        {
          type: "ForecastReady",
          status: "True",
          reason: "ForecastReady",
          message: "ok",
          lastTransitionTime: "2025-06-01T00:00:00Z",
        },
      ],
      model: "mstl",
      accuracy: { pinball: 0.4, coverage: 0.9, underPredictionRate: Number.NaN },
      nextPeak: { value: 52, replicas: 6, at: new Date(NOW + 21 * MIN).toISOString() },
      recommendedReplicas: 6,
      appliedReplicas: 5,
      lastAction: { type: "SetFloor", time: new Date(NOW - MIN).toISOString(), from: 4, to: 5 },
    },
  });
  const web = scaler("default", "web", {
    spec: { ...scaler("default", "web").spec, mode: "ForecastOnly", capacityPerReplica: "500m" },
  });
  const broken = scaler("default", "broken");

  const historyCalls: { subject: SubjectRef; sinceMs: number }[] = [];
  const pastCalls: { subject: SubjectRef; sinceMs: number; beforeMs: number }[] = [];
  const source: ReviewSource = {
    clock: { now: () => NOW },
    scalers: () => [vllm, web, broken],
    targets: () => [
      {
        name: "gpu-util",
        query: "avg(DCGM_FI_DEV_GPU_UTIL)",
        quantiles: [0.5, 0.9],
        horizonMs: HOUR,
        stepSeconds: 60,
      },
      { name: "cold", query: "sum(up)", quantiles: [0.5, 0.8], horizonMs: HOUR, stepSeconds: 30 },
    ],
    forecast: (s) => (s.kind === "PredictiveScaler" ? scalerStore : targetStore).get(s.id),
    actualReplicas: async (subject, sinceMs) => {
      if (subject.id === "default/web") throw new Error('deployments.apps "web" is forbidden');
      return [
        [NOW - 3 * HOUR, 3],
        [NOW - 20 * MIN, 5],
      ].filter(([t]) => (t as number) >= sinceMs) as [number, number][];
    },
    pastForecasts: (subject, sinceMs, beforeMs) => {
      pastCalls.push({ subject, sinceMs, beforeMs });
      if (subject.id !== "llm/vllm") return [];
      const made = NOW - 30 * MIN;
      return [
        {
          computedAtMs: made,
          startMs: made + MIN,
          stepSeconds: 60,
          model: "ets",
          mean: [30, 31, 32],
          quantiles: { "0.5": [30, 31, 32], "0.9": [35, 36, 37] },
        },
      ];
    },
    history: async (subject, sinceMs) => {
      historyCalls.push({ subject, sinceMs });
      if (subject.id === "default/broken") throw new MetricsSourceError("unavailable", "connection refused");
      const out: DemandPoint[] = [];
      for (let t = Math.ceil(sinceMs / MIN) * MIN; t <= NOW; t += MIN)
        out.push([t, t % (7 * MIN) === 0 ? Number.NaN : 30 + ((t / MIN) % 5)]);
      return out;
    },
    decisions: log,
  };
  const runner = fakeRunner();
  const api = createReviewApi({
    source,
    runner,
    access: { mode: "local", bindAddress: "127.0.0.1" },
    maxJobs: 3,
    maxQueuedJobs: 2,
    version: "test",
  });
  const app = express();
  app.use(api.router);
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    api,
    runner,
    historyCalls,
    pastCalls,
    async close() {
      for (const p of runner.pending) p.resolve({});
      await api.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function getJson<T>(
  url: string,
  schema?: { parse(v: unknown): unknown },
): Promise<{ status: number; body: T; res: Response }> {
  const res = await fetch(url);
  const body = (await res.json()) as T;
  if (schema && res.status < 300) schema.parse(body);
  return { status: res.status, body, res };
}

function assertStatus(body: unknown, code: number, reason: string, pattern?: RegExp): void {
  const status = statusSchema.parse(body);
  assert.equal(status.code, code);
  assert.equal(status.reason, reason);
  if (pattern) assert.match(status.message ?? "", pattern);
}

const until = (check: () => Promise<boolean>, what: string) =>
  eventually(what, async () => (await check()) || undefined, { timeoutMs: 2_000, everyMs: 5 });

describe("review API routes", () => {
  let rig: Rig;
  before(async () => {
    rig = await startRig();
  });
  after(() => rig.close());

  it("lists scalers (sorted by id) and then config targets, with their state", async () => {
    const { status, body, res } = await getJson<ScalerList>(`${rig.url}/api/v1/scalers`, scalerListSchema);
    assert.equal(status, 200);
    assert.equal(res.headers.get("cache-control"), "no-store");
    // The server's clock, which the page measures "in 2h" against (simulated in the demo).
    assert.equal(res.headers.get("foresight-now"), new Date(NOW).toISOString());
    assert.deepEqual(
      body.items.map((i) => `${i.kind}:${i.id}`),
      [
        "PredictiveScaler:default/broken",
        "PredictiveScaler:default/web",
        "PredictiveScaler:llm/vllm",
        "ForecastTarget:cold",
        "ForecastTarget:gpu-util",
      ],
    );
    const vllm = body.items.find((i) => i.id === "llm/vllm") as ScalerSummary;
    assert.equal(vllm.mode, "Floor");
    assert.equal(vllm.target, "Deployment/vllm");
    assert.equal(vllm.ready.status, "True");
    assert.equal(vllm.ready.reason, "FloorApplied");
    assert.equal(vllm.conditions.length, 2);
    assert.equal(vllm.model, "mstl");
    assert.deepEqual(
      vllm.accuracy,
      { pinball: 0.4, coverage: 0.9 },
      "a NaN rate is left out, not sent as null",
    );
    assert.equal(vllm.recommendedReplicas, 6);
    assert.equal(vllm.appliedReplicas, 5);
    assert.equal(vllm.lastAction?.to, 5);
    assert.equal(vllm.capacityPerReplica, 10);
    const web = body.items.find((i) => i.id === "default/web") as ScalerSummary;
    assert.equal(web.mode, "ForecastOnly");
    assert.equal(web.capacityPerReplica, 0.5, "quantity 500m");
    assert.equal(web.ready.status, "Unknown");
    assert.equal(web.ready.reason, "NotReconciled");
    const gpu = body.items.find((i) => i.id === "gpu-util") as ScalerSummary;
    assert.equal(gpu.mode, "Metric");
    assert.equal(gpu.ready.status, "True");
    assert.equal(gpu.model, "ensemble(mstl,holt_winters)");
    assert.equal(gpu.quantile, 0.9);
    assert.deepEqual(gpu.nextPeak, { value: 52, at: new Date(NOW + 21 * MIN).toISOString() });
    const cold = body.items.find((i) => i.id === "cold") as ScalerSummary;
    assert.equal(cold.ready.status, "False");
    assert.equal(cold.ready.reason, "InsufficientHistory");
    assert.match(cold.ready.message, /2 days/);
    assert.equal(cold.quantile, 0.8);
    assert.equal(cold.model, undefined);
  });

  it("GET one scaler, and 404 Status for an unknown one", async () => {
    const one = await getJson<ScalerSummary>(`${rig.url}/api/v1/scalers/llm/vllm`, scalerSummarySchema);
    assert.equal(one.status, 200);
    assert.equal(one.body.id, "llm/vllm");
    const missing = await getJson<{ details?: { name?: string } }>(`${rig.url}/api/v1/scalers/llm/nope`);
    assert.equal(missing.status, 404);
    assertStatus(
      missing.body,
      404,
      "NotFound",
      /predictivescalers\.foresight\.dev "nope" not found in namespace "llm"/,
    );
    assert.equal(missing.body.details?.name, "nope");
    const wrongNs = await getJson(`${rig.url}/api/v1/scalers/other/vllm`);
    assert.equal(wrongNs.status, 404);
  });

  it("series: demand since the window (gaps dropped), the forecast bands, replicas applied and recommended", async () => {
    const { status, body } = await getJson<SeriesView>(
      `${rig.url}/api/v1/scalers/llm/vllm/series?since=1h`,
      seriesViewSchema,
    );
    assert.equal(status, 200);
    assert.equal(body.stepSeconds, 60);
    const call = rig.historyCalls.at(-1);
    assert.deepEqual(call, { subject: { kind: "PredictiveScaler", id: "llm/vllm" }, sinceMs: NOW - HOUR });
    assert.ok(body.demand.length > 50 && body.demand.length < 61, `got ${body.demand.length} points`);
    assert.ok(body.demand.every(([t, v]) => t >= NOW - HOUR && Number.isFinite(v)));
    assert.ok(body.forecast);
    assert.equal(body.forecast.model, "mstl");
    assert.deepEqual(Object.keys(body.forecast.quantiles).sort(), ["0.5", "0.9"]);
    assert.equal(body.forecast.quantiles["0.9"]?.[20], 52);
    // Decisions of the last hour only (60 of them; the capacity-buffer ones set no replicas).
    assert.ok(body.applied.every(([t]) => t >= NOW - HOUR));
    assert.equal(body.applied.length, 54);
    assert.deepEqual(body.applied.at(-1), [NOW - 2 * MIN, 5], "the newest decision set a capacity buffer");
    // Recommended = ceil(forecast / capacity 10) within [2, 20]: 45 → 5.
    assert.equal(body.recommended.length, 60);
    assert.deepEqual(body.recommended.at(-1), [NOW - MIN, 5]);
    assert.deepEqual(body.recommended[0], [NOW - 60 * MIN, 4]);
    // Earlier forecasts: asked for those made before the latest (computed at NOW) reaching into the window.
    assert.deepEqual(rig.pastCalls.at(-1), {
      subject: { kind: "PredictiveScaler", id: "llm/vllm" },
      sinceMs: NOW - HOUR,
      beforeMs: NOW,
    });
    assert.deepEqual(body.actual, [[NOW - 20 * MIN, 5]], "the workload's replicas in the window");
    assert.equal(body.pastForecasts.length, 1);
    assert.equal(body.pastForecasts[0]?.model, "ets");
    assert.deepEqual(body.pastForecasts[0]?.quantiles["0.9"], [35, 36, 37]);
    // What each decision of the window forecast, placed at decision time + its 5m horizon.
    assert.equal(body.decidedForecasts.length, 60);
    assert.deepEqual(body.decidedForecasts[0], {
      madeAtMs: NOW - 60 * MIN,
      forMs: NOW - 55 * MIN,
      value: 35, // decision 60 of 120: 25 + floor(60 / 40) × 10
      quantile: 0.9,
    });
    assert.ok(body.decidedForecasts.every((d, i, all) => i === 0 || (all[i - 1]?.forMs ?? 0) <= d.forMs));
  });

  it("series: a bad since is a 400 Status, an unreachable metrics backend a 503", async () => {
    const bad = await getJson(`${rig.url}/api/v1/scalers/llm/vllm/series?since=soon`);
    assertStatus(bad.body, 400, "BadRequest", /since "soon"/);
    const long = await getJson(`${rig.url}/api/v1/scalers/llm/vllm/series?since=200d`);
    assertStatus(long.body, 400, "BadRequest", /90d/);
    const down = await getJson(`${rig.url}/api/v1/scalers/default/broken/series`);
    assertStatus(down.body, 503, "ServiceUnavailable", /default\/broken.*connection refused/);
    const def = await getJson<SeriesView>(`${rig.url}/api/v1/scalers/default/web/series`, seriesViewSchema);
    assert.equal(def.status, 200);
    assert.equal(rig.historyCalls.at(-1)?.sinceMs, NOW - 2 * 24 * HOUR, "since defaults to 2d");
    assert.equal(def.body.forecast, undefined);
    assert.deepEqual(def.body.applied, []);
    assert.deepEqual(def.body.pastForecasts, []);
    assert.deepEqual(def.body.actual, [], "a workload that cannot be read leaves the series without it");
    assert.deepEqual(def.body.decidedForecasts, []);
  });

  it("models: every candidate, best first, with why the chosen one won", async () => {
    const { status, body } = await getJson<ModelsView>(
      `${rig.url}/api/v1/scalers/llm/vllm/models`,
      modelsViewSchema,
    );
    assert.equal(status, 200);
    assert.equal(body.chosen, "mstl");
    assert.deepEqual(
      body.candidates.map((c) => c.name),
      ["mstl", "holt_winters", "seasonal_naive", "neural"],
    );
    assert.equal(body.candidates[3]?.scaledPinball, null, "NaN travels as null");
    assert.match(body.why, /lowest scaled pinball loss \(0\.41\) among 3 scored models/);
    assert.match(body.why, /next best holt_winters \(0\.52\)/);
    assert.match(body.why, /neural \(needs 7 days of history\)/);
    assert.deepEqual(body.calibration, { "0.5": 0, "0.9": 1.5 });
    const ensemble = await getJson<ModelsView>(`${rig.url}/api/v1/targets/gpu-util/models`, modelsViewSchema);
    assert.match(
      ensemble.body.why,
      /ensemble .* of mstl and holt_winters .* lower .* than the best single model, mstl \(0\.41\)/,
    );
    const cold = await getJson<ModelsView>(`${rig.url}/api/v1/targets/cold/models`, modelsViewSchema);
    assert.equal(cold.body.chosen, undefined);
    assert.deepEqual(cold.body.candidates, []);
    assert.match(cold.body.why, /no model chosen yet: needs 2 days/);
  });

  it("decisions: pages newest first through every entry with the cursor", async () => {
    const seen: number[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const q = cursor === undefined ? "limit=50" : `limit=50&cursor=${cursor}`;
      const { status, body } = await getJson<DecisionPageView>(
        `${rig.url}/api/v1/scalers/llm/vllm/decisions?${q}`,
        decisionPageSchema,
      );
      assert.equal(status, 200);
      assert.equal(body.total, 120);
      for (const item of body.items) {
        assert.equal(item.time, new Date(item.atMs).toISOString());
        seen.push(item.atMs);
      }
      cursor = body.next;
      pages += 1;
    } while (cursor !== undefined);
    assert.equal(pages, 3);
    assert.equal(seen.length, 120);
    assert.deepEqual(
      seen,
      [...seen].sort((a, b) => b - a),
      "newest first",
    );
    const first = await getJson<DecisionPageView>(`${rig.url}/api/v1/scalers/llm/vllm/decisions`);
    assert.equal(first.body.items.length, 50, "default limit");
    assert.equal(first.body.items[0]?.reason, "decision 119");
    assert.equal(first.body.items[0]?.forecast?.model, "mstl");
    const none = await getJson<DecisionPageView>(
      `${rig.url}/api/v1/scalers/default/web/decisions`,
      decisionPageSchema,
    );
    assert.deepEqual(none.body, { items: [], total: 0 });
  });

  it("decisions: a bad limit or cursor is a 400 Status naming it", async () => {
    for (const q of ["limit=0", "limit=501", "limit=ten", "limit=1&limit=2"]) {
      const { body } = await getJson(`${rig.url}/api/v1/scalers/llm/vllm/decisions?${q}`);
      assertStatus(body, 400, "BadRequest", /limit/);
    }
    const { body } = await getJson(`${rig.url}/api/v1/scalers/llm/vllm/decisions?cursor=abc`);
    assertStatus(body, 400, "BadRequest", /cursor "abc" is malformed/);
  });

  it("targets: one, its series, and 404 for an unknown name", async () => {
    const one = await getJson<ScalerSummary>(`${rig.url}/api/v1/targets/gpu-util`, scalerSummarySchema);
    assert.equal(one.body.kind, "ForecastTarget");
    const series = await getJson<SeriesView>(
      `${rig.url}/api/v1/targets/cold/series?since=30m`,
      seriesViewSchema,
    );
    assert.equal(series.status, 200);
    assert.equal(series.body.stepSeconds, 30);
    assert.deepEqual(rig.historyCalls.at(-1)?.subject, { kind: "ForecastTarget", id: "cold" });
    assert.deepEqual(series.body.recommended, []);
    const missing = await getJson(`${rig.url}/api/v1/targets/nope`);
    assertStatus(missing.body, 404, "NotFound", /forecast target "nope" not found/);
    assert.equal((await getJson(`${rig.url}/api/v1/targets/nope/series`)).status, 404);
  });

  it("unknown paths are a 404 Status and other methods a 405 naming the allowed one", async () => {
    const { body } = await getJson(`${rig.url}/api/v1/nothing/here`);
    assertStatus(body, 404, "NotFound", /GET \/api\/v1\/nothing\/here/);
    const res = await fetch(`${rig.url}/api/v1/scalers`, { method: "DELETE" });
    assert.equal(res.status, 405);
    assert.equal(res.headers.get("allow"), "GET");
    assertStatus(await res.json(), 405, "MethodNotAllowed", /DELETE is not supported/);
  });
});

describe("review API backtests", () => {
  let rig: Rig;
  before(async () => {
    rig = await startRig();
  });
  after(() => rig.close());

  const post = async (body: unknown, raw?: string) =>
    fetch(`${rig.url}/api/v1/backtests`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: raw ?? JSON.stringify(body),
    });

  it("refuses invalid requests with a 400 Status naming the field", async () => {
    const cases: [unknown, RegExp, string][] = [
      [{ subject: "llm/vllm" }, /policies/, "policies"],
      [{ subject: "llm/vllm", policies: [] }, /at least one policy/, "policies"],
      [
        { subject: "llm/vllm", policies: ["reactive"], leadTime: "soon" },
        /leadTime must be a duration/,
        "leadTime",
      ],
      [{ subject: "llm/vllm", policies: ["reactive"], peakReplicas: 0 }, /peakReplicas/, "peakReplicas"],
      [{ subject: "llm/vllm", policies: ["reactive"], colour: "red" }, /colour|Unrecognized/i, "(body)"],
      [
        { subject: "llm/vllm", policies: ["reactive", "magic"] },
        /unknown policy "magic"; known policies: reactive/,
        "policies.1",
      ],
      [
        { subject: "llm/gone", policies: ["reactive"] },
        /no PredictiveScaler .* named "llm\/gone"/,
        "subject",
      ],
    ];
    for (const [body, pattern, field] of cases) {
      const res = await post(body);
      assert.equal(res.status, 400, JSON.stringify(body));
      const status = (await res.json()) as { details?: { causes?: { field?: string }[] } };
      assertStatus(status, 400, "BadRequest", pattern);
      assert.ok(
        status.details?.causes?.some((c) => c.field === field),
        `${JSON.stringify(body)}: causes ${JSON.stringify(status.details?.causes)} name ${field}`,
      );
    }
    const malformed = await post(undefined, "{not json");
    assert.equal(malformed.status, 400);
    assertStatus(await malformed.json(), 400, "BadRequest", /not valid JSON/);
    assert.equal(rig.runner.started, 0, "nothing ran");
  });

  it("runs jobs one at a time, with progress, result and failure; 404 for an unknown job", async () => {
    const first = await post({
      subject: "llm/vllm",
      policies: ["reactive", "predictive-floor"],
      leadTime: "5m",
    });
    assert.equal(first.status, 202);
    const job1 = backtestJobSchema.parse(await first.json()) as BacktestJob;
    assert.equal(first.headers.get("location"), `/api/v1/backtests/${job1.id}`);
    assert.deepEqual(job1.request, {
      subject: "llm/vllm",
      policies: ["reactive", "predictive-floor"],
      leadTime: "5m",
    });
    const second = await post({ subject: "gpu-util", policies: ["oracle"] });
    assert.equal(second.status, 202);
    const job2 = (await second.json()) as BacktestJob;

    const jobUrl = (id: string) => `${rig.url}/api/v1/backtests/${id}`;
    await until(
      async () => (await getJson<BacktestJob>(jobUrl(job1.id))).body.state === "running",
      "job 1 running",
    );
    assert.equal(rig.runner.started, 1, "the second job waits for the first");
    assert.equal((await getJson<BacktestJob>(jobUrl(job2.id))).body.state, "queued");

    rig.runner.pending[0]?.progress(0.25);
    const running = await getJson<BacktestJob>(jobUrl(job1.id), backtestJobSchema);
    assert.equal(running.body.progress, 0.25);
    const result = { trace: "history of llm/vllm", stepSeconds: 15, capacityPerReplica: 6.5, policies: {} };
    rig.runner.pending[0]?.resolve(result);
    await until(
      async () => (await getJson<BacktestJob>(jobUrl(job1.id))).body.state === "succeeded",
      "job 1 done",
    );
    const done = await getJson<BacktestJob>(jobUrl(job1.id), backtestJobSchema);
    assert.equal(done.body.progress, 1);
    assert.deepEqual(done.body.result, result);

    await until(async () => rig.runner.started === 2, "job 2 started");
    rig.runner.pending[1]?.reject(new Error("subject gpu-util has 0 demand point(s)"));
    await until(
      async () => (await getJson<BacktestJob>(jobUrl(job2.id))).body.state === "failed",
      "job 2 failed",
    );
    const failed = await getJson<BacktestJob>(jobUrl(job2.id), backtestJobSchema);
    assert.equal(failed.body.error, "subject gpu-util has 0 demand point(s)");
    assert.equal(failed.body.result, undefined);

    const list = await getJson<{ items: BacktestJob[] }>(`${rig.url}/api/v1/backtests`);
    assert.deepEqual(
      list.body.items.map((j) => j.id),
      [job2.id, job1.id],
      "newest first",
    );
    const missing = await getJson(jobUrl("nope"));
    assertStatus(missing.body, 404, "NotFound", /backtest "nope" not found/);
  });

  it("refuses more waiting jobs than the queue holds with a 503 and Retry-After", async () => {
    const accepted: number[] = [];
    let refused: Response | undefined;
    for (let i = 0; i < 5 && refused === undefined; i++) {
      const res = await post({ subject: "llm/vllm", policies: ["reactive"] });
      if (res.status === 202) accepted.push(i);
      else refused = res;
    }
    assert.ok(refused, "a submission was refused");
    assert.equal(refused.status, 503);
    assert.equal(refused.headers.get("retry-after"), "10");
    assertStatus(await refused.json(), 503, "ServiceUnavailable", /already waiting/);
    assert.equal(accepted.length, 3, "one running and two waiting");
  });
});

describe("review API local mode", () => {
  it("refuses to start unauthenticated on a non-loopback address", () => {
    const source: ReviewSource = {
      clock: { now: () => NOW },
      scalers: () => [],
      targets: () => [],
      forecast: () => undefined,
      history: async () => [],
    };
    for (const bindAddress of ["0.0.0.0", "::", "10.0.0.5", "example.com"])
      assert.throws(
        () => createReviewApi({ source, runner: fakeRunner(), access: { mode: "local", bindAddress } }),
        /loopback only.*bind address is/,
        bindAddress,
      );
    for (const bindAddress of ["127.0.0.1", "::1", "localhost", "127.0.0.53"])
      assert.doesNotThrow(() =>
        createReviewApi({ source, runner: fakeRunner(), access: { mode: "local", bindAddress } }),
      );
  });
});

describe("review API shard ownership", () => {
  /** Two scalers on shards 0 and 2 of 3: this replica (a) holds 0, b holds 2, nobody holds 1. */
  async function serveWith(controller: ReviewSource["controller"]) {
    const source: ReviewSource = {
      clock: { now: () => NOW },
      scalers: () => [scaler("llm", "vllm"), scaler("default", "web")],
      targets: () => [],
      forecast: () => undefined,
      history: async () => [],
      ...(controller ? { controller } : {}),
    };
    const api = createReviewApi({
      source,
      runner: fakeRunner(),
      access: { mode: "local", bindAddress: "127.0.0.1" },
    });
    const app = express();
    app.use(api.router);
    const server: Server = await new Promise((resolve) => {
      const s = app.listen(0, "127.0.0.1", () => resolve(s));
    });
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      close: async () => {
        await api.close();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      },
    };
  }
  const sharded: NonNullable<ReviewSource["controller"]> = {
    identity: "a",
    status: () => ({ shards: 3, held: [0], members: ["a", "b"], holders: ["a", undefined, "b"] }),
    of: (id) => (id === "llm/vllm" ? 0 : 2),
  };

  it("shows each scaler's shard, whether this replica holds it, and its holder", async () => {
    const server = await serveWith(sharded);
    try {
      const list = await getJson<ScalerList>(`${server.url}/api/v1/scalers`, scalerListSchema);
      assert.deepEqual(
        list.body.items.map((i) => [i.id, i.shard]),
        [
          ["default/web", { index: 2, heldHere: false, holder: "b" }],
          ["llm/vllm", { index: 0, heldHere: true, holder: "a" }],
        ],
      );
      const one = await getJson<ScalerSummary>(
        `${server.url}/api/v1/scalers/default/web`,
        scalerSummarySchema,
      );
      assert.deepEqual(one.body.shard, { index: 2, heldHere: false, holder: "b" });
    } finally {
      await server.close();
    }
  });

  it("GET /api/v1/controller: the replica's shards, every shard's holder and scalers", async () => {
    const server = await serveWith({
      ...sharded,
      status: () => ({
        ...(sharded.status() as NonNullable<ReturnType<typeof sharded.status>>),
        blocked: "why not",
      }),
    });
    try {
      const { status, body } = await getJson<ControllerView>(
        `${server.url}/api/v1/controller`,
        controllerViewSchema,
      );
      assert.equal(status, 200);
      assert.deepEqual(body, {
        identity: "a",
        leaderElection: true,
        shards: 3,
        held: [0],
        replicas: ["a", "b"],
        shardHolders: [
          { shard: 0, holder: "a", heldHere: true, scalers: 1 },
          { shard: 1, heldHere: false, scalers: 0 },
          { shard: 2, holder: "b", heldHere: false, scalers: 1 },
        ],
        blocked: "why not",
      });
    } finally {
      await server.close();
    }
  });

  it("without leader election this replica holds the one shard; without the controller: 404", async () => {
    const single = await serveWith({ identity: "solo", status: () => undefined, of: () => 0 });
    try {
      const { body } = await getJson<ControllerView>(`${single.url}/api/v1/controller`, controllerViewSchema);
      assert.deepEqual(body, {
        identity: "solo",
        leaderElection: false,
        shards: 1,
        held: [0],
        shardHolders: [{ shard: 0, holder: "solo", heldHere: true, scalers: 2 }],
      });
      const list = await getJson<ScalerList>(`${single.url}/api/v1/scalers`, scalerListSchema);
      assert.ok(
        list.body.items.every((i) => i.shard === undefined),
        "no shard without leader election",
      );
    } finally {
      await single.close();
    }
    const none = await serveWith(undefined);
    try {
      const res = await fetch(`${none.url}/api/v1/controller`);
      assert.equal(res.status, 404);
      assertStatus(await res.json(), 404, "NotFound", /does not run on this replica/);
    } finally {
      await none.close();
    }
  });
});

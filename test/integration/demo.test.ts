/**
 * `foresight demo` end to end: it starts on free ports, serves a custom metric to kubectl through
 * the aggregated-API path, shows a forecast and a scaling decision through the review API within a
 * bounded time, serves the page, and stops cleanly.
 */
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { DEPLOYMENT, NAMESPACE, type RunningDemo, startDemo } from "../../src/cli/demo.js";
import { createLogger } from "../../src/telemetry/logger.js";
import { chromiumMissing, launchChromium } from "../harness/chromium.js";
import { eventually } from "../harness/eventually.js";
import { kubectlAvailable, kubectlFor } from "../harness/kubectl.js";

const until = <T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> =>
  eventually(what, check, { timeoutMs, everyMs: 250, retryErrors: true });

async function json(url: string): Promise<unknown> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: ${res.status}`);
  return res.json();
}

describe("foresight demo", { timeout: 120_000 }, () => {
  let demo: RunningDemo;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "foresight-demo-test-"));
    demo = await startDemo({
      speed: 120,
      securePort: 0,
      httpPort: 0,
      logger: createLogger({ level: "silent" }),
      version: "test",
    });
  });
  after(async () => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("serves a custom metric to kubectl get --raw", {
    skip: !kubectlAvailable() && "no kubectl",
  }, async () => {
    const kubectl = await kubectlFor({
      kubeconfig: (path = join(dir, "adapter.kubeconfig")) => {
        const text = stringify({
          apiVersion: "v1",
          kind: "Config",
          clusters: [{ name: "a", cluster: { server: demo.metricsUrl, "insecure-skip-tls-verify": true } }],
          users: [{ name: "a", user: { token: "x" } }],
          contexts: [{ name: "a", context: { cluster: "a", user: "a" } }],
          "current-context": "a",
        });
        writeFileSync(path, text);
        return text;
      },
    });
    try {
      const got = await until("the custom metric", async () => {
        const r = await kubectl.run(
          "get",
          "--raw",
          `/apis/custom.metrics.k8s.io/v1beta2/namespaces/${NAMESPACE}/pods/*/vllm_num_requests_running`,
        );
        return r.code === 0 ? r : undefined;
      });
      const list = JSON.parse(got.stdout) as {
        items: { describedObject: { name: string }; value: string }[];
      };
      assert.ok(list.items.length >= 2, got.stdout);
      assert.ok(list.items.every((i) => i.describedObject.name.startsWith(`${DEPLOYMENT}-`)));
    } finally {
      await kubectl.cleanup();
    }
  });

  it("shows a forecast and a scaling decision through the review API", async () => {
    const base = `${demo.pageUrl}api/v1/scalers/${NAMESPACE}/${DEPLOYMENT}`;
    const series = await until("a forecast", async () => {
      const s = (await json(`${base}/series?since=1d`)) as {
        forecast?: { mean: number[] };
        demand: unknown[];
      };
      return s.forecast && s.forecast.mean.length > 0 ? s : undefined;
    });
    assert.ok(series.demand.length > 200, "a day of backfilled demand at 5-minute steps");
    // the replicas the Deployment runs, read from the simulated cluster's scale subresource
    const running = ((await json(`${base}/series?since=1d`)) as { actual: [number, number][] }).actual;
    assert.ok(running.length > 0, "the workload's replicas are sampled");
    assert.ok(
      running.every(([, r]) => Number.isInteger(r) && r >= 1),
      JSON.stringify(running),
    );
    const decisions = await until("a decision", async () => {
      const d = (await json(`${base}/decisions`)) as { items: { action: string; applied: boolean }[] };
      return d.items.some((i) => i.applied) ? d : undefined;
    });
    assert.ok(
      decisions.items.some((i) => i.action === "SetFloor"),
      JSON.stringify(decisions.items.slice(0, 3)),
    );
  });

  it("serves the page", async () => {
    const res = await fetch(demo.pageUrl);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /<title>Foresight/);
  });

  it("the page shows the demo's scaler with data in headless Chromium", {
    skip: chromiumMissing,
  }, async () => {
    const profile = mkdtempSync(join(tmpdir(), "foresight-demo-chromium-"));
    const context = await launchChromium(profile);
    try {
      const page = await context.newPage();
      await page.goto(`${demo.pageUrl}#/scalers/${NAMESPACE}/${DEPLOYMENT}`);
      await page.waitForFunction(
        () =>
          ((globalThis as unknown as { __charts?: { demand: { data: unknown[][] } } }).__charts?.demand
            .data[0]?.length ?? 0) > 100,
        undefined,
        { timeout: 30_000 },
      );
      const shot = join(dir, "demo.png");
      await page.screenshot({ path: shot, fullPage: true });
      console.log(`# demo page screenshot: ${shot}`);
      if (process.env.UPDATE_SCREENSHOT === "1")
        copyFileSync(shot, fileURLToPath(new URL("../../docs/images/demo.png", import.meta.url)));
    } finally {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });

  it("stops cleanly: both ports closed", async () => {
    await demo.close();
    await assert.rejects(fetch(demo.pageUrl));
    await assert.rejects(fetch(`${demo.metricsUrl}/healthz`));
  });
});

describe("foresight demo at any speed: the scaler stays ready, its live accuracy with its backtest's", {
  timeout: 300_000,
}, () => {
  it("after the first forecast: Ready at least 90 % of the time, live coverage within 0.1 of the backtest's", async () => {
    const speed = 600;
    // Pinned to a Monday 06:00 UTC, so the run covers the same morning ramp and day whenever CI runs.
    const demo = await startDemo({
      speed,
      startMs: Date.UTC(2026, 10, 30, 6),
      securePort: 0,
      httpPort: 0,
      logger: createLogger({ level: "silent" }),
      version: "test",
    });
    const base = `${demo.pageUrl}api/v1/scalers/${NAMESPACE}/${DEPLOYMENT}`;
    const t0 = demo.clock.now();
    let forecasting = false;
    let samples = 0;
    let ready = 0;
    const notReady = new Map<string, number>();
    const gaps: number[] = [];
    try {
      // Ten simulated hours, one look every simulated minute or so.
      while (demo.clock.now() - t0 < 10 * 3_600_000) {
        await new Promise((r) => setTimeout(r, 100));
        const summary = (await json(base)) as {
          model?: string;
          ready?: { status: string; message: string };
          accuracy?: { steps?: number; coverage?: number };
        };
        if (!forecasting && summary.model) forecasting = true;
        if (!forecasting) continue;
        samples++;
        if (summary.ready?.status === "True") ready++;
        else {
          const why = (summary.ready?.message ?? "").replace(/[\d.]+/g, "N");
          notReady.set(why, (notReady.get(why) ?? 0) + 1);
        }
        if ((summary.accuracy?.steps ?? 0) >= 24 && summary.accuracy?.coverage !== undefined) {
          const models = (await json(`${base}/models`)) as {
            chosen?: string;
            candidates: { name: string; coverage: number }[];
          };
          const chosen = models.candidates.find((c) => c.name === models.chosen);
          if (chosen && Number.isFinite(chosen.coverage))
            gaps.push(Math.abs(summary.accuracy.coverage - chosen.coverage));
        }
      }
    } finally {
      await demo.close();
    }
    const why = JSON.stringify([...notReady].slice(0, 3));
    assert.ok(samples > 100, `${samples} looks after the first forecast`);
    assert.ok(ready / samples >= 0.9, `Ready ${ready} of ${samples}: ${why}`);
    assert.ok(gaps.length > 50, `${gaps.length} looks with 24 compared steps`);
    // Coverage over 24 steps is a binomial share: at 0.9 its standard deviation alone is 0.061, so
    // even a perfectly calibrated forecast lands more than 0.1 away on about a tenth of the looks.
    // The mean gap says whether the two measure the same thing; the share says how often they part.
    const within = gaps.filter((g) => g <= 0.1).length / gaps.length;
    const meanGap = gaps.reduce((a, g) => a + g, 0) / gaps.length;
    const what = `within 0.1 on ${(within * 100).toFixed(0)} % of looks, mean gap ${meanGap.toFixed(3)}`;
    assert.ok(within >= 0.8, what);
    assert.ok(meanGap <= 0.07, what);
  });
});

describe("foresight demo --prometheus-url", { timeout: 240_000 }, () => {
  it("reads the workload's metrics from a real Prometheus scraping the demo, in real time", async () => {
    const { freePort } = await import("../harness/ports.js");
    const { startPrometheus } = await import("../harness/prometheus.js");
    const httpPort = await freePort();
    const prom = await startPrometheus({
      scrapeTargets: [{ url: `http://127.0.0.1:${httpPort}/demo/metrics` }],
    });
    await assert.rejects(
      startDemo({
        speed: 60,
        securePort: 0,
        httpPort: 0,
        prometheusUrl: prom.url,
        logger: createLogger({ level: "silent" }),
        version: "test",
      }),
      /--speed 60 with --prometheus-url: an external Prometheus stamps its scrapes with its own clock/,
    );
    const demo = await startDemo({
      securePort: 0,
      httpPort,
      prometheusUrl: prom.url,
      logger: createLogger({ level: "silent" }),
      version: "test",
    });
    const begun = Date.now();
    const https = await import("node:https");
    const get = (path: string) =>
      new Promise<string | undefined>((resolve) => {
        https
          .get(`${demo.metricsUrl}${path}`, { rejectUnauthorized: false }, (res) => {
            let data = "";
            res.on("data", (c) => {
              data += c;
            });
            res.on("end", () => resolve(res.statusCode === 200 ? data : undefined));
          })
          .on("error", () => resolve(undefined));
      });
    try {
      const exposed = await (await fetch(`${demo.pageUrl}demo/metrics`)).text();
      assert.match(exposed, /^llm_gateway_requests_total\{namespace="demo",service="llm"\} \d/m);
      assert.match(exposed, /^vllm:num_requests_running\{namespace="demo",pod="llm-\d+"\} /m);
      // The adapter answers the HPA's metric from what Prometheus scraped.
      const path = `/apis/custom.metrics.k8s.io/v1beta2/namespaces/${NAMESPACE}/pods/*/vllm_num_requests_running`;
      const body = await until("the metric through Prometheus", () => get(path));
      const items = (JSON.parse(body) as { items: unknown[] }).items;
      assert.ok(items.length >= 2, body);
      // rate() of the gateway's counter in Prometheus reads the demand itself: counters advance in
      // real time (at 60× it read about 60 times too high, and the history grew in real time).
      const rate = await until(
        "a minute of the gateway's counter in Prometheus",
        async () => {
          if (Date.now() - begun < 75_000) return undefined;
          const res = await fetch(
            `${prom.url}/api/v1/query?query=${encodeURIComponent('sum(rate(llm_gateway_requests_total{namespace="demo"}[1m]))')}`,
          );
          const answer = (await res.json()) as { data: { result: { value: [number, string] }[] } };
          const value = Number(answer.data.result[0]?.value[1]);
          return value > 0 ? value : undefined;
        },
        120_000,
      );
      // rate() averages the last minute: compare it with the demand's mean over that minute (the
      // trace can change several-fold within a minute, so the demand of this instant may not do).
      const now = demo.clock.now();
      let sum = 0;
      for (let s = 0; s < 60; s++) sum += demo.demandAt(now - s * 1000);
      const demand = sum / 60;
      assert.ok(
        rate > demand * 0.6 && rate < demand * 1.4,
        `rate ${rate} vs the last minute's demand ${demand}`,
      );
    } finally {
      await demo.close();
      await prom.close();
    }
  });
});

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

describe("foresight demo --prometheus-url", { timeout: 120_000 }, () => {
  it("reads the workload's metrics from a real Prometheus scraping the demo", async () => {
    const { freePort } = await import("../harness/ports.js");
    const { startPrometheus } = await import("../harness/prometheus.js");
    const httpPort = await freePort();
    const prom = await startPrometheus({
      scrapeTargets: [{ url: `http://127.0.0.1:${httpPort}/demo/metrics` }],
    });
    const demo = await startDemo({
      speed: 60,
      securePort: 0,
      httpPort,
      prometheusUrl: prom.url,
      logger: createLogger({ level: "silent" }),
      version: "test",
    });
    try {
      const exposed = await (await fetch(`${demo.pageUrl}demo/metrics`)).text();
      assert.match(exposed, /^llm_gateway_requests_total\{namespace="demo",service="llm"\} \d/m);
      assert.match(exposed, /^vllm:num_requests_running\{namespace="demo",pod="llm-\d+"\} /m);
      // The adapter answers the HPA's metric from what Prometheus scraped.
      const path = `/apis/custom.metrics.k8s.io/v1beta2/namespaces/${NAMESPACE}/pods/*/vllm_num_requests_running`;
      const https = await import("node:https");
      const body = await until("the metric through Prometheus", async () => {
        const text = await new Promise<string | undefined>((resolve) => {
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
        return text;
      });
      const items = (JSON.parse(body) as { items: unknown[] }).items;
      assert.ok(items.length >= 2, body);
    } finally {
      await demo.close();
      await prom.close();
    }
  });
});

/**
 * The review web page: its static routes, and the page itself in headless Chromium
 * (playwright-core) against a stub of the review API: the list loads, a click opens a scaler, the charts
 * hold data and draw, decisions page newest first, the model table marks the chosen model, the page
 * refreshes live and shows API failures. Screenshots go to a temp dir (printed); with
 * UPDATE_SCREENSHOT=1 the scaler view is also copied to docs/images/review-page.png.
 */
import assert from "node:assert/strict";
import { copyFile, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import type { BrowserContext, Page } from "playwright-core";
import { WEB_CSP } from "../../src/api/webAssets.js";
import { chromiumMissing, launchChromium } from "../harness/chromium.js";
import { reviewFixture, SCALER_ID } from "./fixtures/reviewData.js";
import { type StubApi, startStubApi } from "./fixtures/stubApi.js";

// The callbacks passed to page.evaluate/waitForFunction run in Chromium, where these globals exist;
// tsconfig has no DOM lib, so declare (for this module only) the little of them those callbacks use.
interface InPageChart {
  readonly data: (number | null | undefined)[][];
  readonly series: { readonly label?: string }[];
  readonly bands?: { readonly series: readonly number[] }[];
  readonly pastDrawn?: number;
}
interface InPageElement {
  readonly textContent: string | null;
  getAttribute(name: string): string | null;
  readonly width: number;
  readonly height: number;
  getContext(
    kind: "2d",
  ): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null;
}
declare const document: {
  querySelector(selector: string): InPageElement | null;
  readonly body: { readonly dataset: Record<string, string | undefined> };
};
declare const location: { readonly hash: string };
declare const window: {
  readonly __charts?: { readonly demand: InPageChart; readonly replicas: InPageChart };
};
const REPO = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

describe("review page static routes", () => {
  let stub: StubApi;
  before(async () => {
    stub = await startStubApi(reviewFixture(Date.now()));
  });
  after(() => stub.close());

  it("serves the page with a same-origin-only Content-Security-Policy", async () => {
    const res = await fetch(stub.url);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /text\/html/);
    assert.equal(res.headers.get("content-security-policy"), WEB_CSP);
    const html = await res.text();
    assert.match(html, /<script type="module" src="assets\/app.js">/);
    assert.doesNotMatch(html, /https?:\/\//, "the page references no external URL");
  });

  it("serves the page's modules and uPlot's files from node_modules", async () => {
    const app = await fetch(new URL("assets/app.js", stub.url));
    assert.equal(app.status, 200);
    assert.match(app.headers.get("content-type") ?? "", /javascript/);
    const uplot = await fetch(new URL("assets/vendor/uPlot.esm.js", stub.url));
    assert.equal(uplot.status, 200);
    assert.match(uplot.headers.get("content-type") ?? "", /javascript/);
    const onDisk = await readFile(createRequire(import.meta.url).resolve("uplot/dist/uPlot.esm.js"), "utf8");
    assert.equal(await uplot.text(), onDisk);
    const css = await fetch(new URL("assets/vendor/uPlot.min.css", stub.url));
    assert.match(css.headers.get("content-type") ?? "", /text\/css/);
  });

  it("serves a favicon where the page links it and at /favicon.ico", async () => {
    const html = await (await fetch(stub.url)).text();
    const href = /<link rel="icon" href="([^"]+)"/.exec(html)?.[1];
    assert.ok(href, "the page links an icon");
    for (const path of [href, "favicon.ico"]) {
      const res = await fetch(new URL(path, stub.url));
      assert.equal(res.status, 200, path);
      assert.match(res.headers.get("content-type") ?? "", /image\/svg\+xml/);
      assert.match(await res.text(), /^<svg /);
    }
  });

  it("answers 404 for unknown vendor files and refuses paths out of the asset directory", async () => {
    assert.equal((await fetch(new URL("assets/vendor/uPlot.cjs.js", stub.url))).status, 404);
    assert.equal((await fetch(new URL("assets/nope.js", stub.url))).status, 404);
    const dotDot = await fetch(`${stub.url}assets/%2e%2e/webAssets.ts`);
    assert.notEqual(dotDot.status, 200);
    const slashDotDot = await fetch(`${stub.url}assets/..%2f..%2fpackage.json`);
    assert.notEqual(slashDotDot.status, 200);
  });
});

describe("review page in headless Chromium", { skip: chromiumMissing }, () => {
  let stub: StubApi;
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  let shots: string;
  const problems: string[] = [];

  before(async () => {
    stub = await startStubApi(reviewFixture(Date.now()));
    profile = await mkdtemp(join(tmpdir(), "foresight-chromium-"));
    shots = await mkdtemp(join(tmpdir(), "foresight-review-page-"));
    console.log(`# review page screenshots: ${shots}`);
    context = await launchChromium(profile);
    // loopback only: anything else the page asks for is a bug (and would fail offline)
    await context.route("**/*", (route) => {
      const host = new URL(route.request().url()).hostname;
      if (host === "127.0.0.1" || host === "localhost") return route.continue();
      problems.push(`external request: ${route.request().url()}`);
      return route.abort();
    });
    // tsx (esbuild, keepNames) wraps named functions in __name(); give the page a no-op one for evaluate()
    await context.addInitScript("globalThis.__name = (fn) => fn;");
    page = context.pages()[0] ?? (await context.newPage());
    page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
    // a 404 (the favicon the browser asks for on its own, an asset) would show in the console too
    page.on("response", (res) => {
      if (res.status() === 404) problems.push(`404: ${res.url()}`);
    });
    page.on("console", (msg) => {
      if (msg.type() === "error" && !/status of 500/.test(msg.text()))
        problems.push(`console: ${msg.text()}`);
    });
  });

  after(async () => {
    await context?.close();
    await stub?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  const rowTexts = (selector: string) =>
    page.$$eval(`${selector} tbody tr`, (rows) =>
      rows.map((r) => [...r.children].map((cell) => cell.textContent?.trim() ?? "").join(" | ")),
    );
  /** An element's text, or "" when it has none. */
  const text = async (selector: string) => (await page.locator(selector).textContent()) ?? "";

  it("lists every scaler and target with its state", async () => {
    await page.goto(`${stub.url}?refresh=0.3&limit=10`);
    await page.waitForSelector("#scalers tbody tr");
    const rows = await rowTexts("#scalers");
    assert.equal(rows.length, 3);
    assert.match(
      rows[0] ?? "",
      /^llm\/vllm-servingDeployment\/vllm-serving \| Scaler \| Floor \| Ready \| holt-winters \| pinball 0\.38 · coverage 91% · under 4% \| 412 \(7 replicas\) in 2h \d\dm \| 6 \/ 6$/,
    );
    assert.match(
      rows[1] ?? "",
      /^web\/frontend.* \| ForecastOnly \| Not ready \(InsufficientHistory\) \| — \| — \| — \| —$/,
    );
    assert.match(rows[2] ?? "", /^gpu-utilization \| Target \| Metric \| Ready \| seasonal-naive \|/);
    assert.equal(await page.locator("th[scope=col]", { hasText: "Recommended / applied" }).count(), 1);
    await page.screenshot({ path: join(shots, "list.png"), fullPage: true });
  });

  it("refreshes the list live", async () => {
    stub.fixture = reviewFixture(Date.now(), 7);
    await page.waitForFunction(
      () => document.querySelector("#scalers tbody tr")?.textContent?.includes("6 / 7") ?? false,
      undefined,
      { timeout: 10_000 },
    );
    assert.ok((stub.hits.get("/api/v1/scalers") ?? 0) >= 2, "the list was fetched again");
  });

  it("says when things happen by the server's clock, not the browser's (the demo runs on simulated time)", async () => {
    // The server's clock five days ahead of the browser's: the peak is 2.5 h after the server's now.
    const serverNow = Date.now() + 5 * 86_400_000;
    stub.serverNowMs = serverNow;
    stub.fixture = reviewFixture(serverNow, 8);
    try {
      await page.waitForFunction(
        () => document.querySelector("#scalers tbody tr")?.textContent?.includes("6 / 8") ?? false,
        undefined,
        { timeout: 10_000 },
      );
      // The list was drawn from the answer that carried the clock: the peak is "in 2h", not "in 5d 2h".
      assert.match((await rowTexts("#scalers"))[0] ?? "", /412 \(7 replicas\) in 2h \d\dm \|/);
    } finally {
      stub.serverNowMs = undefined;
      stub.fixture = reviewFixture(Date.now(), 7);
    }
    await page.waitForFunction(
      () => document.querySelector("#scalers tbody tr")?.textContent?.includes("6 / 7") ?? false,
      undefined,
      { timeout: 10_000 },
    );
  });

  it("opens a scaler's view when its row is clicked", async () => {
    await page.locator("#scalers tbody tr", { hasText: SCALER_ID }).locator("td").first().click();
    await page.waitForFunction(() => location.hash === "#/scalers/llm/vllm-serving");
    assert.equal(await page.locator("#list-view").isHidden(), true);
    assert.equal(await text("#detail-heading"), `Scaler ${SCALER_ID}`);
    await page.waitForSelector("#facts dd");
    const facts = await text("#facts");
    assert.match(facts, /Deployment\/vllm-serving/);
    assert.match(facts, /q0\.9/);
  });

  it("charts actual demand against the forecast band, and the replicas", async () => {
    await page.waitForFunction(() => {
      return (window.__charts?.demand.data[0]?.length ?? 0) > 0;
    });
    const shape = await page.evaluate(() => {
      const charts = window.__charts;
      if (charts === undefined) throw new Error("window.__charts is not set");
      const count = (ys: (number | null | undefined)[] | undefined) =>
        (ys ?? []).filter((v) => typeof v === "number").length;
      const inked = (id: string) => {
        const canvas = document.querySelector(`#${id} canvas`);
        if (canvas === null) return -1;
        const px = canvas.getContext("2d")?.getImageData(0, 0, canvas.width, canvas.height).data ?? [];
        let n = 0;
        for (let i = 3; i < px.length; i += 4) if ((px[i] ?? 0) > 0) n++;
        return n;
      };
      return {
        labels: charts.demand.series.map((s) => s.label ?? ""),
        x: charts.demand.data[0]?.length ?? 0,
        actual: count(charts.demand.data[1]),
        gaps: (charts.demand.data[1] ?? []).filter((v) => v === null).length,
        mean: count(charts.demand.data[2]),
        high: count(charts.demand.data[3]),
        middle: count(charts.demand.data[4]),
        low: count(charts.demand.data[5]),
        decided: count(charts.demand.data[6]),
        bands: (charts.demand.bands ?? []).map((b) => [...b.series]),
        pastDrawn: charts.demand.pastDrawn ?? 0,
        replicasLabels: charts.replicas.series.map((s) => s.label ?? ""),
        applied: count(charts.replicas.data[1]),
        recommended: count(charts.replicas.data[2]),
        running: count(charts.replicas.data[3]),
        demandInk: inked("demand-chart"),
        replicasInk: inked("replicas-chart"),
      };
    });
    const series = stub.fixture.series.get(SCALER_ID);
    assert.ok(series?.forecast);
    assert.deepEqual(shape.labels.slice(1), [
      "Actual",
      "Forecast mean (holt-winters)",
      "q0.9 (served)",
      "q0.5",
      "q0.1",
      "Forecast at each decision (q0.9)",
    ]);
    assert.equal(shape.actual, series.demand.length);
    assert.equal(shape.gaps, 1, "the scrape gap shows as a break in the line");
    assert.equal(shape.mean, series.forecast.mean.length);
    assert.equal(shape.high, series.forecast.mean.length);
    assert.equal(shape.middle, series.forecast.mean.length, "every served quantile is drawn");
    assert.equal(shape.low, series.forecast.mean.length);
    assert.deepEqual(shape.bands, [[3, 5]], "a band between the lowest and highest quantile");
    assert.equal(shape.pastDrawn, series.pastForecasts.length, "each earlier forecast drawn");
    assert.ok(shape.decided > 0 && shape.decided <= series.decidedForecasts.length);
    assert.match(await text("#demand-note"), /3 earlier forecasts \(q0\.9\)/);
    assert.deepEqual(shape.replicasLabels.slice(1), ["Applied", "Recommended", "Running (workload)"]);
    assert.ok(shape.applied > 0 && shape.recommended > 0, "replicas over time");
    assert.equal(shape.running, series.actual.length, "every sample of the workload's replicas");
    assert.ok(shape.demandInk > 1000, `the demand chart drew (${shape.demandInk} px)`);
    assert.ok(shape.replicasInk > 1000, `the replicas chart drew (${shape.replicasInk} px)`);
    assert.ok(shape.x >= shape.actual, "x holds every actual sample");
  });

  it("lists decisions newest first and pages to older ones", async () => {
    await page.waitForSelector("#decisions tbody tr");
    const times = () =>
      page.$$eval("#decisions tbody tr td:first-child", (cells) =>
        cells.map((c) => c.getAttribute("title") ?? ""),
      );
    const first = await times();
    assert.equal(first.length, 10);
    assert.deepEqual(first, [...first].sort().reverse(), "newest first");
    const all = stub.fixture.decisions.get(SCALER_ID) ?? [];
    assert.equal(first[0], all[0]?.time);
    assert.match(await text("#decisions-count"), /\(45\)/);
    assert.equal(await page.locator("#decisions-newer").isDisabled(), true);

    await page.locator("#decisions-older").click();
    await page.waitForFunction(
      (t) => document.querySelector("#decisions tbody td")?.getAttribute("title") !== t,
      first[0],
    );
    const second = await times();
    assert.equal(second[0], all[10]?.time);
    assert.ok((second[0] ?? "") < (first[9] ?? ""), "the second page is older");
    assert.match(await text("#decisions-page"), /Page 2 of 5/);
    const failed = await text("#decisions tbody tr.failed");
    assert.match(failed, /409 Conflict/);

    await page.locator("#decisions-newest").click();
    await page.waitForFunction(
      (t) => document.querySelector("#decisions tbody td")?.getAttribute("title") === t,
      first[0],
    );
  });

  it("shows every candidate model's accuracy, marks the chosen one and says why", async () => {
    await page.waitForSelector("#models tbody tr");
    const rows = await rowTexts("#models");
    assert.equal(rows.length, 5);
    const chosen = page.locator("#models tbody tr[aria-current=true]");
    assert.equal(await chosen.count(), 1);
    assert.match((await chosen.textContent()) ?? "", /holt-winters\s*chosen[\s\S]*0\.38[\s\S]*91%/);
    assert.match(rows[4] ?? "", /^lstm \| no \| — \| — \| — \| 0 s \| needs 7 days of history, has 12h$/);
    assert.match(await text("#models-why"), /Chosen: holt-winters, lowest scaled pinball/);
    assert.match(await text("#calibration"), /q0\.1 -8% · -12%; q0\.9 \+5% · \+12%/);
    // the screenshot shows the page as operators get it: the default refresh, not the test's fast one
    await page.goto(`${stub.url}?limit=10#/scalers/${SCALER_ID}`);
    await page.waitForSelector("#models tbody tr");
    await page.waitForFunction(() => document.body.dataset.refreshes === "1");
    await page.screenshot({ path: join(shots, "scaler.png"), fullPage: true });
    await page.goto(`${stub.url}?refresh=0.3&limit=10#/scalers/${SCALER_ID}`);
    await page.waitForSelector("#decisions tbody tr");
    if (process.env.UPDATE_SCREENSHOT === "1") {
      const doc = join(REPO, "docs", "images", "review-page.png");
      await mkdir(dirname(doc), { recursive: true });
      await copyFile(join(shots, "scaler.png"), doc);
      console.log(`# updated ${doc}`);
    }
  });

  it("refreshes the scaler view live", async () => {
    const fixture = reviewFixture(Date.now());
    const decisions = fixture.decisions.get(SCALER_ID) ?? [];
    const atMs = (decisions[0]?.atMs ?? 0) + 60_000;
    decisions.unshift({
      atMs,
      time: new Date(atMs).toISOString(),
      action: "FloorRaised",
      applied: true,
      from: 5,
      to: 8,
      reason: "a fresh decision from the live refresh",
    });
    stub.fixture = fixture;
    await page.waitForFunction(
      () => document.querySelector("#decisions tbody tr")?.textContent?.includes("a fresh decision") ?? false,
      undefined,
      { timeout: 10_000 },
    );
    assert.match(await text("#decisions-count"), /\(46\)/);
  });

  it("shows an API failure in an alert, keeps the last data, and recovers", async () => {
    stub.failing.add("series");
    const alert = page.locator("#error[role=alert]");
    await alert.waitFor({ state: "visible", timeout: 10_000 });
    assert.match((await alert.textContent()) ?? "", /series: HTTP 500: stub: series is failing on purpose/);
    assert.ok(await page.locator("#demand-chart canvas").count(), "the chart stays");
    await page.screenshot({ path: join(shots, "failing.png"), fullPage: true });
    stub.failing.delete("series");
    await alert.waitFor({ state: "hidden", timeout: 10_000 });
  });

  it("goes back to the list, and opens a scaler by keyboard", async () => {
    await page.locator("a.back").click();
    await page.waitForSelector("#list-view:not([hidden])");
    assert.equal(await page.evaluate(() => window.__charts), undefined);
    await page.locator(`a[aria-label="Open scaler ${SCALER_ID}"]`).focus();
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => location.hash === "#/scalers/llm/vllm-serving");
    await page.waitForSelector("#decisions tbody tr");
  });

  it("loaded nothing from outside and logged no errors", () => {
    assert.deepEqual(problems, []);
  });
});

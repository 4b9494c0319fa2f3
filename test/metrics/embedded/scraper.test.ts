import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { after, before, describe, it } from "node:test";
import type { DiscoveredPod, PodLister } from "../../../src/metrics/embedded/podTargets.js";
import { type IntervalTimers, type ScrapeResult, Scraper } from "../../../src/metrics/embedded/scraper.js";
import { staticTarget } from "../../../src/metrics/embedded/targets.js";
import { EmbeddedTSDB } from "../../../src/metrics/embedded/tsdb.js";
import type { LabelMatcher } from "../../../src/metrics/promql/storage.js";
import { startTestExporter, type TestExporter } from "../../harness/exporter.js";

const eq = (name: string, value: string): LabelMatcher => ({ name, type: "=", value });

/** Timers driven by the test: `fire()` runs every live interval callback once. */
class ManualTimers implements IntervalTimers {
  readonly live = new Set<{ intervalMs: number; fn: () => void }>();
  every(intervalMs: number, fn: () => void) {
    const entry = { intervalMs, fn };
    this.live.add(entry);
    return { stop: () => this.live.delete(entry) };
  }
  fire(): void {
    for (const e of [...this.live]) e.fn();
  }
}

class ManualClock {
  constructor(public ms: number) {}
  now(): number {
    return this.ms;
  }
}

/** The value of the one series matching `matchers` at exactly `t`. */
function valueAt(db: EmbeddedTSDB, matchers: LabelMatcher[], t: number): number | undefined {
  const found = db.select(matchers, t, t);
  assert.ok(found.length <= 1, `expected at most one series for ${JSON.stringify(matchers)}`);
  return found[0]?.values[0];
}

/** Resolves on the next `n` scrapes reported through onScrape. */
function scrapeWaiter() {
  let waiting: { n: number; got: ScrapeResult[]; resolve: (r: ScrapeResult[]) => void } | undefined;
  return {
    onScrape(result: ScrapeResult) {
      if (!waiting) return;
      waiting.got.push(result);
      if (waiting.got.length >= waiting.n) {
        waiting.resolve(waiting.got);
        waiting = undefined;
      }
    },
    next(n = 1): Promise<ScrapeResult[]> {
      return new Promise((resolve) => {
        waiting = { n, got: [], resolve };
      });
    },
  };
}

describe("Scraper against a real HTTP exporter", () => {
  let exporter: TestExporter;
  before(async () => {
    exporter = await startTestExporter();
  });
  after(() => exporter.close());

  it("stores every exposed series with job and instance, and up/scrape series per target", async () => {
    exporter.setGauge("queue_depth", { queue: "a" }, 7);
    exporter.inc("requests_total", { code: "200" }, 5);
    exporter.observe("latency_seconds", { route: "/x" }, 0.03);
    const db = new EmbeddedTSDB();
    const clock = new ManualClock(1_700_000_000_000);
    const scraper = new Scraper({
      store: db,
      clock,
      timers: new ManualTimers(),
      staticTargets: [{ url: exporter.url, job: "exp", labels: { zone: "z1" } }],
    });
    const [result] = await scraper.scrapeAll();
    assert.ok(result?.ok, result?.error);
    const t = clock.ms;
    const target = { job: "exp", instance: exporter.address, zone: "z1" };
    assert.equal(valueAt(db, [eq("__name__", "queue_depth"), eq("queue", "a")], t), 7);
    const [depth] = db.select([eq("__name__", "queue_depth")], t, t);
    assert.deepEqual(depth?.labels, { __name__: "queue_depth", queue: "a", ...target });
    assert.equal(valueAt(db, [eq("__name__", "requests_total")], t), 5);
    assert.equal(valueAt(db, [eq("__name__", "latency_seconds_bucket"), eq("le", "0.05")], t), 1);
    assert.equal(valueAt(db, [eq("__name__", "latency_seconds_bucket"), eq("le", "0.025")], t), 0);
    assert.equal(valueAt(db, [eq("__name__", "latency_seconds_bucket"), eq("le", "+Inf")], t), 1);
    assert.equal(valueAt(db, [eq("__name__", "latency_seconds_count")], t), 1);
    const [up] = db.select([eq("__name__", "up")], t, t);
    assert.deepEqual(up?.labels, { __name__: "up", ...target });
    assert.equal(up?.values[0], 1);
    const exposed = exporter
      .render()
      .split("\n")
      .filter((l) => l !== "" && !l.startsWith("#")).length;
    assert.equal(result.scraped, exposed);
    assert.equal(valueAt(db, [eq("__name__", "scrape_samples_scraped")], t), exposed);
    assert.ok((valueAt(db, [eq("__name__", "scrape_duration_seconds")], t) ?? -1) >= 0);
    assert.equal(scraper.targetStatus()[0]?.health, "up");

    // The next scrape sees the counter move; a failing exporter makes up 0 and ends the old series
    // (staleness markers) while keeping their samples.
    exporter.inc("requests_total", { code: "200" }, 3);
    clock.ms += 15_000;
    await scraper.scrapeAll();
    const [counter] = db.select([eq("__name__", "requests_total")], 0, clock.ms);
    assert.deepEqual(Array.from(counter?.values ?? []), [5, 8]);
    assert.deepEqual(Array.from(counter?.timestamps ?? []), [t, t + 15_000]);

    exporter.setFailing(true);
    clock.ms += 15_000;
    const [failed] = await scraper.scrapeAll();
    exporter.setFailing(false);
    assert.equal(failed?.ok, false);
    assert.match(failed?.error ?? "", /HTTP status 500/);
    assert.equal(valueAt(db, [eq("__name__", "up")], clock.ms), 0);
    assert.equal(valueAt(db, [eq("__name__", "requests_total")], clock.ms), undefined);
    assert.deepEqual(
      Array.from(db.select([eq("__name__", "requests_total")], 0, clock.ms)[0]?.staleMarkers ?? []),
      [clock.ms],
    );
    const status = scraper.targetStatus()[0];
    assert.equal(status?.health, "down");
    assert.match(status?.lastError ?? "", /HTTP status 500/);
    exporter.removeSeries("queue_depth", { queue: "a" });
    exporter.removeSeries("requests_total", { code: "200" });
    exporter.removeSeries("latency_seconds", { route: "/x" });
  });

  it("renames clashing exposed labels to exported_* unless honorLabels", async () => {
    exporter.setGauge("clash", { job: "inner", instance: "pod-1" }, 1);
    const db = new EmbeddedTSDB();
    const clock = new ManualClock(1000);
    const timers = new ManualTimers();
    const plain = new Scraper({
      store: db,
      clock,
      timers,
      staticTargets: [{ url: exporter.url, job: "outer" }],
    });
    await plain.scrapeAll();
    assert.deepEqual(db.select([eq("__name__", "clash")], 0, 2000)[0]?.labels, {
      __name__: "clash",
      job: "outer",
      instance: exporter.address,
      exported_job: "inner",
      exported_instance: "pod-1",
    });
    const honoring = new Scraper({
      store: db,
      clock,
      timers,
      staticTargets: [{ url: exporter.url, job: "outer", honorLabels: true }],
    });
    clock.ms = 2000;
    await honoring.scrapeAll();
    assert.equal(
      db.select([eq("__name__", "clash"), eq("job", "inner"), eq("instance", "pod-1")], 0, 3000).length,
      1,
    );
    exporter.removeSeries("clash", { job: "inner", instance: "pod-1" });
  });

  it("scrapes on the timers' ticks at the clock's time, skips nothing, and stops cleanly", async () => {
    exporter.setGauge("ticks", {}, 1);
    const db = new EmbeddedTSDB();
    const clock = new ManualClock(10_000);
    const timers = new ManualTimers();
    const waiter = scrapeWaiter();
    const scraper = new Scraper({
      store: db,
      clock,
      timers,
      staticTargets: [{ url: exporter.url, intervalMs: 5000 }],
      onScrape: waiter.onScrape,
    });
    let first = waiter.next();
    await scraper.start();
    await first;
    assert.equal(timers.live.size, 1);
    assert.equal([...timers.live][0]?.intervalMs, 5000);
    for (const [ms, value] of [
      [15_000, 2],
      [20_000, 3],
    ] as const) {
      clock.ms = ms;
      exporter.setGauge("ticks", {}, value);
      first = waiter.next();
      timers.fire();
      await first;
    }
    const [ticks] = db.select([eq("__name__", "ticks")], 0, 1e9);
    assert.deepEqual(Array.from(ticks?.timestamps ?? []), [10_000, 15_000, 20_000]);
    assert.deepEqual(Array.from(ticks?.values ?? []), [1, 2, 3]);
    await scraper.stop();
    assert.equal(timers.live.size, 0, "stop() stops every timer");
    exporter.removeSeries("ticks", {});
  });

  it("uses the exporter's own timestamps when it gives them", async () => {
    const server = await serve((_, res) => res.end("stamped 4 1234000\nplain 5\n"));
    const db = new EmbeddedTSDB();
    const scraper = new Scraper({
      store: db,
      clock: new ManualClock(9_000_000),
      timers: new ManualTimers(),
      staticTargets: [{ url: server.url }],
    });
    await scraper.scrapeAll();
    assert.deepEqual(
      Array.from(db.select([eq("__name__", "stamped")], 0, 1e10)[0]?.timestamps ?? []),
      [1_234_000],
    );
    assert.deepEqual(
      Array.from(db.select([eq("__name__", "plain")], 0, 1e10)[0]?.timestamps ?? []),
      [9_000_000],
    );
    await server.close();
  });
});

describe("Scraper failures", () => {
  it("marks a target down on timeout, refused connection, parse error and sample limit", async () => {
    const hanging = await serve(() => {}); // never answers
    const garbage = await serve((_, res) => res.end('ok 1\nbroken{a="1" 2\n'));
    const many = await serve((_, res) => res.end("a 1\nb 2\nc 3\n"));
    const refused = await serve((_, res) => res.end("x 1\n"));
    await refused.close();
    const db = new EmbeddedTSDB();
    const clock = new ManualClock(50_000);
    const scraper = new Scraper({
      store: db,
      clock,
      timers: new ManualTimers(),
      sampleLimit: 2,
      staticTargets: [
        { url: hanging.url, job: "hanging", timeoutMs: 200 },
        { url: garbage.url, job: "garbage" },
        { url: many.url, job: "many" },
        { url: refused.url, job: "refused" },
      ],
    });
    const results = await scraper.scrapeAll();
    const byJob = new Map(results.map((r) => [r.target.labels.job, r]));
    assert.match(byJob.get("hanging")?.error ?? "", /timed out after 200 ms/);
    assert.match(byJob.get("garbage")?.error ?? "", /exposition line 2: expected ',' or '}'/);
    assert.match(byJob.get("many")?.error ?? "", /sample limit exceeded: 3 > 2/);
    assert.match(byJob.get("refused")?.error ?? "", /scrape of http:\/\/127\.0\.0\.1:\d+\/metrics failed/);
    for (const job of ["hanging", "garbage", "many", "refused"]) {
      assert.equal(valueAt(db, [eq("__name__", "up"), eq("job", job)], clock.ms), 0, job);
    }
    assert.equal(db.select([eq("__name__", "ok")], 0, 1e9).length, 0, "a failed scrape stores no samples");
    await Promise.all([hanging.close(), garbage.close(), many.close()]);
  });

  it("counts out-of-order exporter timestamps instead of failing the scrape", async () => {
    let ts = 2000;
    const server = await serve((_, res) => res.end(`m 1 ${ts}\n`));
    const db = new EmbeddedTSDB();
    const scraper = new Scraper({
      store: db,
      clock: new ManualClock(5000),
      timers: new ManualTimers(),
      staticTargets: [{ url: server.url }],
    });
    await scraper.scrapeAll();
    ts = 1000;
    const [second] = await scraper.scrapeAll();
    assert.equal(second?.ok, true);
    assert.equal(second?.rejected.outOfOrder, 1);
    assert.equal(db.stats().rejectedOutOfOrder, 1);
    await server.close();
  });
});

describe("Scraper with annotated pods", () => {
  let exporter: TestExporter;
  before(async () => {
    exporter = await startTestExporter();
    exporter.setGauge("pod_gauge", {}, 42);
  });
  after(() => exporter.close());

  const port = () => exporter.address.split(":")[1] as string;
  const annotated = (name: string, extra: Partial<DiscoveredPod> = {}): DiscoveredPod => ({
    namespace: "llm",
    name,
    ip: "127.0.0.1",
    phase: "Running",
    nodeName: "gpu-node-01",
    labels: { "app.kubernetes.io/name": "vllm" },
    annotations: { "prometheus.io/scrape": "true", "prometheus.io/port": port() },
    ...extra,
  });

  it("scrapes annotated running pods with namespace, pod and pod-label labels, following the lister", async () => {
    let pods: DiscoveredPod[] = [
      annotated("vllm-0"),
      annotated("vllm-1", {
        annotations: {
          "prometheus.io/scrape": "true",
          "prometheus.io/port": port(),
          "prometheus.io/path": "metrics",
        },
      }),
      annotated("not-annotated", { annotations: {} }),
      annotated("opted-out", {
        annotations: { "prometheus.io/scrape": "false", "prometheus.io/port": port() },
      }),
      annotated("pending", { phase: "Pending" }),
      annotated("no-ip", { phase: "Running", ip: "" }),
    ];
    let listings = 0;
    const lister: PodLister = {
      async listPods() {
        listings++;
        return pods;
      },
    };
    const db = new EmbeddedTSDB();
    const clock = new ManualClock(100_000);
    const timers = new ManualTimers();
    const waiter = scrapeWaiter();
    const scraper = new Scraper({
      store: db,
      clock,
      timers,
      pods: { lister, refreshMs: 60_000, intervalMs: 10_000 },
      onScrape: waiter.onScrape,
    });
    const firstTwo = waiter.next(2);
    await scraper.start();
    await firstTwo;
    assert.equal(listings, 1);
    assert.deepEqual(
      scraper.targets().map((t) => t.labels.pod),
      ["vllm-0", "vllm-1"],
    );
    const found = db.select([eq("__name__", "pod_gauge")], 0, 1e9);
    assert.deepEqual(
      found.map((s) => s.labels),
      ["vllm-0", "vllm-1"].map((pod) => ({
        __name__: "pod_gauge",
        job: "kubernetes-pods",
        instance: exporter.address,
        namespace: "llm",
        pod,
        node: "gpu-node-01",
        app_kubernetes_io_name: "vllm",
      })),
    );
    assert.equal(db.select([eq("__name__", "up"), eq("pod", "vllm-1")], 0, 1e9)[0]?.values[0], 1);

    // The pod list changes: vllm-1 goes, vllm-2 comes; its scrape starts at once.
    pods = [annotated("vllm-0"), annotated("vllm-2")];
    const newOne = waiter.next(1);
    await scraper.refreshPods();
    await newOne;
    assert.deepEqual(
      scraper.targets().map((t) => t.labels.pod),
      ["vllm-0", "vllm-2"],
    );
    assert.equal(timers.live.size, 3, "two targets and the discovery timer");
    await scraper.stop();
    assert.equal(timers.live.size, 0);
  });

  it("keeps the previous targets when listing fails, and reports the error", async () => {
    let fail = false;
    const errors: Error[] = [];
    const scraper = new Scraper({
      store: new EmbeddedTSDB(),
      clock: new ManualClock(0),
      timers: new ManualTimers(),
      pods: {
        lister: {
          async listPods() {
            if (fail) throw new Error("apiserver unreachable");
            return [annotated("vllm-0")];
          },
        },
      },
      onDiscoveryError: (e) => errors.push(e),
    });
    await scraper.refreshPods();
    fail = true;
    await scraper.refreshPods();
    assert.equal(scraper.targets().length, 1);
    assert.match(errors[0]?.message ?? "", /listing pods failed: apiserver unreachable/);
  });
});

describe("staticTarget", () => {
  it("defaults job and instance, caps the timeout at the interval, and names bad fields", () => {
    const t = staticTarget({ url: "http://exporter:9100/metrics", intervalMs: 5000 });
    assert.deepEqual(t.labels, { job: "static", instance: "exporter:9100" });
    assert.equal(t.timeoutMs, 5000);
    assert.throws(() => staticTarget({ url: "not a url" }), /url "not a url" is not a valid URL/);
    assert.throws(() => staticTarget({ url: "ftp://x/metrics" }), /must be http or https/);
    assert.throws(() => staticTarget({ url: "http://x/", intervalMs: 0 }), /intervalMs must be positive/);
  });
});

async function serve(
  handler: (req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse) => void,
): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no address");
  return {
    url: `http://127.0.0.1:${address.port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

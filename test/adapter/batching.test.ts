/**
 * Batching of single-object requests (src/adapter/queryBatching.ts through CustomProvider): HPAs
 * asking about objects of one namespace within a cache period share one backend query, counted
 * through the fake source; every object is answered as its own query would answer it; objects
 * without a sample are 404s; outages are errors for every waiting request; a refused or too big
 * namespace query falls back to one query per object.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type CustomMetricRequest, CustomProvider } from "../../src/adapter/customProvider.js";
import { Discovery } from "../../src/adapter/discovery.js";
import { compileRules } from "../../src/adapter/naming/compileRules.js";
import { QueryBatching } from "../../src/adapter/queryBatching.js";
import { QueryCache } from "../../src/adapter/queryCache.js";
import { QueryRunner } from "../../src/adapter/queryRunner.js";
import { parseConfigText } from "../../src/config/load.js";
import type { ResourceInfo } from "../../src/k8s/groupResource.js";
import { parseLabelSelector } from "../../src/k8s/labelSelector.js";
import type { KubeObject } from "../../src/k8s/lister.js";
import { StaticResourceCatalog } from "../../src/k8s/resourceCatalog.js";
import { ApiError } from "../../src/k8s/status.js";
import type { Sample } from "../../src/metrics/source.js";
import { silentLogger } from "../../src/telemetry/logger.js";
import { createSelfMetrics } from "../../src/telemetry/selfMetrics.js";
import { FakeSource } from "../doubles/fakeSource.js";
import { MemoryLister, MemoryListerFactory } from "../doubles/lister.js";
import { rejectsWith } from "./checks.js";

const CONFIG = `
rules:
  - seriesQuery: 'app_queue{namespace!="",deployment!=""}'
    resources: {overrides: {namespace: {resource: namespace}, deployment: {group: apps, resource: deployment}, pod: {resource: pod}}}
    metricsQuery: sum by (<<.GroupBy>>) (<<.Series>>{<<.LabelMatchers>>})
  - seriesQuery: 'app_share{namespace!="",pod!=""}'
    resources: {overrides: {namespace: {resource: namespace}, pod: {resource: pod}}}
    metricsQuery: <<.Series>>{<<.LabelMatchers>>} / on (namespace) group_left sum by (namespace) (<<.Series>>{<<.LabelMatchers>>})
  - seriesQuery: 'gpu_util{Hostname!=""}'
    resources: {overrides: {Hostname: {resource: node}}}
    metricsQuery: avg by (<<.GroupBy>>) (<<.Series>>{<<.LabelMatchers>>})
`;

const T = 1_700_000_000_000;
const Q_NS = 'sum by (deployment) (app_queue{namespace="ml",deployment!=""})';
const Q_PODS = 'sum by (pod) (app_queue{namespace="ml",pod!=""})';
const one = (name: string) => `sum by (deployment) (app_queue{namespace="ml",deployment="${name}"})`;

function sample(labels: Record<string, string>, value: number): Sample {
  return { labels, value, timestamp: T };
}

const everything = parseLabelSelector("");

interface Setup {
  readonly source: FakeSource;
  readonly custom: CustomProvider;
  readonly unbatched: CustomProvider;
  readonly metrics: ReturnType<typeof createSelfMetrics>;
  readonly catalog: StaticResourceCatalog;
  advance(ms: number): void;
  queries(): string[];
}

async function setup(
  source: FakeSource,
  options: { maxObjects?: number; objects?: KubeObject[] } = {},
): Promise<Setup> {
  const catalog = new StaticResourceCatalog();
  const { rules, errors } = compileRules(parseConfigText(CONFIG, "test.yaml"), catalog);
  assert.deepEqual(errors, []);
  let now = T;
  const clock = { now: () => now };
  const metrics = createSelfMetrics({ defaultMetrics: false });
  const discovery = new Discovery({
    rules,
    source,
    clock,
    logger: silentLogger(),
    relistIntervalMs: 60_000,
    maxAgeMs: 600_000,
    rediscoveryIntervalMs: 5_000,
  });
  const runner = (ttlMs: number, counted?: typeof metrics) =>
    new QueryRunner({
      source,
      cache: new QueryCache<readonly Sample[]>({ ttlMs, now: clock.now }),
      logger: silentLogger(),
      ...(counted ? { metrics: counted } : {}),
    });
  const batching = new QueryBatching({
    maxObjects: options.maxObjects ?? 1000,
    now: clock.now,
    logger: silentLogger(),
  });
  const objects = new MemoryListerFactory([
    [catalog.resolve("pods") as ResourceInfo, new MemoryLister(options.objects ?? [])],
  ]);
  const custom = new CustomProvider({
    discovery,
    runner: runner(5_000, metrics),
    listers: objects,
    batching,
  });
  // Today's path, for equivalence: one query per object and no cache.
  const unbatched = new CustomProvider({ discovery, runner: runner(0), listers: objects });
  await discovery.relist();
  source.clearCalls();
  return {
    source,
    custom,
    unbatched,
    metrics,
    catalog,
    advance: (ms) => {
      now += ms;
    },
    queries: () => source.calls.filter((c) => c.method === "instant").map((c) => c.query),
  };
}

function deployments(catalog: StaticResourceCatalog, name: string): CustomMetricRequest {
  return {
    resource: catalog.resolve("deployments.apps") as NonNullable<ReturnType<typeof catalog.resolve>>,
    namespace: "ml",
    name,
    metricName: "app_queue",
    labelSelector: everything,
    metricSelector: everything,
  };
}

const SERIES = {
  'app_queue{namespace!="",deployment!=""}': [
    { __name__: "app_queue", namespace: "ml", deployment: "web", pod: "web-0" },
  ],
  'app_share{namespace!="",pod!=""}': [{ __name__: "app_share", namespace: "ml", pod: "web-0" }],
  'gpu_util{Hostname!=""}': [{ __name__: "gpu_util", Hostname: "n1" }],
};

const NS_ANSWER = [
  sample({ deployment: "web" }, 7),
  sample({ deployment: "api" }, 0.25),
  sample({ deployment: "batch" }, 3),
];

async function counted(metrics: ReturnType<typeof createSelfMetrics>): Promise<Record<string, number>> {
  const metric = await metrics.ruleQueries.get();
  return Object.fromEntries(metric.values.map((v) => [`${v.labels.rule}/${v.labels.batched}`, v.value]));
}

describe("batching single-object requests", () => {
  it("answers N HPAs about one namespace with one backend query per cache period, each as its own query would", async () => {
    const source = new FakeSource({
      series: SERIES,
      instant: {
        [Q_NS]: NS_ANSWER,
        [one("web")]: [NS_ANSWER[0] as Sample],
        [one("api")]: [NS_ANSWER[1] as Sample],
        [one("batch")]: [NS_ANSWER[2] as Sample],
      },
    });
    const { custom, unbatched, catalog, queries, advance, metrics } = await setup(source);
    const names = ["web", "api", "batch", "web", "api"];
    const answers = await Promise.all(names.map((n) => custom.getMetric(deployments(catalog, n))));
    assert.deepEqual(queries(), [Q_NS]);
    for (const [i, name] of names.entries()) {
      assert.deepEqual(answers[i], await unbatched.getMetric(deployments(catalog, name)), name);
    }
    assert.deepEqual(
      answers.map((a) => [a[0]?.describedObject, a[0]?.value]),
      [
        [{ kind: "Deployment", namespace: "ml", name: "web", apiVersion: "apps/v1" }, "7"],
        [{ kind: "Deployment", namespace: "ml", name: "api", apiVersion: "apps/v1" }, "250m"],
        [{ kind: "Deployment", namespace: "ml", name: "batch", apiVersion: "apps/v1" }, "3"],
        [{ kind: "Deployment", namespace: "ml", name: "web", apiVersion: "apps/v1" }, "7"],
        [{ kind: "Deployment", namespace: "ml", name: "api", apiVersion: "apps/v1" }, "250m"],
      ],
    );
    source.clearCalls();
    // Later requests within the period are answered from memory; the next period asks once again.
    await custom.getMetric(deployments(catalog, "batch"));
    assert.deepEqual(queries(), []);
    advance(5_001);
    await Promise.all(["web", "api"].map((n) => custom.getMetric(deployments(catalog, n))));
    assert.deepEqual(queries(), [Q_NS]);
    assert.deepEqual(await counted(metrics), { "rules[0]/true": 2 });
  });

  it("404s an object the namespace answer has no sample for, as its own query would", async () => {
    const source = new FakeSource({ series: SERIES, instant: { [Q_NS]: NS_ANSWER } });
    const { custom, unbatched, catalog } = await setup(source);
    const message =
      /could not find the metric app_queue for deployments.apps gone: the query returned no sample for it/;
    await rejectsWith(custom.getMetric(deployments(catalog, "gone")), 404, message);
    await rejectsWith(unbatched.getMetric(deployments(catalog, "gone")), 404, message);
  });

  it("keeps one query per metric selector and namespace, and shares a wildcard's query with named pods", async () => {
    const source = new FakeSource({
      series: SERIES,
      instant: {
        [Q_PODS]: [sample({ pod: "web-0" }, 1), sample({ pod: "web-1" }, 2), sample({ pod: "db-0" }, 5)],
      },
    });
    const objects = ["web-0", "web-1", "db-0"].map((name) => ({
      metadata: { name, namespace: "ml", labels: { app: name.split("-")[0] as string } },
    }));
    const { custom, catalog, queries } = await setup(source, { objects });
    const pods = catalog.resolve("pods") as NonNullable<ReturnType<typeof catalog.resolve>>;
    const base = { ...deployments(catalog, "*"), resource: pods };
    const [web, db, named] = await Promise.all([
      custom.getMetric({ ...base, labelSelector: parseLabelSelector("app=web") }),
      custom.getMetric({ ...base, labelSelector: parseLabelSelector("app=db") }),
      custom.getMetric({ ...base, name: "web-1" }),
    ]);
    // Each HPA gets only the pods its selector picks, from one query of the whole namespace.
    assert.deepEqual(
      web.map((i) => [i.describedObject.name, i.value]),
      [
        ["web-0", "1"],
        ["web-1", "2"],
      ],
    );
    assert.deepEqual(
      db.map((i) => [i.describedObject.name, i.value]),
      [["db-0", "5"]],
    );
    assert.deepEqual(
      named.map((i) => [i.describedObject.name, i.value]),
      [["web-1", "2"]],
    );
    assert.deepEqual(queries(), [Q_PODS]);
    source.clearCalls();
    await custom
      .getMetric({ ...base, name: "web-1", metricSelector: parseLabelSelector("queue=a") })
      .catch(() => undefined);
    assert.deepEqual(queries(), ['sum by (pod) (app_queue{queue="a",namespace="ml",pod!=""})']);
  });

  it("batches cluster-scoped resources cluster-wide: nodes, and the namespaces themselves", async () => {
    const source = new FakeSource({
      series: SERIES,
      instant: {
        'avg by (Hostname) (gpu_util{Hostname!=""})': [
          sample({ Hostname: "n1" }, 40),
          sample({ Hostname: "n2" }, 60),
        ],
        'sum by (namespace) (app_queue{namespace!=""})': [
          sample({ namespace: "ml" }, 9),
          sample({ namespace: "web" }, 1),
        ],
      },
    });
    const { custom, catalog, queries } = await setup(source);
    const nodes = catalog.resolve("nodes") as NonNullable<ReturnType<typeof catalog.resolve>>;
    const namespaces = catalog.resolve("namespaces") as NonNullable<ReturnType<typeof catalog.resolve>>;
    const node = (name: string) => ({
      resource: nodes,
      name,
      metricName: "gpu_util",
      labelSelector: everything,
      metricSelector: everything,
    });
    const namespace = (name: string) => ({ ...node(name), resource: namespaces, metricName: "app_queue" });
    const answers = await Promise.all([
      custom.getMetric(node("n1")),
      custom.getMetric(node("n2")),
      custom.getMetric(namespace("ml")),
      custom.getMetric(namespace("web")),
    ]);
    assert.deepEqual(
      answers.map((a) => [a[0]?.describedObject.kind, a[0]?.describedObject.name, a[0]?.value]),
      [
        ["Node", "n1", "40"],
        ["Node", "n2", "60"],
        ["Namespace", "ml", "9"],
        ["Namespace", "web", "1"],
      ],
    );
    assert.deepEqual(queries().sort(), [
      'avg by (Hostname) (gpu_util{Hostname!=""})',
      'sum by (namespace) (app_queue{namespace!=""})',
    ]);
  });

  it("keeps one query per object where the rule's value depends on the other objects", async () => {
    const share = (pod: string) =>
      `app_share{namespace="ml",pod="${pod}"} / on (namespace) group_left sum by (namespace) (app_share{namespace="ml",pod="${pod}"})`;
    const source = new FakeSource({
      series: SERIES,
      instant: {
        [share("web-0")]: [sample({ pod: "web-0" }, 1)],
        [share("web-1")]: [sample({ pod: "web-1" }, 1)],
      },
    });
    const { custom, catalog, queries, metrics } = await setup(source);
    const pods = catalog.resolve("pods") as NonNullable<ReturnType<typeof catalog.resolve>>;
    for (const name of ["web-0", "web-1"]) {
      await custom.getMetric({ ...deployments(catalog, name), resource: pods, metricName: "app_share" });
    }
    assert.deepEqual(queries(), [share("web-0"), share("web-1")]);
    assert.deepEqual(await counted(metrics), { "rules[1]/false": 2 });
  });

  it("an outage or a timeout is an error for every waiting HPA, never a value, and is not kept", async () => {
    const source = new FakeSource({ series: SERIES, instant: { [Q_NS]: NS_ANSWER }, latencyMs: 20 });
    const { custom, catalog, queries } = await setup(source);
    for (const [kind, code] of [
      ["unavailable", 503],
      ["timeout", 504],
    ] as const) {
      source.setError(Q_NS, kind);
      source.clearCalls();
      const results = await Promise.allSettled(
        ["web", "api", "batch"].map((n) => custom.getMetric(deployments(catalog, n))),
      );
      for (const result of results) {
        assert.equal(result.status, "rejected");
        assert.ok(result.reason instanceof ApiError);
        assert.equal(result.reason.code, code);
      }
      // One query shared by the three, no retry with one query per object on an outage.
      assert.deepEqual(queries(), [Q_NS]);
    }
    source.clearError(Q_NS);
    const [answer] = await custom.getMetric(deployments(catalog, "web"));
    assert.equal(answer?.value, "7");
  });

  it("falls back to one query per object when the backend refuses the namespace query, for a while", async () => {
    const source = new FakeSource({
      series: SERIES,
      instant: { [Q_NS]: NS_ANSWER, [one("web")]: [sample({ deployment: "web" }, 7)] },
      errors: { [Q_NS]: "query" },
    });
    const { custom, catalog, queries, advance, metrics } = await setup(source);
    const [first] = await custom.getMetric(deployments(catalog, "web"));
    assert.equal(first?.value, "7");
    assert.deepEqual(queries(), [Q_NS, one("web")]);
    source.clearError(Q_NS);
    source.clearCalls();
    advance(30_000);
    await custom.getMetric(deployments(catalog, "web"));
    assert.deepEqual(queries(), [one("web")], "held on single-object queries");
    advance(31_000);
    source.clearCalls();
    await custom.getMetric(deployments(catalog, "api"));
    assert.deepEqual(queries(), [Q_NS], "tried again after a minute");
    assert.deepEqual(await counted(metrics), { "rules[0]/true": 2, "rules[0]/false": 2 });
  });

  it("goes back to one query per object in a namespace with more objects than batchMaxObjects", async () => {
    const source = new FakeSource({
      series: SERIES,
      instant: { [Q_NS]: NS_ANSWER, [one("api")]: [sample({ deployment: "api" }, 0.25)] },
    });
    const { custom, catalog, queries, advance } = await setup(source, { maxObjects: 2 });
    const [web] = await custom.getMetric(deployments(catalog, "web"));
    assert.equal(web?.value, "7", "the answer in hand is used");
    advance(5_000);
    source.clearCalls();
    const [api] = await custom.getMetric(deployments(catalog, "api"));
    assert.equal(api?.value, "250m");
    assert.deepEqual(queries(), [one("api")]);
    advance(60_000);
    source.clearCalls();
    await custom.getMetric(deployments(catalog, "api"));
    assert.deepEqual(queries(), [Q_NS]);
  });
});

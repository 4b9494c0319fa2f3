import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CustomProvider } from "../../src/adapter/customProvider.js";
import { Discovery } from "../../src/adapter/discovery.js";
import { ExternalProvider } from "../../src/adapter/externalProvider.js";
import { compileRules } from "../../src/adapter/naming/compileRules.js";
import { QueryCache } from "../../src/adapter/queryCache.js";
import { QueryRunner } from "../../src/adapter/queryRunner.js";
import { parseConfigText } from "../../src/config/load.js";
import { parseLabelSelector } from "../../src/k8s/labelSelector.js";
import type { KubeObject, Lister, ListerFactory } from "../../src/k8s/lister.js";
import { StaticResourceCatalog } from "../../src/k8s/resourceCatalog.js";
import type { Sample } from "../../src/metrics/source.js";
import { silentLogger } from "../../src/telemetry/logger.js";
import { FakeSource } from "../doubles/fakeSource.js";
import { rejectsWith } from "./checks.js";

const CONFIG = `
rules:
  - seriesQuery: 'gpu_util{namespace!="",pod!=""}'
    resources: {overrides: {namespace: {resource: namespace}, pod: {resource: pod}}}
    name: {matches: ^gpu_util$, as: gpu_utilization}
    metricsQuery: avg by (<<.GroupBy>>) (<<.Series>>{<<.LabelMatchers>>})
  - seriesQuery: 'gpu_util{exported_namespace!="",exported_pod!=""}'
    resources: {overrides: {exported_namespace: {resource: namespace}, exported_pod: {resource: pod}}}
    name: {matches: ^gpu_util$, as: gpu_utilization}
    metricsQuery: avg by (<<.GroupBy>>) (<<.Series>>{<<.LabelMatchers>>})
  - seriesQuery: 'http_requests_total{namespace!="",pod!=""}'
    resources: {template: <<.Resource>>}
    name: {matches: ^(.*)_total$, as: "\${1}_per_second"}
    metricsQuery: sum by (<<.GroupBy>>) (rate(<<.Series>>{<<.LabelMatchers>>}[2m]))
externalRules:
  - seriesQuery: 'queue_depth{namespace!=""}'
    resources: {overrides: {namespace: {resource: namespace}}}
    metricsQuery: sum by (queue) (<<.Series>>{<<.LabelMatchers>>})
`;

const Q_GPU = 'avg by (pod) (gpu_util{namespace="ml",pod!=""})';
const Q_GPU_EXPORTED = 'avg by (exported_pod) (gpu_util{exported_namespace="ml",exported_pod!=""})';

function pod(name: string, labels: Record<string, string>): KubeObject {
  return { metadata: { name, namespace: "ml", labels } };
}

function listers(objects: KubeObject[], synced = true): ListerFactory {
  const lister: Lister = {
    list: (ns) => objects.filter((o) => ns === undefined || o.metadata.namespace === ns),
    get: (name, ns) => objects.find((o) => o.metadata.name === name && o.metadata.namespace === ns),
    hasSynced: () => synced,
  };
  return { listerFor: (gr) => (gr.resource === "pods" ? lister : undefined) };
}

function sample(labels: Record<string, string>, value: number, timestamp = 1_700_000_000_000): Sample {
  return { labels, value, timestamp };
}

function setup(source: FakeSource, objects: KubeObject[] = []) {
  const catalog = new StaticResourceCatalog();
  const { rules, errors } = compileRules(parseConfigText(CONFIG, "test.yaml"), catalog);
  assert.deepEqual(errors, []);
  let now = 0;
  const discovery = new Discovery({
    rules,
    source,
    clock: { now: () => now },
    logger: silentLogger(),
    relistIntervalMs: 60_000,
    maxAgeMs: 600_000,
    rediscoveryIntervalMs: 5_000,
  });
  const runner = new QueryRunner({
    source,
    cache: new QueryCache<readonly Sample[]>({ ttlMs: 0, now: () => now }),
    logger: silentLogger(),
  });
  return {
    discovery,
    catalog,
    advance: (ms: number) => {
      now += ms;
    },
    custom: new CustomProvider({ discovery, runner, listers: listers(objects) }),
    external: new ExternalProvider({ discovery, runner }),
  };
}

const everything = parseLabelSelector("");

function resolve(catalog: StaticResourceCatalog, name: string) {
  const info = catalog.resolve(name);
  assert.ok(info, `${name} is a known resource`);
  return info;
}

describe("CustomProvider", () => {
  const pods = [pod("a", { app: "web" }), pod("b", { app: "web" }), pod("c", { app: "db" })];

  it("answers a wildcard from one namespace query, matched to the selected pods in process", async () => {
    const source = new FakeSource({
      series: { 'gpu_util{namespace!="",pod!=""}': [{ __name__: "gpu_util", namespace: "ml", pod: "a" }] },
      instant: {
        [Q_GPU]: [
          sample({ pod: "a" }, 87),
          sample({ pod: "b" }, 0.5),
          sample({ pod: "c" }, 12),
          sample({ pod: "zz" }, 1),
        ],
      },
    });
    const { discovery, catalog, custom } = setup(source, pods);
    await discovery.relist();
    const items = await custom.getMetric({
      resource: resolve(catalog, "pods"),
      namespace: "ml",
      name: "*",
      metricName: "gpu_utilization",
      labelSelector: parseLabelSelector("app=web"),
      metricSelector: everything,
    });
    assert.deepEqual(
      items.map((i) => [i.describedObject.name, i.value, i.describedObject.apiVersion]),
      [
        ["a", "87", "v1"],
        ["b", "500m", "v1"],
      ],
    );
    assert.ok(!source.queries().some((q) => q.includes('"a|b"')), "no name regex was sent");
  });

  it("merges rules for the same metric, the earlier rule winning per pod", async () => {
    const source = new FakeSource({
      series: {
        'gpu_util{namespace!="",pod!=""}': [{ __name__: "gpu_util", namespace: "ml", pod: "a" }],
        'gpu_util{exported_namespace!="",exported_pod!=""}': [
          { __name__: "gpu_util", exported_namespace: "ml", exported_pod: "b" },
        ],
      },
      instant: {
        [Q_GPU]: [sample({ pod: "a" }, 10)],
        [Q_GPU_EXPORTED]: [sample({ exported_pod: "a" }, 99), sample({ exported_pod: "b" }, 20)],
      },
    });
    const { discovery, catalog, custom } = setup(source, pods);
    await discovery.relist();
    const items = await custom.getMetric({
      resource: resolve(catalog, "pods"),
      namespace: "ml",
      name: "*",
      metricName: "gpu_utilization",
      labelSelector: everything,
      metricSelector: everything,
    });
    assert.deepEqual(
      items.map((i) => [i.describedObject.name, i.value]),
      [
        ["a", "10"],
        ["b", "20"],
      ],
    );
  });

  it("drops NaN and Inf instead of serving 0, and 404s a named pod without a finite sample", async () => {
    const source = new FakeSource({
      series: { 'gpu_util{namespace!="",pod!=""}': [{ __name__: "gpu_util", namespace: "ml", pod: "a" }] },
      instant: {
        [Q_GPU]: [sample({ pod: "a" }, Number.NaN), sample({ pod: "b" }, Number.POSITIVE_INFINITY)],
        'avg by (pod) (gpu_util{namespace="ml",pod="a"})': [sample({ pod: "a" }, Number.NaN)],
      },
    });
    const { discovery, catalog, custom } = setup(source, pods);
    await discovery.relist();
    const req = {
      resource: resolve(catalog, "pods"),
      namespace: "ml",
      metricName: "gpu_utilization",
      labelSelector: everything,
      metricSelector: everything,
    };
    await rejectsWith(custom.getMetric({ ...req, name: "*" }), 404, /none has samples/);
    await rejectsWith(custom.getMetric({ ...req, name: "a" }), 404, /for pods a/);
  });

  it("404s a selector that matches no pods, and an unknown metric", async () => {
    const source = new FakeSource({
      series: { 'gpu_util{namespace!="",pod!=""}': [{ __name__: "gpu_util", namespace: "ml", pod: "a" }] },
    });
    const { discovery, catalog, custom } = setup(source, pods);
    await discovery.relist();
    const base = { resource: resolve(catalog, "pods"), namespace: "ml", metricSelector: everything };
    await rejectsWith(
      custom.getMetric({
        ...base,
        name: "*",
        metricName: "gpu_utilization",
        labelSelector: parseLabelSelector("app=nope"),
      }),
      404,
      /no pods match/,
    );
    await rejectsWith(
      custom.getMetric({ ...base, name: "*", metricName: "nope", labelSelector: everything }),
      404,
      /could not find the metric nope for pods/,
    );
  });

  it("maps backend failures to 503 (unreachable), 504 (timeout) and 500 (rejected query)", async () => {
    const source = new FakeSource({
      series: { 'gpu_util{namespace!="",pod!=""}': [{ __name__: "gpu_util", namespace: "ml", pod: "a" }] },
    });
    const { discovery, catalog, custom } = setup(source, pods);
    await discovery.relist();
    const req = {
      resource: resolve(catalog, "pods"),
      namespace: "ml",
      name: "*",
      metricName: "gpu_utilization",
      labelSelector: everything,
      metricSelector: everything,
    };
    for (const [kind, code] of [
      ["unavailable", 503],
      ["timeout", 504],
      ["query", 500],
      ["bad_response", 500],
    ] as const) {
      source.setError(Q_GPU, kind);
      await rejectsWith(custom.getMetric(req), code);
    }
  });

  it("sets windowSeconds from the query's range and keeps the sample timestamp", async () => {
    const source = new FakeSource({
      series: {
        'http_requests_total{namespace!="",pod!=""}': [
          { __name__: "http_requests_total", namespace: "ml", pod: "a" },
        ],
      },
      instant: {
        'sum by (pod) (rate(http_requests_total{namespace="ml",pod="a"}[2m]))': [
          sample({ pod: "a" }, 1.5, 1_234_000),
        ],
      },
    });
    const { discovery, catalog, custom } = setup(source, pods);
    await discovery.relist();
    const [item] = await custom.getMetric({
      resource: resolve(catalog, "pod"),
      namespace: "ml",
      name: "a",
      metricName: "http_requests_per_second",
      labelSelector: everything,
      metricSelector: everything,
    });
    assert.equal(item?.windowSeconds, 120);
    assert.equal(item?.timestamp, 1_234_000);
    assert.equal(item?.value, "1500m");
  });

  it("finds a metric that appears after the last relist by re-discovering on demand, rate-limited", async () => {
    const source = new FakeSource();
    const { discovery, catalog, custom, advance } = setup(source, pods);
    await discovery.relist();
    const req = {
      resource: resolve(catalog, "pods"),
      namespace: "ml",
      name: "a",
      metricName: "gpu_utilization",
      labelSelector: everything,
      metricSelector: everything,
    };
    source.setSeries('gpu_util{namespace!="",pod!=""}', [
      { __name__: "gpu_util", namespace: "ml", pod: "a" },
    ]);
    source.setInstant('avg by (pod) (gpu_util{namespace="ml",pod="a"})', [sample({ pod: "a" }, 3)]);
    const seriesCalls = () => source.calls.filter((c) => c.method === "series").length;
    const before = seriesCalls();
    await rejectsWith(custom.getMetric(req), 404); // within the rediscovery interval: no new relist
    assert.equal(seriesCalls(), before);
    advance(5_000);
    const [item] = await custom.getMetric(req);
    assert.equal(item?.value, "3");
    assert.ok(seriesCalls() > before);
  });

  it("keeps a failing rule's last good result without touching the others, and 503s unknown metrics while failing", async () => {
    const source = new FakeSource({
      series: {
        'gpu_util{namespace!="",pod!=""}': [{ __name__: "gpu_util", namespace: "ml", pod: "a" }],
        'http_requests_total{namespace!="",pod!=""}': [
          { __name__: "http_requests_total", namespace: "ml", pod: "a" },
        ],
      },
    });
    const { discovery, catalog, custom, advance } = setup(source, pods);
    await discovery.relist();
    source.setError('gpu_util{namespace!="",pod!=""}', "unavailable");
    source.setSeries('http_requests_total{namespace!="",pod!=""}', [
      { __name__: "http_requests_total", namespace: "ml", pod: "a" },
      { __name__: "http_errors_total", namespace: "ml", pod: "a" },
    ]);
    await discovery.relist();
    const names = [...new Set(discovery.registry.customMetrics().map((m) => m.metricName))].sort();
    assert.deepEqual(names, ["gpu_utilization", "http_errors_per_second", "http_requests_per_second"]);
    assert.match(discovery.failure() ?? "", /^rules\[0\]/);
    advance(10_000);
    await rejectsWith(
      custom.getMetric({
        resource: resolve(catalog, "pods"),
        namespace: "ml",
        name: "a",
        metricName: "brand_new",
        labelSelector: everything,
        metricSelector: everything,
      }),
      503,
      /discovery is failing/,
    );
  });
});

describe("ExternalProvider", () => {
  it("scopes by namespace, turns the selector into matchers and keeps series labels", async () => {
    const query = 'sum by (queue) (queue_depth{queue=~"orders|pay\\\\.ments",namespace="shop"})';
    const source = new FakeSource({
      series: {
        'queue_depth{namespace!=""}': [{ __name__: "queue_depth", namespace: "shop", queue: "orders" }],
      },
      instant: { [query]: [sample({ queue: "orders" }, 42), sample({ queue: "pay.ments" }, 8)] },
      strict: true,
    });
    const { discovery, external } = setup(source);
    await discovery.relist();
    const items = await external.getMetric({
      namespace: "shop",
      metricName: "queue_depth",
      labelSelector: parseLabelSelector("queue in (orders,pay.ments)"),
    });
    assert.deepEqual(
      items.map((i) => [i.metricLabels, i.value]),
      [
        [{ queue: "orders" }, "42"],
        [{ queue: "pay.ments" }, "8"],
      ],
    );
  });

  it("404s an empty answer instead of a 200 with no items", async () => {
    const source = new FakeSource({
      series: { 'queue_depth{namespace!=""}': [{ __name__: "queue_depth", namespace: "shop" }] },
    });
    const { discovery, external } = setup(source);
    await discovery.relist();
    await rejectsWith(
      external.getMetric({ namespace: "shop", metricName: "queue_depth", labelSelector: everything }),
      404,
      /returned no samples/,
    );
  });
});

// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${1}` is Go Regexp.Expand syntax (name.as), not a JS template
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compileRules, type SeriesVerdict } from "../../../src/adapter/naming/compileRules.js";
import { NamingError } from "../../../src/adapter/naming/errors.js";
import { type DiscoveryRule, discoveryRuleSchema } from "../../../src/config/schema.js";
import { groupResourceString, type ResourceInfo } from "../../../src/k8s/groupResource.js";
import { parseLabelSelector } from "../../../src/k8s/labelSelector.js";
import { StaticResourceCatalog } from "../../../src/k8s/resourceCatalog.js";

const catalog = new StaticResourceCatalog();
const rule = (raw: Record<string, unknown>): DiscoveryRule => discoveryRuleSchema.parse(raw);
const POD_NS = { overrides: { namespace: { resource: "namespace" }, pod: { resource: "pod" } } };
const resourcesOf = (v: SeriesVerdict) =>
  v.kind === "match" ? v.match.resources.map(groupResourceString) : [];

describe("compileRules isolates broken rules", () => {
  const good = rule({
    seriesQuery: "http_requests_total",
    resources: POD_NS,
    metricsQuery: "sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)",
  });
  const result = compileRules(
    {
      rules: [
        good,
        rule({ seriesQuery: "bad_template", resources: POD_NS, metricsQuery: "sum(<<.Series" }),
        rule({ seriesQuery: "unknown_field", resources: POD_NS, metricsQuery: "<<.Serie>>" }),
        rule({
          seriesQuery: "two_groups",
          resources: POD_NS,
          name: { matches: "^(a)_(b)$" },
          metricsQuery: "x",
        }),
        rule({ seriesQuery: "no_resources", metricsQuery: "x" }),
        rule({
          seriesQuery: "bad_label_template",
          resources: { template: "<<.Group>>" },
          metricsQuery: "<<.Oops>>",
        }),
        rule({ seriesQuery: "also_good", resources: { template: "<<.Resource>>" }, metricsQuery: "x" }),
      ],
      externalRules: [
        rule({ seriesQuery: "queue_depth", metricsQuery: "sum(<<.Series>>{<<.LabelMatchers>>})" }),
      ],
    },
    catalog,
  );

  it("compiles the good rules, keeping their positions and ids", () => {
    assert.deepEqual(
      result.rules.map((r) => [r.id, r.index, r.kind, r.seriesQuery]),
      [
        ["rules[0]", 0, "custom", "http_requests_total"],
        ["rules[4]", 4, "custom", "no_resources"],
        ["rules[6]", 6, "custom", "also_good"],
        ["externalRules[0]", 0, "external", "queue_depth"],
      ],
    );
  });

  it("reports every problem, naming the rule and the field", () => {
    assert.ok(result.errors.every((e) => e instanceof NamingError));
    assert.deepEqual(
      result.errors.map((e) => [e.rule.id, e.code, e.path]),
      [
        ["rules[1]", "template", "rules[1].metricsQuery"],
        ["rules[2]", "template", "rules[2].metricsQuery"],
        ["rules[3]", "name", "rules[3].name.as"],
        ["rules[5]", "template", "rules[5].resources.template"],
        ["rules[5]", "template", "rules[5].metricsQuery"],
      ],
    );
    assert.match(result.errors[2]?.message ?? "", /^rules\[3\] \(seriesQuery "two_groups"\): /);
  });

  it("compiles a rule without resources, as prometheus-adapter does, warning that it serves nothing", () => {
    assert.deepEqual(
      result.warnings.map((w) => [w.path, w.code]),
      [["rules[4].resources", "resources"]],
    );
    assert.match(result.warnings[0]?.message ?? "", /neither resources.overrides nor resources.template/);
    const noResources = result.rules.find((r) => r.id === "rules[4]");
    assert.equal(noResources?.matchSeries({ __name__: "no_resources", pod: "a", namespace: "b" }), undefined);
  });

  it("warns about overrides naming unknown resources, and when nothing is left", () => {
    const { rules, errors, warnings } = compileRules(
      {
        rules: [
          rule({
            seriesQuery: "a",
            resources: {
              overrides: { cluster: { group: "ray.io", resource: "raycluster" }, pod: { resource: "pod" } },
            },
            metricsQuery: "x",
          }),
          rule({
            seriesQuery: "b",
            resources: { overrides: { thing: { resource: "widget" } } },
            metricsQuery: "x",
          }),
        ],
        externalRules: [],
      },
      catalog,
    );
    assert.deepEqual(
      rules.map((r) => r.id),
      ["rules[0]", "rules[1]"],
    );
    assert.deepEqual(
      warnings.map((w) => w.path),
      ["rules[0].resources.overrides.cluster", "rules[1].resources.overrides.thing", "rules[1].resources"],
    );
    assert.deepEqual(errors, []);
    assert.match(warnings[2]?.message ?? "", /none of its overrides names a known resource/);
  });
});

describe("CompiledRule.matchSeries", () => {
  const { rules } = compileRules(
    {
      rules: [
        rule({
          seriesQuery: "DCGM_FI_DEV_GPU_UTIL",
          resources: {
            overrides: { exported_namespace: { resource: "namespace" }, exported_pod: { resource: "pod" } },
          },
          metricsQuery: "avg(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)",
        }),
        rule({
          seriesQuery: '{__name__=~"vllm:.*"}',
          resources: POD_NS,
          name: { matches: "^vllm:(.*)$", as: "vllm_${1}" },
          metricsQuery: "x",
        }),
        rule({ seriesQuery: '{__name__=~"vllm:.*"}', resources: POD_NS, metricsQuery: "x" }),
      ],
      externalRules: [rule({ seriesQuery: "queue_depth", resources: POD_NS, metricsQuery: "x" })],
    },
    catalog,
  );
  const [dcgm, vllm, vllmNoRename, external] = rules as [
    (typeof rules)[0],
    (typeof rules)[0],
    (typeof rules)[0],
    (typeof rules)[0],
  ];
  const gpuSeries = {
    __name__: "DCGM_FI_DEV_GPU_UTIL",
    namespace: "gpu-operator",
    pod: "dcgm-exporter-x",
    exported_namespace: "ml",
    exported_pod: "llama-0",
    gpu: "0",
    Hostname: "node-1",
  };

  it("maps resources from label names (DCGM exported_* labels)", () => {
    const verdict = dcgm.classifySeries(gpuSeries);
    assert.equal(verdict.kind, "match");
    assert.deepEqual(resourcesOf(verdict), ["namespaces", "pods"]);
    assert.deepEqual(dcgm.matchSeries(gpuSeries)?.metricName, "DCGM_FI_DEV_GPU_UTIL");
    assert.equal(dcgm.matchSeries(gpuSeries)?.seriesName, "DCGM_FI_DEV_GPU_UTIL");
  });

  it("a series with only the namespace label maps to namespaces", () => {
    assert.deepEqual(
      resourcesOf(dcgm.classifySeries({ __name__: "DCGM_FI_DEV_GPU_UTIL", exported_namespace: "ml" })),
      ["namespaces"],
    );
  });

  it("drops, with a reason, a series carrying no resource label", () => {
    const verdict = dcgm.classifySeries({ __name__: "DCGM_FI_DEV_GPU_UTIL", gpu: "0" });
    assert.equal(verdict.kind, "dropped");
    assert.match(
      (verdict as { reason: string }).reason,
      /^rules\[0\]: .*no label the rule maps to a resource/,
    );
    assert.equal(dcgm.matchSeries({ __name__: "DCGM_FI_DEV_GPU_UTIL", gpu: "0" }), undefined);
  });

  it("ignores series without a name", () => {
    assert.deepEqual(dcgm.classifySeries({ pod: "a" }), { kind: "filtered" });
  });

  it("renames vLLM's colon metrics, and drops them without a rename", () => {
    const series = {
      __name__: "vllm:num_requests_waiting",
      namespace: "ml",
      pod: "vllm-0",
      model_name: "llama",
    };
    assert.equal(vllm.matchSeries(series)?.metricName, "vllm_num_requests_waiting");
    assert.equal(vllm.matchSeries(series)?.seriesName, "vllm:num_requests_waiting");
    const dropped = vllmNoRename.classifySeries(series);
    assert.equal(dropped.kind, "dropped");
    assert.match((dropped as { reason: string }).reason, /^rules\[2\]: .*contains ":"/);
  });

  it("external rules name series without resources", () => {
    assert.deepEqual(external.matchSeries({ __name__: "queue_depth", namespace: "a", queue: "q" }), {
      metricName: "queue_depth",
      seriesName: "queue_depth",
      resources: [],
    });
  });

  it("labelFor exposes the rule's resource labels", () => {
    assert.equal(dcgm.labelFor(catalog.resolve("pods") as ResourceInfo), "exported_pod");
    assert.equal(dcgm.labelFor(catalog.resolve("nodes") as ResourceInfo), undefined);
  });
});

// prometheus-adapter cmd/config-gen/utils/default.go (rate interval 5m, no label prefix).
const CONTAINER_QUERY = '{__name__=~"^container_.*",container!="POD",namespace!="",pod!=""}';
const NORMAL_QUERY = '{namespace!="",__name__!~"^container_.*"}';
const LEGACY_RULES = [
  {
    seriesQuery: CONTAINER_QUERY,
    resources: POD_NS,
    name: { matches: "^container_(.*)_seconds_total$" },
    metricsQuery: 'sum(rate(<<.Series>>{<<.LabelMatchers>>,container!="POD"}[5m])) by (<<.GroupBy>>)',
  },
  {
    seriesQuery: CONTAINER_QUERY,
    seriesFilters: [{ isNot: "^container_.*_seconds_total$" }],
    resources: POD_NS,
    name: { matches: "^container_(.*)_total$" },
    metricsQuery: 'sum(rate(<<.Series>>{<<.LabelMatchers>>,container!="POD"}[5m])) by (<<.GroupBy>>)',
  },
  {
    seriesQuery: CONTAINER_QUERY,
    seriesFilters: [{ isNot: "^container_.*_total$" }],
    resources: POD_NS,
    name: { matches: "^container_(.*)$" },
    metricsQuery: 'sum(<<.Series>>{<<.LabelMatchers>>,container!="POD"}) by (<<.GroupBy>>)',
  },
  {
    seriesQuery: NORMAL_QUERY,
    seriesFilters: [{ isNot: ".*_total$" }],
    resources: { template: "<<.Resource>>" },
    metricsQuery: "sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)",
  },
  {
    seriesQuery: NORMAL_QUERY,
    seriesFilters: [{ isNot: ".*_seconds_total" }],
    resources: { template: "<<.Resource>>" },
    name: { matches: "^(.*)_total$" },
    metricsQuery: "sum(rate(<<.Series>>{<<.LabelMatchers>>}[5m])) by (<<.GroupBy>>)",
  },
  {
    seriesQuery: NORMAL_QUERY,
    resources: { template: "<<.Resource>>" },
    name: { matches: "^(.*)_seconds_total$" },
    metricsQuery: "sum(rate(<<.Series>>{<<.LabelMatchers>>}[5m])) by (<<.GroupBy>>)",
  },
];

describe("prometheus-adapter's legacy default rules", () => {
  const { rules, errors } = compileRules({ rules: LEGACY_RULES.map(rule), externalRules: [] }, catalog);
  const container = {
    namespace: "default",
    pod: "web-0",
    container: "app",
    id: "/kubepods/x",
    image: "nginx",
  };
  // Prometheus applies each seriesQuery; a rule only ever sees the series its query selects.
  const selects = (seriesQuery: string, name: string) =>
    (seriesQuery === CONTAINER_QUERY) === name.startsWith("container_");
  /** [rule index, metric name, resources] for each rule that keeps the series. */
  const namesFor = (labels: Record<string, string> & { __name__: string }) =>
    rules.flatMap((r) => {
      const m = selects(r.seriesQuery, labels.__name__) ? r.matchSeries(labels) : undefined;
      return m ? [[r.index, m.metricName, m.resources.map(groupResourceString).join(",")]] : [];
    });

  it("all compile", () => {
    assert.deepEqual(errors, []);
    assert.equal(rules.length, 6);
  });

  const cases: Array<[string, Record<string, string>, unknown[]]> = [
    // `^container_(.*)_seconds_total$` with the default `as: $1` strips both ends.
    ["container_cpu_usage_seconds_total", container, [[0, "cpu_usage", "namespaces,pods"]]],
    ["container_network_receive_bytes_total", container, [[1, "network_receive_bytes", "namespaces,pods"]]],
    ["container_memory_working_set_bytes", container, [[2, "memory_working_set_bytes", "namespaces,pods"]]],
    [
      "http_requests_total",
      { namespace: "default", pod: "web-0", service: "web", job: "web" },
      [[4, "http_requests", "namespaces,pods,services,jobs.batch"]],
    ],
    [
      "process_cpu_seconds_total",
      { namespace: "default", pod: "web-0" },
      [[5, "process_cpu", "namespaces,pods"]],
    ],
    [
      "queue_length",
      { namespace: "default", deployment: "worker", instance: "10.0.0.1:80" },
      [[3, "queue_length", "namespaces,deployments.apps"]],
    ],
  ];
  for (const [name, labels, want] of cases) {
    it(`${name} → ${JSON.stringify(want)}`, () =>
      assert.deepEqual(namesFor({ __name__: name, ...labels }), want));
  }

  it("renders the container rate query", () => {
    const pods = catalog.resolve("pods") as ResourceInfo;
    assert.equal(
      rules[0]?.customQuery({
        seriesName: "container_cpu_usage_seconds_total",
        resource: pods,
        namespace: "default",
        metricSelector: parseLabelSelector(""),
      }),
      'sum(rate(container_cpu_usage_seconds_total{namespace="default",pod!="",container!="POD"}[5m])) by (pod)',
    );
  });
});

// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${1}` is Go Regexp.Expand syntax (name.as), not a JS template
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compileRules } from "../../../src/adapter/naming/compileRules.js";
import { NamingError, type NamingErrorCode } from "../../../src/adapter/naming/errors.js";
import type { CompiledRule, CustomQueryArgs } from "../../../src/adapter/naming/types.js";
import { discoveryRuleSchema } from "../../../src/config/schema.js";
import type { ResourceInfo } from "../../../src/k8s/groupResource.js";
import { parseLabelSelector, type Requirement, type Selector } from "../../../src/k8s/labelSelector.js";
import { StaticResourceCatalog } from "../../../src/k8s/resourceCatalog.js";

const catalog = new StaticResourceCatalog();
const res = (name: string) => catalog.resolve(name) as ResourceInfo;
const everything = parseLabelSelector("");

/** Kubernetes label values cannot hold most regex metacharacters; other selector sources might. */
function selectorOf(key: string, values: string[]): Selector {
  const requirements: Requirement[] = [{ key, operator: "in", values }];
  return { requirements, matches: () => true, isEverything: () => false, toString: () => `${key} in (...)` };
}

function compile(kind: "custom" | "external", rule: Record<string, unknown>): CompiledRule {
  const parsed = discoveryRuleSchema.parse(rule);
  const { rules, errors } = compileRules(
    kind === "custom" ? { rules: [parsed], externalRules: [] } : { rules: [], externalRules: [parsed] },
    catalog,
  );
  assert.deepEqual(errors, []);
  return rules[0] as CompiledRule;
}

const RATE = "sum(rate(<<.Series>>{<<.LabelMatchers>>}[2m])) by (<<.GroupBy>>)";
// docs/config-walkthrough.md
const walkthrough = compile("custom", {
  seriesQuery: '{__name__=~"^http_requests_.*",namespace!="",pod!=""}',
  resources: { overrides: { namespace: { resource: "namespace" }, pod: { resource: "pod" } } },
  name: { matches: "^(.*)_total$", as: "${1}_per_second" },
  metricsQuery: RATE,
});
const byTemplate = compile("custom", {
  seriesQuery: '{__name__="kube_deployment_status_replicas"}',
  resources: { template: "<<.Resource>>" },
  metricsQuery: "max(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)",
});
// DCGM scraped with honorLabels: false: the GPU workload is in exported_namespace / exported_pod.
const dcgm = compile("custom", {
  seriesQuery: "DCGM_FI_DEV_GPU_UTIL",
  resources: {
    overrides: {
      exported_namespace: { resource: "namespace" },
      exported_pod: { resource: "pod" },
      Hostname: { resource: "node" },
    },
  },
  metricsQuery: "avg(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)",
});

const custom = (
  rule: CompiledRule,
  resource: string,
  extra: Partial<Omit<CustomQueryArgs, "resource">> & { seriesName: string },
) => rule.customQuery({ metricSelector: everything, resource: res(resource), ...extra });

describe("customQuery renders exact PromQL", () => {
  const cases: Array<[string, () => string, string]> = [
    [
      "pods wildcard in a namespace: no names in the query",
      () => custom(walkthrough, "pods", { seriesName: "http_requests_total", namespace: "default" }),
      'sum(rate(http_requests_total{namespace="default",pod!=""}[2m])) by (pod)',
    ],
    [
      "single pod",
      () =>
        custom(walkthrough, "pods", {
          seriesName: "http_requests_total",
          namespace: "default",
          name: "web-7d9f-x2",
        }),
      'sum(rate(http_requests_total{namespace="default",pod="web-7d9f-x2"}[2m])) by (pod)',
    ],
    [
      "metricLabelSelector parts come first, sorted by key, values escaped",
      () =>
        custom(walkthrough, "pods", {
          seriesName: "http_requests_total",
          namespace: "default",
          metricSelector: parseLabelSelector("path in (a.b,c),code!=500"),
        }),
      'sum(rate(http_requests_total{code!="500",path=~"a\\\\.b|c",namespace="default",pod!=""}[2m])) by (pod)',
    ],
    [
      "deployments.apps object through <<.Resource>>",
      () =>
        custom(byTemplate, "deployments.apps", {
          seriesName: "kube_deployment_status_replicas",
          namespace: "prod",
          name: "web",
        }),
      'max(kube_deployment_status_replicas{namespace="prod",deployment="web"}) by (deployment)',
    ],
    [
      "namespaces/{ns}/metrics/{m}: the namespace label is the resource label",
      () => custom(walkthrough, "namespaces", { seriesName: "http_requests_total", name: "prod" }),
      'sum(rate(http_requests_total{namespace="prod"}[2m])) by (namespace)',
    ],
    [
      "namespaces route given as namespace only",
      () => custom(walkthrough, "namespaces", { seriesName: "http_requests_total", namespace: "prod" }),
      'sum(rate(http_requests_total{namespace="prod"}[2m])) by (namespace)',
    ],
    [
      "nodes are root-scoped: no namespace matcher",
      () => custom(dcgm, "nodes", { seriesName: "DCGM_FI_DEV_GPU_UTIL", name: "ip-10-0-0-1.ec2.internal" }),
      'avg(DCGM_FI_DEV_GPU_UTIL{Hostname="ip-10-0-0-1.ec2.internal"}) by (Hostname)',
    ],
    [
      "nodes wildcard",
      () => custom(dcgm, "nodes", { seriesName: "DCGM_FI_DEV_GPU_UTIL" }),
      'avg(DCGM_FI_DEV_GPU_UTIL{Hostname!=""}) by (Hostname)',
    ],
    [
      "DCGM with honorLabels false uses exported_* labels",
      () => custom(dcgm, "pods", { seriesName: "DCGM_FI_DEV_GPU_UTIL", namespace: "ml" }),
      'avg(DCGM_FI_DEV_GPU_UTIL{exported_namespace="ml",exported_pod!=""}) by (exported_pod)',
    ],
    [
      "pods across all namespaces (root-scoped request)",
      () => custom(walkthrough, "pods", { seriesName: "http_requests_total" }),
      'sum(rate(http_requests_total{pod!=""}[2m])) by (pod)',
    ],
    [
      "quotes in names are escaped",
      () => custom(walkthrough, "pods", { seriesName: "x", namespace: 'a"b', name: "c\\d" }),
      'sum(rate(x{namespace="a\\"b",pod="c\\\\d"}[2m])) by (pod)',
    ],
  ];
  for (const [name, run, want] of cases) it(name, () => assert.equal(run(), want));
});

describe("template fields", () => {
  const fields = compile("custom", {
    seriesQuery: "x",
    resources: { overrides: { namespace: { resource: "namespace" }, pod: { resource: "pod" } } },
    metricsQuery:
      '<<.Series>>{pod=~"<<index .LabelValuesByName "pod">>",ns=~"<<index .LabelValuesByName "namespace">>"} <<range .GroupBySlice>>[<<.>>]<<end>> <<len .LabelValuesByName>>',
  });

  it("LabelValuesByName: a wildcard is .+", () => {
    assert.equal(
      custom(fields, "pods", { seriesName: "x", namespace: "default" }),
      'x{pod=~".+",ns=~"default"} [pod] 2',
    );
  });

  it("LabelValuesByName: one name is as is (its matcher is =), quoted for a PromQL string", () => {
    assert.equal(
      custom(fields, "pods", { seriesName: "x", namespace: "team.a", name: "web.1" }),
      'x{pod=~"web.1",ns=~"team.a"} [pod] 2',
    );
    const quoted = compile("custom", {
      seriesQuery: "x",
      resources: { overrides: { pod: { resource: "pod" } } },
      metricsQuery: '<<index .LabelValuesByName "pod">>',
    });
    assert.equal(custom(quoted, "pods", { seriesName: "x", name: 'a"b\\c' }), 'a\\"b\\\\c');
  });

  it("LabelValuesByName in an = matcher selects the object (deployments.apps/web.v1)", () => {
    const rule = compile("custom", {
      seriesQuery: "x",
      resources: { overrides: { deployment: { group: "apps", resource: "deployment" } } },
      metricsQuery: 'sum(<<.Series>>{deployment="<<index .LabelValuesByName "deployment">>"})',
    });
    assert.equal(
      custom(rule, "deployments", { seriesName: "x", name: "web.v1" }),
      'sum(x{deployment="web.v1"})',
    );
  });

  it("LabelValuesByName of a set selector (=~) is escaped regex alternatives", () => {
    const rule = compile("custom", {
      seriesQuery: "x",
      resources: { overrides: { pod: { resource: "pod" } } },
      metricsQuery: '<<index .LabelValuesByName "verb">>|<<index .LabelValuesByName "code">>',
    });
    assert.equal(
      custom(rule, "pods", {
        seriesName: "x",
        metricSelector: parseLabelSelector("verb in (a.b,c),code=2.0"),
      }),
      "a\\\\.b|c|2.0",
    );
  });

  it("LabelValuesByName includes metric selector labels, joined with |", () => {
    const rule = compile("custom", {
      seriesQuery: "x",
      resources: { overrides: { pod: { resource: "pod" } } },
      metricsQuery: '<<index .LabelValuesByName "verb">>',
    });
    assert.equal(
      custom(rule, "pods", { seriesName: "x", metricSelector: parseLabelSelector("verb in (GET,PUT)") }),
      "GET|PUT",
    );
  });
});

describe("externalQuery with labelValueReplacements", () => {
  it("replaces in the values the template sees, before escaping, and not in the matchers", () => {
    const rule = compile("external", {
      seriesQuery: "q",
      labelValueReplacements: [
        { find: "_", replace: "#" },
        { find: "#a", replace: "A" },
      ],
      metricsQuery: 'q{<<.LabelMatchers>>,topic=~"<<index .LabelValuesByName "topic">>"}',
    });
    assert.equal(
      rule.externalQuery({
        seriesName: "q",
        namespace: "",
        selector: parseLabelSelector("topic in (x_a.b,y)"),
      }),
      'q{topic=~"x_a\\\\.b|y",topic=~"xA\\\\.b|y"}',
    );
  });
});

describe("externalQuery", () => {
  // docs/config-walkthrough.md external example
  const queue = compile("external", {
    seriesQuery: '{__name__="queue_consumer_lag",name!=""}',
    resources: { overrides: { namespace: { resource: "namespace" } } },
    metricsQuery: "sum(<<.Series>>{<<.LabelMatchers>>}) by (name)",
  });
  const cases: Array<[string, () => string, string]> = [
    [
      "selector (sorted by key) then namespace, `in` values regex-escaped",
      () =>
        queue.externalQuery({
          seriesName: "queue_consumer_lag",
          namespace: "default",
          selector: parseLabelSelector("topic in (jobs.high,jobs.low),tier=gold"),
        }),
      'sum(queue_consumer_lag{tier="gold",topic=~"jobs\\\\.high|jobs\\\\.low",namespace="default"}) by (name)',
    ],
    [
      "every regex metacharacter in `in` values is escaped",
      () =>
        queue.externalQuery({
          seriesName: "q",
          namespace: "d",
          selector: selectorOf("topic", ["a+b", "c|d", "(e)*"]),
        }),
      'sum(q{topic=~"a\\\\+b|c\\\\|d|\\\\(e\\\\)\\\\*",namespace="d"}) by (name)',
    ],
    [
      "`in` with one value is an equality",
      () =>
        queue.externalQuery({
          seriesName: "q",
          namespace: "default",
          selector: parseLabelSelector("topic in (a.b)"),
        }),
      'sum(q{topic="a.b",namespace="default"}) by (name)',
    ],
    [
      "exists and does-not-exist",
      () =>
        queue.externalQuery({
          seriesName: "q",
          namespace: "ns",
          selector: parseLabelSelector("topic,!shard"),
        }),
      'sum(q{shard="",topic!="",namespace="ns"}) by (name)',
    ],
    [
      "namespaced: false drops the namespace matcher",
      () =>
        compile("external", {
          seriesQuery: "sqs_messages_visible",
          resources: { namespaced: false },
          metricsQuery: "max(<<.Series>>{<<.LabelMatchers>>})",
        }).externalQuery({
          seriesName: "sqs_messages_visible",
          namespace: "default",
          selector: parseLabelSelector("queue=orders"),
        }),
      'max(sqs_messages_visible{queue="orders"})',
    ],
    [
      "no overrides: the namespace label defaults to namespace",
      () =>
        compile("external", {
          seriesQuery: "x",
          metricsQuery: "<<.Series>>{<<.LabelMatchers>>}",
        }).externalQuery({
          seriesName: "x",
          namespace: "default",
          selector: everything,
        }),
      'x{namespace="default"}',
    ],
    [
      "the rule's namespace override is used",
      () =>
        compile("external", {
          seriesQuery: "x",
          resources: { overrides: { exported_namespace: { resource: "namespace" } } },
          metricsQuery: "<<.Series>>{<<.LabelMatchers>>}",
        }).externalQuery({ seriesName: "x", namespace: "ml", selector: everything }),
      'x{exported_namespace="ml"}',
    ],
    [
      "GroupBy is empty and GroupBySlice has no entries",
      () =>
        compile("external", {
          seriesQuery: "x",
          metricsQuery: "[<<.GroupBy>>][<<len .GroupBySlice>>]",
        }).externalQuery({
          seriesName: "x",
          namespace: "default",
          selector: everything,
        }),
      "[][0]",
    ],
  ];
  for (const [name, run, want] of cases) it(name, () => assert.equal(run(), want));
});

describe("queries that cannot be exact are refused", () => {
  const podOnly = compile("custom", {
    seriesQuery: "x",
    resources: { overrides: { pod: { resource: "pod" } } },
    metricsQuery: RATE,
  });
  const empty = compile("custom", {
    seriesQuery: "x",
    resources: { overrides: { pod: { resource: "pod" } } },
    metricsQuery: "<<if false>>x<<end>>",
  });
  const cases: Array<[string, () => string, NamingErrorCode, RegExp]> = [
    [
      "no namespace label to scope a namespaced request",
      () => custom(podOnly, "pods", { seriesName: "x", namespace: "default" }),
      "scope",
      /maps no label to namespaces/,
    ],
    [
      "no label for the resource",
      () => custom(walkthrough, "deployments.apps", { seriesName: "x", namespace: "d" }),
      "scope",
      /deployments\.apps/,
    ],
    [
      "cluster-scoped resource in a namespace",
      () => custom(dcgm, "nodes", { seriesName: "x", namespace: "d" }),
      "scope",
      /cluster-scoped/,
    ],
    [
      "namespace and object disagree on the namespaces route",
      () => custom(walkthrough, "namespaces", { seriesName: "x", namespace: "a", name: "b" }),
      "scope",
      /disagree/,
    ],
    [
      "gt in a metric selector",
      () =>
        custom(walkthrough, "pods", {
          seriesName: "x",
          namespace: "d",
          metricSelector: parseLabelSelector("code>499"),
        }),
      "selector",
      /cannot compare numbers/,
    ],
    [
      "lt in an external selector",
      () =>
        walkthrough.externalQuery({
          seriesName: "x",
          namespace: "d",
          selector: parseLabelSelector("shard<3"),
        }),
      "selector",
      /cannot compare numbers/,
    ],
    ["empty rendered query", () => custom(empty, "pods", { seriesName: "x" }), "query", /empty query/],
  ];
  for (const [name, run, code, message] of cases) {
    it(name, () => {
      assert.throws(
        run,
        (err: unknown) =>
          err instanceof NamingError &&
          err.code === code &&
          message.test(err.message) &&
          /^rules\[0\] \(seriesQuery /.test(err.message),
      );
    });
  }
});

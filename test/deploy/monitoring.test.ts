/**
 * deploy/monitoring: the Grafana dashboard and the PrometheusRule, checked against the product.
 * - The metric names they use are ones Foresight registers: read from GET /metrics of a `serve`
 *   started in process with every part that registers metrics (the adapter, a config forecast
 *   target, the PredictiveScaler controller on the simulated Kubernetes API).
 * - Every dashboard query and alert expression parses (the embedded PromQL parser, and
 *   `promtool check rules` on rule files holding them).
 * - Every alert fires on synthetic series, and does not where it should not (`promtool test rules`,
 *   Debian's promtool 2.42), with its annotations rendered as expected.
 * - `kubectl kustomize deploy/monitoring` gives the ConfigMap Grafana's sidecar loads and the
 *   PrometheusRule; the overlay docs/operations.md shows (the ServiceMonitor component and the
 *   monitoring resources labelled for kube-prometheus-stack) renders with those labels.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import {
  accessSync,
  constants,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { parseAllDocuments, parse as parseYaml, stringify } from "yaml";
import { resourceCatalog } from "../../src/cli/catalog.js";
import { loadAndCompile } from "../../src/cli/loadRules.js";
import { type RunningServer, serve } from "../../src/cli/serve.js";
import { loadKubeConfig } from "../../src/kube/kubeconfig.js";
import type { Expr } from "../../src/metrics/promql/index.js";
import { parsePromQL } from "../../src/metrics/promql/index.js";
import type { MetricsSource } from "../../src/metrics/source.js";
import { silentLogger } from "../../src/telemetry/logger.js";
import { installCrd } from "../actuator/harness.js";
import { KUBECTL_BINARY, kubectlAvailable } from "../harness/kubectl.js";
import { type KubeFacade, startKubeFacade } from "../harness/kubeFacade.js";
import { parseExposition, sampleNames } from "../telemetry/exposition.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const MONITORING = join(ROOT, "deploy/monitoring");
const PROMTOOL = process.env.PROMTOOL ?? "/usr/bin/promtool";

// biome-ignore lint/suspicious/noExplicitAny: dashboards and rendered manifests are untyped JSON/YAML.
type Obj = Record<string, any>;

const promtoolMissing = (() => {
  try {
    accessSync(PROMTOOL, constants.X_OK);
    return false;
  } catch {
    return `promtool not found at ${PROMTOOL}`;
  }
})();
const kubectlMissing = kubectlAvailable() ? false : `kubectl not found at ${KUBECTL_BINARY}`;

/** Runs promtool; fails the test with its output unless it exits 0. */
function promtool(args: readonly string[], cwd: string): string {
  const run = spawnSync(PROMTOOL, args, { cwd, encoding: "utf8", timeout: 60_000 });
  assert.equal(run.status, 0, `promtool ${args.join(" ")}:\n${run.stdout}\n${run.stderr}`);
  return run.stdout;
}

/** Metric names a parsed expression selects (`__name__` equality matchers). */
function metricNames(expr: Expr, into = new Set<string>()): Set<string> {
  const visit = (e: unknown): void => {
    if (e === null || typeof e !== "object") return;
    const node = e as Obj;
    if (node.kind === "vectorSelector")
      for (const m of node.matchers as { name: string; type: string; value: string }[])
        if (m.name === "__name__" && m.type === "=") into.add(m.value);
    for (const value of Object.values(node)) {
      if (Array.isArray(value)) value.forEach(visit);
      else if (value && typeof value === "object") visit(value);
    }
  };
  visit(expr);
  return into;
}

/** A source that knows no series: serve starts, nothing is forecast. */
const emptySource: MetricsSource = {
  instant: async () => ({ type: "vector", samples: [] }),
  range: async () => [],
  series: async () => [],
};

const CONFIG = `
rules:
  - seriesQuery: 'http_requests_total{namespace!="",pod!=""}'
    resources:
      template: "<<.Resource>>"
    metricsQuery: 'sum(rate(<<.Series>>{<<.LabelMatchers>>}[2m])) by (<<.GroupBy>>)'
forecast:
  targets:
    - name: web
      query: 'sum(rate(http_requests_total{app="web"}[5m]))'
      models: [seasonal_naive]
actuator:
  models: [seasonal_naive]
  leaderElection:
    enabled: false
`;

/**
 * Every sample name `foresight serve` exposes on /metrics with all its parts running: the
 * adapter's, a config forecast target's, and the PredictiveScaler controller's.
 */
async function registeredNames(dir: string): Promise<Set<string>> {
  const facade: KubeFacade = await startKubeFacade();
  let server: RunningServer | undefined;
  try {
    installCrd(facade.store);
    const kubeconfig = join(dir, "kubeconfig");
    facade.kubeconfig(kubeconfig);
    const kube = loadKubeConfig(kubeconfig);
    const logger = silentLogger();
    const catalog = await resourceCatalog(kube, logger);
    const configPath = join(dir, "config.yaml");
    writeFileSync(configPath, CONFIG);
    const loaded = await loadAndCompile(configPath, catalog);
    server = await serve({
      config: loaded.config,
      rules: loaded.rules,
      catalog,
      logger,
      version: "test",
      securePort: 0,
      httpPort: 0,
      bindAddress: "127.0.0.1",
      kube,
      source: emptySource,
      authentication: "off",
      inCluster: false,
    });
    const res = await fetch(`http://127.0.0.1:${server.httpPort}/metrics`);
    assert.equal(res.status, 200);
    const exposition = parseExposition(await res.text());
    // The controller and a forecast target really are running (their families are registered).
    for (const family of ["foresight_leader", "foresight_scaler_state", "foresight_forecast_age_seconds"])
      assert.ok(exposition.families.has(family), `${family} not registered`);
    return sampleNames(exposition.families);
  } finally {
    await server?.close();
    await facade.close();
  }
}

// ---- the dashboard ------------------------------------------------------------------------------

/** The data source every panel names: Grafana's `datasource` variable. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a JS template.
const DATASOURCE = { type: "prometheus", uid: "${datasource}" };

const dashboard = JSON.parse(readFileSync(join(MONITORING, "foresight-dashboard.json"), "utf8")) as Obj;

function allPanels(panels: readonly Obj[] = dashboard.panels): Obj[] {
  return panels.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);
}

/** Grafana's variables as a query would see them once chosen. */
const VARIABLES: Record<string, string> = {
  __rate_interval: "5m",
  __interval: "1m",
  __range: "1h",
  job: "foresight",
  namespace: "shop",
  scaler: "web",
};

function substitute(text: string): string {
  const out = text.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, a: string | undefined, b: string | undefined) => {
    const name = (a ?? b) as string;
    const value = VARIABLES[name];
    assert.ok(value !== undefined, `unknown variable ${whole} in ${text}`);
    return value;
  });
  return out;
}

interface DashboardQuery {
  readonly where: string;
  readonly expr: string;
}

function dashboardQueries(): DashboardQuery[] {
  const queries: DashboardQuery[] = [];
  for (const panel of allPanels())
    for (const t of panel.targets ?? [])
      queries.push({ where: `panel "${panel.title}" ${t.refId}`, expr: substitute(t.expr) });
  for (const v of dashboard.templating.list as Obj[]) {
    if (v.type !== "query") continue;
    const text = typeof v.query === "string" ? v.query : v.query.query;
    const m = /^label_values\((.*),\s*(\w+)\)$/.exec(text);
    assert.ok(m, `variable ${v.name}: expected label_values(<selector>, <label>), got ${text}`);
    queries.push({ where: `variable ${v.name}`, expr: substitute(m[1] as string) });
  }
  return queries;
}

// ---- the rules ----------------------------------------------------------------------------------

const ruleDoc = parseYaml(readFileSync(join(MONITORING, "foresight-rules.yaml"), "utf8")) as Obj;
interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
}
const alerts: AlertRule[] = (ruleDoc.spec.groups as Obj[]).flatMap((g) => g.rules as AlertRule[]);
const alertByName = new Map(alerts.map((a) => [a.alert, a]));

/**
 * An annotation as Prometheus renders it for an alert with `labels`: `$labels.x`, `$value` (given
 * as already humanized) and the one `query` template (the reason it looks up, given).
 */
function render(
  alert: string,
  annotation: "summary" | "description",
  labels: Record<string, string>,
  extras: { value?: string; query?: string } = {},
): string {
  const text = (alertByName.get(alert) as AlertRule).annotations[annotation] as string;
  const out = text
    .replace(/\{\{ with printf .*? \| query \}\}\{\{ \. \| first \| label "\w+" \}\}\{\{ end \}\}/g, () => {
      assert.ok(extras.query !== undefined, `${alert}: give the query's answer`);
      return extras.query;
    })
    .replace(/\{\{ \$value \| humanize\w* \}\}/g, () => {
      assert.ok(extras.value !== undefined, `${alert}: give $value`);
      return extras.value;
    })
    .replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, name: string) => {
      assert.ok(
        labels[name] !== undefined,
        `${alert} ${annotation} uses $labels.${name}, which it does not have`,
      );
      return labels[name];
    });
  assert.ok(!out.includes("{{"), `${alert} ${annotation}: template not rendered here: ${out}`);
  return out;
}

const TARGET = { job: "foresight", namespace: "foresight", instance: "10.0.0.7:8080", pod: "foresight-7d9f" };
const SCALER = { namespace: "shop", scaler: "web" };
const OTHER_TARGET = { ...TARGET, instance: "10.0.0.8:8080", pod: "foresight-x2kq" };

const series = (name: string, labels: Record<string, string>, values: string) => ({
  series: `${name}{${Object.entries(labels)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(",")}}`,
  values,
});

interface Expectation {
  readonly eval_time: string;
  readonly alertname: string;
  /** Absent: the alert must not fire. Labels beyond severity; the annotations' extras. */
  readonly fires?: { labels: Record<string, string>; value?: string; query?: string };
}

interface Scenario {
  readonly name: string;
  readonly input: ReturnType<typeof series>[];
  readonly expect: readonly Expectation[];
}

/** Synthetic series, 1-minute samples, for every alert: when it fires, and when it must not. */
const SCENARIOS: readonly Scenario[] = [
  {
    name: "every replica down",
    input: [series("up", TARGET, "0x20"), series("up", OTHER_TARGET, "1 1 0x18")],
    expect: [
      { eval_time: "4m", alertname: "ForesightDown" },
      { eval_time: "8m", alertname: "ForesightDown", fires: { labels: {} } },
      { eval_time: "9m", alertname: "ForesightReplicaDown" },
      { eval_time: "15m", alertname: "ForesightReplicaDown", fires: { labels: TARGET } },
      { eval_time: "15m", alertname: "ForesightReplicaDown", fires: { labels: OTHER_TARGET } },
    ],
  },
  {
    name: "nothing scraped as job foresight",
    input: [series("up", { ...TARGET, job: "other" }, "1x10")],
    expect: [{ eval_time: "6m", alertname: "ForesightDown", fires: { labels: {} } }],
  },
  {
    name: "one replica down, one up",
    input: [series("up", TARGET, "0x20"), series("up", OTHER_TARGET, "1x20")],
    expect: [
      { eval_time: "15m", alertname: "ForesightDown" },
      { eval_time: "15m", alertname: "ForesightReplicaDown", fires: { labels: TARGET } },
    ],
  },
  {
    name: "Prometheus unreachable: every query fails as unavailable",
    input: [
      series(
        "foresight_prometheus_query_errors_total",
        { ...TARGET, endpoint: "query_range", kind: "unavailable" },
        "0+60x20",
      ),
      series(
        "foresight_prometheus_query_duration_seconds_count",
        { ...TARGET, endpoint: "query_range", outcome: "unavailable" },
        "0+60x20",
      ),
      series(
        "foresight_prometheus_query_duration_seconds_count",
        { ...TARGET, endpoint: "query_range", outcome: "ok" },
        "0x20",
      ),
    ],
    expect: [
      { eval_time: "4m", alertname: "ForesightPrometheusUnreachable" },
      {
        eval_time: "10m",
        alertname: "ForesightPrometheusUnreachable",
        fires: { labels: { job: "foresight", namespace: "foresight" }, value: "100%" },
      },
    ],
  },
  {
    name: "Prometheus reachable: a few timeouts, and bad queries",
    input: [
      series(
        "foresight_prometheus_query_errors_total",
        { ...TARGET, endpoint: "query_range", kind: "timeout" },
        "0+6x20",
      ),
      series(
        "foresight_prometheus_query_errors_total",
        { ...TARGET, endpoint: "query", kind: "query" },
        "0+60x20",
      ),
      series(
        "foresight_prometheus_query_duration_seconds_count",
        { ...TARGET, endpoint: "query_range", outcome: "ok" },
        "0+54x20",
      ),
      series(
        "foresight_prometheus_query_duration_seconds_count",
        { ...TARGET, endpoint: "query_range", outcome: "timeout" },
        "0+6x20",
      ),
      series(
        "foresight_prometheus_query_duration_seconds_count",
        { ...TARGET, endpoint: "query", outcome: "query" },
        "0+60x20",
      ),
    ],
    expect: [{ eval_time: "15m", alertname: "ForesightPrometheusUnreachable" }],
  },
  {
    name: "partial answers: a store behind the frontend stopped answering, then a rare one",
    input: [
      series(
        "foresight_prometheus_query_warnings_total",
        { ...TARGET, endpoint: "query", kind: "partial" },
        "0+30x30",
      ),
      series(
        "foresight_prometheus_query_warnings_total",
        { ...TARGET, endpoint: "query_range", kind: "warning" },
        "0+60x30",
      ),
      series(
        "foresight_prometheus_query_duration_seconds_count",
        { ...TARGET, endpoint: "query", outcome: "ok" },
        "0+60x30",
      ),
    ],
    expect: [
      { eval_time: "10m", alertname: "ForesightPrometheusPartialAnswers" },
      {
        eval_time: "25m",
        alertname: "ForesightPrometheusPartialAnswers",
        fires: { labels: { job: "foresight", namespace: "foresight" }, value: "50%" },
      },
    ],
  },
  {
    name: "partial answers: warnings that are only PromQL annotations, and a rare partial answer",
    input: [
      series(
        "foresight_prometheus_query_warnings_total",
        { ...TARGET, endpoint: "query", kind: "warning" },
        "0+60x30",
      ),
      series(
        "foresight_prometheus_query_warnings_total",
        { ...TARGET, endpoint: "query", kind: "partial" },
        "0+3x30",
      ),
      series(
        "foresight_prometheus_query_duration_seconds_count",
        { ...TARGET, endpoint: "query", outcome: "ok" },
        "0+60x30",
      ),
    ],
    expect: [{ eval_time: "25m", alertname: "ForesightPrometheusPartialAnswers" }],
  },
  {
    name: "discovery failing: one rule stopped discovering, one never did",
    input: [
      series("foresight_discovery_age_seconds", { ...TARGET, rule: "rules[0]" }, "0+60x30"),
      series("foresight_rule_errors_total", { ...TARGET, rule: "rules[1]", stage: "discovery" }, "0+1x30"),
    ],
    expect: [
      {
        eval_time: "15m",
        alertname: "ForesightDiscoveryFailing",
        fires: { labels: { ...pick(TARGET), rule: "rules[1]" } },
      },
      {
        eval_time: "25m",
        alertname: "ForesightDiscoveryFailing",
        fires: { labels: { ...pick(TARGET), rule: "rules[0]" } },
      },
      {
        eval_time: "25m",
        alertname: "ForesightDiscoveryFailing",
        fires: { labels: { ...pick(TARGET), rule: "rules[1]" } },
      },
    ],
  },
  {
    name: "discovery healthy: fresh results; errors of a rule that still succeeds; query errors",
    input: [
      series("foresight_discovery_age_seconds", { ...TARGET, rule: "rules[0]" }, "30x30"),
      series("foresight_discovery_age_seconds", { ...TARGET, rule: "rules[1]" }, "45x30"),
      series("foresight_rule_errors_total", { ...TARGET, rule: "rules[1]", stage: "discovery" }, "0+1x30"),
      series("foresight_rule_errors_total", { ...TARGET, rule: "rules[0]", stage: "query" }, "0+5x30"),
    ],
    expect: [{ eval_time: "25m", alertname: "ForesightDiscoveryFailing" }],
  },
  {
    name: "config reload failed, then a good one",
    input: [series("foresight_config_last_reload_successful", TARGET, "1 1 0x10 1x10")],
    expect: [
      { eval_time: "5m", alertname: "ForesightConfigReloadFailed" },
      { eval_time: "9m", alertname: "ForesightConfigReloadFailed", fires: { labels: TARGET } },
      { eval_time: "15m", alertname: "ForesightConfigReloadFailed" },
    ],
  },
  {
    name: "leader lost and no one takes over",
    input: [
      series("foresight_leader", TARGET, "1 1 1 0x20"),
      series("foresight_leader", OTHER_TARGET, "0x23"),
    ],
    expect: [
      { eval_time: "6m", alertname: "ForesightLeaderMissing" },
      {
        eval_time: "10m",
        alertname: "ForesightLeaderMissing",
        fires: { labels: { job: "foresight", namespace: "foresight" } },
      },
    ],
  },
  {
    name: "a shard nobody takes",
    input: [
      series("foresight_controller_shard_held", { ...TARGET, shard: "3" }, "1 1 1 0x20"),
      series("foresight_controller_shard_held", { ...OTHER_TARGET, shard: "3" }, "0x23"),
      series("foresight_controller_shard_held", { ...TARGET, shard: "2" }, "0x23"),
      series("foresight_controller_shard_held", { ...OTHER_TARGET, shard: "2" }, "1x23"),
    ],
    expect: [
      { eval_time: "6m", alertname: "ForesightShardUnheld" },
      {
        eval_time: "10m",
        alertname: "ForesightShardUnheld",
        fires: { labels: { job: "foresight", namespace: "foresight", shard: "3" } },
      },
    ],
  },
  {
    name: "a shard moved to another replica",
    input: [
      series("foresight_controller_shard_held", { ...TARGET, shard: "3" }, "1 1 1 0x20"),
      series("foresight_controller_shard_held", { ...OTHER_TARGET, shard: "3" }, "0 0 0 0 1x19"),
    ],
    expect: [{ eval_time: "15m", alertname: "ForesightShardUnheld" }],
  },
  {
    name: "leader handed over",
    input: [
      series("foresight_leader", TARGET, "1 1 1 0x20"),
      series("foresight_leader", OTHER_TARGET, "0 0 0 0 1x19"),
    ],
    expect: [{ eval_time: "15m", alertname: "ForesightLeaderMissing" }],
  },
  {
    name: "scaler in fallback, its reason changing on the way",
    input: [
      series("foresight_scaler_fallback", { ...TARGET, ...SCALER, reason: "StaleData" }, "1x15"),
      series("foresight_scaler_fallback", { ...TARGET, ...SCALER, reason: "UnderPredicting" }, "_x15 1x30"),
    ],
    expect: [
      { eval_time: "25m", alertname: "ForesightScalerFallback" },
      {
        eval_time: "40m",
        alertname: "ForesightScalerFallback",
        fires: { labels: SCALER, query: "UnderPredicting" },
      },
    ],
  },
  {
    name: "scaler waiting for history, and one back from a short fallback",
    input: [
      series("foresight_scaler_fallback", { ...TARGET, ...SCALER, reason: "InsufficientHistory" }, "1x45"),
      series(
        "foresight_scaler_fallback",
        { ...TARGET, namespace: "shop", scaler: "api", reason: "StaleData" },
        "1x20",
      ),
      series("foresight_scaler_fallback", { ...TARGET, namespace: "shop", scaler: "api" }, "_x20 0x25"),
    ],
    expect: [{ eval_time: "40m", alertname: "ForesightScalerFallback" }],
  },
  {
    name: "scaler forecast not updated",
    input: [
      series("foresight_scaler_forecast_age_seconds", { ...TARGET, ...SCALER }, "0+60x40"),
      series("foresight_scaler_forecast_interval_seconds", { ...TARGET, ...SCALER }, "300x40"),
    ],
    expect: [
      { eval_time: "20m", alertname: "ForesightScalerForecastStale" },
      {
        eval_time: "30m",
        alertname: "ForesightScalerForecastStale",
        fires: { labels: SCALER, value: "30m 0s" },
      },
    ],
  },
  {
    name: "scaler forecasts on time: updated every step, or an hourly step",
    input: [
      series(
        "foresight_scaler_forecast_age_seconds",
        { ...TARGET, ...SCALER },
        "0 60 120 180 240 0 60 120 180 240 0 60 120 180 240 0 60 120 180 240 0 60 120 180 240 0 60 120 180 240 0",
      ),
      series("foresight_scaler_forecast_interval_seconds", { ...TARGET, ...SCALER }, "300x30"),
      series(
        "foresight_scaler_forecast_age_seconds",
        { ...TARGET, namespace: "shop", scaler: "hourly" },
        "0+60x40",
      ),
      series(
        "foresight_scaler_forecast_interval_seconds",
        { ...TARGET, namespace: "shop", scaler: "hourly" },
        "3600x40",
      ),
    ],
    expect: [{ eval_time: "30m", alertname: "ForesightScalerForecastStale" }],
  },
  {
    name: "scaler reconciles keep failing",
    input: [series("foresight_scaler_reconcile_errors_total", { ...TARGET, ...SCALER }, "0+2x30")],
    expect: [
      { eval_time: "10m", alertname: "ForesightScalerReconcileFailing" },
      { eval_time: "20m", alertname: "ForesightScalerReconcileFailing", fires: { labels: SCALER } },
    ],
  },
  {
    name: "scaler reconciles failed for a while, then succeed",
    input: [series("foresight_scaler_reconcile_errors_total", { ...TARGET, ...SCALER }, "0+1x5 5x25")],
    expect: [
      { eval_time: "16m", alertname: "ForesightScalerReconcileFailing" },
      { eval_time: "25m", alertname: "ForesightScalerReconcileFailing" },
    ],
  },
  {
    name: "config forecast target not updated",
    input: [series("foresight_forecast_age_seconds", { ...TARGET, target: "web" }, "0+60x80")],
    expect: [
      { eval_time: "65m", alertname: "ForesightForecastTargetStale" },
      {
        eval_time: "75m",
        alertname: "ForesightForecastTargetStale",
        fires: { labels: { ...TARGET, target: "web" }, value: "1h 15m 0s" },
      },
    ],
  },
  {
    name: "config forecast target updated every 5 minutes",
    input: [series("foresight_forecast_age_seconds", { ...TARGET, target: "web" }, "120x80")],
    expect: [{ eval_time: "75m", alertname: "ForesightForecastTargetStale" }],
  },
];

/** The target labels an aggregation `by (namespace, job, instance, …)` keeps. */
function pick(labels: typeof TARGET): Record<string, string> {
  return { namespace: labels.namespace, job: labels.job, instance: labels.instance };
}

/** The promtool unit-test file for SCENARIOS. */
function unitTests(ruleFile: string): Obj {
  return {
    rule_files: [ruleFile],
    evaluation_interval: "1m",
    tests: SCENARIOS.map((s) => {
      const byCheck = new Map<string, Expectation[]>();
      for (const e of s.expect) {
        const key = `${e.eval_time} ${e.alertname}`;
        byCheck.set(key, [...(byCheck.get(key) ?? []), e]);
      }
      return {
        name: s.name,
        interval: "1m",
        input_series: s.input,
        alert_rule_test: [...byCheck.values()].map((group) => {
          const { eval_time, alertname } = group[0] as Expectation;
          const alert = alertByName.get(alertname);
          assert.ok(alert, `no alert ${alertname}`);
          return {
            eval_time,
            alertname,
            exp_alerts: group.flatMap((e) =>
              e.fires
                ? [
                    {
                      exp_labels: { ...e.fires.labels, ...alert.labels },
                      exp_annotations: {
                        summary: render(alertname, "summary", { ...e.fires.labels }, e.fires),
                        description: render(alertname, "description", { ...e.fires.labels }, e.fires),
                      },
                    },
                  ]
                : [],
            ),
          };
        }),
      };
    }),
  };
}

// ---- the tests ----------------------------------------------------------------------------------

describe("deploy/monitoring", () => {
  let dir: string;
  let registered: Set<string>;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "foresight-monitoring-"));
    registered = await registeredNames(dir);
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  describe("the dashboard", () => {
    it("has a Prometheus datasource variable that every panel and query uses", () => {
      const vars = new Map((dashboard.templating.list as Obj[]).map((v) => [v.name, v]));
      assert.equal(vars.get("datasource")?.type, "datasource");
      assert.equal(vars.get("datasource")?.query, "prometheus");
      for (const name of ["job", "namespace", "scaler"]) {
        assert.equal(vars.get(name)?.type, "query", `variable ${name}`);
        assert.equal(vars.get(name)?.datasource?.uid, DATASOURCE.uid, `variable ${name}`);
      }
      assert.equal(vars.get("scaler")?.multi, true, "the scaler row repeats over several scalers");
      for (const panel of allPanels()) {
        if (panel.type === "row") continue;
        assert.deepEqual(panel.datasource, DATASOURCE, panel.title);
        for (const t of panel.targets ?? []) assert.deepEqual(t.datasource, DATASOURCE, panel.title);
      }
    });

    it("has unique panel ids, refIds per panel, and panels inside the 24-column grid", () => {
      const ids = allPanels().map((p) => p.id);
      assert.equal(new Set(ids).size, ids.length);
      for (const panel of allPanels()) {
        const { x, w, h } = panel.gridPos;
        assert.ok(
          x >= 0 && w > 0 && x + w <= 24 && h > 0,
          `${panel.title}: ${JSON.stringify(panel.gridPos)}`,
        );
        const refs = (panel.targets ?? []).map((t: Obj) => t.refId);
        assert.equal(new Set(refs).size, refs.length, panel.title);
        if (panel.type !== "row") assert.ok(refs.length > 0, `${panel.title} has no query`);
      }
      const repeated = allPanels().filter((p) => p.repeat !== undefined);
      assert.deepEqual(
        repeated.map((p) => [p.type, p.repeat]),
        [["row", "scaler"]],
      );
    });

    it("parses every query with the embedded PromQL parser", () => {
      for (const q of dashboardQueries())
        assert.doesNotThrow(() => parsePromQL(q.expr), `${q.where}: ${q.expr}`);
    });

    it("parses every query with promtool", { skip: promtoolMissing }, () => {
      const rules = {
        groups: [
          {
            name: "dashboard",
            rules: dashboardQueries().map((q, i) => ({ record: `dashboard:query_${i}`, expr: q.expr })),
          },
        ],
      };
      writeFileSync(join(dir, "dashboard-queries.yaml"), stringify(rules));
      promtool(["check", "rules", "dashboard-queries.yaml"], dir);
    });

    it("uses only metrics Foresight registers", () => {
      const used = new Set<string>();
      for (const q of dashboardQueries()) metricNames(parsePromQL(q.expr), used);
      const unknown = [...used].filter((n) => n !== "up" && !registered.has(n));
      assert.deepEqual(unknown, []);
    });

    it("shows what an operator needs", () => {
      const used = new Set<string>();
      for (const q of dashboardQueries()) metricNames(parsePromQL(q.expr), used);
      for (const name of [
        "up",
        "foresight_apiserver_requests_total",
        "foresight_apiserver_request_duration_seconds_bucket",
        "foresight_prometheus_query_duration_seconds_bucket",
        "foresight_prometheus_query_errors_total",
        "foresight_discovery_age_seconds",
        "foresight_rule_errors_total",
        "foresight_scaler_demand",
        "foresight_scaler_forecast_demand",
        "foresight_scaler_forecast_peak",
        "foresight_scaler_recommended_replicas",
        "foresight_scaler_applied_replicas",
        "foresight_scaler_capacity_per_replica",
        "foresight_scaler_state",
        "foresight_scaler_fallback",
        "foresight_scaler_decisions_total",
        "foresight_scaler_accuracy_coverage_ratio",
        "foresight_scaler_forecast_age_seconds",
        "foresight_controller_shard_held",
        "foresight_build_info",
      ])
        assert.ok(used.has(name), `the dashboard does not show ${name}`);
    });
  });

  describe("the PrometheusRule", () => {
    it("is a PrometheusRule whose every alert has a severity, summary, description and for", () => {
      assert.equal(ruleDoc.apiVersion, "monitoring.coreos.com/v1");
      assert.equal(ruleDoc.kind, "PrometheusRule");
      assert.ok(alerts.length > 0);
      for (const a of alerts) {
        assert.match(a.alert, /^Foresight[A-Z][A-Za-z]+$/, a.alert);
        assert.ok(["critical", "warning", "info"].includes(a.labels?.severity ?? ""), `${a.alert} severity`);
        assert.ok((a.annotations?.summary ?? "").length > 10, `${a.alert} summary`);
        assert.ok((a.annotations?.description ?? "").length > 20, `${a.alert} description`);
        assert.match(a.for ?? "", /^\d+[smh]$/, `${a.alert} for`);
      }
      for (const required of [
        "ForesightDown",
        "ForesightPrometheusUnreachable",
        "ForesightPrometheusPartialAnswers",
        "ForesightDiscoveryFailing",
        "ForesightScalerFallback",
        "ForesightScalerForecastStale",
        "ForesightForecastTargetStale",
        "ForesightLeaderMissing",
        "ForesightShardUnheld",
      ])
        assert.ok(alertByName.has(required), `missing alert ${required}`);
    });

    it("parses with the embedded parser and uses only metrics Foresight registers", () => {
      const used = new Set<string>();
      for (const a of alerts) metricNames(parsePromQL(a.expr), used);
      // The metrics the annotations' templates query.
      for (const a of alerts)
        for (const m of Object.values(a.annotations)
          .join(" ")
          .matchAll(/printf "(\w+)\{/g))
          used.add(m[1] as string);
      const unknown = [...used].filter((n) => n !== "up" && !registered.has(n));
      assert.deepEqual(unknown, []);
    });

    it("passes promtool check rules", { skip: promtoolMissing }, () => {
      writeFileSync(join(dir, "foresight-rules.yaml"), stringify(ruleDoc.spec));
      assert.match(promtool(["check", "rules", "foresight-rules.yaml"], dir), /SUCCESS: \d+ rules found/);
    });

    it("fires each alert on synthetic series, and not where it should not (promtool test rules)", {
      skip: promtoolMissing,
    }, () => {
      for (const a of alerts) {
        const checks = SCENARIOS.flatMap((s) => s.expect).filter((e) => e.alertname === a.alert);
        assert.ok(
          checks.some((e) => e.fires),
          `${a.alert}: no scenario where it fires`,
        );
        assert.ok(
          checks.some((e) => !e.fires),
          `${a.alert}: no scenario where it does not`,
        );
      }
      writeFileSync(join(dir, "foresight-rules.yaml"), stringify(ruleDoc.spec));
      writeFileSync(join(dir, "foresight-rules.test.yaml"), stringify(unitTests("foresight-rules.yaml")));
      assert.match(promtool(["test", "rules", "foresight-rules.test.yaml"], dir), /SUCCESS/);
    });
  });

  describe("Kustomize", { skip: kubectlMissing }, () => {
    const render = (path: string): Obj[] => {
      const out = execFileSync(KUBECTL_BINARY, ["kustomize", path], { encoding: "utf8", timeout: 60_000 });
      return parseAllDocuments(out)
        .map((d) => d.toJS() as Obj)
        .filter((d) => d !== null);
    };

    it("renders deploy/monitoring: the dashboard ConfigMap for Grafana's sidecar and the PrometheusRule", () => {
      const docs = render(MONITORING);
      assert.deepEqual(docs.map((d) => `${d.kind} ${d.metadata.namespace}/${d.metadata.name}`).sort(), [
        "ConfigMap foresight/foresight-dashboard",
        "PrometheusRule foresight/foresight",
      ]);
      const cm = docs.find((d) => d.kind === "ConfigMap") as Obj;
      assert.equal(cm.metadata.labels.grafana_dashboard, "1");
      assert.deepEqual(JSON.parse(cm.data["foresight-dashboard.json"]), dashboard);
      const rule = docs.find((d) => d.kind === "PrometheusRule") as Obj;
      assert.deepEqual(rule.spec, ruleDoc.spec);
    });

    it("renders the overlay docs/operations.md shows: ServiceMonitor and rules labelled for kube-prometheus-stack", () => {
      const doc = readFileSync(join(ROOT, "docs/operations.md"), "utf8");
      const marker = "# deploy/overlays/monitored/kustomization.yaml";
      const block = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)]
        .map((m) => m[1] as string)
        .find((b) => b.startsWith(marker));
      assert.ok(block, `docs/operations.md has no yaml block starting with "${marker}"`);
      const work = mkdtempSync(join(tmpdir(), "foresight-monitored-"));
      try {
        cpSync(join(ROOT, "deploy"), join(work, "deploy"), {
          recursive: true,
          filter: (src) => !src.includes(join("self-signed", "certs")),
        });
        mkdirSync(join(work, "deploy/overlays/monitored"));
        writeFileSync(join(work, "deploy/overlays/monitored/kustomization.yaml"), block);
        const docs = render(join(work, "deploy/overlays/monitored"));
        const sm = docs.filter((d) => d.kind === "ServiceMonitor");
        assert.equal(sm.length, 1);
        assert.equal(sm[0]?.metadata.labels.release, "kube-prometheus-stack");
        assert.equal(sm[0]?.metadata.labels["app.kubernetes.io/name"], "foresight");
        assert.ok(sm[0]?.spec.endpoints.every((e: Obj) => e.honorLabels === true));
        const rules = docs.filter((d) => d.kind === "PrometheusRule");
        assert.equal(rules.length, 1);
        assert.equal(rules[0]?.metadata.labels.release, "kube-prometheus-stack");
        const cm = docs.find((d) => d.kind === "ConfigMap" && d.metadata.name === "foresight-dashboard");
        assert.equal(cm?.metadata.labels.grafana_dashboard, "1");
        // The release label goes on the monitoring objects only.
        for (const d of docs)
          if (d.kind !== "ServiceMonitor" && d.kind !== "PrometheusRule")
            assert.equal(d.metadata.labels?.release, undefined, `${d.kind} ${d.metadata.name}`);
        // The rest of the install is there.
        assert.ok(docs.some((d) => d.kind === "Deployment" && d.metadata.name === "foresight"));
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    });
  });
});

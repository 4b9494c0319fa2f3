/**
 * `foresight check-config FILE`: validate the file (every problem with its line and field, PromQL
 * that Prometheus would refuse included), then show each rule and, unless --offline, what it
 * matches right now in Prometheus: series served, and series dropped with the reason (a name with
 * `:`, a name that expands to empty, no label mapped to a resource). With --kubeconfig, resource
 * overrides are checked against the cluster's discovery (custom resources included) instead of
 * the built-in table.
 */
import type { Writable } from "node:stream";
import { Discovery, type RuleStatus } from "../adapter/discovery.js";
import type { CompiledRule } from "../adapter/naming/types.js";
import type { SeriesRegistry } from "../adapter/seriesRegistry.js";
import { systemClock } from "../clock.js";
import { ConfigError } from "../config/errors.js";
import { groupResourceString } from "../k8s/groupResource.js";
import { loadKubeConfig } from "../kube/kubeconfig.js";
import { decorateSource } from "../metrics/decorate.js";
import { PrometheusSource } from "../metrics/prometheusSource.js";
import { silentLogger } from "../telemetry/logger.js";
import { discoverCatalog } from "./catalog.js";
import { notAnAdapterConfig } from "./configKind.js";
import { loadAndCompile } from "./loadRules.js";

export interface CheckConfigOptions {
  readonly prometheusUrl?: string;
  readonly offline: boolean;
  /** Check resource overrides against this cluster's discovery. */
  readonly kubeconfig?: string;
}

/**
 * Returns false when the file is invalid. The report goes to `out`; what is wrong (the file invalid,
 * a warning, discovery that failed) goes to `err`.
 */
export async function checkConfig(
  file: string,
  options: CheckConfigOptions,
  out: Writable,
  err: Writable = out,
): Promise<boolean> {
  const print = (line = "") => out.write(`${line}\n`);
  const complain = (line: string) => err.write(`${line}\n`);
  const notConfig = notAnAdapterConfig(file);
  if (notConfig !== undefined) {
    complain(`${file}: invalid: ${notConfig}`);
    return false;
  }
  const { catalog, discovered, error } = await discoverCatalog(
    options.kubeconfig === undefined ? undefined : loadKubeConfig(options.kubeconfig),
  );
  if (error !== undefined)
    complain(
      `note: the cluster's API discovery failed (${error}); resources are checked against the built-in table`,
    );
  else if (discovered !== undefined)
    print(`resources checked against the cluster's discovery (${discovered} resources)`);
  let loaded: Awaited<ReturnType<typeof loadAndCompile>>;
  try {
    loaded = await loadAndCompile(file, catalog, { checkPromQL: true });
  } catch (caught) {
    if (caught instanceof ConfigError) {
      complain(`${file}: invalid`);
      complain(caught.message);
      return false;
    }
    throw caught;
  }
  const { config, rules, warnings } = loaded;
  print(`${file}: valid (${config.rules.length} rules, ${config.externalRules.length} external rules)`);
  for (const warning of warnings) complain(`warning: ${warning}`);
  const url = options.prometheusUrl ?? config.prometheus.url;
  if (url === undefined && !options.offline)
    print("note: no prometheus.url: serve would use the embedded metrics store, so only the file is checked");
  if (options.offline || url === undefined) {
    for (const rule of rules) print(`${rule.id} [${rule.kind}] seriesQuery ${rule.seriesQuery}`);
    return true;
  }
  const source = decorateSource(
    new PrometheusSource({ config: { ...config.prometheus, url } }),
    config.prometheus,
  );
  const discovery = new Discovery({
    rules,
    source,
    clock: systemClock,
    logger: silentLogger(),
    relistIntervalMs: config.adapter.relistInterval,
    maxAgeMs: config.adapter.maxAge ?? config.adapter.relistInterval,
    rediscoveryIntervalMs: 0,
  });
  await discovery.relist();
  print(`discovery against ${url}:`);
  for (const status of discovery.status()) {
    const rule = rules.find((r) => r.id === status.rule);
    print();
    print(`${status.rule} [${rule?.kind}] seriesQuery ${status.seriesQuery}`);
    if (status.lastError) {
      print(`  discovery failed: ${status.lastError}`);
      complain(`${status.rule}: discovery failed: ${status.lastError}`);
      continue;
    }
    printCounts(status, print);
    if (rule) printMetrics(rule, discovery.registry, print);
  }
  return true;
}

/** `12 series returned: 9 served, 2 filtered out by name, 1 dropped`, then each drop reason. */
function printCounts(status: RuleStatus, print: (line: string) => void): void {
  const dropped = status.dropped.reduce((sum, d) => sum + d.series, 0) + status.droppedOther;
  const filtered = status.returned - status.series - dropped;
  print(
    `  ${status.returned} series returned: ${status.series} served, ${filtered} filtered out by name, ${dropped} dropped`,
  );
  for (const drop of status.dropped) print(`  dropped ${drop.series} series: ${drop.reason}`);
  if (status.droppedOther > 0) print(`  dropped ${status.droppedOther} more series for other reasons`);
}

function printMetrics(rule: CompiledRule, registry: SeriesRegistry, print: (line: string) => void): void {
  if (rule.kind === "external") {
    for (const name of registry.externalMetrics()) {
      if (registry.externalSources(name).some((s) => s.rule === rule)) print(`  external metric ${name}`);
    }
    return;
  }
  for (const m of registry.customMetrics()) {
    const sources = registry.customSources(m.resource, m.metricName).filter((s) => s.rule === rule);
    if (sources.length > 0) {
      print(
        `  ${groupResourceString(m.resource)}/${m.metricName} (series ${sources.map((s) => s.seriesName).join(", ")})`,
      );
    }
  }
}

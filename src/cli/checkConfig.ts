/**
 * `foresight check-config FILE`: validate the file (every problem with its line and field, PromQL
 * that Prometheus would refuse included), then show each rule and, unless --offline, what it
 * matches right now in Prometheus.
 */
import type { Writable } from "node:stream";
import { Discovery } from "../adapter/discovery.js";
import { systemClock } from "../clock.js";
import { ConfigError } from "../config/errors.js";
import { groupResourceString } from "../k8s/groupResource.js";
import { BUILTIN_RESOURCES, StaticResourceCatalog } from "../k8s/resourceCatalog.js";
import { PrometheusSource } from "../metrics/prometheusSource.js";
import { silentLogger } from "../telemetry/logger.js";
import { loadAndCompile } from "./loadRules.js";

export interface CheckConfigOptions {
  readonly prometheusUrl?: string;
  readonly offline: boolean;
}

/** Returns false when the file is invalid. */
export async function checkConfig(
  file: string,
  options: CheckConfigOptions,
  out: Writable,
): Promise<boolean> {
  const print = (line = "") => out.write(`${line}\n`);
  const catalog = new StaticResourceCatalog(BUILTIN_RESOURCES);
  let loaded: Awaited<ReturnType<typeof loadAndCompile>>;
  try {
    loaded = await loadAndCompile(file, catalog, { checkPromQL: true });
  } catch (err) {
    if (err instanceof ConfigError) {
      print(`${file}: invalid`);
      print(err.message);
      return false;
    }
    throw err;
  }
  const { config, rules } = loaded;
  print(`${file}: valid (${config.rules.length} rules, ${config.externalRules.length} external rules)`);
  if (config.resourceRules)
    print("note: resourceRules are accepted but not served (metrics.k8s.io belongs to metrics-server)");
  const url = options.prometheusUrl ?? config.prometheus.url;
  if (url === undefined && !options.offline)
    print("note: no prometheus.url: serve would use the embedded metrics store, so only the file is checked");
  if (options.offline || url === undefined) {
    for (const rule of rules) print(`${rule.id} [${rule.kind}] seriesQuery ${rule.seriesQuery}`);
    return true;
  }
  const source = new PrometheusSource({ config: { ...config.prometheus, url } });
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
  const registry = discovery.registry;
  for (const status of discovery.status()) {
    const rule = rules.find((r) => r.id === status.rule);
    print();
    print(`${status.rule} [${rule?.kind}] seriesQuery ${status.seriesQuery}`);
    if (status.lastError) {
      print(`  discovery failed: ${status.lastError}`);
      continue;
    }
    print(`  ${status.series} series`);
    if (rule?.kind === "external") {
      for (const name of registry.externalMetrics()) {
        if (registry.externalSources(name).some((s) => s.rule === rule)) print(`  external metric ${name}`);
      }
    } else {
      for (const m of registry.customMetrics()) {
        const sources = registry.customSources(m.resource, m.metricName).filter((s) => s.rule === rule);
        if (sources.length > 0) {
          print(
            `  ${groupResourceString(m.resource)}/${m.metricName} (series ${sources.map((s) => s.seriesName).join(", ")})`,
          );
        }
      }
    }
  }
  return true;
}

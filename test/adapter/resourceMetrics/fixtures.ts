/**
 * Shared set-up of the resource metrics tests: prometheus-adapter's documented `resourceRules`
 * (cAdvisor series; its walkthrough's config), a catalog, listers with pods and nodes, and a
 * provider over a FakeSource.
 */
import { QueryCache } from "../../../src/adapter/queryCache.js";
import { QueryRunner } from "../../../src/adapter/queryRunner.js";
import { ResourceMetricsProvider } from "../../../src/adapter/resourceMetrics/provider.js";
import {
  compileResourceRules,
  type ResourceRules,
} from "../../../src/adapter/resourceMetrics/resourceRules.js";
import { parseConfigText } from "../../../src/config/load.js";
import type { KubeObject } from "../../../src/k8s/lister.js";
import { StaticResourceCatalog } from "../../../src/k8s/resourceCatalog.js";
import type { Sample } from "../../../src/metrics/source.js";
import { silentLogger } from "../../../src/telemetry/logger.js";
import type { FakeSource } from "../../doubles/fakeSource.js";
import { MemoryLister, MemoryListerFactory } from "../../doubles/lister.js";

export const RESOURCE_RULES = `
resourceRules:
  cpu:
    containerQuery: sum(rate(container_cpu_usage_seconds_total{<<.LabelMatchers>>}[3m])) by (<<.GroupBy>>)
    nodeQuery: sum(rate(container_cpu_usage_seconds_total{<<.LabelMatchers>>, id='/'}[3m])) by (<<.GroupBy>>)
    resources:
      overrides:
        instance: {resource: node}
        namespace: {resource: namespace}
        pod: {resource: pod}
    containerLabel: container
  memory:
    containerQuery: sum(container_memory_working_set_bytes{<<.LabelMatchers>>}) by (<<.GroupBy>>)
    nodeQuery: sum(container_memory_working_set_bytes{<<.LabelMatchers>>,id='/'}) by (<<.GroupBy>>)
    resources:
      overrides:
        instance: {resource: node}
        namespace: {resource: namespace}
        pod: {resource: pod}
    containerLabel: container
  window: 3m
`;

/** The queries RESOURCE_RULES renders, as prometheus-adapter's Build fills the templates. */
export const Q = {
  cpuPods: (ns: string) =>
    `sum(rate(container_cpu_usage_seconds_total{namespace="${ns}",pod!=""}[3m])) by (pod,container)`,
  memPods: (ns: string) =>
    `sum(container_memory_working_set_bytes{namespace="${ns}",pod!=""}) by (pod,container)`,
  cpuPod: (ns: string, pod: string) =>
    `sum(rate(container_cpu_usage_seconds_total{namespace="${ns}",pod="${pod}"}[3m])) by (pod,container)`,
  memPod: (ns: string, pod: string) =>
    `sum(container_memory_working_set_bytes{namespace="${ns}",pod="${pod}"}) by (pod,container)`,
  cpuNodes: `sum(rate(container_cpu_usage_seconds_total{instance!="", id='/'}[3m])) by (instance)`,
  memNodes: `sum(container_memory_working_set_bytes{instance!="",id='/'}) by (instance)`,
  cpuNode: (n: string) =>
    `sum(rate(container_cpu_usage_seconds_total{instance="${n}", id='/'}[3m])) by (instance)`,
  memNode: (n: string) => `sum(container_memory_working_set_bytes{instance="${n}",id='/'}) by (instance)`,
};

export const T0 = 1_700_000_000_000;

export function sample(labels: Record<string, string>, value: number, timestamp = T0): Sample {
  return { labels, value, timestamp };
}

export function pod(namespace: string, name: string, labels: Record<string, string> = {}): KubeObject {
  return { metadata: { name, namespace, labels } };
}

export function node(name: string, labels: Record<string, string> = {}): KubeObject {
  return { metadata: { name, labels } };
}

export const catalog = new StaticResourceCatalog();

export function rulesOf(text: string): ResourceRules {
  const rules = compileResourceRules(parseConfigText(text, "test.yaml").resourceRules, catalog);
  if (!rules) throw new Error("no resourceRules in the test config");
  return rules;
}

export function providerWith(
  source: FakeSource,
  objects: { pods?: KubeObject[]; nodes?: KubeObject[] },
  text = RESOURCE_RULES,
  synced = true,
): ResourceMetricsProvider {
  const rules = rulesOf(text);
  const listers = new MemoryListerFactory([
    [rules.pods, new MemoryLister(objects.pods ?? [], { synced })],
    [rules.nodes, new MemoryLister(objects.nodes ?? [], { synced })],
  ]);
  const runner = new QueryRunner({
    source,
    cache: new QueryCache<readonly Sample[]>({ ttlMs: 0, now: () => 0 }),
    logger: silentLogger(),
  });
  return new ResourceMetricsProvider({ rules, runner, listers });
}

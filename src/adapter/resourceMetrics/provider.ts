/**
 * Answers metrics.k8s.io/v1beta1 from `resourceRules`, as prometheus-adapter's resource provider
 * (pkg/resourceprovider) behind metrics-server's REST storage (pkg/api pod.go, node.go):
 *
 * - the objects come from the informers (pods by namespace and label selector, nodes by label
 *   selector), then the field selector; lists are sorted by namespace and name;
 * - per namespace, the cpu and memory `containerQuery` run side by side; nodes take one
 *   `nodeQuery` each for cpu and memory; samples are matched to the objects by the rule's pod
 *   (node) label and to containers by its `containerLabel`;
 * - a pod (node) lacking cpu or memory samples is left out of a list and is a 404 on a get
 *   (`pods.metrics.k8s.io "ns/name" not found`); a container with one of the two gets "0" for the
 *   other, as prometheus-adapter fills it; negative values become 0 (NaN and ±Inf are dropped by
 *   the query runner, so their pod is left out); the timestamp is the earliest sample's.
 *
 * Unlike prometheus-adapter, which logs a failed query and answers an empty list, a failed query
 * fails the request (503 when Prometheus is unreachable): an empty list would read as "no pods".
 */
import type { Selector } from "../../k8s/labelSelector.js";
import type { KubeObject, ListerFactory } from "../../k8s/lister.js";
import { ApiError, notFound, serviceUnavailable } from "../../k8s/status.js";
import type { Sample } from "../../metrics/source.js";
import type { QueryRunner, SamplesByLabel } from "../queryRunner.js";
import type { FieldSelector } from "./fieldSelector.js";
import { cpuQuantity, memoryQuantity } from "./quantities.js";
import { nodeQuery, podQuery } from "./resourceQuery.js";
import { RESOURCE_NAMES, type ResourceName, type ResourceRule, type ResourceRules } from "./resourceRules.js";
import { METRICS_GROUP, type NodeMetricsValue, type PodMetricsValue } from "./values.js";

export interface ResourceMetricsRequest {
  readonly resource: "pods" | "nodes";
  /** Pods: the namespace, or undefined for every namespace. Nodes: undefined. */
  readonly namespace?: string;
  /** A get of one object; undefined for a list. */
  readonly name?: string;
  readonly labelSelector: Selector;
  readonly fieldSelector: FieldSelector;
}

export interface ResourceMetricsProviderOptions {
  readonly rules: ResourceRules;
  readonly runner: QueryRunner;
  /** Undefined without a Kubernetes connection: every request is then a 503. */
  readonly listers?: ListerFactory;
}

const QUANTITY: Readonly<Record<ResourceName, (v: number) => string>> = {
  cpu: cpuQuantity,
  memory: memoryQuantity,
};

/** Samples of one resource, by object name. */
type ByObject = SamplesByLabel;

export class ResourceMetricsProvider {
  readonly #opts: ResourceMetricsProviderOptions;

  constructor(options: ResourceMetricsProviderOptions) {
    this.#opts = options;
  }

  get servesNodes(): boolean {
    return this.#opts.rules.servesNodes;
  }

  /** Pod metrics of the pods selected (a list); pods without metrics are left out. */
  async listPods(req: ResourceMetricsRequest): Promise<PodMetricsValue[]> {
    const pods = this.#objects("pods", req.namespace)
      .filter((p) => req.labelSelector.matches(p.metadata.labels ?? {}))
      .filter((p) =>
        req.fieldSelector.matches({
          "metadata.name": p.metadata.name,
          "metadata.namespace": p.metadata.namespace ?? "",
        }),
      )
      .sort(
        (a, b) =>
          compare(a.metadata.namespace ?? "", b.metadata.namespace ?? "") ||
          compare(a.metadata.name, b.metadata.name),
      );
    return this.#podMetrics(pods, false);
  }

  /** One pod's metrics; 404 when the pod is unknown or has no metrics. */
  async getPod(namespace: string, name: string): Promise<PodMetricsValue> {
    const pod = this.#lister("pods").get(name, namespace);
    if (!pod) throw notFoundOf("pod", "", name);
    const [found] = await this.#podMetrics([pod], true);
    if (!found) throw notFoundOf("pods", METRICS_GROUP, `${namespace}/${name}`);
    return found;
  }

  /** Node metrics of the nodes selected (a list); nodes without metrics are left out. */
  async listNodes(req: ResourceMetricsRequest): Promise<NodeMetricsValue[]> {
    const nodes = this.#objects("nodes", undefined)
      .filter((n) => req.labelSelector.matches(n.metadata.labels ?? {}))
      .filter((n) => req.fieldSelector.matches({ "metadata.name": n.metadata.name }))
      .sort((a, b) => compare(a.metadata.name, b.metadata.name));
    return this.#nodeMetrics(nodes, undefined);
  }

  /** One node's metrics; 404 when the node is unknown or has no metrics. */
  async getNode(name: string): Promise<NodeMetricsValue> {
    const node = this.#lister("nodes").get(name);
    if (!node) throw notFoundOf("node", "", name);
    const [found] = await this.#nodeMetrics([node], name);
    if (!found) throw notFoundOf("nodes", METRICS_GROUP, name);
    return found;
  }

  async #podMetrics(pods: readonly KubeObject[], one: boolean): Promise<PodMetricsValue[]> {
    const byNamespace = new Map<string, KubeObject[]>();
    for (const pod of pods) {
      const ns = pod.metadata.namespace ?? "";
      byNamespace.set(ns, [...(byNamespace.get(ns) ?? []), pod]);
    }
    const results = new Map<string, Record<ResourceName, ByObject>>();
    await Promise.all(
      [...byNamespace].map(async ([namespace, inNamespace]) => {
        const name = one ? inNamespace[0]?.metadata.name : undefined;
        const [cpu, memory] = await Promise.all(
          RESOURCE_NAMES.map((r) => this.#podSamples(this.#opts.rules[r], namespace, name)),
        );
        results.set(namespace, { cpu: cpu as ByObject, memory: memory as ByObject });
      }),
    );
    const out: PodMetricsValue[] = [];
    for (const pod of pods) {
      const found = results.get(pod.metadata.namespace ?? "");
      const cpu = found?.cpu.get(pod.metadata.name);
      const memory = found?.memory.get(pod.metadata.name);
      if (!cpu || !memory) continue;
      out.push(this.#assemblePod(pod, { cpu, memory }));
    }
    return out;
  }

  #assemblePod(pod: KubeObject, samples: Record<ResourceName, readonly Sample[]>): PodMetricsValue {
    const containers = new Map<string, Record<string, string>>();
    let earliest = Number.POSITIVE_INFINITY;
    for (const resource of RESOURCE_NAMES) {
      const label = this.#opts.rules[resource].containerLabel;
      for (const sample of samples[resource]) {
        const container = sample.labels[label] ?? "";
        const usage = containers.get(container) ?? {};
        usage[resource] = QUANTITY[resource](Math.max(sample.value, 0));
        containers.set(container, usage);
        earliest = Math.min(earliest, sample.timestamp);
      }
    }
    return {
      name: pod.metadata.name,
      namespace: pod.metadata.namespace ?? "",
      labels: pod.metadata.labels ?? {},
      timestamp: earliest,
      windowMs: this.#opts.rules.windowMs,
      containers: [...containers]
        .sort(([a], [b]) => compare(a, b))
        .map(([name, usage]) => ({ name, usage: { cpu: usage.cpu ?? "0", memory: usage.memory ?? "0" } })),
    };
  }

  async #nodeMetrics(nodes: readonly KubeObject[], name: string | undefined): Promise<NodeMetricsValue[]> {
    if (nodes.length === 0) return [];
    const [cpu, memory] = (await Promise.all(
      RESOURCE_NAMES.map((r) => this.#nodeSamples(this.#opts.rules[r], name)),
    )) as [ByObject, ByObject];
    const out: NodeMetricsValue[] = [];
    for (const node of nodes) {
      const rawCpu = cpu.get(node.metadata.name)?.[0];
      const rawMemory = memory.get(node.metadata.name)?.[0];
      if (!rawCpu || !rawMemory) continue;
      out.push({
        name: node.metadata.name,
        labels: node.metadata.labels ?? {},
        timestamp: Math.min(rawCpu.timestamp, rawMemory.timestamp),
        windowMs: this.#opts.rules.windowMs,
        usage: {
          cpu: cpuQuantity(Math.max(rawCpu.value, 0)),
          memory: memoryQuantity(Math.max(rawMemory.value, 0)),
        },
      });
    }
    return out;
  }

  async #podSamples(rule: ResourceRule, namespace: string, name: string | undefined): Promise<ByObject> {
    const query = podQuery(
      rule.containerQuery,
      { namespace: rule.namespaceLabel, pod: rule.podLabel, container: rule.containerLabel },
      namespace,
      name,
    );
    return this.#opts.runner.samplesByLabel(
      query,
      `resourceRules.${rule.resource}`,
      rule.podLabel,
      name === undefined,
    );
  }

  async #nodeSamples(rule: ResourceRule, name: string | undefined): Promise<ByObject> {
    if (!rule.nodeQuery || rule.nodeLabel === undefined) throw nodesNotServed();
    const query = nodeQuery(rule.nodeQuery, rule.nodeLabel, name);
    return this.#opts.runner.samplesByLabel(
      query,
      `resourceRules.${rule.resource}`,
      rule.nodeLabel,
      name === undefined,
    );
  }

  #objects(resource: "pods" | "nodes", namespace: string | undefined): KubeObject[] {
    return [...this.#lister(resource).list(namespace)];
  }

  #lister(resource: "pods" | "nodes") {
    if (resource === "nodes" && !this.servesNodes) throw nodesNotServed();
    const info = resource === "pods" ? this.#opts.rules.pods : this.#opts.rules.nodes;
    const lister = this.#opts.listers?.listerFor(info);
    if (!lister) {
      throw serviceUnavailable(
        `cannot list ${resource}: Foresight has no Kubernetes connection or no informer for ${resource}`,
      );
    }
    if (!lister.hasSynced())
      throw serviceUnavailable(`the cache of ${resource} is not synced yet; retry shortly`);
    return lister;
  }
}

/** 404 for a resource this config does not serve. */
export function nodesNotServed(): ApiError {
  return notFound(
    "the server could not find the requested resource: node metrics are not served (resourceRules.cpu and resourceRules.memory need a nodeQuery)",
  );
}

/**
 * apimachinery's NewNotFound: `<resource>[.<group>] "<name>" not found`, with its details. The
 * object itself missing is the lister's error (`pod "x" not found`, singular, as client-go's
 * listers name it); its metrics missing is the storage's (`pods.metrics.k8s.io "ns/x" not found`).
 */
function notFoundOf(resource: string, group: string, name: string): ApiError {
  const qualified = group === "" ? resource : `${resource}.${group}`;
  return new ApiError(404, "NotFound", `${qualified} "${name}" not found`, {
    details: { name, ...(group !== "" ? { group } : {}), kind: resource },
  });
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A simulated cluster made visible through the Kubernetes facade: each step mirrors the SimCluster's
 * deployments, pods and nodes into an ObjectStore, and feeds clients' replica changes (a `/scale`
 * write, a patch of spec.replicas) back into the cluster, so a real client watching the facade sees a
 * living cluster. Hand-written: it glues two in-house simulators; no library knows either.
 *
 * Writes are diffed against what is already there (and what this mirror wrote), so an idle step
 * writes nothing: every store write bumps resourceVersion and fires watch events.
 */
import type { NodeGroupSpec, SimClock, SimCluster } from "../../replay/cluster/index.js";
import { SIM_STEP_MS } from "../../replay/cluster/index.js";
import { KubeApiError, type ObjectStore } from "../kube/index.js";
import { podObject } from "../kube/objectBuilders.js";
import type { StoredObject } from "../kube/objects.js";
import { isPlainObject } from "../kube/objects.js";
import {
  type NodeGroupInfo,
  nodeInput,
  type PodState,
  podInput,
  podName,
  podState,
  resourceQuantities,
  samePodState,
} from "./mirror.js";

const DEPLOYMENTS = "deployments.apps";

/** Shortest real interval between ticks of `run`, so very high speeds batch steps instead of spinning. */
export const MIN_TICK_MS = 10;

export interface LiveSimulationOptions {
  readonly cluster: SimCluster;
  readonly store: ObjectStore;
  /** Namespace of the Deployment and Pod objects; created when missing. */
  readonly namespace: string;
  /** Cluster deployments to mirror; Deployment objects missing from the store are created. */
  readonly deployments: readonly string[];
  readonly clock: SimClock;
  /** Simulated time per step; default 15 s. */
  readonly stepMs?: number;
  /** The cluster's node groups, for node objects' allocatable and labels. */
  readonly nodeGroups?: readonly NodeGroupSpec[];
  /** Labels of Deployment objects this creates; default `{ app: <name> }`. */
  readonly selectorFor?: (deployment: string) => Readonly<Record<string, string>>;
}

export interface LiveRunOptions {
  /** Simulated ms per real ms: 1 real time, 60 one minute per second. Default 1. */
  readonly speed?: number;
  /** Abort to stop; `run` then resolves. */
  readonly signal?: AbortSignal;
  /** Real clock in ms, for tests; default performance.now. */
  readonly wallClock?: () => number;
  /** Bound on steps done in one tick when behind (the event loop stays responsive). Default 1000. */
  readonly maxStepsPerTick?: number;
}

interface Mirrored {
  readonly name: string;
  /** spec.replicas as last seen in (or written to) the store; a different value is a client's write. */
  specReplicas: number | undefined;
  labels: Readonly<Record<string, string>>;
  /** Pod objects this mirror wrote, by name, with what they say. */
  readonly pods: Map<string, PodState>;
}

function isNotFound(error: unknown): boolean {
  return error instanceof KubeApiError && error.code === 404;
}

function isAlreadyExists(error: unknown): boolean {
  return error instanceof KubeApiError && error.reason === "AlreadyExists";
}

function matchLabels(obj: StoredObject): Record<string, string> | undefined {
  const spec = obj.spec;
  if (!isPlainObject(spec) || !isPlainObject(spec.selector)) return undefined;
  const labels = spec.selector.matchLabels;
  return isPlainObject(labels) ? (labels as Record<string, string>) : undefined;
}

function specReplicasOf(obj: StoredObject): number | undefined {
  const spec = obj.spec;
  return isPlainObject(spec) && typeof spec.replicas === "number" ? spec.replicas : undefined;
}

export class LiveSimulation {
  readonly stepMs: number;
  readonly #cluster: SimCluster;
  readonly #store: ObjectStore;
  readonly #namespace: string;
  readonly #clock: SimClock;
  readonly #groups: Map<string, NodeGroupInfo>;
  readonly #deployments: Mirrored[];
  /** Node objects this mirror created. */
  readonly #nodes = new Set<string>();

  constructor(options: LiveSimulationOptions) {
    this.stepMs = options.stepMs ?? SIM_STEP_MS;
    if (!(this.stepMs > 0 && Number.isFinite(this.stepMs))) {
      throw new RangeError(`LiveSimulation: stepMs ${this.stepMs} must be a positive number of ms`);
    }
    this.#cluster = options.cluster;
    this.#store = options.store;
    this.#namespace = options.namespace;
    this.#clock = options.clock;
    this.#groups = new Map(
      (options.nodeGroups ?? []).map((g) => [
        g.name,
        { allocatable: g.allocatable, ...(g.labels ? { labels: g.labels } : {}) },
      ]),
    );
    if (!this.#store.find("namespaces", this.#namespace)) this.#store.addNamespace(this.#namespace);
    const selectorFor = options.selectorFor ?? ((name: string) => ({ app: name }));
    this.#deployments = options.deployments.map((name) => {
      // Throws early, naming the deployment, if the cluster does not have it.
      const desired = this.#cluster.deploymentStatus(name).desired;
      const existing = this.#store.find(DEPLOYMENTS, name, this.#namespace);
      const obj =
        existing ??
        this.#store.addDeployment({
          namespace: this.#namespace,
          name,
          replicas: desired,
          selector: selectorFor(name),
          requests: resourceQuantities(this.#cluster.deploymentRequests(name)),
        });
      // An existing object's spec.replicas counts as a client's wish and is applied on the first sync.
      return {
        name,
        specReplicas: existing ? undefined : desired,
        labels: matchLabels(obj) ?? selectorFor(name),
        pods: new Map(),
      };
    });
    this.sync();
  }

  /** Simulated time now. */
  get timeMs(): number {
    return this.#clock.now();
  }

  /**
   * One step: take clients' replica changes and show their immediate effect (pods created or deleted
   * at the current time, as the ReplicaSet controller would), then advance clock and cluster by stepMs
   * and mirror the result.
   */
  step(): void {
    this.sync();
    this.#cluster.step(this.#clock.advance(this.stepMs));
    this.#push();
  }

  /** Both directions without moving time (e.g. right after a client's write). */
  sync(): void {
    this.#pull();
    this.#push();
  }

  /**
   * Steps with real timers until `signal` aborts. Simulated time follows `speed` × real time elapsed
   * since the call, in whole steps: a tick every max(stepMs / speed, MIN_TICK_MS) real ms does the steps
   * now due (so at 60× with 15 s steps, one step every 250 ms; at 6000×, ~4 steps every 10 ms), which
   * keeps the pace without drift whatever the timer jitter. Timers are unref'd: whoever serves the
   * store keeps the process alive.
   */
  run(options: LiveRunOptions = {}): Promise<void> {
    const speed = options.speed ?? 1;
    if (!(speed > 0 && Number.isFinite(speed))) {
      throw new RangeError(`LiveSimulation.run: speed ${speed} must be a positive number (1 = real time)`);
    }
    const maxSteps = options.maxStepsPerTick ?? 1000;
    if (!(Number.isInteger(maxSteps) && maxSteps > 0)) {
      throw new RangeError(`LiveSimulation.run: maxStepsPerTick ${maxSteps} must be a positive integer`);
    }
    const wall = options.wallClock ?? (() => performance.now());
    const signal = options.signal;
    const tickMs = Math.max(MIN_TICK_MS, this.stepMs / speed);
    const startedAt = wall();
    let done = 0;
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return resolve();
      let timer: NodeJS.Timeout | undefined;
      const stop = () => {
        clearTimeout(timer);
        resolve();
      };
      signal?.addEventListener("abort", stop, { once: true });
      const tick = () => {
        try {
          const due = Math.floor(((wall() - startedAt) * speed) / this.stepMs) - done;
          for (let i = 0; i < Math.min(due, maxSteps); i++) {
            this.step();
            done++;
          }
          // Behind by more than a tick's bound: drop the backlog rather than fall further behind.
          if (due > maxSteps) done += due - maxSteps;
        } catch (error) {
          signal?.removeEventListener("abort", stop);
          return reject(error);
        }
        if (signal?.aborted) return;
        timer = setTimeout(tick, tickMs);
        timer.unref();
      };
      timer = setTimeout(tick, tickMs);
      timer.unref();
    });
  }

  // ---- store → cluster ----

  #pull(): void {
    for (const d of this.#deployments) {
      const obj = this.#deploymentObject(d);
      const spec = specReplicasOf(obj);
      const desired = this.#cluster.deploymentStatus(d.name).desired;
      if (spec !== undefined && spec !== d.specReplicas) {
        // A client wrote spec.replicas (directly or through /scale).
        if (spec !== desired) this.#cluster.setReplicas(d.name, spec);
        d.specReplicas = spec;
      } else if (spec !== desired) {
        // Something drove the cluster directly (a policy, a test): the store follows.
        this.#store.patch(DEPLOYMENTS, d.name, this.#namespace, { spec: { replicas: desired } });
        d.specReplicas = desired;
      }
      d.labels = matchLabels(obj) ?? d.labels;
    }
  }

  /** The Deployment object; recreated from the cluster when a client deleted it. */
  #deploymentObject(d: Mirrored): StoredObject {
    const found = this.#store.find(DEPLOYMENTS, d.name, this.#namespace);
    if (found) return found;
    d.specReplicas = this.#cluster.deploymentStatus(d.name).desired;
    return this.#store.addDeployment({
      namespace: this.#namespace,
      name: d.name,
      replicas: d.specReplicas,
      selector: d.labels,
      requests: resourceQuantities(this.#cluster.deploymentRequests(d.name)),
    });
  }

  // ---- cluster → store ----

  #push(): void {
    // Nodes appear before the pods bound to them and go after the pods leave.
    const nodes = this.#cluster.nodes();
    const present = new Set(nodes.map((n) => n.name));
    for (const n of nodes) {
      if (this.#nodes.has(n.name)) continue;
      try {
        this.#store.addNode(nodeInput(n, this.#groups.get(n.group)));
      } catch (error) {
        if (!isAlreadyExists(error)) throw error;
      }
      this.#nodes.add(n.name);
    }
    for (const d of this.#deployments) {
      this.#pushPods(d);
      this.#pushStatus(d);
    }
    for (const name of this.#nodes) {
      if (present.has(name)) continue;
      this.#deleteIfPresent("nodes", name, undefined);
      this.#nodes.delete(name);
    }
  }

  #pushPods(d: Mirrored): void {
    const current = new Set<string>();
    for (const view of this.#cluster.pods(d.name)) {
      const name = podName(d.name, view);
      const state = podState(view);
      current.add(name);
      const written = d.pods.get(name);
      if (written && samePodState(written, state)) continue;
      this.#writePod(d, name, state, written === undefined);
      d.pods.set(name, state);
    }
    for (const name of d.pods.keys()) {
      if (current.has(name)) continue;
      this.#deleteIfPresent("pods", name, this.#namespace);
      d.pods.delete(name);
    }
  }

  #writePod(d: Mirrored, name: string, state: PodState, isNew: boolean): void {
    const input = podInput(this.#namespace, name, d.labels, state);
    const existing = isNew ? undefined : this.#store.find("pods", name, this.#namespace);
    if (!existing) {
      try {
        this.#store.addPod(input);
        return;
      } catch (error) {
        if (!isAlreadyExists(error)) throw error;
      }
    }
    const current = existing ?? this.#store.get("pods", name, this.#namespace);
    // Conditions change now; the pod keeps the time it first started.
    const built = podObject(
      input,
      this.#store
        .now()
        .toISOString()
        .replace(/\.\d{3}Z$/, "Z"),
    );
    const spec = { ...(isPlainObject(current.spec) ? current.spec : {}) };
    if (state.nodeName === undefined) delete spec.nodeName;
    else spec.nodeName = state.nodeName;
    const status = { ...(built.status as Record<string, unknown>) };
    const startTime = isPlainObject(current.status) ? current.status.startTime : undefined;
    if (startTime !== undefined && status.startTime !== undefined) status.startTime = startTime;
    this.#store.update("pods", { ...current, spec, status });
  }

  #pushStatus(d: Mirrored): void {
    const s = this.#cluster.deploymentStatus(d.name);
    const obj = this.#deploymentObject(d);
    const want = {
      observedGeneration: obj.metadata.generation ?? 1,
      replicas: s.pending + s.running,
      updatedReplicas: s.pending + s.running,
      readyReplicas: s.ready,
      availableReplicas: s.ready,
      unavailableReplicas: s.pending + s.running - s.ready,
    };
    const have = isPlainObject(obj.status) ? obj.status : {};
    const stale = Object.entries(want).some(([key, value]) => have[key] !== value);
    if (stale) this.#store.patch(DEPLOYMENTS, d.name, this.#namespace, { status: want });
  }

  #deleteIfPresent(resource: string, name: string, namespace: string | undefined): void {
    try {
      this.#store.delete(resource, name, namespace);
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
}

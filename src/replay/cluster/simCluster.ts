/**
 * The simulated cluster's state machine: deployments and their pods, node groups and nodes, a
 * first-fit scheduler with priority preemption, and a cluster-autoscaler loop. Time moves only through
 * `step(nowMs)`; nothing reads a wall clock. Hand-written: no library simulates Kubernetes scheduling
 * and cluster-autoscaler timing at the speed a 14-day backtest needs.
 *
 * Modelling choices (kept deliberately simple, each close to the real component's default):
 * - Pods: created Pending by `setReplicas`, bound at once if a node has room (the scheduler runs inside
 *   `setReplicas` and every step), Running on bind, Ready `startupMs` after bind (first step at or after
 *   that time). Deletion is immediate (no grace period). A shrink deletes unscheduled pods first, then
 *   not-ready ones, then ready ones, newest first within each class (the ReplicaSet controller's ranking).
 * - Scheduler: pending pods by priority (high first), then age; first node (group order, then the
 *   order nodes last gained room) whose free allocatable fits the requests and whose labels match the
 *   nodeSelector. A pod that
 *   fits nowhere preempts strictly lower-priority placeholder pods (priority < 0) on the first node
 *   where that makes room (victims lowest priority first, newest first); victims go back to Pending.
 *   No grace period, so room is free at once. A pod that already failed a full scan is retried only
 *   against nodes whose room grew since (nodes only lose room otherwise), keeping passes cheap.
 * - Cluster autoscaler: a scan every `scanIntervalMs`. Scale-up: pending pods at or above the expendable
 *   cutoff are packed first-fit into the room of nodes still provisioning, then into new nodes of the
 *   first group that fits them (bounded by `maxNodes`, overflow to the next fitting group); new nodes
 *   join `provisioningDelayMs` later (first step at or after). Scale-down: only empty nodes, where
 *   empty means no pod at or above the cutoff — placeholder pods at −10 (== the default cutoff) and
 *   CapacityBuffer pods (−1) keep their node, as in CA; a node empty for `scaleDownUnneededMs` is
 *   removed (never below `minNodes`), evicting any expendable pods on it. Under-utilised (non-empty)
 *   nodes are never consolidated.
 * - CapacityBuffer: modelled as `replicas` placeholder pods of the buffer's shape at `bufferPriority`
 *   (−1), managed by the cluster (startup 0): CA provisions for them, real pods preempt them.
 *
 * Cost: a step does work only for what is due (joining nodes, pods becoming ready, a scheduling pass
 * when something pending may now fit, the CA scan over pending pods and empty nodes). Pod- and
 * node-seconds are integrated when counts change, not summed per step.
 */
import { Integral } from "./integral.js";
import { checkResources, fits, give, matchesSelector, type Room, roomOf, take } from "./resources.js";
import type {
  CapacityBufferSpec,
  DeploymentSpec,
  NodeGroupSpec,
  Resources,
  SimClusterOptions,
} from "./types.js";

interface Pod {
  readonly id: number;
  readonly workload: Workload;
  node: SimNode | undefined;
  /** When the current binding makes the pod Ready. */
  readyAt: number;
  ready: boolean;
  deleted: boolean;
  /** Pending and already failed a scan of every node: only nodes whose room grew since can take it. */
  scanned: boolean;
}

interface Workload {
  readonly name: string;
  readonly kind: "deployment" | "buffer";
  readonly requests: Resources;
  readonly priority: number;
  readonly startupMs: number;
  readonly nodeSelector: Readonly<Record<string, string>> | undefined;
  /** Node groups whose labels match and whose node shape fits one pod, in declaration order. */
  readonly groups: readonly Group[];
  readonly groupSet: ReadonlySet<Group>;
  readonly expendable: boolean;
  desired: number;
  /** Live pods in creation order. */
  pods: Pod[];
  bound: number;
  ready: number;
  /** Bound, not-yet-ready pods in bind order (so in readyAt order: startup is constant per workload). */
  starting: { pod: Pod; readyAt: number }[];
  startingHead: number;
  readonly boundSeconds: Integral;
  scaleEvents: number;
}

interface SimNode {
  readonly name: string;
  readonly group: Group;
  readonly free: Room;
  readonly pods: Set<Pod>;
  /** Pods at or above the expendable cutoff: while > 0 the node is not empty for scale-down. */
  keepers: number;
  /** Placeholder pods (priority < 0), the only preemption victims. */
  placeholders: number;
  emptySince: number;
}

interface Group {
  readonly spec: NodeGroupSpec;
  readonly labels: Readonly<Record<string, string>>;
  readonly min: number;
  readonly max: number;
  readonly delayMs: number;
  readonly nodes: Set<SimNode>;
  /** Smallest request (per resource) of any workload that can use this group. */
  readonly minRequest: Room;
  /** Nodes whose free room fits `minRequest`: the only ones worth scanning for a pod. */
  readonly open: Set<SimNode>;
  /** Join times of requested nodes, FIFO (delay is constant per group). */
  upcoming: number[];
  upcomingHead: number;
  seq: number;
  readonly nodeSeconds: Integral;
  readonly upcomingSeconds: Integral;
}

export interface WorkloadStatus {
  readonly desired: number;
  readonly pending: number;
  /** Bound pods, ready or still starting: the allocated replicas. */
  readonly running: number;
  readonly ready: number;
  /** Integral of bound pods over time. */
  readonly podSeconds: number;
  /** Changes of the desired replicas. */
  readonly scaleEvents: number;
}

export interface PodView {
  readonly id: number;
  readonly phase: "Pending" | "Running";
  readonly ready: boolean;
  readonly node: string | undefined;
}

export interface NodeView {
  readonly name: string;
  readonly group: string;
  readonly pods: number;
  readonly free: Resources;
}

export interface ClusterCounters {
  readonly nodeScaleUps: number;
  readonly nodesAdded: number;
  readonly nodesRemoved: number;
  readonly preemptions: number;
}

export class SimCluster {
  private now: number;
  private readonly groups: Group[];
  private readonly groupByName = new Map<string, Group>();
  private readonly deployments = new Map<string, Workload>();
  private readonly buffers = new Map<string, Workload>();
  private readonly pending = new Set<Pod>();
  private readonly emptyNodes = new Set<SimNode>();
  private readonly startingWorkloads = new Set<Workload>();
  /** Nodes whose free room grew (or that joined) since the last scheduling pass. */
  private readonly roomGrew = new Set<SimNode>();
  /** Nodes holding placeholder pods, where preemption can make room. */
  private readonly placeholderNodes = new Set<SimNode>();
  /** Something changed that may let a pending pod fit (new pod, freed room, new node). */
  private schedulingDirty = false;
  private nextPodId = 1;
  private nextScanAt: number;
  private lastScaleUpAt = Number.NEGATIVE_INFINITY;
  private readonly scanIntervalMs: number;
  private readonly scaleDownUnneededMs: number;
  private readonly scaleDownDelayAfterAddMs: number;
  private readonly cutoff: number;
  private readonly bufferPriority: number;
  private counters = { nodeScaleUps: 0, nodesAdded: 0, nodesRemoved: 0, preemptions: 0 };

  constructor(options: SimClusterOptions) {
    this.now = options.startMs ?? 0;
    this.scanIntervalMs = options.scanIntervalMs ?? 10_000;
    this.scaleDownUnneededMs = options.scaleDownUnneededMs ?? 600_000;
    this.scaleDownDelayAfterAddMs = options.scaleDownDelayAfterAddMs ?? 0;
    this.cutoff = options.expendablePriorityCutoff ?? -10;
    this.bufferPriority = options.bufferPriority ?? -1;
    if (!(this.scanIntervalMs > 0))
      throw new RangeError(`SimCluster: scanIntervalMs ${this.scanIntervalMs} must be > 0`);
    this.nextScanAt = this.now + this.scanIntervalMs;
    this.groups = options.nodeGroups.map((spec) => this.makeGroup(spec));
    for (const g of this.groups) {
      const initial = g.spec.initialNodes ?? g.min;
      if (initial < g.min || initial > g.max)
        throw new RangeError(
          `node group ${g.spec.name}: initialNodes ${initial} must be within [${g.min}, ${g.max}]`,
        );
      for (let i = 0; i < initial; i++) this.addNode(g);
    }
  }

  private makeGroup(spec: NodeGroupSpec): Group {
    if (this.groupByName.has(spec.name))
      throw new RangeError(`node group ${spec.name} is declared twice; names must be unique`);
    checkResources(spec.allocatable, `node group ${spec.name} allocatable`);
    const min = spec.minNodes ?? 0;
    if (!(Number.isInteger(min) && Number.isInteger(spec.maxNodes) && min >= 0 && spec.maxNodes >= min))
      throw new RangeError(
        `node group ${spec.name}: need integers 0 ≤ minNodes (${min}) ≤ maxNodes (${spec.maxNodes})`,
      );
    const g: Group = {
      spec,
      labels: { "foresight.sim/node-group": spec.name, ...spec.labels },
      min,
      max: spec.maxNodes,
      delayMs: spec.provisioningDelayMs ?? 0,
      nodes: new Set(),
      minRequest: {
        cpuMilli: Number.POSITIVE_INFINITY,
        memoryBytes: Number.POSITIVE_INFINITY,
        gpu: Number.POSITIVE_INFINITY,
      },
      open: new Set(),
      upcoming: [],
      upcomingHead: 0,
      seq: 0,
      nodeSeconds: new Integral(this.now),
      upcomingSeconds: new Integral(this.now),
    };
    this.groupByName.set(spec.name, g);
    return g;
  }

  /** The cluster's time: that of the last step (or the start). */
  get timeMs(): number {
    return this.now;
  }

  addDeployment(spec: DeploymentSpec): void {
    if (this.deployments.has(spec.name)) throw new RangeError(`deployment ${spec.name} already exists`);
    const w = this.makeWorkload(
      spec.name,
      "deployment",
      spec.requests,
      spec.priority ?? 0,
      spec.startupMs ?? 0,
      spec.nodeSelector,
    );
    this.deployments.set(spec.name, w);
    this.resize(w, spec.replicas ?? 0);
  }

  /** The /scale subresource: set desired replicas; pods are created or deleted now, and scheduled now if they fit. */
  setReplicas(name: string, replicas: number): void {
    this.resize(this.workload(this.deployments, "deployment", name), replicas);
  }

  addCapacityBuffer(spec: CapacityBufferSpec): void {
    if (this.buffers.has(spec.name)) throw new RangeError(`CapacityBuffer ${spec.name} already exists`);
    const w = this.makeWorkload(
      spec.name,
      "buffer",
      spec.requests,
      this.bufferPriority,
      0,
      spec.nodeSelector,
    );
    this.buffers.set(spec.name, w);
    this.resize(w, spec.replicas);
  }

  setBufferReplicas(name: string, replicas: number): void {
    this.resize(this.workload(this.buffers, "CapacityBuffer", name), replicas);
  }

  /** Advance the world to `nowMs`: nodes join, pods become ready, pending pods schedule, CA scans if due. */
  step(nowMs: number): void {
    if (!(nowMs >= this.now))
      throw new RangeError(`SimCluster.step: ${nowMs} is before the cluster time ${this.now}`);
    this.now = nowMs;
    this.joinNodes(nowMs);
    this.markReady(nowMs);
    this.schedule();
    if (nowMs >= this.nextScanAt) {
      this.autoscale(nowMs);
      // Keep the scan grid (start + k·interval) whatever the step size.
      this.nextScanAt +=
        Math.floor((nowMs - this.nextScanAt) / this.scanIntervalMs + 1) * this.scanIntervalMs;
    }
  }

  // ---- readouts ----

  deploymentStatus(name: string): WorkloadStatus {
    return this.status(this.workload(this.deployments, "deployment", name));
  }

  bufferStatus(name: string): WorkloadStatus {
    return this.status(this.workload(this.buffers, "CapacityBuffer", name));
  }

  /** What each pod of the deployment requests. */
  deploymentRequests(name: string): Resources {
    return this.workload(this.deployments, "deployment", name).requests;
  }

  readyReplicas(name: string): number {
    return this.workload(this.deployments, "deployment", name).ready;
  }

  /** Bound pods (ready or starting): what the deployment is paying for. */
  allocatedReplicas(name: string): number {
    return this.workload(this.deployments, "deployment", name).bound;
  }

  /** Pod-seconds of bound pods of one deployment, or of all non-placeholder (priority ≥ 0) deployments. */
  podSeconds(name?: string): number {
    if (name !== undefined)
      return this.workload(this.deployments, "deployment", name).boundSeconds.secondsAt(this.now);
    let sum = 0;
    for (const w of this.deployments.values()) if (w.priority >= 0) sum += w.boundSeconds.secondsAt(this.now);
    return sum;
  }

  /** Joined nodes, of one group or all. */
  nodeCount(group?: string): number {
    return this.sumGroups(group, (g) => g.nodes.size);
  }

  /** Nodes requested and not yet joined. */
  upcomingNodeCount(group?: string): number {
    return this.sumGroups(group, (g) => g.upcoming.length - g.upcomingHead);
  }

  /** Node-seconds of joined nodes. */
  nodeSeconds(group?: string): number {
    return this.sumGroups(group, (g) => g.nodeSeconds.secondsAt(this.now));
  }

  /** Node-seconds of nodes still provisioning (clouds usually bill these too). */
  provisioningNodeSeconds(group?: string): number {
    return this.sumGroups(group, (g) => g.upcomingSeconds.secondsAt(this.now));
  }

  get stats(): ClusterCounters {
    return { ...this.counters };
  }

  pods(deployment: string): PodView[] {
    return this.workload(this.deployments, "deployment", deployment).pods.map(podView);
  }

  bufferPods(buffer: string): PodView[] {
    return this.workload(this.buffers, "CapacityBuffer", buffer).pods.map(podView);
  }

  nodes(group?: string): NodeView[] {
    const out: NodeView[] = [];
    for (const g of this.groups) {
      if (group !== undefined && g.spec.name !== group) continue;
      for (const n of g.nodes)
        out.push({ name: n.name, group: g.spec.name, pods: n.pods.size, free: { ...n.free } });
    }
    return out;
  }

  // ---- workloads and pods ----

  private makeWorkload(
    name: string,
    kind: Workload["kind"],
    requests: Resources,
    priority: number,
    startupMs: number,
    nodeSelector: Readonly<Record<string, string>> | undefined,
  ): Workload {
    checkResources(requests, `${kind} ${name} requests`);
    if (!(startupMs >= 0)) throw new RangeError(`${kind} ${name}: startupMs ${startupMs} must be ≥ 0`);
    const groups = this.groups.filter(
      (g) => matchesSelector(g.labels, nodeSelector) && fits(requests, g.spec.allocatable),
    );
    for (const g of groups) this.lowerMinRequest(g, requests);
    return {
      name,
      kind,
      requests,
      priority,
      startupMs,
      nodeSelector,
      groups,
      groupSet: new Set(groups),
      expendable: priority < this.cutoff,
      desired: 0,
      pods: [],
      bound: 0,
      ready: 0,
      starting: [],
      startingHead: 0,
      boundSeconds: new Integral(this.now),
      scaleEvents: 0,
    };
  }

  private status(w: Workload): WorkloadStatus {
    return {
      desired: w.desired,
      pending: w.pods.length - w.bound,
      running: w.bound,
      ready: w.ready,
      podSeconds: w.boundSeconds.secondsAt(this.now),
      scaleEvents: w.scaleEvents,
    };
  }

  private lowerMinRequest(g: Group, r: Resources): void {
    const m = g.minRequest;
    if (m.cpuMilli <= r.cpuMilli && m.memoryBytes <= r.memoryBytes && m.gpu <= r.gpu) return;
    m.cpuMilli = Math.min(m.cpuMilli, r.cpuMilli);
    m.memoryBytes = Math.min(m.memoryBytes, r.memoryBytes);
    m.gpu = Math.min(m.gpu, r.gpu);
    for (const n of g.nodes) this.updateOpen(n);
  }

  private updateOpen(n: SimNode): void {
    if (fits(n.group.minRequest, n.free)) n.group.open.add(n);
    else n.group.open.delete(n);
  }

  private workload(map: Map<string, Workload>, kind: string, name: string): Workload {
    const w = map.get(name);
    if (w === undefined)
      throw new RangeError(`${kind} ${name} not found; add it before scaling or reading it`);
    return w;
  }

  private resize(w: Workload, replicas: number): void {
    if (!(Number.isInteger(replicas) && replicas >= 0))
      throw new RangeError(`${w.kind} ${w.name}: replicas ${replicas} must be an integer ≥ 0`);
    if (replicas === w.desired) return;
    w.desired = replicas;
    w.scaleEvents++;
    if (w.pods.length > replicas) this.shrink(w, w.pods.length - replicas);
    // New pods are placed at once (the scheduler binds within milliseconds); pods already waiting
    // get room freed by a shrink at the next step. A full pass here would cost O(pending) per call
    // and make many workloads quadratic.
    for (let i = w.pods.length; i < replicas; i++) {
      const pod: Pod = {
        id: this.nextPodId++,
        workload: w,
        node: undefined,
        readyAt: 0,
        ready: false,
        deleted: false,
        scanned: false,
      };
      w.pods.push(pod);
      this.pending.add(pod);
      const node = this.findFit(w) ?? this.preempt(pod);
      if (node !== undefined) this.bind(pod, node);
      else {
        // The rest fail too; the next pass retries them against nodes whose room grew.
        for (let j = i; j < replicas; j++) {
          const rest: Pod =
            j === i
              ? pod
              : {
                  id: this.nextPodId++,
                  workload: w,
                  node: undefined,
                  readyAt: 0,
                  ready: false,
                  deleted: false,
                  scanned: false,
                };
          if (j !== i) {
            w.pods.push(rest);
            this.pending.add(rest);
          }
          rest.scanned = true;
        }
        break;
      }
    }
  }

  /** Delete `count` pods: unscheduled, then not ready, then ready; newest first within each class. */
  private shrink(w: Workload, count: number): void {
    let left = count;
    for (let cls = 0; cls < 3 && left > 0; cls++)
      for (let i = w.pods.length - 1; i >= 0 && left > 0; i--) {
        const p = w.pods[i] as Pod;
        if (p.deleted || podClass(p) !== cls) continue;
        if (p.node !== undefined) this.unbind(p);
        else this.pending.delete(p);
        p.deleted = true;
        left--;
      }
    w.pods = w.pods.filter((p) => !p.deleted);
  }

  private bind(pod: Pod, node: SimNode): void {
    const w = pod.workload;
    take(node.free, w.requests);
    this.updateOpen(node);
    node.pods.add(pod);
    if (!w.expendable && node.keepers++ === 0) this.emptyNodes.delete(node);
    if (w.priority < 0 && node.placeholders++ === 0) this.placeholderNodes.add(node);
    this.pending.delete(pod);
    pod.node = node;
    pod.readyAt = this.now + w.startupMs;
    w.bound++;
    w.boundSeconds.set(w.bound, this.now);
    if (w.startupMs <= 0) {
      pod.ready = true;
      w.ready++;
    } else {
      w.starting.push({ pod, readyAt: pod.readyAt });
      this.startingWorkloads.add(w);
    }
  }

  private unbind(pod: Pod): void {
    const node = pod.node;
    if (node === undefined) return;
    const w = pod.workload;
    give(node.free, w.requests);
    if (node.group.nodes.has(node)) this.updateOpen(node);
    node.pods.delete(pod);
    if (!w.expendable && --node.keepers === 0) {
      node.emptySince = this.now;
      this.emptyNodes.add(node);
    }
    if (w.priority < 0 && --node.placeholders === 0) this.placeholderNodes.delete(node);
    this.roomGrew.add(node);
    pod.node = undefined;
    w.bound--;
    w.boundSeconds.set(w.bound, this.now);
    if (pod.ready) {
      pod.ready = false;
      w.ready--;
    }
    this.schedulingDirty = true;
  }

  /** Unbind and put back in the queue (a preempted or drained pod's replacement, same identity). */
  private evict(pod: Pod): void {
    this.unbind(pod);
    pod.scanned = false;
    this.pending.add(pod);
  }

  private markReady(now: number): void {
    for (const w of this.startingWorkloads) {
      const q = w.starting;
      let h = w.startingHead;
      while (h < q.length) {
        const e = q[h] as { pod: Pod; readyAt: number };
        if (e.readyAt > now) break;
        h++;
        const p = e.pod;
        // Stale entries: the pod was deleted, evicted or rebound since.
        if (p.deleted || p.node === undefined || p.ready || p.readyAt !== e.readyAt) continue;
        p.ready = true;
        w.ready++;
      }
      if (h === q.length) {
        w.starting = [];
        w.startingHead = 0;
        this.startingWorkloads.delete(w);
      } else if (h > 1024 && h * 2 > q.length) {
        w.starting = q.slice(h);
        w.startingHead = 0;
      } else w.startingHead = h;
    }
  }

  // ---- scheduler ----

  private schedule(): void {
    if (!this.schedulingDirty) return;
    this.schedulingDirty = false;
    const grew = [...this.roomGrew];
    this.roomGrew.clear();
    if (this.pending.size === 0) return;
    const queue = [...this.pending].sort((a, b) => b.workload.priority - a.workload.priority || a.id - b.id);
    // Pods of one workload are identical: once one fails this pass, the rest would too. The value
    // says whether that failure was a full scan, which makes the skipped pods scanned as well.
    const failed = new Map<Workload, boolean>();
    for (const pod of queue) {
      const w = pod.workload;
      if (pod.node !== undefined || pod.deleted) continue;
      const full = failed.get(w);
      if (full !== undefined) {
        pod.scanned ||= full;
        continue;
      }
      // A pod that failed a full scan can only fit where room grew since: nodes only lose room otherwise.
      const node = (pod.scanned ? this.fitAmong(grew, w) : this.findFit(w)) ?? this.preempt(pod);
      if (node !== undefined) {
        this.bind(pod, node);
        continue;
      }
      failed.set(w, !pod.scanned);
      pod.scanned = true;
    }
  }

  private findFit(w: Workload): SimNode | undefined {
    for (const g of w.groups) for (const n of g.open) if (fits(w.requests, n.free)) return n;
    return undefined;
  }

  private fitAmong(nodes: readonly SimNode[], w: Workload): SimNode | undefined {
    for (const n of nodes)
      if (w.groupSet.has(n.group) && n.group.nodes.has(n) && fits(w.requests, n.free)) return n;
    return undefined;
  }

  /**
   * Evict lower-priority placeholder pods (priority < 0) from the first node where that makes room;
   * returns that node. Workloads at priority ≥ 0 are never victims: the simulator's real workloads
   * all run at the default priority, so only placeholders are worth the search.
   */
  private preempt(pod: Pod): SimNode | undefined {
    const w = pod.workload;
    for (const n of this.placeholderNodes) {
      if (!w.groupSet.has(n.group)) continue;
      const victims = [...n.pods].filter((v) => v.workload.priority < w.priority && v.workload.priority < 0);
      if (victims.length === 0) continue;
      const room = { ...n.free };
      for (const v of victims) give(room, v.workload.requests);
      if (!fits(w.requests, room)) continue;
      victims.sort((a, b) => a.workload.priority - b.workload.priority || b.id - a.id);
      for (const v of victims) {
        if (fits(w.requests, n.free)) break;
        this.evict(v);
        this.counters.preemptions++;
      }
      return n;
    }
    return undefined;
  }

  // ---- nodes and the cluster autoscaler ----

  private addNode(g: Group): void {
    g.seq++;
    const node: SimNode = {
      name: `${g.spec.name}-${g.seq}`,
      group: g,
      free: roomOf(g.spec.allocatable),
      pods: new Set(),
      keepers: 0,
      placeholders: 0,
      emptySince: this.now,
    };
    g.nodes.add(node);
    this.updateOpen(node);
    g.nodeSeconds.set(g.nodes.size, this.now);
    this.emptyNodes.add(node);
    this.roomGrew.add(node);
    this.counters.nodesAdded++;
    this.schedulingDirty = true;
  }

  private joinNodes(now: number): void {
    for (const g of this.groups) {
      let joined = false;
      while (g.upcomingHead < g.upcoming.length && (g.upcoming[g.upcomingHead] as number) <= now) {
        g.upcomingHead++;
        this.addNode(g);
        joined = true;
      }
      if (!joined) continue;
      if (g.upcomingHead === g.upcoming.length) {
        g.upcoming = [];
        g.upcomingHead = 0;
      }
      g.upcomingSeconds.set(g.upcoming.length - g.upcomingHead, now);
    }
  }

  private autoscale(now: number): void {
    this.scaleUp(now);
    if (now - this.lastScaleUpAt >= this.scaleDownDelayAfterAddMs) this.scaleDown(now);
  }

  private scaleUp(now: number): void {
    if (this.pending.size === 0) return;
    // Per group: bins = room of provisioning nodes, then of nodes this scan adds.
    // `firstOpen`: bins before it cannot fit the group's smallest request, so are skipped.
    const plans = new Map<Group, { bins: Room[]; added: number; firstOpen: number }>();
    const plan = (g: Group) => {
      let p = plans.get(g);
      if (p === undefined) {
        const upcoming = g.upcoming.length - g.upcomingHead;
        p = {
          bins: Array.from({ length: upcoming }, () => roomOf(g.spec.allocatable)),
          added: 0,
          firstOpen: 0,
        };
        plans.set(g, p);
      }
      return p;
    };
    for (const pod of this.pending) {
      const w = pod.workload;
      if (w.expendable) continue;
      for (const g of w.groups) {
        const p = plan(g);
        while (p.firstOpen < p.bins.length && !fits(g.minRequest, p.bins[p.firstOpen] as Room)) p.firstOpen++;
        let placed = false;
        for (let i = p.firstOpen; i < p.bins.length && !placed; i++) {
          const bin = p.bins[i] as Room;
          if (fits(w.requests, bin)) {
            take(bin, w.requests);
            placed = true;
          }
        }
        if (placed) break;
        if (g.nodes.size + p.bins.length < g.max) {
          const fresh = roomOf(g.spec.allocatable);
          take(fresh, w.requests);
          p.bins.push(fresh);
          p.added++;
          break;
        }
      }
    }
    for (const [g, p] of plans) {
      if (p.added === 0) continue;
      for (let i = 0; i < p.added; i++) g.upcoming.push(now + g.delayMs);
      g.upcomingSeconds.set(g.upcoming.length - g.upcomingHead, now);
      this.counters.nodeScaleUps++;
      this.lastScaleUpAt = now;
    }
    // A zero delay means the nodes are there for this very step.
    this.joinNodes(now);
    this.schedule();
  }

  private scaleDown(now: number): void {
    for (const n of this.emptyNodes) {
      const g = n.group;
      if (now - n.emptySince < this.scaleDownUnneededMs || g.nodes.size <= g.min) continue;
      g.nodes.delete(n);
      g.open.delete(n);
      for (const p of [...n.pods]) this.evict(p);
      this.emptyNodes.delete(n);
      g.nodeSeconds.set(g.nodes.size, now);
      this.counters.nodesRemoved++;
    }
  }

  private sumGroups(group: string | undefined, f: (g: Group) => number): number {
    if (group !== undefined) {
      const g = this.groupByName.get(group);
      if (g === undefined)
        throw new RangeError(
          `node group ${group} not found; declared: ${[...this.groupByName.keys()].join(", ")}`,
        );
      return f(g);
    }
    let sum = 0;
    for (const g of this.groups) sum += f(g);
    return sum;
  }
}

/** 0 unscheduled, 1 bound and starting, 2 ready: the order a shrink deletes in. */
function podClass(p: Pod): number {
  return p.node === undefined ? 0 : p.ready ? 2 : 1;
}

function podView(p: Pod): PodView {
  return {
    id: p.id,
    phase: p.node === undefined ? "Pending" : "Running",
    ready: p.ready,
    node: p.node?.name,
  };
}

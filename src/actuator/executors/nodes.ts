/**
 * Node capacity reserved ahead of the workload (spec.nodes): the pods the forecast wants ready at
 * nodes.leadTime, minus the workload's replicas now, become
 * - `CapacityBuffer`: a cluster-autoscaler CapacityBuffer (autoscaling.x-k8s.io/v1beta1) of that many
 *   chunks of a PodTemplate shaped like the workload's pods;
 * - `Placeholder`: a Deployment of that many pause pods with the same requests (GPUs included) and a
 *   negative-priority PriorityClass, which real pods preempt (Karpenter, older cluster-autoscalers);
 * - `ProvisioningRequest`: a new request when the forecast steps up past what is already requested
 *   (requests are immutable, so each step-up is a new one and older ones are deleted).
 * When nothing is needed any more the objects are removed. Objects of the other node modes are
 * removed too, so changing the mode never leaves reservations behind. In scaler mode ForecastOnly
 * nothing is reserved (that mode only records what it would do).
 *
 * A write whose answer was lost (a timeout) may have landed: the retry, passed the same `attempts`,
 * finds it in place and reports its change as its own, and reports the changes answered before
 * the failed write too (pendingWrite.ts), so each is recorded once. A create that meets an object
 * of that name takes it as its own when it carries this scaler's label (and owner), and an older
 * ProvisioningRequest left by a lost delete is removed on the next pass.
 */
import type { ActuatorCluster, ClusterObject, ObjectRef } from "../cluster.js";
import { isRecord } from "../cluster.js";
import {
  bufferReplicas,
  CAPACITY_BUFFER_API_VERSION,
  capacityBufferObject,
  PLACEHOLDER_PRIORITY_CLASS,
  PROVISIONING_REQUEST_API_VERSION,
  placeholderDeploymentObject,
  placeholderName,
  placeholderPriorityClassObject,
  podTemplateObject,
  provisioningRequestObject,
  SCALER_OBJECT_LABEL,
  scalerLabelValue,
} from "../nodeObjects.js";
import { type ReservedPodShape, reservedPodShape } from "../podShape.js";
import type { NodeMode } from "../types.js";
import type { ExecutedAction } from "./executedAction.js";
import { landed, made, type PendingWrites, write } from "./pendingWrite.js";
import type { ApplyContext, ExecResult, Executor } from "./types.js";

const KINDS = {
  template: { apiVersion: "v1", kind: "PodTemplate" },
  buffer: { apiVersion: CAPACITY_BUFFER_API_VERSION, kind: "CapacityBuffer" },
  placeholder: { apiVersion: "apps/v1", kind: "Deployment" },
  request: { apiVersion: PROVISIONING_REQUEST_API_VERSION, kind: "ProvisioningRequest" },
} as const;

type Part = keyof typeof KINDS;

/** The parts each mode uses. */
const PARTS: Record<NodeMode, readonly Part[]> = {
  None: [],
  CapacityBuffer: ["template", "buffer"],
  Placeholder: ["placeholder"],
  ProvisioningRequest: ["template", "request"],
};

function ref(part: Part, namespace: string, name: string): ObjectRef {
  return { ...KINDS[part], namespace, name };
}

function selector(scaler: string): string {
  return `${SCALER_OBJECT_LABEL}=${scalerLabelValue(scaler)}`;
}

async function owned(cluster: ActuatorCluster, part: Part, namespace: string, scaler: string) {
  return cluster.list(KINDS[part].apiVersion, KINDS[part].kind, namespace, selector(scaler));
}

function replicasOf(object: ClusterObject | undefined): number {
  const spec = object && isRecord(object.spec) ? object.spec : {};
  return typeof spec.replicas === "number" ? spec.replicas : 0;
}

function removeType(part: Part): string {
  return `Remove${KINDS[part].kind === "Deployment" ? "Placeholders" : KINDS[part].kind}`;
}

export function nodesExecutor(): Executor {
  return {
    name: "nodes",
    // ForecastOnly reserves nothing (it only records): what an earlier mode reserved is released.
    handles: (spec) => spec.nodes.mode !== "None" && spec.mode !== "ForecastOnly",
    apply: (context, decision) => applyNodes(context, decision.nodePods),
    // Reservations stay as they are until the first decision.
    releaseWhilePending: false,
    release: ({ cluster, key, attempts }) => removeNodes(cluster, key.namespace, key.name, [], attempts),
  };
}

/**
 * Remove every node reservation of `scaler` except the parts kept. Retries of one removal pass
 * the same `attempts`; the actions are every change made across them.
 */
async function removeNodes(
  cluster: ActuatorCluster,
  namespace: string,
  scaler: string,
  keep: readonly Part[],
  attempts: PendingWrites,
): Promise<ExecResult> {
  for (const part of ["buffer", "placeholder", "request", "template"] as const) {
    if (keep.includes(part)) continue;
    const objects = await owned(cluster, part, namespace, scaler);
    // A delete whose answer was lost: its object is gone, so it was done.
    const pending = attempts.pending;
    if (pending?.type === removeType(part) && !objects.some((o) => o.metadata.name === attempts.object))
      made(attempts, [pending]);
    for (const object of objects) {
      const name = object.metadata.name;
      const from = part === "request" ? requestCount(object) : replicasOf(object);
      const action: ExecutedAction | undefined =
        part === "template"
          ? undefined
          : {
              type: removeType(part),
              from,
              to: 0,
              message: `removed ${KINDS[part].kind} ${name} (${from} pods reserved)`,
            };
      const remove = () => cluster.delete(ref(part, namespace, name));
      if (!action) {
        await remove();
        continue;
      }
      await write(attempts, action, remove, name);
      made(attempts, [action]);
    }
  }
  return { actions: [...attempts.done] };
}

function requestCount(object: ClusterObject): number {
  const spec = isRecord(object.spec) ? object.spec : {};
  const sets = Array.isArray(spec.podSets) ? spec.podSets : [];
  return sets.reduce(
    (n: number, s: unknown) => n + (isRecord(s) && typeof s.count === "number" ? s.count : 0),
    0,
  );
}

/** Whether `have` is the object `object` would be: this scaler's label, and its owner when it names one. */
function ours(have: ClusterObject, object: ClusterObject): boolean {
  const label = (o: ClusterObject) => o.metadata.labels?.[SCALER_OBJECT_LABEL];
  const owner = (o: ClusterObject) =>
    (o.metadata.ownerReferences as { uid?: string }[] | undefined)?.[0]?.uid;
  return (
    label(object) !== undefined &&
    label(have) === label(object) &&
    (owner(object) === undefined || owner(have) === owner(object))
  );
}

/**
 * Creates `object`; undefined when created. When one of that name exists already (409: e.g. an
 * earlier create whose answer was lost) it is returned if it is ours, and refused otherwise.
 */
async function createOwned(
  cluster: ActuatorCluster,
  object: ClusterObject,
): Promise<ClusterObject | undefined> {
  try {
    await cluster.create(object);
    return undefined;
  } catch (err) {
    if (!(isRecord(err) && err.code === 409)) throw err;
    const { apiVersion, kind, metadata } = object;
    const have = await cluster.get({
      apiVersion,
      kind,
      namespace: metadata.namespace ?? "default",
      name: metadata.name,
    });
    if (!have) throw err;
    if (!ours(have, object))
      throw new Error(
        `${kind} ${metadata.namespace}/${metadata.name} already exists and is not this scaler's (no label ${SCALER_OBJECT_LABEL}=${object.metadata.labels?.[SCALER_OBJECT_LABEL]} or another owner); delete or rename it`,
      );
    return have;
  }
}

/**
 * Create the object, or patch it to `object` when it differs in the fields given; the write
 * carries `action` (pendingWrite.ts).
 */
async function ensure(
  cluster: ActuatorCluster,
  part: Part,
  object: ClusterObject,
  existing: ClusterObject | undefined,
  changed: (have: ClusterObject) => Record<string, unknown> | undefined,
  attempts: PendingWrites,
  action?: ExecutedAction,
): Promise<void> {
  const name = object.metadata.name;
  const put = async () => {
    const have = existing ?? (await createOwned(cluster, object));
    const patch = have && changed(have);
    if (have && patch)
      await cluster.patch(ref(part, object.metadata.namespace ?? "default", name), {
        ...patch,
        metadata: { resourceVersion: have.metadata.resourceVersion },
      });
  };
  // A write that changes nothing reported leaves the pending change of an earlier one alone.
  if (!action) return put();
  await write(attempts, action, put, name);
  made(attempts, [action]);
}

/** JSON with object keys sorted: the API server returns fields in its own order (limits before requests). */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (!isRecord(value)) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, canonical(value[k])]),
  );
}

/** Equal as the API server would store them, whatever the order of their fields. */
const same = (a: unknown, b: unknown) => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));

async function applyNodes(context: ApplyContext, forecastPods: number | undefined): Promise<ExecResult> {
  const { cluster, spec, attempts, uid } = context;
  const { namespace, name } = context.key;
  const mode = spec.nodes.mode;
  const target = await cluster.get({
    apiVersion: spec.targetRef.apiVersion ?? "apps/v1",
    kind: spec.targetRef.kind,
    namespace,
    name: spec.targetRef.name,
  });
  await removeNodes(cluster, namespace, name, PARTS[mode], attempts);
  if (!target) {
    return {
      actions: [...attempts.done],
      refused: {
        type: "Ready",
        status: "False",
        reason: "TargetNotFound",
        message: `${spec.targetRef.kind}/${spec.targetRef.name} not found in ${namespace}`,
      },
    };
  }
  const current = replicasOf(target);
  const want = forecastPods === undefined ? 0 : bufferReplicas({ forecastPods, currentPods: current });
  if (want === 0) return removeNodes(cluster, namespace, name, [], attempts);
  const templateSpec = isRecord(target.spec) ? target.spec.template : undefined;
  let shape: ReservedPodShape;
  try {
    shape = reservedPodShape(templateSpec, spec.nodes.podShape);
  } catch (err) {
    return {
      actions: [...attempts.done],
      refused: {
        type: "Ready",
        status: "False",
        reason: "InvalidPodShape",
        message: `cannot size reserved pods from ${spec.targetRef.kind}/${spec.targetRef.name}: ${(err as Error).message}`,
      },
    };
  }
  if (Object.keys(shape.requests).length === 0) {
    return {
      actions: [...attempts.done],
      refused: {
        type: "Ready",
        status: "False",
        reason: "InvalidPodShape",
        message: `the pods of ${spec.targetRef.kind}/${spec.targetRef.name} request no resources (cpu, memory, GPUs or other extended resources), so a reservation would hold nothing; set spec.nodes.podShape`,
      },
    };
  }
  const base = { namespace, scaler: name, uid };
  const objectName = placeholderName(name);
  const priorityClassName = spec.nodes.priorityClassName ?? PLACEHOLDER_PRIORITY_CLASS;
  // Every change made so far, in this attempt and earlier ones.
  const actions = attempts.done;

  if (mode === "Placeholder") {
    if (priorityClassName === PLACEHOLDER_PRIORITY_CLASS) {
      const pc = {
        apiVersion: "scheduling.k8s.io/v1",
        kind: "PriorityClass",
        name: PLACEHOLDER_PRIORITY_CLASS,
      };
      if (!(await cluster.get(pc)))
        await createIgnoringExists(cluster, placeholderPriorityClassObject() as ClusterObject);
    }
    const desired = placeholderDeploymentObject({
      ...base,
      shape,
      replicas: want,
      priorityClassName,
    }) as ClusterObject;
    const existing = await cluster.get(ref("placeholder", namespace, objectName));
    const from = replicasOf(existing);
    const set: ExecutedAction | undefined =
      from === want
        ? undefined
        : {
            type: "SetPlaceholders",
            from,
            to: want,
            message: `placeholder pods ${from} → ${want} (${describeShape(shape)} each)`,
          };
    if (!set) made(attempts, landed(attempts, "SetPlaceholders", want, objectName));
    await ensure(
      cluster,
      "placeholder",
      desired,
      existing,
      (have) => {
        const haveSpec = isRecord(have.spec) ? have.spec : {};
        const wantSpec = desired.spec as Record<string, unknown>;
        return haveSpec.replicas === want && same(templateResources(haveSpec), templateResources(wantSpec))
          ? undefined
          : { spec: { replicas: want, template: wantSpec.template } };
      },
      attempts,
      set,
    );
    return { actions: [...actions] };
  }

  const template = podTemplateObject({ ...base, shape }) as ClusterObject;
  const existingTemplate = await cluster.get(ref("template", namespace, objectName));
  await ensure(
    cluster,
    "template",
    template,
    existingTemplate,
    (have) =>
      same(templateResources(have), templateResources(template))
        ? undefined
        : { template: template.template },
    attempts,
  );

  if (mode === "CapacityBuffer") {
    const desired = capacityBufferObject({
      ...base,
      podTemplateName: objectName,
      replicas: want,
    }) as ClusterObject;
    const existing = await cluster.get(ref("buffer", namespace, objectName));
    const from = replicasOf(existing);
    const set: ExecutedAction | undefined =
      from === want
        ? undefined
        : {
            type: "SetCapacityBuffer",
            from,
            to: want,
            message: `CapacityBuffer ${objectName} ${from} → ${want} pods (${describeShape(shape)} each)`,
          };
    if (!set) made(attempts, landed(attempts, "SetCapacityBuffer", want, objectName));
    await ensure(
      cluster,
      "buffer",
      desired,
      existing,
      (have) => (replicasOf(have) === want ? undefined : { spec: { replicas: want } }),
      attempts,
      set,
    );
    return { actions: [...actions] };
  }

  // ProvisioningRequest: a new request only when the forecast steps up past what is requested.
  const requests = await owned(cluster, "request", namespace, name);
  const requested = Math.max(0, ...requests.map(requestCount));
  const newest = requests.reduce<ClusterObject | undefined>(
    (a, r) => (a && sequenceOf(a.metadata.name) >= sequenceOf(r.metadata.name) ? a : r),
    undefined,
  );
  if (want > requested) {
    const sequence = 1 + Math.max(0, ...requests.map((r) => sequenceOf(r.metadata.name)));
    const request = provisioningRequestObject({
      ...base,
      podTemplateName: objectName,
      count: want,
      sequence,
    }) as ClusterObject;
    const create: ExecutedAction = {
      type: "CreateProvisioningRequest",
      from: requested,
      to: want,
      message: `ProvisioningRequest for ${want} pods (${describeShape(shape)} each), up from ${requested}`,
    };
    await write(
      attempts,
      create,
      async () => {
        const have = await createOwned(cluster, request);
        if (have && requestCount(have) !== want)
          throw new Error(
            `ProvisioningRequest ${namespace}/${request.metadata.name} already exists for ${requestCount(have)} pods, not ${want}`,
          );
      },
      request.metadata.name,
    );
    made(attempts, [create]);
    for (const old of requests) await cluster.delete(ref("request", namespace, old.metadata.name));
  } else {
    // The request created by a write whose answer was lost is in place: its step-up was made.
    made(attempts, landed(attempts, "CreateProvisioningRequest", requested, newest?.metadata.name));
    // Older requests left by a delete that did not land (or whose answer was lost) go now.
    for (const old of requests)
      if (old !== newest) await cluster.delete(ref("request", namespace, old.metadata.name));
  }
  return { actions: [...actions] };
}

async function createIgnoringExists(cluster: ActuatorCluster, object: ClusterObject): Promise<void> {
  try {
    await cluster.create(object);
  } catch (err) {
    if (!(isRecord(err) && err.code === 409)) throw err;
  }
}

function sequenceOf(name: string): number {
  const m = /-(\d+)$/.exec(name);
  return m ? Number(m[1]) : 0;
}

/** The part of a pod template that sizes reservations (compared to decide whether to patch). */
function templateResources(holder: Record<string, unknown>): unknown {
  const template = isRecord(holder.template) ? holder.template : {};
  const spec = isRecord(template.spec) ? template.spec : {};
  const containers = Array.isArray(spec.containers) ? spec.containers : [];
  return {
    resources: containers.map((c: unknown) => (isRecord(c) ? c.resources : undefined)),
    nodeSelector: spec.nodeSelector,
    tolerations: spec.tolerations,
    priorityClassName: spec.priorityClassName,
  };
}

function describeShape(shape: ReservedPodShape): string {
  return Object.entries(shape.requests)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
}

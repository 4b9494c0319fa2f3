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
 */
import type { ActuatorCluster, KubeObject, ObjectRef } from "../cluster.js";
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
  SCALER_LABEL,
  scalerLabelValue,
} from "../nodeObjects.js";
import { type ReservedPodShape, reservedPodShape } from "../podShape.js";
import type { NodeMode, PredictiveScaler } from "../types.js";
import type { ExecResult, ExecutedAction } from "./types.js";

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
  return `${SCALER_LABEL}=${scalerLabelValue(scaler)}`;
}

async function owned(cluster: ActuatorCluster, part: Part, namespace: string, scaler: string) {
  return cluster.list(KINDS[part].apiVersion, KINDS[part].kind, namespace, selector(scaler));
}

function replicasOf(object: KubeObject | undefined): number {
  const spec = object && isRecord(object.spec) ? object.spec : {};
  return typeof spec.replicas === "number" ? spec.replicas : 0;
}

/** Remove every node reservation of `scaler` except the parts kept. */
export async function removeNodes(
  cluster: ActuatorCluster,
  namespace: string,
  scaler: string,
  keep: readonly Part[] = [],
): Promise<ExecResult> {
  const actions: ExecutedAction[] = [];
  for (const part of ["buffer", "placeholder", "request", "template"] as const) {
    if (keep.includes(part)) continue;
    for (const object of await owned(cluster, part, namespace, scaler)) {
      await cluster.delete(ref(part, namespace, object.metadata.name));
      if (part === "template") continue;
      const from = part === "request" ? requestCount(object) : replicasOf(object);
      actions.push({
        type: `Remove${KINDS[part].kind === "Deployment" ? "Placeholders" : KINDS[part].kind}`,
        from,
        to: 0,
        message: `removed ${KINDS[part].kind} ${object.metadata.name} (${from} pods reserved)`,
      });
    }
  }
  return { actions };
}

function requestCount(object: KubeObject): number {
  const spec = isRecord(object.spec) ? object.spec : {};
  const sets = Array.isArray(spec.podSets) ? spec.podSets : [];
  return sets.reduce(
    (n: number, s: unknown) => n + (isRecord(s) && typeof s.count === "number" ? s.count : 0),
    0,
  );
}

/** Create the object, or patch it to `object` when it differs in the fields given. */
async function ensure(
  cluster: ActuatorCluster,
  part: Part,
  object: KubeObject,
  existing: KubeObject | undefined,
  changed: (have: KubeObject) => Record<string, unknown> | undefined,
): Promise<void> {
  if (!existing) {
    await cluster.create(object);
    return;
  }
  const patch = changed(existing);
  if (patch)
    await cluster.patch(ref(part, object.metadata.namespace ?? "default", object.metadata.name), {
      ...patch,
      metadata: { resourceVersion: existing.metadata.resourceVersion },
    });
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

export async function applyNodes(
  cluster: ActuatorCluster,
  namespace: string,
  scaler: PredictiveScaler,
  owner: { uid: string | undefined; name: string },
  forecastPods: number | undefined,
): Promise<ExecResult> {
  const spec = scaler.spec;
  const mode = spec.nodes.mode;
  const name = owner.name;
  // ForecastOnly changes nothing: no reservation is made, and one left by an earlier mode is released.
  if (spec.mode === "ForecastOnly") return removeNodes(cluster, namespace, name);
  const target = await cluster.get({
    apiVersion: spec.targetRef.apiVersion ?? "apps/v1",
    kind: spec.targetRef.kind,
    namespace,
    name: spec.targetRef.name,
  });
  const others = await removeNodes(cluster, namespace, name, PARTS[mode]);
  if (!target) {
    return {
      actions: others.actions,
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
  if (want === 0) {
    const removed = await removeNodes(cluster, namespace, name);
    return { actions: [...others.actions, ...removed.actions] };
  }
  const templateSpec = isRecord(target.spec) ? target.spec.template : undefined;
  let shape: ReservedPodShape;
  try {
    shape = reservedPodShape(templateSpec, spec.nodes.podShape);
  } catch (err) {
    return {
      actions: others.actions,
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
      actions: others.actions,
      refused: {
        type: "Ready",
        status: "False",
        reason: "InvalidPodShape",
        message: `the pods of ${spec.targetRef.kind}/${spec.targetRef.name} request no cpu, memory or nvidia.com/gpu, so a reservation would hold nothing; set spec.nodes.podShape`,
      },
    };
  }
  const base = { namespace, scaler: name, uid: owner.uid };
  const objectName = placeholderName(name);
  const priorityClassName = spec.nodes.priorityClassName ?? PLACEHOLDER_PRIORITY_CLASS;
  const actions: ExecutedAction[] = [...others.actions];

  if (mode === "Placeholder") {
    if (priorityClassName === PLACEHOLDER_PRIORITY_CLASS) {
      const pc = {
        apiVersion: "scheduling.k8s.io/v1",
        kind: "PriorityClass",
        name: PLACEHOLDER_PRIORITY_CLASS,
      };
      if (!(await cluster.get(pc)))
        await createIgnoringExists(cluster, placeholderPriorityClassObject() as KubeObject);
    }
    const desired = placeholderDeploymentObject({
      ...base,
      shape,
      replicas: want,
      priorityClassName,
    }) as KubeObject;
    const existing = await cluster.get(ref("placeholder", namespace, objectName));
    const from = replicasOf(existing);
    await ensure(cluster, "placeholder", desired, existing, (have) => {
      const haveSpec = isRecord(have.spec) ? have.spec : {};
      const wantSpec = desired.spec as Record<string, unknown>;
      return haveSpec.replicas === want && same(templateResources(haveSpec), templateResources(wantSpec))
        ? undefined
        : { spec: { replicas: want, template: wantSpec.template } };
    });
    if (from !== want)
      actions.push({
        type: "SetPlaceholders",
        from,
        to: want,
        message: `placeholder pods ${from} → ${want} (${describeShape(shape)} each)`,
      });
    return { actions };
  }

  const template = podTemplateObject({ ...base, shape }) as KubeObject;
  const existingTemplate = await cluster.get(ref("template", namespace, objectName));
  await ensure(cluster, "template", template, existingTemplate, (have) =>
    same(templateResources(have), templateResources(template)) ? undefined : { template: template.template },
  );

  if (mode === "CapacityBuffer") {
    const desired = capacityBufferObject({
      ...base,
      podTemplateName: objectName,
      replicas: want,
    }) as KubeObject;
    const existing = await cluster.get(ref("buffer", namespace, objectName));
    const from = replicasOf(existing);
    await ensure(cluster, "buffer", desired, existing, (have) =>
      replicasOf(have) === want ? undefined : { spec: { replicas: want } },
    );
    if (from !== want)
      actions.push({
        type: "SetCapacityBuffer",
        from,
        to: want,
        message: `CapacityBuffer ${objectName} ${from} → ${want} pods (${describeShape(shape)} each)`,
      });
    return { actions };
  }

  // ProvisioningRequest: a new request only when the forecast steps up past what is requested.
  const requests = await owned(cluster, "request", namespace, name);
  const requested = Math.max(0, ...requests.map(requestCount));
  if (want > requested) {
    const sequence = 1 + Math.max(0, ...requests.map((r) => sequenceOf(r.metadata.name)));
    await cluster.create(
      provisioningRequestObject({
        ...base,
        podTemplateName: objectName,
        count: want,
        sequence,
      }) as KubeObject,
    );
    for (const old of requests) await cluster.delete(ref("request", namespace, old.metadata.name));
    actions.push({
      type: "CreateProvisioningRequest",
      from: requested,
      to: want,
      message: `ProvisioningRequest for ${want} pods (${describeShape(shape)} each), up from ${requested}`,
    });
  }
  return { actions };
}

async function createIgnoringExists(cluster: ActuatorCluster, object: KubeObject): Promise<void> {
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

/**
 * Manifests of the objects a PredictiveScaler creates to reserve node capacity ahead of forecast
 * demand (spec.nodes.mode): the PodTemplate that CapacityBuffer and ProvisioningRequest reference,
 * the CapacityBuffer (autoscaling.x-k8s.io/v1beta1), the Placeholder Deployment of pause pods with
 * its negative PriorityClass, and the ProvisioningRequest (autoscaling.x-k8s.io/v1). Pure builders:
 * plain objects ready to POST, named deterministically from the scaler so that the controller can
 * find them again, labelled as foresight's and owned by the scaler (when its uid is given) so that
 * deleting the scaler garbage-collects them.
 */

import { createHash } from "node:crypto";
import type { ReservedPodShape } from "./podShape.js";
import { PREDICTIVE_SCALER_API_VERSION, PREDICTIVE_SCALER_KIND } from "./types.js";

export const MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
export const MANAGED_BY = "foresight";
/** The Kubernetes label naming the scaler that owns a reservation object (not the metric label `scaler`). */
export const SCALER_OBJECT_LABEL = "foresight.dev/scaler";
/** Selector label of placeholder pods. */
export const PLACEHOLDER_LABEL = "foresight.dev/placeholder";
export const PAUSE_IMAGE = "registry.k8s.io/pause:3.10";
export const PLACEHOLDER_PRIORITY_CLASS = "foresight-placeholder";
export const PLACEHOLDER_PRIORITY = -10;
export const CAPACITY_BUFFER_API_VERSION = "autoscaling.x-k8s.io/v1beta1";
export const ACTIVE_CAPACITY_STRATEGY = "buffer.x-k8s.io/active-capacity";
export const PROVISIONING_REQUEST_API_VERSION = "autoscaling.x-k8s.io/v1";
export const BEST_EFFORT_ATOMIC_SCALE_UP = "best-effort-atomic-scale-up.autoscaling.x-k8s.io";

/** Longest DNS-1123 label, and of a label value. */
const MAX_LABEL = 63;
const HASH_LENGTH = 8;

/** The scaler's identity as the builders need it. */
export interface ScalerRef {
  /** Namespace of the scaler and of every object built for it. */
  namespace: string;
  /** metadata.name of the PredictiveScaler. */
  scaler: string;
  /** metadata.uid of the PredictiveScaler; adds an ownerReference when set. */
  uid?: string | undefined;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller: boolean;
  blockOwnerDeletion: boolean;
}

/** The metadata of a manifest this file builds: always labelled, owned by the scaler when its uid is known. */
export interface ManifestMeta {
  name: string;
  namespace?: string;
  labels: Record<string, string>;
  ownerReferences?: OwnerReference[];
}

/** A manifest ready to POST. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: ManifestMeta;
  [field: string]: unknown;
}

function shortHash(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, HASH_LENGTH);
}

/**
 * `text` if it is a valid DNS-1123 label (or label value, with `allowDots`); otherwise a stable
 * label: dots replaced, cut to fit, and `-<hash of text>` appended so that distinct inputs stay distinct.
 */
function boundedLabel(text: string, allowDots: boolean): string {
  const cleaned = allowDots ? text : text.replaceAll(".", "-");
  if (cleaned === text && text.length <= MAX_LABEL) return text;
  const head = cleaned.slice(0, MAX_LABEL - HASH_LENGTH - 1).replace(/[^a-z0-9]+$/, "");
  return `${head}-${shortHash(text)}`;
}

/** Value of the scaler label: the scaler's name, shortened with a hash past 63 characters. */
export function scalerLabelValue(scaler: string): string {
  return boundedLabel(scaler, true);
}

/**
 * Name of the objects reserving capacity for `scaler`: `foresight-placeholder-<scaler>`, a DNS
 * label of at most 63 characters; longer (or dotted) names are cut and end in a stable hash.
 */
export function placeholderName(scaler: string): string {
  return boundedLabel(`foresight-placeholder-${scaler}`, false);
}

/** Labels on every object built for `scaler`. */
export function scalerLabels(scaler: string): Record<string, string> {
  return { [MANAGED_BY_LABEL]: MANAGED_BY, [SCALER_OBJECT_LABEL]: scalerLabelValue(scaler) };
}

/** Labels of the reserved pods: the scaler's, plus the placeholder selector label. */
export function placeholderPodLabels(scaler: string): Record<string, string> {
  return { ...scalerLabels(scaler), [PLACEHOLDER_LABEL]: scalerLabelValue(scaler) };
}

function metadata(ref: ScalerRef, name: string): ManifestMeta {
  if (ref.namespace === "") throw new Error("namespace: must not be empty");
  if (ref.scaler === "") throw new Error("scaler: must not be empty");
  return {
    name,
    namespace: ref.namespace,
    labels: scalerLabels(ref.scaler),
    ...(ref.uid !== undefined && ref.uid !== ""
      ? {
          ownerReferences: [
            {
              apiVersion: PREDICTIVE_SCALER_API_VERSION,
              kind: PREDICTIVE_SCALER_KIND,
              name: ref.scaler,
              uid: ref.uid,
              controller: true,
              blockOwnerDeletion: false,
            },
          ],
        }
      : {}),
  };
}

function nonNegativeInteger(value: number, field: string): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${field}: ${value} must be a non-negative integer`);
  }
  return value;
}

/**
 * The pod template of a reserved pod: one pause container requesting the shape (limits equal to
 * requests, which extended resources such as nvidia.com/gpu require), placed by the shape's
 * nodeSelector, tolerations and affinity, stopped at once, and locked down so that namespaces
 * enforcing the "restricted" Pod Security Standard admit it.
 */
function reservedPodTemplate(
  scaler: string,
  shape: ReservedPodShape,
  priorityClassName: string | undefined,
): Record<string, unknown> {
  return {
    metadata: { labels: placeholderPodLabels(scaler) },
    spec: {
      containers: [
        {
          name: "pause",
          image: PAUSE_IMAGE,
          resources: { requests: { ...shape.requests }, limits: { ...shape.requests } },
          securityContext: {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ["ALL"] },
          },
        },
      ],
      ...(shape.nodeSelector !== undefined ? { nodeSelector: structuredClone(shape.nodeSelector) } : {}),
      ...(shape.tolerations !== undefined ? { tolerations: structuredClone(shape.tolerations) } : {}),
      ...(shape.affinity !== undefined ? { affinity: structuredClone(shape.affinity) } : {}),
      ...(priorityClassName !== undefined ? { priorityClassName } : {}),
      terminationGracePeriodSeconds: 0,
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      securityContext: { runAsNonRoot: true, runAsUser: 65535, seccompProfile: { type: "RuntimeDefault" } },
    },
  };
}

export interface PodTemplateInput extends ScalerRef {
  shape: ReservedPodShape;
  priorityClassName?: string | undefined;
}

/** core/v1 PodTemplate `placeholderName(scaler)`: the reserved pod CapacityBuffer and ProvisioningRequest refer to. */
export function podTemplateObject(input: PodTemplateInput): Manifest {
  return {
    apiVersion: "v1",
    kind: "PodTemplate",
    metadata: metadata(input, placeholderName(input.scaler)),
    template: reservedPodTemplate(input.scaler, input.shape, input.priorityClassName),
  };
}

export interface CapacityBufferInput extends ScalerRef {
  podTemplateName: string;
  /** Number of reserved pods (chunks), ≥ 0. */
  replicas: number;
}

/** autoscaling.x-k8s.io/v1beta1 CapacityBuffer `placeholderName(scaler)` of `replicas` pods of the PodTemplate. */
export function capacityBufferObject(input: CapacityBufferInput): Manifest {
  if (input.podTemplateName === "") throw new Error("podTemplateName: must not be empty");
  return {
    apiVersion: CAPACITY_BUFFER_API_VERSION,
    kind: "CapacityBuffer",
    metadata: metadata(input, placeholderName(input.scaler)),
    spec: {
      podTemplateRef: { name: input.podTemplateName },
      replicas: nonNegativeInteger(input.replicas, "replicas"),
      provisioningStrategy: ACTIVE_CAPACITY_STRATEGY,
    },
  };
}

export interface PlaceholderDeploymentInput extends ScalerRef {
  shape: ReservedPodShape;
  /** Number of placeholder pods, ≥ 0. */
  replicas: number;
  /** A negative-priority class, usually PLACEHOLDER_PRIORITY_CLASS, so that real pods preempt them. */
  priorityClassName: string;
}

/** apps/v1 Deployment `placeholderName(scaler)` of low-priority pause pods holding node room. */
export function placeholderDeploymentObject(input: PlaceholderDeploymentInput): Manifest {
  if (input.priorityClassName === "") throw new Error("priorityClassName: must not be empty");
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: metadata(input, placeholderName(input.scaler)),
    spec: {
      replicas: nonNegativeInteger(input.replicas, "replicas"),
      selector: { matchLabels: { [PLACEHOLDER_LABEL]: scalerLabelValue(input.scaler) } },
      revisionHistoryLimit: 1,
      template: reservedPodTemplate(input.scaler, input.shape, input.priorityClassName),
    },
  };
}

/** scheduling.k8s.io/v1 PriorityClass PLACEHOLDER_PRIORITY_CLASS (cluster-scoped, shared by all scalers). */
export function placeholderPriorityClassObject(): Manifest {
  return {
    apiVersion: "scheduling.k8s.io/v1",
    kind: "PriorityClass",
    metadata: { name: PLACEHOLDER_PRIORITY_CLASS, labels: { [MANAGED_BY_LABEL]: MANAGED_BY } },
    value: PLACEHOLDER_PRIORITY,
    globalDefault: false,
    preemptionPolicy: "Never",
    description:
      "Placeholder pods of foresight PredictiveScalers: pause pods holding node capacity ahead of forecast " +
      "demand. Below the default priority (0), so any real pod preempts them; they never preempt others.",
  };
}

export interface ProvisioningRequestInput extends ScalerRef {
  podTemplateName: string;
  /** Pods to provision, ≥ 1. */
  count: number;
  /** Distinguishes successive requests (the spec is immutable): a non-negative integer. */
  sequence: number;
}

/** Name of the `sequence`-th ProvisioningRequest of `scaler`: `<placeholderName>-<sequence>`. */
export function provisioningRequestName(scaler: string, sequence: number): string {
  return `${placeholderName(scaler)}-${nonNegativeInteger(sequence, "sequence")}`;
}

/** autoscaling.x-k8s.io/v1 ProvisioningRequest for `count` pods of the PodTemplate, best-effort atomic scale-up. */
export function provisioningRequestObject(input: ProvisioningRequestInput): Manifest {
  if (input.podTemplateName === "") throw new Error("podTemplateName: must not be empty");
  if (!Number.isSafeInteger(input.count) || input.count < 1) {
    throw new RangeError(`count: ${input.count} must be an integer of at least 1`);
  }
  return {
    apiVersion: PROVISIONING_REQUEST_API_VERSION,
    kind: "ProvisioningRequest",
    metadata: metadata(input, provisioningRequestName(input.scaler, input.sequence)),
    spec: {
      provisioningClassName: BEST_EFFORT_ATOMIC_SCALE_UP,
      podSets: [{ podTemplateRef: { name: input.podTemplateName }, count: input.count }],
    },
  };
}

/**
 * Pods to reserve beyond those running: max(0, ⌈forecastPods⌉ − currentPods). `forecastPods` may
 * be fractional (forecast demand over capacity per pod); a partial pod still needs a whole one.
 */
export function bufferReplicas({
  forecastPods,
  currentPods,
}: {
  forecastPods: number;
  currentPods: number;
}): number {
  if (!Number.isFinite(forecastPods) || forecastPods < 0) {
    throw new RangeError(`forecastPods: ${forecastPods} must be a finite number ≥ 0`);
  }
  nonNegativeInteger(currentPods, "currentPods");
  return Math.max(0, Math.ceil(forecastPods) - currentPods);
}

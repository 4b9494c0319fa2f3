/**
 * The shape of one reserved pod (placeholder, CapacityBuffer or ProvisioningRequest pod): the
 * resource requests the scheduler would charge for one pod of the target's template, plus where
 * such a pod may land, with `spec.nodes.podShape` overrides applied.
 *
 * Requests follow the scheduler's pod-request rule (k8s.io/component-helpers `resource.PodRequests`):
 * a container's request defaults to its limit; regular containers and restartable (sidecar) init
 * containers add up; a regular init container runs alone next to the sidecars started before it,
 * so the pod needs max(sum, that peak); the pod `overhead` is added last. Only cpu, memory and
 * nvidia.com/gpu are reserved. Quantity arithmetic is exact (src/k8s/quantity.ts); sums are
 * printed in the canonical form the apiserver stores (BinarySI if the first term was, e.g. "3Gi").
 */

import { type Decimal, formatDecimalSI, formatQuantity, parseQuantity } from "../k8s/quantity.js";
import type { PodShape, Toleration } from "./types.js";

/** The resources a reserved pod requests, in this order. */
export const SHAPE_RESOURCES = ["cpu", "memory", "nvidia.com/gpu"] as const;
export type ShapeResource = (typeof SHAPE_RESOURCES)[number];

export interface ReservedPodShape {
  /** cpu, memory, nvidia.com/gpu as canonical quantity strings; only those set somewhere. */
  requests: Record<string, string>;
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
  affinity?: unknown;
}

/** A summed quantity; `binary` keeps the suffix family of the first term for printing. */
interface Amount {
  readonly value: Decimal;
  readonly binary: boolean;
}

type Amounts = Partial<Record<ShapeResource, Amount>>;

const TEMPLATE_PATH = "spec.template";
const OVERRIDE_PATH = "spec.nodes.podShape";

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function add(a: Decimal, b: Decimal): Decimal {
  const exponent = Math.min(a.exponent, b.exponent);
  return {
    mantissa:
      a.mantissa * 10n ** BigInt(a.exponent - exponent) + b.mantissa * 10n ** BigInt(b.exponent - exponent),
    exponent,
  };
}

/** Sign of a − b. */
function compare(a: Decimal, b: Decimal): number {
  const diff = add(a, { mantissa: -b.mantissa, exponent: b.exponent }).mantissa;
  return diff === 0n ? 0 : diff > 0n ? 1 : -1;
}

function sum(a: Amount | undefined, b: Amount): Amount {
  return a === undefined ? b : { value: add(a.value, b.value), binary: a.binary };
}

function max(a: Amount | undefined, b: Amount): Amount {
  return a === undefined || compare(b.value, a.value) > 0 ? b : a;
}

const BINARY_SUFFIXES = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"] as const;

/**
 * apimachinery's canonical text: BinarySI integers of magnitude ≥ 1024 take the largest
 * 1024-power suffix dividing them exactly ("3Gi", "1536Mi", "1025"); anything else is DecimalSI.
 */
function formatAmount({ value, binary }: Amount): string {
  if (binary && value.exponent >= 0) {
    let n = value.mantissa * 10n ** BigInt(value.exponent);
    if (n <= -1024n || n >= 1024n) {
      let power = 0;
      while (power < BINARY_SUFFIXES.length - 1 && n % 1024n === 0n) {
        n /= 1024n;
        power += 1;
      }
      return `${n}${BINARY_SUFFIXES[power]}`;
    }
  }
  return formatDecimalSI(value);
}

/** Reads a quantity written as a string or a JSON number; throws naming `field` when malformed. */
function readAmount(raw: unknown, field: string): Amount {
  let text: string;
  if (typeof raw === "number" && Number.isFinite(raw)) text = formatQuantity(raw);
  else if (typeof raw === "string") text = raw;
  else throw new Error(`${field}: ${JSON.stringify(raw) ?? String(raw)} is not a quantity`);
  let parsed: ReturnType<typeof parseQuantity>;
  try {
    parsed = parseQuantity(text);
  } catch {
    throw new Error(`${field}: ${JSON.stringify(raw)} is not a quantity`);
  }
  if (parsed.mantissa < 0n) throw new Error(`${field}: ${JSON.stringify(raw)} must not be negative`);
  return { value: parsed, binary: parsed.format === "BinarySI" };
}

/** The shape resources set in a ResourceList (a requests, limits or overhead map). */
function resourceList(list: unknown, field: string): Amounts {
  if (list === undefined) return {};
  if (!isRecord(list)) throw new Error(`${field}: must be a map of quantities`);
  const out: Amounts = {};
  for (const name of SHAPE_RESOURCES) {
    if (list[name] !== undefined) out[name] = readAmount(list[name], `${field}.${name}`);
  }
  return out;
}

/** A container's resources: each request, falling back to its limit. */
function containerAmounts(resources: unknown, field: string): Amounts {
  if (resources === undefined) return {};
  if (!isRecord(resources)) throw new Error(`${field}: must be an object`);
  return {
    ...resourceList(resources.limits, `${field}.limits`),
    ...resourceList(resources.requests, `${field}.requests`),
  };
}

function listAt(spec: Record<string, unknown>, key: string, path: string): unknown[] {
  const list = spec[key];
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw new Error(`${path}.${key}: must be a list`);
  return list;
}

function containerAt(item: unknown, field: string): Record<string, unknown> {
  if (!isRecord(item)) throw new Error(`${field}: must be an object`);
  return item;
}

/** The scheduler's effective requests of a pod spec (see the module comment). */
function podAmounts(spec: Record<string, unknown>, path: string): Amounts {
  const total: Amounts = {};
  const sidecars: Amounts = {};
  const initPeak: Amounts = {};
  listAt(spec, "containers", path).forEach((item, i) => {
    const field = `${path}.containers[${i}]`;
    const amounts = containerAmounts(containerAt(item, field).resources, `${field}.resources`);
    for (const name of SHAPE_RESOURCES) {
      const a = amounts[name];
      if (a !== undefined) total[name] = sum(total[name], a);
    }
  });
  listAt(spec, "initContainers", path).forEach((item, i) => {
    const field = `${path}.initContainers[${i}]`;
    const container = containerAt(item, field);
    const amounts = containerAmounts(container.resources, `${field}.resources`);
    const restartable = container.restartPolicy === "Always";
    for (const name of SHAPE_RESOURCES) {
      const a = amounts[name];
      if (a === undefined) continue;
      const running = sidecars[name];
      if (restartable) {
        sidecars[name] = sum(running, a);
        initPeak[name] = max(initPeak[name], sidecars[name] as Amount);
      } else {
        initPeak[name] = max(initPeak[name], running === undefined ? a : sum(running, a));
      }
    }
  });
  const overhead = resourceList(spec.overhead, `${path}.overhead`);
  const out: Amounts = {};
  for (const name of SHAPE_RESOURCES) {
    const sidecar = sidecars[name];
    let steady = total[name];
    if (sidecar !== undefined) steady = sum(steady, sidecar);
    const peak = initPeak[name];
    let effective = peak === undefined ? steady : max(steady, peak);
    const extra = overhead[name];
    if (extra !== undefined) effective = sum(effective, extra);
    if (effective !== undefined) out[name] = effective;
  }
  return out;
}

/** The pod spec inside a PodTemplateSpec; undefined when there is none. */
function podSpecOf(podTemplateSpec: unknown): Record<string, unknown> | undefined {
  if (podTemplateSpec === undefined || podTemplateSpec === null) return undefined;
  if (!isRecord(podTemplateSpec)) throw new Error(`${TEMPLATE_PATH}: must be a PodTemplateSpec object`);
  const spec = podTemplateSpec.spec;
  if (spec === undefined) return undefined;
  if (!isRecord(spec)) throw new Error(`${TEMPLATE_PATH}.spec: must be an object`);
  return spec;
}

/**
 * The reserved pod shape for a target whose pod template is `podTemplateSpec` (its
 * `spec.template`; undefined when unknown), with `overrides` (spec.nodes.podShape) winning per
 * field: each of cpu / memory / nvidia.com/gpu, and nodeSelector and tolerations as a whole (an
 * empty override clears the template's). affinity always comes from the template.
 * Throws an Error naming the field when a quantity or the template's structure is malformed.
 */
export function reservedPodShape(
  podTemplateSpec: unknown,
  overrides: PodShape | undefined,
): ReservedPodShape {
  const spec = podSpecOf(podTemplateSpec);
  const specPath = `${TEMPLATE_PATH}.spec`;
  const amounts = spec === undefined ? {} : podAmounts(spec, specPath);

  const requests: Record<string, string> = {};
  for (const name of SHAPE_RESOURCES) {
    const override = overrides?.[name];
    const amount = override !== undefined ? readAmount(override, `${OVERRIDE_PATH}.${name}`) : amounts[name];
    if (amount !== undefined) requests[name] = formatAmount(amount);
  }

  const nodeSelector = overrides?.nodeSelector ?? spec?.nodeSelector;
  if (nodeSelector !== undefined && !isRecord(nodeSelector)) {
    throw new Error(`${specPath}.nodeSelector: must be a map of strings`);
  }
  const tolerations = overrides?.tolerations ?? spec?.tolerations;
  if (tolerations !== undefined && !Array.isArray(tolerations)) {
    throw new Error(`${specPath}.tolerations: must be a list`);
  }
  const affinity = spec?.affinity;
  return {
    requests,
    ...(nodeSelector !== undefined
      ? { nodeSelector: structuredClone(nodeSelector) as Record<string, string> }
      : {}),
    ...(tolerations !== undefined ? { tolerations: structuredClone(tolerations) as Toleration[] } : {}),
    ...(affinity !== undefined && affinity !== null ? { affinity: structuredClone(affinity) } : {}),
  };
}

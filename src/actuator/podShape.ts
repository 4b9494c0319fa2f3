/**
 * The shape of one reserved pod (placeholder, CapacityBuffer or ProvisioningRequest pod): the
 * resource requests the scheduler would charge for one pod of the target's template, plus where
 * such a pod may land, with `spec.nodes.podShape` overrides applied.
 *
 * Requests follow the scheduler's pod-request rule (k8s.io/component-helpers `resource.PodRequests`):
 * a container's request defaults to its limit; regular containers and restartable (sidecar) init
 * containers add up; a regular init container runs alone next to the sidecars started before it,
 * so the pod needs max(sum, that peak); the pod `overhead` is added last. Every resource the
 * template names is reserved: cpu, memory, ephemeral-storage, hugepages-*, and extended resources
 * (any `vendor/name`: nvidia.com/gpu, MIG slices such as nvidia.com/mig-1g.10gb, amd.com/gpu,
 * gpu.intel.com/i915, habana.ai/gaudi…), which Kubernetes requires to be whole numbers with the
 * request equal to the limit; a template breaking that is refused with the field named. Quantity
 * arithmetic is exact (src/k8s/quantity.ts); sums are printed in the canonical form the apiserver
 * stores (BinarySI if the first term was, e.g. "3Gi").
 */

import { type Decimal, formatDecimalSI, formatQuantity, parseQuantity } from "../k8s/quantity.js";
import type { PodShape, Toleration } from "./types.js";

/** Resources printed first, in this order; the others follow sorted by name. */
const LEADING_RESOURCES = ["cpu", "memory"] as const;

/** The override keys of spec.nodes.podShape named after a resource (besides its `resources` map). */
export const SHAPE_OVERRIDE_KEYS = ["cpu", "memory", "nvidia.com/gpu"] as const;

/**
 * An extended resource: a `domain/name` outside the kubernetes.io domains (which hold native
 * resources). Kubernetes counts these in whole units and does not overcommit them.
 */
export function isExtendedResource(name: string): boolean {
  const slash = name.indexOf("/");
  if (slash < 0) return false;
  const domain = name.slice(0, slash);
  return domain !== "kubernetes.io" && !domain.endsWith(".kubernetes.io");
}

export interface ReservedPodShape {
  /** Every resource set somewhere, as canonical quantity strings, cpu and memory first. */
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

type Amounts = Map<string, Amount>;

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

function isWhole(d: Decimal): boolean {
  return d.exponent >= 0 || d.mantissa % 10n ** BigInt(-d.exponent) === 0n;
}

/** Reads one resource's quantity; an extended resource must be a whole number. */
function readResource(name: string, raw: unknown, field: string): Amount {
  const amount = readAmount(raw, field);
  if (isExtendedResource(name) && !isWhole(amount.value)) {
    throw new Error(
      `${field}: ${JSON.stringify(raw)} must be a whole number (${name} is an extended resource)`,
    );
  }
  return amount;
}

/** The resources set in a ResourceList (a requests, limits or overhead map). */
function resourceList(list: unknown, field: string): Amounts {
  const out: Amounts = new Map();
  if (list === undefined) return out;
  if (!isRecord(list)) throw new Error(`${field}: must be a map of quantities`);
  for (const [name, raw] of Object.entries(list)) {
    if (raw !== undefined) out.set(name, readResource(name, raw, `${field}.${name}`));
  }
  return out;
}

/**
 * A container's resources: each request, falling back to its limit. An extended resource's
 * request must equal its limit, as the API server requires of pods.
 */
function containerAmounts(resources: unknown, field: string): Amounts {
  if (resources === undefined) return new Map();
  if (!isRecord(resources)) throw new Error(`${field}: must be an object`);
  const limits = resourceList(resources.limits, `${field}.limits`);
  const requests = resourceList(resources.requests, `${field}.requests`);
  for (const [name, request] of requests) {
    const limit = limits.get(name);
    if (isExtendedResource(name) && limit !== undefined && compare(request.value, limit.value) !== 0) {
      throw new Error(
        `${field}.requests.${name}: must equal limits.${name} (${name} is an extended resource, which cannot be overcommitted)`,
      );
    }
  }
  return new Map([...limits, ...requests]);
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
  const total: Amounts = new Map();
  const sidecars: Amounts = new Map();
  const initPeak: Amounts = new Map();
  listAt(spec, "containers", path).forEach((item, i) => {
    const field = `${path}.containers[${i}]`;
    const amounts = containerAmounts(containerAt(item, field).resources, `${field}.resources`);
    for (const [name, a] of amounts) total.set(name, sum(total.get(name), a));
  });
  listAt(spec, "initContainers", path).forEach((item, i) => {
    const field = `${path}.initContainers[${i}]`;
    const container = containerAt(item, field);
    const amounts = containerAmounts(container.resources, `${field}.resources`);
    const restartable = container.restartPolicy === "Always";
    for (const [name, a] of amounts) {
      const running = sidecars.get(name);
      if (restartable) {
        const started = sum(running, a);
        sidecars.set(name, started);
        initPeak.set(name, max(initPeak.get(name), started));
      } else {
        initPeak.set(name, max(initPeak.get(name), running === undefined ? a : sum(running, a)));
      }
    }
  });
  const overhead = resourceList(spec.overhead, `${path}.overhead`);
  const out: Amounts = new Map();
  const names = new Set([...total.keys(), ...sidecars.keys(), ...initPeak.keys(), ...overhead.keys()]);
  for (const name of names) {
    const sidecar = sidecars.get(name);
    let steady = total.get(name);
    if (sidecar !== undefined) steady = sum(steady, sidecar);
    const peak = initPeak.get(name);
    let effective = peak === undefined ? steady : max(steady, peak);
    const extra = overhead.get(name);
    if (extra !== undefined) effective = sum(effective, extra);
    if (effective !== undefined) out.set(name, effective);
  }
  return out;
}

/** cpu and memory first, then the other resources by name. */
function resourceOrder(a: string, b: string): number {
  const rank = (n: string) => {
    const i = (LEADING_RESOURCES as readonly string[]).indexOf(n);
    return i < 0 ? LEADING_RESOURCES.length : i;
  };
  return rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
}

/** The overrides of spec.nodes.podShape by resource name: its `resources` map and named keys. */
function overrideAmounts(overrides: PodShape | undefined): Amounts {
  const out: Amounts = new Map();
  if (overrides === undefined) return out;
  for (const [name, raw] of Object.entries(overrides.resources ?? {})) {
    out.set(name, readResource(name, raw, `${OVERRIDE_PATH}.resources.${name}`));
  }
  for (const name of SHAPE_OVERRIDE_KEYS) {
    const raw = overrides[name];
    if (raw === undefined) continue;
    if (out.has(name))
      throw new Error(`${OVERRIDE_PATH}.${name}: also set in ${OVERRIDE_PATH}.resources; set one`);
    out.set(name, readResource(name, raw, `${OVERRIDE_PATH}.${name}`));
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
 * field: each resource (named keys or the `resources` map), and nodeSelector and tolerations as a whole (an
 * empty override clears the template's). affinity always comes from the template.
 * Throws an Error naming the field when a quantity or the template's structure is malformed.
 */
export function reservedPodShape(
  podTemplateSpec: unknown,
  overrides: PodShape | undefined,
): ReservedPodShape {
  const spec = podSpecOf(podTemplateSpec);
  const specPath = `${TEMPLATE_PATH}.spec`;
  const amounts = spec === undefined ? new Map<string, Amount>() : podAmounts(spec, specPath);
  for (const [name, amount] of overrideAmounts(overrides)) amounts.set(name, amount);

  const requests: Record<string, string> = {};
  for (const name of [...amounts.keys()].sort(resourceOrder)) {
    requests[name] = formatAmount(amounts.get(name) as Amount);
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

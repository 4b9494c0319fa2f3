/**
 * Validation of the autoscaling-related types, reduced to the rules clients are likely to trip
 * (kubernetes `pkg/apis/<group>/validation`, the autoscaler CRDs' OpenAPI rules). Each function returns
 * the 422 causes for one object; an empty list means valid. Unlisted rules are not enforced.
 */
import { isDeepStrictEqual } from "node:util";
import type { StoredObject } from "./objects.js";
import { isPlainObject } from "./objects.js";
import type { FieldCause } from "./status.js";
import { nonNegativeInteger, valueAt } from "./typeHelpers.js";

function required(path: string): FieldCause {
  return { reason: "FieldValueRequired", message: "Required value", field: path };
}

function invalidValue(path: string, value: unknown, why: string): FieldCause {
  return {
    reason: "FieldValueInvalid",
    message: `Invalid value: ${JSON.stringify(value)}: ${why}`,
    field: path,
  };
}

function unsupported(path: string, value: unknown, allowed: readonly string[]): FieldCause {
  return {
    reason: "FieldValueNotSupported",
    message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${allowed.map((a) => `"${a}"`).join(", ")}`,
    field: path,
  };
}

function nonEmptyString(obj: unknown, path: string): FieldCause[] {
  const v = valueAt(obj, path);
  return typeof v === "string" && v !== "" ? [] : [required(path)];
}

/** Set and an integer within [min, max]. */
function intIn(obj: unknown, path: string, min: number, max: number, optional = true): FieldCause[] {
  const v = valueAt(obj, path);
  if (v === undefined) return optional ? [] : [required(path)];
  if (!Number.isInteger(v) || (v as number) < min || (v as number) > max) {
    const why =
      max === Number.MAX_SAFE_INTEGER
        ? `must be greater than or equal to ${min}`
        : `must be between ${min} and ${max}, inclusive`;
    return [invalidValue(path, v, why)];
  }
  return [];
}

function oneOf(obj: unknown, path: string, allowed: readonly string[], optional = true): FieldCause[] {
  const v = valueAt(obj, path);
  if (v === undefined) return optional ? [] : [required(path)];
  return allowed.includes(v as string) ? [] : [unsupported(path, v, allowed)];
}

const METRIC_TYPES = ["Object", "Pods", "Resource", "ContainerResource", "External"] as const;
const METRIC_KEYS: Readonly<Record<string, string>> = {
  Object: "object",
  Pods: "pods",
  Resource: "resource",
  ContainerResource: "containerResource",
  External: "external",
};

function hpaRules(obj: unknown, path: string): FieldCause[] {
  if (valueAt(obj, path) === undefined) return [];
  const causes = intIn(obj, `${path}.stabilizationWindowSeconds`, 0, 3600);
  causes.push(...oneOf(obj, `${path}.selectPolicy`, ["Max", "Min", "Disabled"]));
  const policies = valueAt(obj, `${path}.policies`);
  if (Array.isArray(policies)) {
    policies.forEach((_p, i) => {
      const base = `${path}.policies.${i}`;
      const found = [
        ...oneOf(obj, `${base}.type`, ["Pods", "Percent"], false),
        ...intIn(obj, `${base}.value`, 1, Number.MAX_SAFE_INTEGER, false),
        ...intIn(obj, `${base}.periodSeconds`, 1, 1800, false),
      ];
      causes.push(...found.map((c) => ({ ...c, field: c.field.replace(base, `${path}.policies[${i}]`) })));
    });
  }
  return causes;
}

/** autoscaling/v2 HorizontalPodAutoscaler (`ValidateHorizontalPodAutoscaler`). */
export function validateHpa(obj: StoredObject): FieldCause[] {
  const causes = [
    ...nonEmptyString(obj, "spec.scaleTargetRef.kind"),
    ...nonEmptyString(obj, "spec.scaleTargetRef.name"),
    ...intIn(obj, "spec.minReplicas", 1, Number.MAX_SAFE_INTEGER),
    ...intIn(obj, "spec.maxReplicas", 1, Number.MAX_SAFE_INTEGER, false),
  ];
  const min = valueAt(obj, "spec.minReplicas");
  const max = valueAt(obj, "spec.maxReplicas");
  if (typeof min === "number" && typeof max === "number" && max < min) {
    causes.push(invalidValue("spec.maxReplicas", max, "must be greater than or equal to `minReplicas`"));
  }
  const metrics = valueAt(obj, "spec.metrics");
  if (Array.isArray(metrics)) {
    metrics.forEach((m, i) => {
      const at = `spec.metrics[${i}]`;
      if (!isPlainObject(m) || !METRIC_TYPES.includes(m.type as (typeof METRIC_TYPES)[number])) {
        causes.push(unsupported(`${at}.type`, isPlainObject(m) ? m.type : m, METRIC_TYPES));
        return;
      }
      const key = METRIC_KEYS[m.type as string] as string;
      if (!isPlainObject(m[key])) {
        causes.push({
          reason: "FieldValueRequired",
          message: `must populate information for the given metric source`,
          field: `${at}.${key}`,
        });
        return;
      }
      causes.push(
        ...oneOf(m, `${key}.target.type`, ["Utilization", "Value", "AverageValue"], false).map((c) => ({
          ...c,
          field: `${at}.${c.field}`,
        })),
      );
    });
  }
  causes.push(...hpaRules(obj, "spec.behavior.scaleUp"), ...hpaRules(obj, "spec.behavior.scaleDown"));
  return causes;
}

/** coordination.k8s.io/v1 Lease: the spec is optional; durations and counts are not negative. */
export function validateLease(obj: StoredObject): FieldCause[] {
  return [
    ...intIn(obj, "spec.leaseDurationSeconds", 1, Number.MAX_SAFE_INTEGER),
    ...nonNegativeInteger(obj, "spec.leaseTransitions"),
  ];
}

/** core/v1 Event: the object it is about, and a reason. */
export function validateCoreEvent(obj: StoredObject): FieldCause[] {
  return [
    ...nonEmptyString(obj, "involvedObject.kind"),
    ...nonEmptyString(obj, "involvedObject.name"),
    ...oneOf(obj, "type", ["Normal", "Warning"], false),
  ];
}

/** events.k8s.io/v1 Event (`ValidateEventCreate` for the v1 API). */
export function validateEvent(obj: StoredObject): FieldCause[] {
  const causes = [
    ...nonEmptyString(obj, "eventTime"),
    ...nonEmptyString(obj, "reportingController"),
    ...nonEmptyString(obj, "reportingInstance"),
    ...nonEmptyString(obj, "action"),
    ...nonEmptyString(obj, "reason"),
    ...oneOf(obj, "type", ["Normal", "Warning"], false),
  ];
  const note = valueAt(obj, "note");
  if (typeof note === "string" && note.length > 1024) {
    causes.push({
      reason: "FieldValueTooLong",
      message: "Too long: may not be more than 1024 bytes",
      field: "note",
    });
  }
  return causes;
}

const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;

/** v1 ConfigMap: keys are config keys, and a key is not in both data and binaryData. */
export function validateConfigMap(obj: StoredObject): FieldCause[] {
  const causes: FieldCause[] = [];
  const data = isPlainObject(obj.data) ? obj.data : {};
  const binary = isPlainObject(obj.binaryData) ? obj.binaryData : {};
  for (const [where, map] of [
    ["data", data],
    ["binaryData", binary],
  ] as const) {
    for (const key of Object.keys(map)) {
      if (!CONFIG_KEY.test(key) || key.length > 253) {
        causes.push(
          invalidValue(
            `${where}[${key}]`,
            key,
            "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
          ),
        );
      }
      if (where === "binaryData" && key in data) {
        causes.push(invalidValue(`binaryData[${key}]`, key, "duplicate of key present in data"));
      }
    }
  }
  return causes;
}

/** v1 PodTemplate: a template with at least one container. */
export function validatePodTemplate(obj: StoredObject): FieldCause[] {
  const containers = valueAt(obj, "template.spec.containers");
  return Array.isArray(containers) && containers.length > 0 ? [] : [required("template.spec.containers")];
}

/** scheduling.k8s.io/v1 PriorityClass: user classes are at most 1e9; `system-` names are reserved. */
export function validatePriorityClass(obj: StoredObject, old?: StoredObject): FieldCause[] {
  const causes = intIn(obj, "value", -2147483648, 1_000_000_000, false).map((c) =>
    c.reason === "FieldValueInvalid"
      ? {
          ...c,
          message: `Invalid value: ${JSON.stringify(obj.value)}: maximum allowed value of a user defined priority is 1000000000`,
        }
      : c,
  );
  if (obj.metadata.name.startsWith("system-")) {
    causes.push(
      invalidValue(
        "metadata.name",
        obj.metadata.name,
        "priority class names with 'system-' prefix are reserved",
      ),
    );
  }
  causes.push(...oneOf(obj, "preemptionPolicy", ["Never", "PreemptLowerPriority"]));
  if (old && old.value !== obj.value) causes.push(invalidValue("value", obj.value, "field is immutable"));
  return causes;
}

/** autoscaling.x-k8s.io/v1beta1 CapacityBuffer: exactly one of podTemplateRef / scalableRef. */
export function validateCapacityBuffer(obj: StoredObject): FieldCause[] {
  const template = valueAt(obj, "spec.podTemplateRef");
  const scalable = valueAt(obj, "spec.scalableRef");
  const causes: FieldCause[] = [];
  if ((template === undefined) === (scalable === undefined)) {
    causes.push(invalidValue("spec", "", "exactly one of podTemplateRef or scalableRef must be set"));
  }
  if (template !== undefined) causes.push(...nonEmptyString(obj, "spec.podTemplateRef.name"));
  if (scalable !== undefined) {
    causes.push(
      ...nonEmptyString(obj, "spec.scalableRef.kind"),
      ...nonEmptyString(obj, "spec.scalableRef.name"),
    );
  }
  causes.push(...nonNegativeInteger(obj, "spec.replicas"), ...nonNegativeInteger(obj, "spec.percentage"));
  return causes;
}

/** autoscaling.x-k8s.io/v1 ProvisioningRequest: the spec is immutable; 1–32 pod sets, count ≥ 1. */
export function validateProvisioningRequest(obj: StoredObject, old?: StoredObject): FieldCause[] {
  const causes = nonEmptyString(obj, "spec.provisioningClassName");
  const podSets = valueAt(obj, "spec.podSets");
  if (!Array.isArray(podSets) || podSets.length < 1 || podSets.length > 32) {
    causes.push(invalidValue("spec.podSets", podSets ?? null, "must have between 1 and 32 items"));
  } else {
    podSets.forEach((_s, i) => {
      for (const c of [
        ...nonEmptyString(obj, `spec.podSets.${i}.podTemplateRef.name`),
        ...intIn(obj, `spec.podSets.${i}.count`, 1, Number.MAX_SAFE_INTEGER, false),
      ]) {
        causes.push({ ...c, field: c.field.replace(`spec.podSets.${i}.`, `spec.podSets[${i}].`) });
      }
    });
  }
  const parameters = valueAt(obj, "spec.parameters");
  if (isPlainObject(parameters)) {
    if (Object.keys(parameters).length > 100) {
      causes.push(invalidValue("spec.parameters", "", "must have at most 100 entries"));
    }
    for (const [k, v] of Object.entries(parameters)) {
      if (typeof v !== "string" || v.length > 255) {
        causes.push(invalidValue(`spec.parameters[${k}]`, v, "must be a string of at most 255 characters"));
      }
    }
  }
  if (old && !isDeepStrictEqual(old.spec, obj.spec)) {
    causes.push(invalidValue("spec", "", "Value is immutable"));
  }
  return causes;
}

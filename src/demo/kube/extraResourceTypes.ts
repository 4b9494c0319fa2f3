/**
 * The resource types around autoscaling that the simulator serves besides the core ones: HPAs,
 * Events, Leases, ConfigMaps, PodTemplates, PriorityClasses, the cluster-autoscaler CRDs
 * (CapacityBuffer, ProvisioningRequest) and CustomResourceDefinitions. Defaults follow the
 * apiserver's `SetDefaults_*`; validation is in extraValidation.ts.
 */

import { validateCrd } from "./crd.js";
import {
  CONFIGMAP_COLUMNS,
  CORE_EVENT_COLUMNS,
  EVENT_COLUMNS,
  HPA_COLUMNS,
  LEASE_COLUMNS,
  PODTEMPLATE_COLUMNS,
  PRIORITYCLASS_COLUMNS,
} from "./extraPrintColumns.js";
import {
  validateCapacityBuffer,
  validateConfigMap,
  validateCoreEvent,
  validateEvent,
  validateHpa,
  validateLease,
  validatePodTemplate,
  validatePriorityClass,
  validateProvisioningRequest,
} from "./extraValidation.js";
import { isPlainObject } from "./objects.js";
import type { ResourceType } from "./resourceTypeShape.js";
import { ALL_VERBS, field, fieldLabels, section } from "./typeHelpers.js";

/** autoscaling/v2 `GenerateHPAScaleUpRules` / `GenerateHPAScaleDownRules`: fill what is missing. */
function defaultRules(behavior: Record<string, unknown>, key: "scaleUp" | "scaleDown"): void {
  const rules = section(behavior, key);
  const up = key === "scaleUp";
  rules.stabilizationWindowSeconds ??= up ? 0 : 300;
  rules.selectPolicy ??= "Max";
  rules.policies ??= up
    ? [
        { type: "Pods", value: 4, periodSeconds: 15 },
        { type: "Percent", value: 100, periodSeconds: 15 },
      ]
    : [{ type: "Percent", value: 100, periodSeconds: 15 }];
}

const namespacedBase = {
  namespaced: true,
  categories: [],
  verbs: ALL_VERBS,
  deleteReturnsObject: false,
  nameFormat: "subdomain",
  fieldLabels: {},
} as const;

export const EXTRA_RESOURCE_TYPES: readonly ResourceType[] = [
  {
    ...namespacedBase,
    group: "autoscaling",
    version: "v2",
    resource: "horizontalpodautoscalers",
    kind: "HorizontalPodAutoscaler",
    singular: "horizontalpodautoscaler",
    shortNames: ["hpa"],
    categories: ["all"],
    subresources: ["status"],
    generationFrom: ["spec"],
    printColumns: HPA_COLUMNS,
    applyDefaults: (obj) => {
      const spec = section(obj, "spec");
      spec.minReplicas ??= 1;
      if (!Array.isArray(spec.metrics) || spec.metrics.length === 0) {
        spec.metrics = [
          {
            type: "Resource",
            resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } },
          },
        ];
      }
      if (isPlainObject(spec.behavior)) {
        defaultRules(spec.behavior, "scaleUp");
        defaultRules(spec.behavior, "scaleDown");
      }
    },
    validate: validateHpa,
    initialStatus: () => ({ currentReplicas: 0, desiredReplicas: 0 }),
  },
  // core/v1 Events, as client-go's EventRecorder and kubectl describe still use them.
  {
    ...namespacedBase,
    group: "",
    version: "v1",
    resource: "events",
    kind: "Event",
    singular: "event",
    shortNames: ["ev"],
    subresources: [],
    generationFrom: [],
    printColumns: CORE_EVENT_COLUMNS,
    validate: validateCoreEvent,
    // The apiserver's field labels of core Events: kubectl describe selects a workload's events by these.
    fieldLabels: {
      ...fieldLabels([
        "involvedObject.kind",
        "involvedObject.namespace",
        "involvedObject.name",
        "involvedObject.uid",
        "involvedObject.apiVersion",
        "involvedObject.resourceVersion",
        "involvedObject.fieldPath",
        "reason",
        "reportingComponent",
        "type",
      ]),
      source: (obj) => field(obj, "source.component"),
    },
  },
  {
    ...namespacedBase,
    group: "events.k8s.io",
    version: "v1",
    resource: "events",
    kind: "Event",
    singular: "event",
    shortNames: ["ev"],
    subresources: [],
    generationFrom: [],
    printColumns: EVENT_COLUMNS,
    validate: validateEvent,
  },
  {
    ...namespacedBase,
    group: "coordination.k8s.io",
    version: "v1",
    resource: "leases",
    kind: "Lease",
    singular: "lease",
    shortNames: [],
    subresources: [],
    generationFrom: [],
    printColumns: LEASE_COLUMNS,
    validate: validateLease,
  },
  {
    ...namespacedBase,
    group: "",
    version: "v1",
    resource: "configmaps",
    kind: "ConfigMap",
    singular: "configmap",
    shortNames: ["cm"],
    subresources: [],
    generationFrom: [],
    printColumns: CONFIGMAP_COLUMNS,
    validate: validateConfigMap,
  },
  {
    ...namespacedBase,
    group: "",
    version: "v1",
    resource: "podtemplates",
    kind: "PodTemplate",
    singular: "podtemplate",
    shortNames: [],
    subresources: [],
    generationFrom: [],
    printColumns: PODTEMPLATE_COLUMNS,
    validate: validatePodTemplate,
  },
  {
    ...namespacedBase,
    namespaced: false,
    group: "scheduling.k8s.io",
    version: "v1",
    resource: "priorityclasses",
    kind: "PriorityClass",
    singular: "priorityclass",
    shortNames: ["pc"],
    subresources: [],
    generationFrom: [],
    printColumns: PRIORITYCLASS_COLUMNS,
    applyDefaults: (obj) => {
      obj.preemptionPolicy ??= "PreemptLowerPriority";
      obj.globalDefault ??= false;
    },
    validate: validatePriorityClass,
  },
  // ProvisioningRequest first: the group's first version (v1) is the preferred one in discovery.
  {
    ...namespacedBase,
    group: "autoscaling.x-k8s.io",
    version: "v1",
    resource: "provisioningrequests",
    kind: "ProvisioningRequest",
    singular: "provisioningrequest",
    shortNames: ["provreq", "provreqs"],
    subresources: ["status"],
    generationFrom: ["spec"],
    validate: validateProvisioningRequest,
    initialStatus: () => ({}),
  },
  {
    ...namespacedBase,
    group: "autoscaling.x-k8s.io",
    version: "v1beta1",
    resource: "capacitybuffers",
    kind: "CapacityBuffer",
    singular: "capacitybuffer",
    shortNames: ["cb"],
    subresources: ["status"],
    generationFrom: ["spec"],
    applyDefaults: (obj) => {
      section(obj, "spec").provisioningStrategy ??= "buffer.x-k8s.io/active-capacity";
    },
    validate: validateCapacityBuffer,
    initialStatus: () => ({}),
  },
  {
    ...namespacedBase,
    namespaced: false,
    group: "apiextensions.k8s.io",
    version: "v1",
    resource: "customresourcedefinitions",
    kind: "CustomResourceDefinition",
    singular: "customresourcedefinition",
    shortNames: ["crd", "crds"],
    categories: ["api-extensions"],
    subresources: ["status"],
    generationFrom: ["spec"],
    validate: validateCrd,
    initialStatus: () => ({}),
  },
];

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { hpaTargets } from "../../../src/demo/kube/extraPrintColumns.js";
import type { StoredObject } from "../../../src/demo/kube/objects.js";

function hpa(metrics: unknown[], currentMetrics?: unknown[]): StoredObject {
  return {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: {
      name: "h",
      namespace: "n",
      uid: "u",
      resourceVersion: "1",
      creationTimestamp: "2026-01-01T00:00:00Z",
    },
    spec: { metrics },
    ...(currentMetrics ? { status: { currentMetrics } } : {}),
  };
}

const cpu70 = {
  type: "Resource",
  resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } },
};
const memAvg = {
  type: "Resource",
  resource: { name: "memory", target: { type: "AverageValue", averageValue: "1Gi" } },
};
const extValue = {
  type: "External",
  external: { metric: { name: "q" }, target: { type: "Value", value: "100" } },
};
const objAvg = {
  type: "Object",
  object: { metric: { name: "rps" }, target: { type: "AverageValue", averageValue: "5" } },
};
const pods = {
  type: "Pods",
  pods: { metric: { name: "rps" }, target: { type: "AverageValue", averageValue: "10" } },
};

/** kubectl's formatHPAMetrics, case by case. */
const cases: [string, StoredObject, string][] = [
  ["no metrics", hpa([]), "<none>"],
  ["utilization, no status yet", hpa([cpu70]), "cpu: <unknown>/70%"],
  [
    "utilization with status",
    hpa([cpu70], [{ type: "Resource", resource: { name: "cpu", current: { averageUtilization: 55 } } }]),
    "cpu: 55%/70%",
  ],
  [
    "resource average value",
    hpa([memAvg], [{ type: "Resource", resource: { name: "memory", current: { averageValue: "900Mi" } } }]),
    "memory: 900Mi/1Gi",
  ],
  [
    "external value and object average",
    hpa([extValue, objAvg], [{ type: "External", external: { current: { value: "42" } } }]),
    "42/100, <unknown>/5 (avg)",
  ],
  ["more than two", hpa([cpu70, pods, extValue, objAvg]), "cpu: <unknown>/70%, <unknown>/10 + 2 more..."],
];

describe("HPA TARGETS column", () => {
  for (const [what, obj, want] of cases) {
    it(`${what}: ${want}`, () => assert.equal(hpaTargets(obj), want));
  }
});

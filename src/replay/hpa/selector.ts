/**
 * The scale selector check that opens computeReplicasForMetrics (validateAndParseSelector in
 * horizontal.go): an empty `scale.status.selector` and one that does not parse with apimachinery's
 * grammar both stop the sync with ScalingActive False, reason InvalidSelector, and a Warning event.
 * Exported on its own so the live controller can skip listing pods and fetching metrics for a
 * selector the controller would refuse, as kube-controller-manager never gets that far.
 */
import { parseLabelSelector, SelectorParseError } from "../../k8s/labelSelector.js";
import type { HpaCondition, HpaEvent } from "./types.js";

export type ScaleSelectorCheck =
  | { readonly ok: true }
  | {
      readonly ok: false;
      /** The error reconcileAutoscaler reports in its FailedComputeMetricsReplicas event. */
      readonly error: string;
      readonly event: HpaEvent;
      readonly condition: HpaCondition;
    };

/** Checks `scale.status.selector` as the controller does before it reads any metric. */
export function checkScaleSelector(selector: string): ScaleSelectorCheck {
  if (selector === "") {
    const error = "selector is required";
    return {
      ok: false,
      error,
      event: { type: "Warning", reason: "SelectorRequired", message: error },
      condition: {
        type: "ScalingActive",
        status: "False",
        reason: "InvalidSelector",
        message: "the HPA target's scale is missing a selector",
      },
    };
  }
  try {
    parseLabelSelector(selector);
    return { ok: true };
  } catch (err) {
    if (!(err instanceof SelectorParseError)) throw err;
    const error = `couldn't convert selector into a corresponding internal selector object: ${err.message}`;
    return {
      ok: false,
      error,
      event: { type: "Warning", reason: "InvalidSelector", message: error },
      condition: { type: "ScalingActive", status: "False", reason: "InvalidSelector", message: error },
    };
  }
}

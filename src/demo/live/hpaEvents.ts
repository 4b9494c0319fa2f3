/**
 * core/v1 Events of the live HPA controller (source "horizontal-pod-autoscaler"), so `kubectl
 * describe hpa` shows SuccessfulRescale and the metric failures. Repeats of the same reason and
 * message on the same HPA bump `count` and `lastTimestamp` of one Event, as client-go's recorder
 * aggregates them, so a failing metric does not add an object every sync. Best effort, as in
 * client-go: an Event that cannot be written is dropped.
 */
import { createHash } from "node:crypto";
import type { HpaEvent } from "../../replay/hpa/types.js";
import type { StoredObject } from "../kube/objects.js";
import { KubeApiError } from "../kube/status.js";
import type { ObjectStore } from "../kube/store.js";
import { kubeTime } from "./hpaObjects.js";

export const HPA_EVENT_SOURCE = "horizontal-pod-autoscaler";

/** core/v1 Events (events.k8s.io serves a second "events"). */
const CORE_EVENTS = { group: "", resource: "events" } as const;

function eventName(hpa: StoredObject, event: HpaEvent): string {
  const hash = createHash("sha1")
    .update(`${hpa.metadata.uid}\0${event.type}\0${event.reason}\0${event.message}`)
    .digest("hex")
    .slice(0, 16);
  return `${hpa.metadata.name}.${hash}`;
}

/** Writes (or bumps) the Event for `event` about `hpa` at `nowMs`. */
export function recordHpaEvent(store: ObjectStore, hpa: StoredObject, event: HpaEvent, nowMs: number): void {
  const namespace = hpa.metadata.namespace;
  const name = eventName(hpa, event);
  const now = kubeTime(nowMs);
  try {
    const existing = store.find(CORE_EVENTS, name, namespace);
    if (existing) {
      const count = typeof existing.count === "number" ? existing.count : 1;
      store.patch(CORE_EVENTS, name, namespace, { count: count + 1, lastTimestamp: now });
      return;
    }
    store.create(
      CORE_EVENTS,
      {
        apiVersion: "v1",
        kind: "Event",
        metadata: { name, namespace },
        involvedObject: {
          kind: "HorizontalPodAutoscaler",
          namespace,
          name: hpa.metadata.name,
          uid: hpa.metadata.uid,
          apiVersion: "autoscaling/v2",
          resourceVersion: hpa.metadata.resourceVersion,
        },
        reason: event.reason,
        message: event.message,
        type: event.type,
        source: { component: HPA_EVENT_SOURCE },
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
        reportingComponent: HPA_EVENT_SOURCE,
        reportingInstance: "",
      },
      ...(namespace !== undefined ? [{ namespace }] : []),
    );
  } catch (error) {
    if (!(error instanceof KubeApiError)) throw error;
  }
}

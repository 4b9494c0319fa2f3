/** `reactive`: the HPA alone on a CPU utilization target, synced every step (15 s). */
import { HpaDriver } from "./hpaDriver.js";
import type { Policy, PolicyContext } from "./types.js";

export const REACTIVE = "reactive";

export function reactivePolicy(context: PolicyContext): Policy {
  const hpa = new HpaDriver(context);
  return { name: REACTIVE, decide: (view) => ({ replicas: hpa.sync(view) }) };
}

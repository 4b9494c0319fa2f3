/**
 * The executors a reconcile runs, in order: the workload's, one per scaler mode (ForecastOnly has
 * none: it only records), then node reservations. Each one acts while the spec asks for it and
 * releases what it may still hold otherwise (executors/types.ts). Adding a mode is one executor file
 * and one line here. The order is the order of the actions in Events and the decision log.
 */
import { directExecutor } from "./direct.js";
import { floorExecutor } from "./floor.js";
import { metricExecutor } from "./metric.js";
import { nodesExecutor } from "./nodes.js";
import type { Executor } from "./types.js";

export function executorRegistry(): readonly Executor[] {
  return [floorExecutor(), directExecutor(), metricExecutor(), nodesExecutor()];
}

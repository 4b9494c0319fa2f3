/** Scaling policies the replay scores, by name. */
import { CRANE, cranePolicy } from "./crane.js";
import { ORACLE, oraclePolicy } from "./oracle.js";
import { PHPA, type PredictiveOptions, phpaPolicy } from "./phpa.js";
import type { PredictivePolicyOptions } from "./predictive.js";
import {
  PREDICTIVE_DIRECT,
  PREDICTIVE_FLOOR,
  PREDICTIVE_METRIC,
  predictiveDirectPolicy,
  predictiveFloorPolicy,
  predictiveMetricPolicy,
} from "./predictive.js";
import { REACTIVE, reactivePolicy } from "./reactive.js";
import type { PolicyFactory } from "./types.js";

export { CRANE, cranePolicy } from "./crane.js";
export { COARSE_STEP_SECONDS, CoarseSeries, DEFAULT_REFIT_MS, Refitter } from "./forecastCadence.js";
export { HpaDriver } from "./hpaDriver.js";
export { neededReplicas, ORACLE, oracleLeadSteps, oraclePlan, oraclePolicy } from "./oracle.js";
export { PHPA, type PredictiveOptions, phpaPolicy } from "./phpa.js";
export {
  PREDICTIVE_DIRECT,
  PREDICTIVE_FLOOR,
  PREDICTIVE_METRIC,
  type PredictiveMode,
  type PredictivePolicyOptions,
  predictiveDirectPolicy,
  predictiveFloorPolicy,
  predictiveMetricPolicy,
  predictivePolicy,
} from "./predictive.js";
export { REACTIVE, reactivePolicy } from "./reactive.js";
export type { Policy, PolicyContext, PolicyDecision, PolicyFactory, StepView } from "./types.js";

export const POLICY_NAMES: readonly string[] = [
  REACTIVE,
  ORACLE,
  PHPA,
  CRANE,
  PREDICTIVE_METRIC,
  PREDICTIVE_FLOOR,
  PREDICTIVE_DIRECT,
];

/** Settings of the named policies: the emulations' refit cadence, the PredictiveScaler's options. */
export interface PolicyOptions {
  readonly emulation?: PredictiveOptions;
  readonly predictive?: PredictivePolicyOptions;
}

/** The factory of a named policy; throws naming the known ones. */
export function policyFactory(name: string, options: PolicyOptions = {}): PolicyFactory {
  switch (name) {
    case REACTIVE:
      return reactivePolicy;
    case ORACLE:
      return oraclePolicy;
    case PHPA:
      return (context) => phpaPolicy(context, options.emulation);
    case CRANE:
      return (context) => cranePolicy(context, options.emulation);
    case PREDICTIVE_METRIC:
      return (context) => predictiveMetricPolicy(context, options.predictive);
    case PREDICTIVE_FLOOR:
      return (context) => predictiveFloorPolicy(context, options.predictive);
    case PREDICTIVE_DIRECT:
      return (context) => predictiveDirectPolicy(context, options.predictive);
    default:
      throw new RangeError(`unknown policy "${name}"; known policies: ${POLICY_NAMES.join(", ")}`);
  }
}

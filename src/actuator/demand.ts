/**
 * The PromQL of a scaler's demand: `demand.query` as written, or `demand.metric` resolved through the
 * adapter's external rules exactly as an External-metric request for it would be (same rule, same
 * label selector), summed to the one series the forecaster needs.
 */
import { parseLabelSelector, type Selector } from "../k8s/labelSelector.js";
import type { LabelSelector, PredictiveScaler } from "./types.js";

/**
 * One external rule and the series it serves a metric from: of the rule, only how it renders an
 * External-metric query (the adapter's compiled rules have this face).
 */
export interface ExternalSource {
  readonly rule: {
    externalQuery(args: { seriesName: string; namespace: string; selector: Selector }): string;
  };
  readonly seriesName: string;
}

/** Finds the rules serving an external metric (the adapter's discovery registry). */
export type ExternalSources = (
  metricName: string,
) => readonly ExternalSource[] | Promise<readonly ExternalSource[]>;

/** A metav1.LabelSelector as selector text ("a=b,c in (d,e),!f"). */
export function selectorText(selector: LabelSelector | undefined): string {
  if (!selector) return "";
  const parts = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of selector.matchExpressions ?? []) {
    const values = (e.values ?? []).join(",");
    if (e.operator === "In") parts.push(`${e.key} in (${values})`);
    else if (e.operator === "NotIn") parts.push(`${e.key} notin (${values})`);
    else if (e.operator === "Exists") parts.push(e.key);
    else parts.push(`!${e.key}`);
  }
  return parts.join(",");
}

export async function demandQuery(
  scaler: PredictiveScaler,
  sources: ExternalSources | undefined,
): Promise<string> {
  const demand = scaler.spec.demand;
  if (demand.query !== undefined) return demand.query;
  const name = demand.metric.name;
  if (!sources)
    throw new Error(
      `spec.demand.metric: ${name} needs the adapter's external rules; use spec.demand.query instead`,
    );
  const found = await sources(name);
  const first = found[0];
  if (!first)
    throw new Error(
      `spec.demand.metric.name: no external rule serves ${name} (check externalRules in the config, or use spec.demand.query)`,
    );
  let selector: ReturnType<typeof parseLabelSelector>;
  try {
    selector = parseLabelSelector(selectorText(demand.metric.selector));
  } catch (err) {
    throw new Error(`spec.demand.metric.selector: ${(err as Error).message}`);
  }
  const query = first.rule.externalQuery({
    seriesName: first.seriesName,
    namespace: scaler.metadata.namespace ?? "default",
    selector,
  });
  return `sum(${query})`;
}

/**
 * Aggregation operators (sum, avg, min, max, count, topk, bottomk, quantile) with `by`/`without`
 * grouping as Prometheus computes them: `by` keeps only the listed labels, `without` drops them and
 * the metric name; topk/bottomk keep each element's own labels.
 */
import type { Labels } from "../source.js";
import type { Aggregate } from "./ast.js";
import type { VectorSample } from "./binary.js";
import { keepLabels, labelsKey, METRIC_NAME, withoutLabels } from "./labels.js";
import { average, kahanSum, quantile } from "./rangeFunctions.js";

interface Group {
  readonly labels: Labels;
  readonly samples: VectorSample[];
}

export function aggregate(
  node: Aggregate,
  samples: readonly VectorSample[],
  param: number | undefined,
): VectorSample[] {
  const groups = new Map<string, Group>();
  for (const s of samples) {
    const labels = groupLabels(node, s.labels);
    const key = labelsKey(labels);
    let group = groups.get(key);
    if (!group) {
      group = { labels, samples: [] };
      groups.set(key, group);
    }
    group.samples.push(s);
  }
  const out: VectorSample[] = [];
  for (const group of groups.values()) {
    const values = group.samples.map((s) => s.value);
    switch (node.op) {
      case "sum":
        out.push({ labels: group.labels, value: kahanSum(values) });
        break;
      case "avg":
        out.push({ labels: group.labels, value: average(values) });
        break;
      case "count":
        out.push({ labels: group.labels, value: values.length });
        break;
      case "min":
      case "max": {
        let acc = values[0] as number;
        for (const v of values.slice(1)) {
          if (node.op === "max" ? v > acc || Number.isNaN(acc) : v < acc || Number.isNaN(acc)) acc = v;
        }
        out.push({ labels: group.labels, value: acc });
        break;
      }
      case "quantile":
        out.push({ labels: group.labels, value: quantile(param ?? Number.NaN, values) });
        break;
      case "topk":
      case "bottomk":
        out.push(...topK(node.op === "topk", param ?? Number.NaN, group.samples));
        break;
    }
  }
  return out;
}

function groupLabels(node: Aggregate, labels: Labels): Labels {
  const grouping = node.grouping;
  if (!grouping) return {};
  if (grouping.without) return withoutLabels(labels, [...grouping.labels, METRIC_NAME]);
  return keepLabels(labels, grouping.labels);
}

/** The k largest (topk) or smallest (bottomk) elements; NaN ranks last either way. */
function topK(top: boolean, kParam: number, samples: readonly VectorSample[]): VectorSample[] {
  if (!(kParam >= 1)) return [];
  const k = Math.min(Math.trunc(kParam), samples.length);
  const rank = (s: VectorSample) =>
    Number.isNaN(s.value) ? Number.NEGATIVE_INFINITY : top ? s.value : -s.value;
  return [...samples].sort((a, b) => rank(b) - rank(a) || (Number.isNaN(a.value) ? 1 : 0)).slice(0, k);
}

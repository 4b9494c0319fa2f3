/**
 * Aggregation operators as Prometheus 2.42 computes them (promql/engine.go `aggregation`): groups in
 * the order their first element arrives, `by` keeping only the listed labels, `without` dropping
 * them and the metric name; sum as a running sum, avg as an incremental mean that keeps infinities,
 * stddev/stdvar by Welford's method, topk/bottomk through Go's heap (so ties are broken as there)
 * and returned largest (smallest) first, count_values labelled with Go's shortest float format.
 */
import type { Labels } from "../source.js";
import type { Aggregate } from "./ast.js";
import type { VectorSample } from "./binary.js";
import { PromQLError } from "./errors.js";
import { convertibleToInt64, formatFloatF, goSort, heapPop, heapPush, type Less } from "./golang.js";
import { keepLabels, labelsKey, METRIC_NAME, withoutLabels } from "./labels.js";
import { quantile } from "./rangeFunctions.js";

interface Group {
  readonly labels: Labels;
  value: number;
  mean: number;
  count: number;
  /** topk / bottomk / quantile elements. */
  heap: VectorSample[];
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** vectorByValueHeap.Less: NaN first, then ascending. */
const byValue: Less<VectorSample> = (a, b) => Number.isNaN(a.value) || a.value < b.value;
/** vectorByReverseValueHeap.Less: NaN first, then descending. */
const byReverseValue: Less<VectorSample> = (a, b) => Number.isNaN(a.value) || a.value > b.value;

/**
 * Aggregates `samples` at one evaluation time. `param` is topk/bottomk's k, quantile's φ (numbers)
 * or count_values' label name.
 */
export function aggregate(
  node: Aggregate,
  samples: readonly VectorSample[],
  param: number | string | undefined,
): VectorSample[] {
  const op = node.op;
  let k = 0;
  if (op === "topk" || op === "bottomk") {
    const f = param as number;
    if (!convertibleToInt64(f))
      throw new PromQLError("execution", `Scalar value ${goFloat(f)} overflows int64`);
    k = Math.trunc(f);
    if (k < 1) return [];
  }
  let valueLabel: string | undefined;
  let grouping = node.grouping;
  if (op === "count_values") {
    valueLabel = param as string;
    if (!LABEL_NAME.test(valueLabel)) {
      throw new PromQLError("execution", `invalid label name ${JSON.stringify(valueLabel)}`);
    }
    if (!grouping?.without) grouping = { without: false, labels: [...(grouping?.labels ?? []), valueLabel] };
  }
  const groups = new Map<string, Group>();
  for (const s of samples) {
    const labels = valueLabel === undefined ? s.labels : { ...s.labels, [valueLabel]: formatFloatF(s.value) };
    const groupLabels = !grouping
      ? {}
      : grouping.without
        ? withoutLabels(labels, [...grouping.labels, METRIC_NAME])
        : keepLabels(labels, grouping.labels);
    const key = labelsKey(groupLabels);
    const group = groups.get(key);
    if (group === undefined) {
      groups.set(key, {
        labels: groupLabels,
        value: op === "stddev" || op === "stdvar" ? 0 : op === "group" ? 1 : s.value,
        mean: s.value,
        count: 1,
        heap: [s],
      });
      continue;
    }
    add(op, group, s, k);
  }
  const out: VectorSample[] = [];
  for (const g of groups.values()) {
    switch (op) {
      case "avg":
        out.push({ labels: g.labels, value: g.mean });
        break;
      case "count":
      case "count_values":
        out.push({ labels: g.labels, value: g.count });
        break;
      case "stdvar":
        out.push({ labels: g.labels, value: g.value / g.count });
        break;
      case "stddev":
        out.push({ labels: g.labels, value: Math.sqrt(g.value / g.count) });
        break;
      case "topk":
      case "bottomk": {
        // The heap keeps the worst element on top: sort.Sort(sort.Reverse(heap)).
        const less = op === "topk" ? byValue : byReverseValue;
        const heap = [...g.heap];
        if (heap.length > 1) goSort(heap, (a, b) => less(b, a));
        for (const s of heap) out.push({ labels: s.labels, value: s.value });
        break;
      }
      case "quantile":
        out.push({
          labels: g.labels,
          value: quantile(
            param as number,
            g.heap.map((s) => s.value),
          ),
        });
        break;
      default:
        out.push({ labels: g.labels, value: g.value });
    }
  }
  return out;
}

function add(op: Aggregate["op"], g: Group, s: VectorSample, k: number): void {
  const v = s.value;
  switch (op) {
    case "sum":
      g.value += v;
      return;
    case "avg":
      g.count++;
      if (!Number.isFinite(g.mean) && !Number.isNaN(g.mean)) {
        // An infinite mean stays: same-sign infinities cannot be subtracted, finite values do not move it.
        if (!Number.isFinite(v) && !Number.isNaN(v) && g.mean > 0 === v > 0) return;
        if (Number.isFinite(v)) return;
      }
      // Each side of the difference divided first, so large values of opposite sign do not overflow.
      g.mean += v / g.count - g.mean / g.count;
      return;
    case "group":
      return;
    case "max":
      if (g.value < v || Number.isNaN(g.value)) g.value = v;
      return;
    case "min":
      if (g.value > v || Number.isNaN(g.value)) g.value = v;
      return;
    case "count":
    case "count_values":
      g.count++;
      return;
    case "stddev":
    case "stdvar": {
      g.count++;
      const delta = v - g.mean;
      g.mean += delta / g.count;
      g.value += delta * (v - g.mean);
      return;
    }
    case "topk":
    case "bottomk": {
      const less = op === "topk" ? byValue : byReverseValue;
      const top = g.heap[0] as VectorSample;
      const better = op === "topk" ? top.value < v : top.value > v;
      if (g.heap.length < k || better || Number.isNaN(top.value)) {
        if (g.heap.length === k) {
          if (k === 1) {
            g.heap[0] = s;
            return;
          }
          heapPop(g.heap, less);
        }
        heapPush(g.heap, s, less);
      }
      return;
    }
    case "quantile":
      g.heap.push(s);
      return;
  }
}

/** Go's %v of a float64 (for the overflow message): NaN, +Inf, -Inf, else the shortest form. */
function goFloat(f: number): string {
  if (Number.isNaN(f)) return "NaN";
  if (f === Number.POSITIVE_INFINITY) return "+Inf";
  if (f === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(f);
}

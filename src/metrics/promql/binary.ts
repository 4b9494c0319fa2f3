/**
 * Binary operators with Prometheus' semantics (promql/engine.go): element operations (Go float
 * semantics for `^` and `%`), scalar–vector operations, vector–vector matching (one-to-one,
 * group_left/group_right, on/ignoring) with the same result labels and the same errors, and the
 * set operators `and`, `or`, `unless`. Results keep the order Prometheus produces (the left side's,
 * or the right side's for group_right; `or` appends the right side's unmatched elements).
 */
import type { Labels } from "../source.js";
import type { BinaryOp, VectorMatching } from "./ast.js";
import { PromQLError } from "./errors.js";
import {
  dropMetricName,
  keepLabels,
  labelsKey,
  METRIC_NAME,
  matchingSignature,
  withoutLabels,
} from "./labels.js";

export interface VectorSample {
  readonly labels: Labels;
  readonly value: number;
}

/** The set operators' many-to-many matching, in Prometheus' order and with its short cuts. */
export function setOperation(
  op: "and" | "or" | "unless",
  lhs: readonly VectorSample[],
  rhs: readonly VectorSample[],
  matching: VectorMatching,
): VectorSample[] {
  const sig = (labels: Labels) => matchingSignature(labels, matching.on, matching.labels);
  switch (op) {
    case "and": {
      if (lhs.length === 0 || rhs.length === 0) return [];
      const right = new Set(rhs.map((s) => sig(s.labels)));
      return lhs.filter((s) => right.has(sig(s.labels)));
    }
    case "or": {
      if (lhs.length === 0) return [...rhs];
      if (rhs.length === 0) return [...lhs];
      const left = new Set(lhs.map((s) => sig(s.labels)));
      return [...lhs, ...rhs.filter((s) => !left.has(sig(s.labels)))];
    }
    case "unless": {
      if (lhs.length === 0 || rhs.length === 0) return [...lhs];
      const right = new Set(rhs.map((s) => sig(s.labels)));
      return lhs.filter((s) => !right.has(sig(s.labels)));
    }
  }
}

const COMPARISONS: ReadonlySet<BinaryOp> = new Set(["==", "!=", ">", "<", ">=", "<="]);

export function isComparison(op: BinaryOp): boolean {
  return COMPARISONS.has(op);
}

/** Go's math.Pow where it differs from JavaScript's `**` (1^NaN, 1^±Inf, (-1)^±Inf are 1 in Go). */
function goPow(x: number, y: number): number {
  if (y === 0 || x === 1) return 1;
  if (x === -1 && !Number.isFinite(y) && !Number.isNaN(y)) return 1;
  return x ** y;
}

/** The value and whether to keep the element (comparisons filter; their value is the left one). */
export function elementOp(op: BinaryOp, l: number, r: number): [number, boolean] {
  switch (op) {
    case "+":
      return [l + r, true];
    case "-":
      return [l - r, true];
    case "*":
      return [l * r, true];
    case "/":
      return [l / r, true];
    case "%":
      return [l % r, true];
    case "^":
      return [goPow(l, r), true];
    case "atan2":
      return [Math.atan2(l, r), true];
    case "==":
      return [l, l === r];
    case "!=":
      return [l, l !== r];
    case ">":
      return [l, l > r];
    case "<":
      return [l, l < r];
    case ">=":
      return [l, l >= r];
    case "<=":
      return [l, l <= r];
    case "and":
    case "or":
    case "unless":
      throw new PromQLError("execution", `set operator "${op}" between single elements`);
  }
}

export function scalarScalar(op: BinaryOp, l: number, r: number, returnBool: boolean): number {
  const [value, keep] = elementOp(op, l, r);
  if (isComparison(op) && returnBool) return keep ? 1 : 0;
  return value;
}

/** vector op scalar (swap=false) or scalar op vector (swap=true). */
export function vectorScalar(
  op: BinaryOp,
  samples: readonly VectorSample[],
  scalar: number,
  swap: boolean,
  returnBool: boolean,
): VectorSample[] {
  const out: VectorSample[] = [];
  const comparison = isComparison(op);
  for (const s of samples) {
    const [l, r] = swap ? [scalar, s.value] : [s.value, scalar];
    let [value, keep] = elementOp(op, l, r);
    // A comparison keeps the vector element's value even when the vector is on the right.
    if (comparison && swap) value = r;
    if (returnBool) {
      value = keep ? 1 : 0;
      keep = true;
    }
    if (!keep) continue;
    out.push({ labels: !comparison || returnBool ? dropMetricName(s.labels) : s.labels, value });
  }
  return out;
}

export function vectorVector(
  op: BinaryOp,
  lhsIn: readonly VectorSample[],
  rhsIn: readonly VectorSample[],
  matching: VectorMatching,
  returnBool: boolean,
): VectorSample[] {
  if (lhsIn.length === 0 || rhsIn.length === 0) return [];
  const oneToMany = matching.card === "one-to-many";
  const [lhs, rhs] = oneToMany ? [rhsIn, lhsIn] : [lhsIn, rhsIn];
  const sig = (labels: Labels) => matchingSignature(labels, matching.on, matching.labels);
  const right = new Map<string, VectorSample>();
  for (const rs of rhs) {
    const key = sig(rs.labels);
    const dup = right.get(key);
    if (dup) {
      throw new PromQLError(
        "execution",
        `found duplicate series for the match group ${describeGroup(rs.labels, matching)} on the ` +
          `${oneToMany ? "left" : "right"} hand-side of the operation: [${describe(rs.labels)}, ${describe(dup.labels)}]` +
          ";many-to-many matching not allowed: matching labels must be unique on one side",
      );
    }
    right.set(key, rs);
  }
  const matched = new Map<string, Set<string>>();
  const out: VectorSample[] = [];
  const comparison = isComparison(op);
  for (const ls of lhs) {
    const key = sig(ls.labels);
    const rs = right.get(key);
    if (!rs) continue;
    const [fl, fr] = oneToMany ? [rs.value, ls.value] : [ls.value, rs.value];
    let [value, keep] = elementOp(op, fl, fr);
    if (returnBool) {
      value = keep ? 1 : 0;
    } else if (!keep) {
      continue;
    }
    let labels = resultLabels(ls.labels, rs.labels, comparison, matching);
    if (returnBool) labels = dropMetricName(labels);
    const seen = matched.get(key);
    if (matching.card === "one-to-one") {
      if (seen) {
        throw new PromQLError(
          "execution",
          "multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)",
        );
      }
      matched.set(key, new Set());
    } else {
      const inserted = seen ?? new Set<string>();
      const labelKey = labelsKey(labels);
      if (inserted.has(labelKey)) {
        throw new PromQLError(
          "execution",
          "multiple matches for labels: grouping labels must ensure unique matches",
        );
      }
      inserted.add(labelKey);
      matched.set(key, inserted);
    }
    out.push({ labels, value });
  }
  return out;
}

function resultLabels(lhs: Labels, rhs: Labels, comparison: boolean, matching: VectorMatching): Labels {
  let labels: Record<string, string> = comparison ? { ...lhs } : { ...dropMetricName(lhs) };
  if (matching.card === "one-to-one") {
    labels = matching.on ? keepLabels(labels, matching.labels) : withoutLabels(labels, matching.labels);
  }
  for (const name of matching.include) {
    const v = rhs[name];
    if (v !== undefined && v !== "") labels[name] = v;
    else delete labels[name];
  }
  return labels;
}

function describe(labels: Labels): string {
  const name = labels[METRIC_NAME] ?? "";
  const rest = Object.entries(labels)
    .filter(([k]) => k !== METRIC_NAME)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(", ");
  return `${name}{${rest}}`;
}

function describeGroup(labels: Labels, matching: VectorMatching): string {
  const group = matching.on
    ? keepLabels(labels, matching.labels)
    : withoutLabels(labels, [...matching.labels, METRIC_NAME]);
  return describe(group);
}

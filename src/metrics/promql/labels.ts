/**
 * Label-set helpers for the evaluator: identity keys, Prometheus' label-set ordering and the
 * matching signature of `on`/`ignoring`. Label matchers are applied by src/metrics/embedded/matchers.ts.
 */
import type { Labels } from "../source.js";

export const METRIC_NAME = "__name__";

/**
 * Label sets are never changed once made, and the evaluator meets the same ones at every step of a
 * range query: their keys and name-less copies are remembered per object.
 */
const keys = new WeakMap<Labels, string>();
const nameless = new WeakMap<Labels, Labels>();

/** A stable identity string of a label set (order-independent). */
export function labelsKey(labels: Labels): string {
  let key = keys.get(labels);
  if (key === undefined) {
    key = JSON.stringify(
      Object.keys(labels)
        .sort()
        .map((k) => [k, labels[k]]),
    );
    keys.set(labels, key);
  }
  return key;
}

/** Prometheus' labels.Compare: label by label in name order, then by length. */
export function compareLabels(a: Labels, b: Labels): number {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  for (let i = 0; i < Math.min(ka.length, kb.length); i++) {
    const na = ka[i] as string;
    const nb = kb[i] as string;
    if (na !== nb) return na < nb ? -1 : 1;
    const va = a[na] as string;
    const vb = b[nb] as string;
    if (va !== vb) return va < vb ? -1 : 1;
  }
  return ka.length - kb.length;
}

export function dropMetricName(labels: Labels): Labels {
  if (!(METRIC_NAME in labels)) return labels;
  let rest = nameless.get(labels);
  if (rest === undefined) {
    const { [METRIC_NAME]: _, ...others } = labels;
    rest = others;
    nameless.set(labels, rest);
  }
  return rest;
}

/** Only `names` (labels absent from `labels` stay absent). */
export function keepLabels(labels: Labels, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of names) {
    const v = labels[n];
    if (v !== undefined && v !== "") out[n] = v;
  }
  return out;
}

/** All but `names`. */
export function withoutLabels(labels: Labels, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) if (!names.includes(k)) out[k] = v;
  return out;
}

/**
 * The vector-matching signature: with `on`, the values of exactly those labels; with `ignoring`,
 * all labels but those and the metric name.
 */
export function matchingSignature(labels: Labels, on: boolean, names: readonly string[]): string {
  if (on) return JSON.stringify(names.map((n) => labels[n] ?? ""));
  return labelsKey(withoutLabels(labels, [...names, METRIC_NAME]));
}

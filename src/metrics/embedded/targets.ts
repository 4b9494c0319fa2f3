/**
 * Scrape targets of the embedded store and the target labels Prometheus attaches to what it
 * scrapes: `job`, `instance` (the target's host:port) and any extra static labels. As with
 * Prometheus' default `honor_labels: false`, an exposed label clashing with a target label is kept
 * as `exported_<name>` and the target's value wins; with `honorLabels` the exposed value wins.
 */
import type { Labels } from "../source.js";

export const DEFAULT_SCRAPE_INTERVAL_MS = 15_000;
export const DEFAULT_SCRAPE_TIMEOUT_MS = 10_000;

/** A resolved target, ready to scrape. */
export interface ScrapeTarget {
  /** `http(s)://host:port/path` */
  readonly url: string;
  /** Target labels, including `job` and `instance`; empty values are dropped. */
  readonly labels: Labels;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly honorLabels: boolean;
}

/** A static target as configured. */
export interface StaticTargetConfig {
  readonly url: string;
  /** Default "static". */
  readonly job?: string;
  /** Default the URL's host (host:port). */
  readonly instance?: string;
  /** More target labels (static_configs labels). */
  readonly labels?: Labels;
  /** Default 15 s. */
  readonly intervalMs?: number;
  /** Default 10 s, at most the interval. */
  readonly timeoutMs?: number;
  /** Default false, as in Prometheus. */
  readonly honorLabels?: boolean;
}

export interface TargetDefaults {
  readonly intervalMs?: number;
  readonly timeoutMs?: number;
}

/** Resolves a static target; throws an Error naming the field that is wrong. */
export function staticTarget(config: StaticTargetConfig, defaults: TargetDefaults = {}): ScrapeTarget {
  let url: URL;
  try {
    url = new URL(config.url);
  } catch {
    throw new Error(`scrape target: url ${JSON.stringify(config.url)} is not a valid URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Error(`scrape target ${config.url}: url must be http or https`);
  }
  const intervalMs = config.intervalMs ?? defaults.intervalMs ?? DEFAULT_SCRAPE_INTERVAL_MS;
  if (!(intervalMs > 0)) throw new Error(`scrape target ${config.url}: intervalMs must be positive`);
  const timeoutMs = Math.min(config.timeoutMs ?? defaults.timeoutMs ?? DEFAULT_SCRAPE_TIMEOUT_MS, intervalMs);
  if (!(timeoutMs > 0)) throw new Error(`scrape target ${config.url}: timeoutMs must be positive`);
  const labels: Record<string, string> = {
    ...config.labels,
    job: config.job ?? config.labels?.job ?? "static",
    instance: config.instance ?? config.labels?.instance ?? url.host,
  };
  return {
    url: url.toString(),
    labels: dropEmpty(labels),
    intervalMs,
    timeoutMs,
    honorLabels: config.honorLabels ?? false,
  };
}

/** Identity of a target: its URL and labels. */
export function targetKey(target: ScrapeTarget): string {
  const labels = Object.entries(target.labels)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join("\xff");
  return `${target.url}\xfe${labels}`;
}

/** The stored label set of an exposed sample: exposed labels plus target labels, resolving clashes. */
export function withTargetLabels(exposed: Labels, target: Labels, honorLabels: boolean): Labels {
  const out: Record<string, string> = { ...exposed };
  for (const [name, value] of Object.entries(target)) {
    const theirs = out[name];
    if (theirs !== undefined && theirs !== "") {
      if (honorLabels) continue;
      let renamed = `exported_${name}`;
      while (out[renamed] !== undefined && out[renamed] !== "") renamed = `exported_${renamed}`;
      out[renamed] = theirs;
    }
    out[name] = value;
  }
  return out;
}

function dropEmpty(labels: Record<string, string>): Labels {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) if (v !== "") out[k] = v;
  return out;
}

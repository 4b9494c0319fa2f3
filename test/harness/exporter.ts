/**
 * A test exporter: a node:http server on a loopback port serving Prometheus text exposition at
 * /metrics, whose series tests change while Prometheus scrapes it. The `gpuPods` preset writes
 * series exactly as dcgm-exporter exposes them (label names and order, value formatting) plus a
 * per-pod HTTP latency histogram, for integration tests and benchmarks with up to thousands of pods.
 */
import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { ScrapeTarget } from "./prometheus.js";

export type LabelSet = Readonly<Record<string, string>>;

/** A histogram's state: cumulative bucket counts keyed by upper bound (`"0.1"`, `"+Inf"`). */
export interface HistogramValue {
  readonly buckets: Readonly<Record<string, number>>;
  readonly sum: number;
  readonly count: number;
}

export interface GpuPod {
  readonly pod: string;
  /** DCGM_FI_DEV_GPU_UTIL, percent 0–100 (dcgm-exporter renders it as an integer). */
  readonly util: number;
  /** DCGM_FI_DEV_FB_USED, MiB. */
  readonly fbUsed: number;
  /** GPUs allocated to the pod (default 1); each gets its own series with the same values. */
  readonly gpus?: number;
  /** Node the pod runs on (the host label's value); default: packed onto gpu-node-NN, 8 GPUs each. */
  readonly node?: string;
  readonly container?: string;
  /** State of http_request_duration_seconds for this pod; default: an empty histogram. */
  readonly latency?: HistogramValue;
}

export interface GpuPodsOptions {
  readonly namespace: string;
  readonly pods: readonly GpuPod[];
  /**
   * How Prometheus should scrape this exporter (see `scrapeTarget()`): true keeps `pod`/`namespace`;
   * false makes Prometheus attach target labels pod/namespace/container of the exporter itself, so
   * the exposed ones become `exported_pod`/`exported_namespace`/`exported_container`, as in a
   * default GPU Operator install. Default true.
   */
  readonly honorLabels?: boolean;
  /** Released dcgm-exporter versions emit `Hostname`; newer ones `hostname`. Default `Hostname`. */
  readonly hostLabel?: "Hostname" | "hostname";
  readonly modelName?: string;
  readonly driverVersion?: string;
  readonly gpusPerNode?: number;
}

export interface TestExporter {
  /** `http://127.0.0.1:<port>/metrics` */
  readonly url: string;
  /** `127.0.0.1:<port>` */
  readonly address: string;
  /** Scrapes served so far. */
  readonly scrapes: number;
  setGauge(name: string, labels: LabelSet, value: number, help?: string): void;
  /** Adds `by` (default 1) to a counter series, creating it at 0. */
  inc(name: string, labels: LabelSet, by?: number, help?: string): void;
  /** Sets a histogram series (`name` without the _bucket/_sum/_count suffix). */
  setHistogram(name: string, labels: LabelSet, value: HistogramValue, help?: string): void;
  /** Records one observation into a histogram series, creating it with `bounds` (default latency buckets). */
  observe(name: string, labels: LabelSet, value: number, bounds?: readonly number[]): void;
  /** Removes one series of any type; true if it existed. */
  removeSeries(name: string, labels: LabelSet): boolean;
  /** Writes DCGM GPU series and latency histograms for `pods`, replacing earlier ones of that namespace. */
  gpuPods(options: GpuPodsOptions): void;
  /** How to scrape this exporter; honorLabels defaults to the last `gpuPods` call's (or true). */
  scrapeTarget(overrides?: Partial<ScrapeTarget>): ScrapeTarget;
  /** Answer 500 to scrapes while true (target down in Prometheus). */
  setFailing(failing: boolean): void;
  /** The exposition text served now. */
  render(): string;
  close(): Promise<void>;
}

export interface TestExporterOptions {
  /** Default: a free port chosen by the OS. */
  readonly port?: number;
}

/** Buckets of the latency histograms (the Prometheus client libraries' defaults). */
export const DEFAULT_LATENCY_BUCKETS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];
export const GPU_METRICS = [
  "DCGM_FI_DEV_GPU_UTIL",
  "DCGM_FI_DEV_FB_USED",
  "DCGM_FI_PROF_GR_ENGINE_ACTIVE",
] as const;
export const LATENCY_METRIC = "http_request_duration_seconds";

type FamilyType = "gauge" | "counter" | "histogram";

interface Series {
  readonly labels: LabelSet;
  /** Rendered value (gauge/counter), kept as text so presets can match dcgm-exporter's formatting. */
  text?: string;
  number?: number;
  histogram?: { buckets: Map<number, number>; sum: number; count: number };
}

interface Family {
  readonly type: FamilyType;
  readonly help: string;
  readonly series: Map<string, Series>;
}

const GPU_HELP: Readonly<Record<(typeof GPU_METRICS)[number], string>> = {
  DCGM_FI_DEV_GPU_UTIL: "GPU utilization (in %).",
  DCGM_FI_DEV_FB_USED: "Framebuffer memory used (in MiB).",
  DCGM_FI_PROF_GR_ENGINE_ACTIVE: "Ratio of time the graphics engine is active.",
};

export async function startTestExporter(options: TestExporterOptions = {}): Promise<TestExporter> {
  const families = new Map<string, Family>();
  let scrapes = 0;
  let failing = false;
  let honorLabels = true;

  const family = (name: string, type: FamilyType, help: string): Family => {
    let f = families.get(name);
    if (!f) {
      f = { type, help, series: new Map() };
      families.set(name, f);
    } else if (f.type !== type) {
      throw new Error(`test exporter: ${name} is a ${f.type}, not a ${type}`);
    }
    return f;
  };

  const seriesOf = (f: Family, labels: LabelSet): Series => {
    const key = labelKey(labels);
    let s = f.series.get(key);
    if (!s) {
      s = { labels: { ...labels } };
      f.series.set(key, s);
    }
    return s;
  };

  const setText = (name: string, labels: LabelSet, text: string, help: string): void => {
    const s = seriesOf(family(name, "gauge", help), labels);
    s.text = text;
  };

  const exporter = {
    setGauge(name: string, labels: LabelSet, value: number, help = `Test gauge ${name}.`) {
      const s = seriesOf(family(name, "gauge", help), labels);
      s.number = value;
      s.text = formatValue(value);
    },
    inc(name: string, labels: LabelSet, by = 1, help = `Test counter ${name}.`) {
      const s = seriesOf(family(name, "counter", help), labels);
      s.number = (s.number ?? 0) + by;
      s.text = formatValue(s.number);
    },
    setHistogram(name: string, labels: LabelSet, value: HistogramValue, help = `Test histogram ${name}.`) {
      const s = seriesOf(family(name, "histogram", help), labels);
      const buckets = new Map<number, number>();
      for (const [le, count] of Object.entries(value.buckets)) buckets.set(parseBound(le), count);
      if (!buckets.has(Number.POSITIVE_INFINITY)) buckets.set(Number.POSITIVE_INFINITY, value.count);
      s.histogram = { buckets, sum: value.sum, count: value.count };
    },
    observe(
      name: string,
      labels: LabelSet,
      value: number,
      bounds: readonly number[] = DEFAULT_LATENCY_BUCKETS,
    ) {
      const s = seriesOf(family(name, "histogram", `Test histogram ${name}.`), labels);
      s.histogram ??= {
        buckets: new Map([...bounds, Number.POSITIVE_INFINITY].map((b) => [b, 0])),
        sum: 0,
        count: 0,
      };
      for (const [bound, count] of s.histogram.buckets) {
        if (value <= bound) s.histogram.buckets.set(bound, count + 1);
      }
      s.histogram.sum += value;
      s.histogram.count += 1;
    },
    removeSeries(name: string, labels: LabelSet): boolean {
      return families.get(name)?.series.delete(labelKey(labels)) ?? false;
    },
    gpuPods(preset: GpuPodsOptions) {
      honorLabels = preset.honorLabels ?? true;
      for (const name of [...GPU_METRICS, LATENCY_METRIC]) {
        const f = families.get(name);
        if (!f) continue;
        for (const [key, s] of f.series) if (s.labels.namespace === preset.namespace) f.series.delete(key);
      }
      for (const gpu of gpuSeries(preset)) {
        setText(
          "DCGM_FI_DEV_GPU_UTIL",
          gpu.labels,
          String(Math.round(gpu.pod.util)),
          GPU_HELP.DCGM_FI_DEV_GPU_UTIL,
        );
        setText(
          "DCGM_FI_DEV_FB_USED",
          gpu.labels,
          String(Math.round(gpu.pod.fbUsed)),
          GPU_HELP.DCGM_FI_DEV_FB_USED,
        );
        // Float fields are rendered with Go's %f.
        setText(
          "DCGM_FI_PROF_GR_ENGINE_ACTIVE",
          gpu.labels,
          (gpu.pod.util / 100).toFixed(6),
          GPU_HELP.DCGM_FI_PROF_GR_ENGINE_ACTIVE,
        );
      }
      for (const pod of preset.pods) {
        const labels = { namespace: preset.namespace, pod: pod.pod };
        const empty = Object.fromEntries(DEFAULT_LATENCY_BUCKETS.map((b) => [String(b), 0]));
        exporter.setHistogram(
          LATENCY_METRIC,
          labels,
          pod.latency ?? { buckets: empty, sum: 0, count: 0 },
          "HTTP request latency in seconds.",
        );
      }
    },
    scrapeTarget(overrides: Partial<ScrapeTarget> = {}): ScrapeTarget {
      const honor = overrides.honorLabels ?? honorLabels;
      // Target labels that clash with exposed ones: only then does honor_labels=false rename to exported_*.
      const labels: LabelSet = honor
        ? {}
        : { namespace: "gpu-operator", pod: "nvidia-dcgm-exporter-78z52", container: "nvidia-dcgm-exporter" };
      return { url, honorLabels: honor, labels, ...overrides };
    },
    setFailing(value: boolean) {
      failing = value;
    },
    render(): string {
      return renderExposition(families);
    },
  };

  const server: Server = createServer((req, res) => {
    if (req.method !== "GET" || !req.url?.startsWith("/metrics")) {
      res.writeHead(404).end("not found\n");
      return;
    }
    scrapes++;
    if (failing) {
      res.writeHead(500, { "content-type": "text/plain" }).end("exporter failing on purpose\n");
      return;
    }
    res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" }).end(exporter.render());
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("test exporter has no TCP address");
  const url = `http://127.0.0.1:${address.port}/metrics`;

  return {
    ...exporter,
    url,
    address: `127.0.0.1:${address.port}`,
    get scrapes() {
      return scrapes;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface GpuSeries {
  readonly pod: GpuPod;
  readonly labels: LabelSet;
}

/** One label set per allocated GPU, in dcgm-exporter's label order (render_metrics.go). */
function gpuSeries(preset: GpuPodsOptions): GpuSeries[] {
  const perNode = preset.gpusPerNode ?? 8;
  const hostLabel = preset.hostLabel ?? "Hostname";
  const modelName = preset.modelName ?? "NVIDIA H100 80GB HBM3";
  const driver = preset.driverVersion ?? "550.54.15";
  const nextGpu = new Map<string, number>();
  let packedNode = 0;
  const out: GpuSeries[] = [];
  for (const pod of preset.pods) {
    const gpus = pod.gpus ?? 1;
    let node = pod.node;
    if (node === undefined) {
      if ((nextGpu.get(nodeName(packedNode)) ?? 0) + gpus > perNode) packedNode++;
      node = nodeName(packedNode);
    }
    for (let i = 0; i < gpus; i++) {
      const gpu = nextGpu.get(node) ?? 0;
      nextGpu.set(node, gpu + 1);
      out.push({
        pod,
        labels: {
          gpu: String(gpu),
          UUID: gpuUuid(node, gpu),
          pci_bus_id: `00000000:${(0x1a + gpu).toString(16).toUpperCase().padStart(2, "0")}:00.0`,
          device: `nvidia${gpu}`,
          modelName,
          [hostLabel]: node,
          DCGM_FI_DRIVER_VERSION: driver,
          container: pod.container ?? "main",
          namespace: preset.namespace,
          pod: pod.pod,
        },
      });
    }
  }
  return out;
}

function nodeName(index: number): string {
  return `gpu-node-${String(index).padStart(2, "0")}`;
}

/** A stable GPU UUID in NVIDIA's format, derived from node and index. */
function gpuUuid(node: string, gpu: number): string {
  const h = createHash("sha1").update(`${node}/${gpu}`).digest("hex");
  return `GPU-${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

function renderExposition(families: ReadonlyMap<string, Family>): string {
  const lines: string[] = [];
  for (const [name, f] of families) {
    if (f.series.size === 0) continue;
    lines.push(`# HELP ${name} ${f.help}`, `# TYPE ${name} ${f.type}`);
    for (const s of f.series.values()) {
      if (f.type !== "histogram") {
        lines.push(`${name}${renderLabels(s.labels)} ${s.text ?? "0"}`);
        continue;
      }
      const h = s.histogram;
      if (!h) continue;
      for (const [bound, count] of [...h.buckets].sort((a, b) => a[0] - b[0])) {
        lines.push(`${name}_bucket${renderLabels({ ...s.labels, le: formatValue(bound) })} ${count}`);
      }
      lines.push(`${name}_sum${renderLabels(s.labels)} ${formatValue(h.sum)}`);
      lines.push(`${name}_count${renderLabels(s.labels)} ${h.count}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

function renderLabels(labels: LabelSet): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabelValue(v)}"`);
  return parts.length === 0 ? "" : `{${parts.join(",")}}`;
}

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}

function parseBound(le: string): number {
  if (le === "+Inf" || le === "Inf") return Number.POSITIVE_INFINITY;
  const bound = Number(le);
  if (Number.isNaN(bound)) throw new Error(`test exporter: bucket bound ${le} is not a number`);
  return bound;
}

/** Order-independent identity of a label set. */
function labelKey(labels: LabelSet): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

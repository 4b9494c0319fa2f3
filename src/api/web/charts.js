/**
 * The scaler view's two uPlot charts, on one shared time axis with a synced cursor: actual demand
 * against the forecast mean and its quantile band, and the replicas applied and recommended over time.
 * The chart instances are published on `window.__charts` (`demand`, `replicas`) for the page test.
 */

import { fmtNum, fmtQuantile } from "./format.js";
import uPlot from "./vendor/uPlot.esm.js";

const COLORS = {
  actual: "#1d4ed8",
  mean: "#c2410c",
  bandEdge: "rgba(194, 65, 12, 0.55)",
  bandFill: "rgba(234, 88, 12, 0.16)",
  applied: "#15803d",
  appliedFill: "rgba(21, 128, 61, 0.10)",
  recommended: "#7c3aed",
  running: "#0f172a",
  marker: "#6b7280",
  past: "94, 84, 160",
  decided: "#a21caf",
};

/** [time ms, value] points with a null inserted after any hole longer than two steps (a visible gap). */
export function withGaps(points, stepMs) {
  const out = [];
  for (let i = 0; i < points.length; i++) {
    const point = points[i];
    const prev = points[i - 1];
    if (prev !== undefined && point[0] - prev[0] > 2 * stepMs) out.push([prev[0] + stepMs, null]);
    out.push(point);
  }
  return out;
}

/**
 * Align columns of [time ms, value] points on the union of their times (uPlot's data layout: x in
 * seconds, then one array per series). A time a column lacks holds `undefined`, which uPlot spans;
 * an explicit null stays a gap.
 */
export function align(columns) {
  const times = new Set();
  for (const column of columns) for (const [t] of column) times.add(t);
  const xs = [...times].sort((a, b) => a - b);
  const index = new Map(xs.map((t, i) => [t, i]));
  const ys = columns.map((column) => {
    const y = new Array(xs.length).fill(undefined);
    for (const [t, v] of column) y[index.get(t)] = v;
    return y;
  });
  return [xs.map((t) => t / 1000), ...ys];
}

/** The demand chart's series, data and band from a SeriesView and the served quantile. */
export function demandPlot(view, servedQuantile) {
  const columns = [withGaps(view.demand, view.stepSeconds * 1000)];
  const series = [{}, { label: "Actual", stroke: COLORS.actual, width: 2, value: (_u, v) => fmtNum(v) }];
  const bands = [];
  const forecast = view.forecast;
  if (forecast) {
    const stepMs = forecast.stepSeconds * 1000;
    const path = (values) => values.map((v, i) => [forecast.startMs + i * stepMs, v]);
    columns.push(path(forecast.mean));
    series.push({
      label: `Forecast mean (${forecast.model})`,
      stroke: COLORS.mean,
      width: 2,
      dash: [6, 4],
      value: (_u, v) => fmtNum(v),
    });
    // every quantile served, highest first; each pair from the outside in shades a band (inner ones darker)
    const levels = Object.keys(forecast.quantiles).sort((a, b) => Number(b) - Number(a));
    const first = series.length;
    for (const level of levels) {
      columns.push(path(forecast.quantiles[level]));
      const isServed = Number(level) === Number(servedQuantile);
      series.push({
        label: `${fmtQuantile(level)}${isServed ? " (served)" : ""}`,
        stroke: isServed ? COLORS.mean : COLORS.bandEdge,
        width: isServed ? 1.5 : 1,
        value: (_u, v) => fmtNum(v),
      });
    }
    for (let i = 0; i < Math.floor(levels.length / 2); i++)
      bands.push({ series: [first + i, first + levels.length - 1 - i], fill: COLORS.bandFill });
  }
  const decided = view.decidedForecasts ?? [];
  if (decided.length > 0) {
    const quantile = decided[decided.length - 1].quantile;
    columns.push(decided.map((d) => [d.forMs, d.value]));
    series.push({
      label: `Forecast at each decision (${fmtQuantile(String(quantile))})`,
      stroke: COLORS.decided,
      width: 0,
      points: { show: true, size: 4, fill: COLORS.decided },
      paths: () => null,
      value: (_u, v) => fmtNum(v),
    });
  }
  return { data: align(columns), series, bands, key: series.map((s) => s.label).join("|") };
}

/**
 * The replicas chart's series and data: applied and recommended, as steps held until the next change,
 * and the replicas the workload ran as sampled (each sample a dot: between them nothing was seen).
 */
export function replicasPlot(view, untilMs) {
  const hold = (points) => {
    const last = points[points.length - 1];
    return last !== undefined && untilMs > last[0] ? [...points, [untilMs, last[1]]] : [...points];
  };
  const stepped = uPlot.paths.stepped({ align: 1 });
  const series = [
    {},
    {
      label: "Applied",
      stroke: COLORS.applied,
      fill: COLORS.appliedFill,
      width: 2,
      paths: stepped,
      points: noPoints,
    },
    {
      label: "Recommended",
      stroke: COLORS.recommended,
      width: 2,
      dash: [5, 3],
      paths: stepped,
      points: noPoints,
    },
    {
      label: "Running (workload)",
      stroke: COLORS.running,
      width: 1.5,
      paths: stepped,
      points: { show: true, size: 3 },
    },
  ];
  const columns = [hold(view.applied), hold(view.recommended), view.actual ?? []];
  return { data: align(columns), series, bands: [], key: "replicas" };
}

/** The path of an earlier forecast the chart draws: its served quantile, else its mean. */
export function pastPath(snapshot, servedQuantile) {
  const level = Object.keys(snapshot.quantiles).find((l) => Number(l) === Number(servedQuantile));
  const values = level !== undefined ? snapshot.quantiles[level] : snapshot.mean;
  const stepMs = snapshot.stepSeconds * 1000;
  return values.map((v, i) => [snapshot.startMs + i * stepMs, v]);
}

/**
 * Earlier forecasts as thin lines under the rest, older ones fainter: drawn on the canvas rather than
 * as series, since they overlap in time (one y per x per series) and would crowd the legend.
 * `u.pastDrawn` counts the paths drawn (for the page test).
 */
function pastForecastsPlugin(getPaths) {
  return {
    hooks: {
      drawSeries: [
        (u, index) => {
          if (index !== 1) return;
          const paths = getPaths();
          const ratio = window.devicePixelRatio || 1;
          const ctx = u.ctx;
          ctx.save();
          ctx.beginPath();
          ctx.rect(u.bbox.left, u.bbox.top, u.bbox.width, u.bbox.height);
          ctx.clip();
          ctx.lineWidth = 1.25 * ratio;
          let drawn = 0;
          paths.forEach((points, k) => {
            const finite = points.filter(([, v]) => Number.isFinite(v));
            if (finite.length < 2) return;
            ctx.strokeStyle = `rgba(${COLORS.past}, ${(0.25 + (0.5 * (k + 1)) / paths.length).toFixed(2)})`;
            ctx.beginPath();
            finite.forEach(([t, v], i) => {
              const x = u.valToPos(t / 1000, "x", true);
              const y = u.valToPos(v, "y", true);
              if (i === 0) ctx.moveTo(x, y);
              else ctx.lineTo(x, y);
            });
            ctx.stroke();
            drawn++;
          });
          ctx.restore();
          u.pastDrawn = drawn;
        },
      ],
    },
  };
}

/** A dashed vertical line at the time the forecast was made. */
function markerPlugin(getMs, label) {
  return {
    hooks: {
      draw: [
        (u) => {
          const ms = getMs();
          if (ms === undefined) return;
          const x = u.valToPos(ms / 1000, "x", true);
          if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) return;
          const ratio = window.devicePixelRatio || 1;
          const ctx = u.ctx;
          ctx.save();
          ctx.strokeStyle = COLORS.marker;
          ctx.fillStyle = COLORS.marker;
          ctx.lineWidth = ratio;
          ctx.setLineDash([4 * ratio, 4 * ratio]);
          ctx.beginPath();
          ctx.moveTo(x, u.bbox.top);
          ctx.lineTo(x, u.bbox.top + u.bbox.height);
          ctx.stroke();
          ctx.font = `${11 * ratio}px system-ui, sans-serif`;
          ctx.fillText(label, x + 4 * ratio, u.bbox.top + 12 * ratio);
          ctx.restore();
        },
      ],
    },
  };
}

const noPoints = { show: false };

const integerIncrs = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000];

/** Both charts of one scaler view; `update` re-renders in place when the series set is unchanged. */
export class ScalerCharts {
  constructor(demandEl, replicasEl) {
    this.demandEl = demandEl;
    this.replicasEl = replicasEl;
    this.range = [0, 1];
    this.forecastAtMs = undefined;
    this.pastPaths = [];
    this.demand = undefined;
    this.replicas = undefined;
    this.keys = {};
    this.resize = new ResizeObserver(() => this.fit());
    this.resize.observe(demandEl);
  }

  /**
   * Draw a SeriesView; `servedQuantile` picks the highlighted band edge and the earlier forecasts'
   * path; `nowMs` is the server's clock (the range shown when there is no data).
   */
  update(view, servedQuantile, nowMs) {
    this.pastPaths = (view.pastForecasts ?? []).map((p) => pastPath(p, servedQuantile));
    const demand = demandPlot(view, servedQuantile);
    const lastActual = view.demand.length > 0 ? view.demand[view.demand.length - 1][0] : 0;
    const replicas = replicasPlot(view, lastActual);
    // the data's x arrays are sorted: the shared range runs from the earliest first to the latest last
    const pastXs = this.pastPaths.flat().map(([t]) => t / 1000);
    const ends = [demand.data[0], replicas.data[0], pastXs.sort((a, b) => a - b)].filter(
      (xs) => xs.length > 0,
    );
    const now = nowMs / 1000;
    this.range =
      ends.length > 0
        ? [Math.min(...ends.map((xs) => xs[0])), Math.max(...ends.map((xs) => xs[xs.length - 1]))]
        : [now - 3600, now];
    if (this.range[0] === this.range[1]) this.range = [this.range[0] - 60, this.range[1] + 60];
    this.forecastAtMs = view.forecast?.computedAtMs;
    this.demand = this.draw("demand", this.demand, this.demandEl, demand, 260, {
      axes: [{}, { size: 64, values: (_u, ticks) => ticks.map(fmtNum) }],
      plugins: [
        pastForecastsPlugin(() => this.pastPaths),
        markerPlugin(() => this.forecastAtMs, "forecast made"),
      ],
    });
    this.replicas = this.draw("replicas", this.replicas, this.replicasEl, replicas, 180, {
      axes: [{}, { size: 64, incrs: integerIncrs, values: (_u, ticks) => ticks.map((t) => String(t)) }],
      scales: { y: { range: (_u, _min, max) => [0, Math.max(1, Math.ceil((max ?? 1) * 1.2))] } },
      plugins: [markerPlugin(() => this.forecastAtMs, "")],
    });
    window.__charts = { demand: this.demand, replicas: this.replicas };
  }

  draw(name, chart, target, plot, height, extra) {
    if (chart !== undefined && this.keys[name] === plot.key) {
      chart.setData(plot.data);
      return chart;
    }
    chart?.destroy();
    this.keys[name] = plot.key;
    const opts = {
      width: Math.max(320, target.clientWidth),
      height,
      series: plot.series,
      bands: plot.bands,
      cursor: { sync: { key: "foresight-review" } },
      legend: { live: true },
      ...extra,
      scales: { x: { time: true, range: () => this.range }, ...(extra.scales ?? {}) },
    };
    return new uPlot(opts, plot.data, target);
  }

  fit() {
    const width = Math.max(320, this.demandEl.clientWidth);
    for (const chart of [this.demand, this.replicas]) {
      if (chart !== undefined && chart.width !== width) chart.setSize({ width, height: chart.height });
    }
  }

  destroy() {
    this.resize.disconnect();
    this.demand?.destroy();
    this.replicas?.destroy();
    this.demand = undefined;
    this.replicas = undefined;
    this.keys = {};
    window.__charts = undefined;
  }
}

/**
 * An SVG scatter of cost against a bad metric for one trace: the reactive frontier (the reactive HPA
 * at several targets, a line through its Pareto-efficient points), the oracle, and every other policy
 * as a labelled marker. Hand-written for the same reason as plot.ts, whose SVG pieces it shares.
 */
import { type FrontierPoint, frontierCurve } from "./frontier.js";
import {
  escapeXml,
  formatTick,
  type LegendEntry,
  legendBox,
  legendLayout,
  niceTicks,
  svgHeader,
  textWidth,
} from "./plot.js";

export interface FrontierPolicy {
  readonly name: string;
  readonly cost: number;
  /** The bad metric as a share in [0, 1]; drawn as %. */
  readonly value: number;
}

export interface FrontierPlotInput {
  readonly title: string;
  /** Default "cost (replica-hours)"; say so when the costs are ratios to the oracle's. */
  readonly xLabel?: string;
  /** Default "share of time (%)". */
  readonly yLabel?: string;
  /** The reactive HPA at each target, labelled with the target ("70%"); values are shares in [0, 1]. */
  readonly reactive: readonly FrontierPoint[];
  readonly oracle?: { readonly cost: number; readonly value: number };
  readonly policies: readonly FrontierPolicy[];
  /**
   * `log` spreads shares that span decades (0.1 % beside 60 %) over the height: ticks at powers of
   * ten, and 0 drawn at the lowest decade, labelled "≤" it. Default `linear`.
   */
  readonly yScale?: "linear" | "log";
}

const WIDTH = 760;
const HEIGHT = 520;
const PAD = { left: 76, right: 24, top: 36, bottom: 58 };
const REACTIVE_COLOR = "#1f77b4";
const POLICY_COLORS = ["#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"];
/** Room kept free at the plot area's edges, as a share of each range, so that markers are not cut. */
const MARGIN = 0.06;

type Marker = (x: number, y: number) => string;

const f = (v: number) => v.toFixed(1);

function circle(color: string, filled: boolean): Marker {
  return (x, y) =>
    `<circle cx="${f(x)}" cy="${f(y)}" r="4" fill="${filled ? color : "white"}" stroke="${color}" stroke-width="1.5"/>`;
}

function polygon(color: string, corners: readonly (readonly [number, number])[]): Marker {
  return (x, y) =>
    `<polygon points="${corners.map(([dx, dy]) => `${f(x + dx)},${f(y + dy)}`).join(" ")}" fill="${color}" stroke="white" stroke-width="0.75"/>`;
}

/** Shapes for policies, cycled with the colors so that neighbours differ in both. */
const SHAPES: readonly (readonly (readonly [number, number])[])[] = [
  [
    [-5, -5],
    [5, -5],
    [5, 5],
    [-5, 5],
  ],
  [
    [0, -6],
    [6, 5],
    [-6, 5],
  ],
  [
    [0, 6],
    [6, -5],
    [-6, -5],
  ],
  [
    [-6, -2],
    [-2, -2],
    [-2, -6],
    [2, -6],
    [2, -2],
    [6, -2],
    [6, 2],
    [2, 2],
    [2, 6],
    [-2, 6],
    [-2, 2],
    [-6, 2],
  ],
];

/** The oracle: a black star, unlike any policy's shape. */
function star(): Marker {
  const corners: [number, number][] = [];
  for (let k = 0; k < 10; k++) {
    const r = k % 2 === 0 ? 8 : 3.5;
    const angle = -Math.PI / 2 + (k * Math.PI) / 5;
    corners.push([r * Math.cos(angle), r * Math.sin(angle)]);
  }
  return polygon("#000", corners);
}

interface Box {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

function overlap(a: Box, b: Box): number {
  const w = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

type Segment = readonly [number, number, number, number];

/** Whether the segment from (x1, y1) to (x2, y2) passes through `box` (Liang–Barsky clipping). */
function crosses([x1, y1, x2, y2]: Segment, box: Box): boolean {
  let t0 = 0;
  let t1 = 1;
  const dx = x2 - x1;
  const dy = y2 - y1;
  for (const [p, q] of [
    [-dx, x1 - box.x],
    [dx, box.x + box.w - x1],
    [-dy, y1 - box.y],
    [dy, box.y + box.h - y1],
  ] as const) {
    if (p === 0) {
      if (q < 0) return false;
    } else if (p < 0) t0 = Math.max(t0, q / p);
    else t1 = Math.min(t1, q / p);
  }
  return t0 <= t1;
}

/** What crossing the frontier line costs a label, in px² of covered text: a little. */
const LINE_PENALTY = 30;

/** Where a label may go around its marker: [dx, baseline dy, text-anchor], in order of preference. */
const LABEL_SPOTS: readonly (readonly [number, number, "start" | "middle" | "end"])[] = [
  [8, -7, "start"],
  [8, 15, "start"],
  [-8, -7, "end"],
  [-8, 15, "end"],
  [0, -11, "middle"],
  [0, 21, "middle"],
];

/**
 * A label beside the marker at (x, y): the first spot that covers no marker, label or other obstacle,
 * crosses no line and stays in `area`; if there is none, the one that does least of that. Greedy, so
 * earlier labels win.
 */
function placeLabel(
  x: number,
  y: number,
  text: string,
  color: string,
  obstacles: Box[],
  lines: readonly Segment[],
  area: Box,
): string {
  const w = textWidth(text);
  let best: { box: Box; anchor: string; cost: number } | undefined;
  for (const [dx, dy, anchor] of LABEL_SPOTS) {
    const left = anchor === "start" ? x + dx : anchor === "end" ? x + dx - w : x - w / 2;
    const box = { x: left, y: y + dy - 10, w, h: 13 };
    const outside =
      box.x < area.x || box.y < area.y || box.x + box.w > area.x + area.w || box.y + box.h > area.y + area.h;
    // Leaving the plot area is worse than covering anything inside it.
    const cost =
      obstacles.reduce((sum, o) => sum + overlap(box, o), 0) +
      lines.reduce((sum, l) => sum + (crosses(l, box) ? LINE_PENALTY : 0), 0) +
      (outside ? 1e6 : 0);
    if (best === undefined || cost < best.cost) best = { box, anchor, cost };
    if (cost === 0) break;
  }
  const { box, anchor } = best as { box: Box; anchor: string };
  obstacles.push(box);
  const tx = anchor === "start" ? box.x : anchor === "end" ? box.x + w : x;
  const anchorAttr = anchor === "start" ? "" : ` text-anchor="${anchor}"`;
  return `<text x="${f(tx)}" y="${f(box.y + 10)}" fill="${color}"${anchorAttr}>${escapeXml(text)}</text>`;
}

function checkPoint(what: string, cost: number, value: number): void {
  if (!(Number.isFinite(cost) && Number.isFinite(value)))
    throw new RangeError(`${what}: cost ${cost} and value ${value} must be finite numbers`);
}

interface Mark {
  readonly name: string;
  readonly cost: number;
  readonly value: number;
  readonly color: string;
  readonly marker: Marker;
}

/** Whole powers of ten (as exponents) from `low` up to the first at or above `high`. */
function decades(low: number, high: number): number[] {
  const ticks: number[] = [];
  const last = Math.max(Math.ceil(high - 1e-9), Math.floor(low) + 1);
  for (let e = Math.floor(low); e <= last; e++) ticks.push(e);
  return ticks;
}

export function renderFrontierPlot(input: FrontierPlotInput): string {
  const curve = frontierCurve(input.reactive);
  if (input.oracle) checkPoint("oracle", input.oracle.cost, input.oracle.value);
  for (const p of input.policies) checkPoint(`policy "${p.name}"`, p.cost, p.value);

  const efficient = new Set(curve);
  const onCurve = circle(REACTIVE_COLOR, true);
  const dominated = circle(REACTIVE_COLOR, false);
  const marks: Mark[] = input.reactive.map((p) => ({
    name: p.label,
    cost: p.cost,
    value: p.value,
    color: REACTIVE_COLOR,
    marker: efficient.has(p) ? onCurve : dominated,
  }));
  const legend: LegendEntry[] = [
    { name: "reactive HPA by target", color: REACTIVE_COLOR, dash: "", marker: onCurve },
  ];
  if (efficient.size < input.reactive.length)
    legend.push({ name: "reactive, off the frontier", color: REACTIVE_COLOR, marker: dominated });
  if (input.oracle) {
    const oracle = { name: "oracle", color: "#000", marker: star() };
    marks.push({ ...oracle, cost: input.oracle.cost, value: input.oracle.value });
    legend.push(oracle);
  }
  input.policies.forEach((p, k) => {
    const color = POLICY_COLORS[k % POLICY_COLORS.length] as string;
    const marker = polygon(color, SHAPES[k % SHAPES.length] as (readonly [number, number])[]);
    marks.push({ name: p.name, cost: p.cost, value: p.value, color, marker });
    legend.push({ name: p.name, color, marker });
  });

  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const bottom = PAD.top + plotH;
  const right = PAD.left + plotW;
  const area = { x: PAD.left, y: PAD.top, w: plotW, h: plotH };
  const layout = legendLayout(legend, plotW - 20, 1);
  const costs = marks.map((m) => m.cost);
  const percents = marks.map((m) => m.value * 100);
  const lo = Math.min(...costs);
  const hi = Math.max(...costs);
  const xTicks = niceTicks(lo - (hi - lo) * MARGIN, hi + (hi - lo) * MARGIN, 6);
  const x0 = xTicks[0] as number;
  const x1 = xTicks[xTicks.length - 1] as number;
  const x = (cost: number) => PAD.left + ((cost - x0) / (x1 - x0)) * plotW;
  const markerBox = (m: Mark, y: (value: number) => number) => ({
    x: x(m.cost) - 8,
    y: y(m.value) - 8,
    w: 16,
    h: 16,
  });

  // Heights are placed on a scale of percent: linear, or log10 above a floor (the decade under the
  // smallest share above 0, so that 0 sits at the bottom, labelled "≤" the floor).
  const positive = percents.filter((p) => p > 0);
  const log = input.yScale === "log" && positive.length > 0;
  const floorPercent = log ? 10 ** Math.max(-3, Math.floor(Math.log10(Math.min(...positive)))) : 0;
  const scale = (percent: number) => (log ? Math.log10(Math.max(percent, floorPercent)) : percent);
  const scaled = percents.map(scale);

  // The legend goes in the top-right corner, else the top-left, if no marker is there; else the y axis
  // grows a band above the data for it.
  let yTicks: number[] = [];
  let yScaled = (_scaled: number) => 0;
  let legendBoxAt = { x: 0, y: 0, w: layout.width, h: layout.height };
  for (const headroom of [0, Math.min(0.5 * plotH, layout.height + 16)]) {
    const low = log ? scale(floorPercent) : Math.min(0, ...scaled);
    const high = Math.max(...scaled);
    const top = low + ((high - low) * (1 + MARGIN) * plotH) / (plotH - headroom);
    yTicks = log ? decades(low, Math.max(top, low + 1)) : niceTicks(low, top, 5);
    const y0 = yTicks[0] as number;
    const y1 = yTicks[yTicks.length - 1] as number;
    // The lowest tick sits a little above the frame, so that markers at the bottom are whole.
    const yLo = y0 - (y1 - y0) * MARGIN;
    yScaled = (v: number) => bottom - ((v - yLo) / (y1 - yLo)) * plotH;
    const y = (value: number) => yScaled(scale(value * 100));
    const corners = [right - 10 - layout.width, PAD.left + 10].map((lx) => ({
      ...legendBoxAt,
      x: lx,
      y: PAD.top + 10,
    }));
    const free = corners.find((c) => marks.every((m) => overlap(c, markerBox(m, y)) === 0));
    legendBoxAt = free ?? (corners[0] as Box);
    if (free) break;
  }
  const yPercent = (percent: number) => yScaled(scale(percent));
  const y = (value: number) => yPercent(value * 100);

  const parts: string[] = [...svgHeader(WIDTH, HEIGHT, PAD.left, input.title)];
  const ySpacing = (yTicks[1] as number) - (yTicks[0] as number);
  yTicks.forEach((v, k) => {
    const yv = yScaled(v);
    const label = log
      ? `${k === 0 ? "≤" : ""}${formatTick(10 ** v, 10 ** Math.min(v, 0))}`
      : formatTick(v, ySpacing);
    parts.push(
      `<line x1="${PAD.left}" y1="${f(yv)}" x2="${right}" y2="${f(yv)}" stroke="#eee"/>`,
      `<text x="${PAD.left - 6}" y="${f(yv + 4)}" text-anchor="end">${escapeXml(label)}</text>`,
    );
  });
  const xSpacing = (xTicks[1] as number) - x0;
  for (const v of xTicks) {
    const xv = f(x(v));
    parts.push(
      `<line x1="${xv}" y1="${PAD.top}" x2="${xv}" y2="${bottom}" stroke="#eee"/>`,
      `<line x1="${xv}" y1="${bottom}" x2="${xv}" y2="${bottom + 5}" stroke="#444"/>`,
      `<text class="tick" x="${xv}" y="${bottom + 18}" text-anchor="middle">${formatTick(v, xSpacing)}</text>`,
    );
  }
  const midY = PAD.top + plotH / 2;
  parts.push(
    `<rect class="plot-area" x="${PAD.left}" y="${PAD.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#444"/>`,
    `<text x="${PAD.left + plotW / 2}" y="${HEIGHT - 12}" text-anchor="middle">${escapeXml(input.xLabel ?? "cost (replica-hours)")}</text>`,
    `<text x="18" y="${midY}" text-anchor="middle" transform="rotate(-90 18 ${midY})">${escapeXml(input.yLabel ?? "share of time (%)")}</text>`,
    `<polyline class="frontier" fill="none" stroke="${REACTIVE_COLOR}" stroke-width="1.5" points="${curve.map((p) => `${f(x(p.cost))},${f(y(p.value))}`).join(" ")}"/>`,
  );
  for (const m of marks) parts.push(m.marker(x(m.cost), y(m.value)));
  const obstacles: Box[] = [legendBoxAt, ...marks.map((m) => markerBox(m, y))];
  const segments: Segment[] = curve
    .slice(1)
    .map((p, k) => [
      x((curve[k] as FrontierPoint).cost),
      y((curve[k] as FrontierPoint).value),
      x(p.cost),
      y(p.value),
    ]);
  for (const m of marks) {
    parts.push(placeLabel(x(m.cost), y(m.value), m.name, m.color, obstacles, segments, area));
  }
  parts.push(...legendBox(legendBoxAt.x, legendBoxAt.y, legend, layout));
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}

/**
 * An SVG line chart of demand against each policy's ready capacity (ready replicas × the demand one
 * replica serves), over time in UTC. Hand-written: a few polylines, ticks and a legend do not justify
 * a charting dependency. Long runs are bucketed to at most `maxPoints` columns, keeping the worst case
 * of each (max demand, min capacity) so that short under-provisioned spells stay visible.
 *
 * Also the small SVG pieces the replay's other charts share: escaping, nice ticks, tick labels.
 */

export interface PlotSeries {
  readonly name: string;
  /** Ready replicas per step. */
  readonly ready: ArrayLike<number>;
}

export interface PlotInput {
  readonly title: string;
  readonly startMs: number;
  readonly stepMs: number;
  readonly demand: ArrayLike<number>;
  /** Demand one ready replica serves (the capacity line is ready × this). */
  readonly capacityPerReplica: number;
  readonly series: readonly PlotSeries[];
  /** First step to draw (the evaluation window's start); default 0. */
  readonly fromStep?: number;
  /** Step after the last one drawn; default the end of `demand`. */
  readonly toStep?: number;
  /** Title of the y axis, shared by demand and capacity; default "demand". */
  readonly yLabel?: string;
  readonly maxPoints?: number;
}

const WIDTH = 1000;
const HEIGHT = 440;
const PAD = { left: 76, right: 24, top: 36, bottom: 58 };
const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2"];
/** Dash patterns cycled with the colors, so that lines stay apart in grey print and for colour blindness. */
const DASHES = ["", "7 4", "2 3", "10 3 2 3"];
/** Rough width of one character at the 12 px sans-serif the charts use: SVG cannot measure text. */
const CHAR_WIDTH = 6.8;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Time tick spacings to choose from, smallest first; past four weeks, multiples of four weeks. */
const TIME_SPACINGS = [
  MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  DAY,
  2 * DAY,
  7 * DAY,
  14 * DAY,
  28 * DAY,
];
/** Widest time tick label, "Jul 03 00:00", plus a gap. */
const TIME_LABEL_WIDTH = 12 * CHAR_WIDTH + 30;
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

export function escapeXml(text: string): string {
  return text.replace(
    /[<>&"']/g,
    (ch) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[ch] as string,
  );
}

/** Round numbers to 12 significant digits, so that 0.1 × 3 prints as 0.3. */
function tidy(v: number): number {
  return Number.parseFloat(v.toPrecision(12));
}

/**
 * About `count` evenly spaced round values (1, 2, 2.5 or 5 × 10^k apart) covering [lo, hi]; the first
 * is ≤ lo and the last ≥ hi. An empty range is widened to one unit so that a flat line still gets an axis.
 */
export function niceTicks(lo: number, hi: number, count: number): number[] {
  if (!(Number.isFinite(lo) && Number.isFinite(hi)))
    throw new RangeError(`tick range [${lo}, ${hi}] must be finite`);
  if (hi <= lo) hi = lo + (lo === 0 ? 1 : Math.abs(lo));
  const raw = (hi - lo) / Math.max(1, count);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * magnitude >= raw * (1 - 1e-12)) as number) * magnitude;
  const first = Math.floor(lo / step + 1e-9);
  const last = Math.ceil(hi / step - 1e-9);
  const ticks: number[] = [];
  for (let k = first; k <= last; k++) ticks.push(tidy(k * step));
  return ticks;
}

/** A tick label: k/M/G for large values, as few decimals as the spacing needs, no trailing zeros. */
/**
 * The opening of every plot: the root element, a white background, the title as a `<title>` (what
 * screen readers and tooltips read) and as text at the top left.
 */
export function svgHeader(width: number, height: number, titleX: number, title: string): string[] {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${titleX}" y="22" font-size="15">${escapeXml(title)}</text>`,
  ];
}

export function formatTick(v: number, spacing: number): string {
  const scales: readonly [number, string][] = [
    [1e9, "G"],
    [1e6, "M"],
    [1e3, "k"],
  ];
  const [scale, suffix] = scales.find(([s]) => Math.abs(spacing) >= s) ?? [1, ""];
  const step = Math.abs(spacing) / scale;
  if (v === 0) return "0";
  let decimals = 0;
  while (decimals < 10 && Math.abs(Math.round(step * 10 ** decimals) - step * 10 ** decimals) > 1e-6)
    decimals++;
  const text = (v / scale).toFixed(decimals);
  const trimmed = text.includes(".") ? text.replace(/\.?0+$/, "") : text;
  return `${trimmed === "-0" ? "0" : trimmed}${suffix}`;
}

/** "Jul 03 06:00" in UTC. */
export function formatUtc(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${MONTHS[d.getUTCMonth()]} ${two(d.getUTCDate())} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}`;
}

/**
 * Tick times in [t0, t1] at the smallest round spacing that leaves at most `maxTicks`: whole minutes or
 * hours, UTC midnights for day spacings, Mondays for weeks.
 */
export function timeTicks(t0: number, t1: number, maxTicks: number): number[] {
  const span = Math.max(t1 - t0, MINUTE);
  // n gaps hold n + 1 ticks.
  const gaps = Math.max(1, maxTicks - 1);
  const spacing =
    TIME_SPACINGS.find((s) => span / s <= gaps) ?? 28 * DAY * Math.ceil(span / (28 * DAY * gaps));
  // 1970-01-01 was a Thursday: weeks are counted from Monday the 5th.
  const origin = spacing >= 7 * DAY ? 4 * DAY : 0;
  const ticks: number[] = [];
  for (let t = origin + Math.ceil((t0 - origin) / spacing) * spacing; t <= t1; t += spacing) ticks.push(t);
  return ticks;
}

/** Bucket [from, to) into at most `columns` groups, reducing each with `pick`; each at its middle step. */
function bucket(
  values: (i: number) => number,
  from: number,
  to: number,
  columns: number,
  pick: (a: number, b: number) => number,
): { steps: number[]; values: number[] } {
  const width = Math.max(1, Math.ceil((to - from) / columns));
  const steps: number[] = [];
  const out: number[] = [];
  for (let s = from; s < to; s += width) {
    const end = Math.min(to, s + width);
    let v = values(s);
    for (let i = s + 1; i < end; i++) v = pick(v, values(i));
    steps.push((s + end - 1) / 2);
    out.push(v);
  }
  return { steps, values: out };
}

function checkInput(input: PlotInput, from: number, to: number): void {
  const n = input.demand.length;
  if (!(Number.isInteger(from) && Number.isInteger(to) && from >= 0 && from < to && to <= n))
    throw new RangeError(
      `plot window [fromStep ${from}, toStep ${to}) must hold whole steps with 0 ≤ fromStep < toStep ≤ ${n}, the demand's length`,
    );
  if (!(input.stepMs > 0)) throw new RangeError(`stepMs ${input.stepMs} must be > 0`);
  if (!(input.capacityPerReplica > 0))
    throw new RangeError(`capacityPerReplica ${input.capacityPerReplica} must be > 0`);
  for (const s of input.series)
    if (s.ready.length < to)
      throw new RangeError(`series "${s.name}" has ${s.ready.length} steps; the plot window needs ${to}`);
}

export interface LegendEntry {
  readonly name: string;
  readonly color: string;
  /** stroke-dasharray of the line sample, "" for solid; no line sample when absent. */
  readonly dash?: string;
  /** Draws a marker on the sample, centred at (x, y). */
  readonly marker?: (x: number, y: number) => string;
}

/** Rough width in px of `text` at the charts' 12 px sans-serif, for laying out boxes around text. */
export function textWidth(text: string): number {
  return text.length * CHAR_WIDTH;
}

export interface LegendLayout {
  readonly columns: number;
  readonly columnWidth: number;
  readonly width: number;
  readonly height: number;
}

/** Legend entries in as many columns (up to `maxColumns`) as fit in `maxWidth`, filled row by row. */
export function legendLayout(
  entries: readonly LegendEntry[],
  maxWidth: number,
  maxColumns = 8,
): LegendLayout {
  const columnWidth = 48 + Math.max(0, ...entries.map((e) => textWidth(e.name)));
  const columns = Math.max(1, Math.min(entries.length, maxColumns, Math.floor(maxWidth / columnWidth)));
  return {
    columns,
    columnWidth,
    width: Math.min(maxWidth, columns * columnWidth),
    height: 10 + Math.ceil(entries.length / columns) * 18,
  };
}

/**
 * The legend: a semi-opaque white box (so that what it covers still shows) with its top-left corner at
 * (left, y), one sample and name per entry.
 */
export function legendBox(
  left: number,
  y: number,
  entries: readonly LegendEntry[],
  layout: LegendLayout,
): string[] {
  const parts = [
    `<g class="legend">`,
    `<rect x="${left.toFixed(1)}" y="${y}" width="${layout.width.toFixed(1)}" height="${layout.height}" fill="white" fill-opacity="0.85" stroke="#bbb"/>`,
  ];
  entries.forEach((e, k) => {
    const ex = left + (k % layout.columns) * layout.columnWidth;
    const ly = y + 14 + Math.floor(k / layout.columns) * 18;
    const px = (dx: number) => (ex + dx).toFixed(1);
    const dash = e.dash ? ` stroke-dasharray="${e.dash}"` : "";
    if (e.dash !== undefined)
      parts.push(
        `<line x1="${px(8)}" y1="${ly}" x2="${px(32)}" y2="${ly}" stroke="${e.color}" stroke-width="2"${dash}/>`,
      );
    if (e.marker) parts.push(e.marker(ex + 20, ly));
    parts.push(`<text x="${px(38)}" y="${ly + 4}">${escapeXml(e.name)}</text>`);
  });
  parts.push("</g>");
  return parts;
}

export function renderPlot(input: PlotInput): string {
  const from = input.fromStep ?? 0;
  const to = input.toStep ?? input.demand.length;
  checkInput(input, from, to);
  const columns = input.maxPoints ?? 1500;
  const demand = bucket((i) => input.demand[i] as number, from, to, columns, Math.max);
  const lines = input.series.map((s, k) => ({
    name: s.name,
    color: COLORS[k % COLORS.length] as string,
    dash: DASHES[k % DASHES.length] as string,
    ...bucket((i) => (s.ready[i] as number) * input.capacityPerReplica, from, to, columns, Math.min),
  }));
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const bottom = PAD.top + plotH;
  const legend: LegendEntry[] = [
    { name: "demand", color: "#000", dash: "" },
    ...lines.map((l) => ({ name: `${l.name} ready capacity`, color: l.color, dash: l.dash })),
  ];
  const layout = legendLayout(legend, plotW - 20);

  let top = 0;
  for (const v of demand.values) top = Math.max(top, v);
  for (const l of lines) for (const v of l.values) top = Math.max(top, v);
  // Headroom above the data for the legend, so that it covers no line (up to 40 % of the height).
  const legendRoom = Math.min(0.4 * plotH, layout.height + 16);
  const yTicks = niceTicks(0, (top * plotH) / (plotH - legendRoom), 5);
  const yTop = yTicks[yTicks.length - 1] as number;
  const ySpacing = (yTicks[1] as number) - (yTicks[0] as number);

  const lastStep = Math.max(to - 1, from + 1);
  const x = (step: number) => PAD.left + ((step - from) / (lastStep - from)) * plotW;
  const y = (v: number) => bottom - (v / yTop) * plotH;
  const path = (steps: readonly number[], values: readonly number[]) =>
    values.map((v, i) => `${x(steps[i] as number).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
  const stepAt = (ms: number) => (ms - input.startMs) / input.stepMs;

  const parts: string[] = [...svgHeader(WIDTH, HEIGHT, PAD.left, input.title)];
  for (const v of yTicks) {
    const yv = y(v).toFixed(1);
    parts.push(
      `<line x1="${PAD.left}" y1="${yv}" x2="${PAD.left + plotW}" y2="${yv}" stroke="#eee"/>`,
      `<text x="${PAD.left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${formatTick(v, ySpacing)}</text>`,
    );
  }
  const t0 = input.startMs + from * input.stepMs;
  const t1 = input.startMs + lastStep * input.stepMs;
  for (const t of timeTicks(t0, t1, Math.max(2, Math.floor(plotW / TIME_LABEL_WIDTH)))) {
    const xt = x(stepAt(t)).toFixed(1);
    parts.push(
      `<line x1="${xt}" y1="${PAD.top}" x2="${xt}" y2="${bottom}" stroke="#eee"/>`,
      `<line x1="${xt}" y1="${bottom}" x2="${xt}" y2="${bottom + 5}" stroke="#444"/>`,
      `<text class="tick" x="${xt}" y="${bottom + 18}" text-anchor="middle">${formatUtc(t)}</text>`,
    );
  }
  const midY = PAD.top + plotH / 2;
  parts.push(
    `<rect class="plot-area" x="${PAD.left}" y="${PAD.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#444"/>`,
    `<text x="${PAD.left + plotW / 2}" y="${HEIGHT - 12}" text-anchor="middle">time (UTC)</text>`,
    `<text x="18" y="${midY}" text-anchor="middle" transform="rotate(-90 18 ${midY})">${escapeXml(input.yLabel ?? "demand")}</text>`,
    `<polyline fill="none" stroke="#000" stroke-width="1.5" points="${path(demand.steps, demand.values)}"/>`,
  );
  for (const l of lines) {
    const dash = l.dash === "" ? "" : ` stroke-dasharray="${l.dash}"`;
    parts.push(
      `<polyline fill="none" stroke="${l.color}" stroke-width="1.25"${dash} stroke-linejoin="round" points="${path(l.steps, l.values)}"/>`,
    );
  }
  parts.push(...legendBox(PAD.left + 10, PAD.top + 10, legend, layout));
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}

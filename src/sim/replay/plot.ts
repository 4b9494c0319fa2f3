/**
 * An SVG line chart of demand against each policy's ready capacity (ready replicas × c). Hand-written:
 * a few polylines and axis labels do not justify a charting dependency. Long runs are bucketed to at
 * most `maxPoints` columns, keeping the worst case of each (max demand, min capacity) so that short
 * under-provisioned spells stay visible.
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
  readonly capacityPerReplica: number;
  readonly series: readonly PlotSeries[];
  /** First step to draw (the evaluation window's start); default 0. */
  readonly fromStep?: number;
  readonly maxPoints?: number;
}

const WIDTH = 1000;
const HEIGHT = 420;
const PAD = { left: 60, right: 150, top: 30, bottom: 40 };
const COLORS = ["#1f77b4", "#2ca02c", "#d62728", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2"];

function escapeXml(text: string): string {
  return text.replace(
    /[<>&"]/g,
    (ch) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;" })[ch] as string,
  );
}

/** Bucket [from, n) into at most `columns` groups, reducing each with `pick`. */
function bucket(
  values: (i: number) => number,
  from: number,
  n: number,
  columns: number,
  pick: (a: number, b: number) => number,
): number[] {
  const width = Math.max(1, Math.ceil((n - from) / columns));
  const out: number[] = [];
  for (let s = from; s < n; s += width) {
    let v = values(s);
    for (let i = s + 1; i < Math.min(n, s + width); i++) v = pick(v, values(i));
    out.push(v);
  }
  return out;
}

export function renderPlot(input: PlotInput): string {
  const from = input.fromStep ?? 0;
  const n = input.demand.length;
  const columns = input.maxPoints ?? 1500;
  const demand = bucket((i) => input.demand[i] as number, from, n, columns, Math.max);
  const lines = input.series.map((s) => ({
    name: s.name,
    values: bucket((i) => (s.ready[i] as number) * input.capacityPerReplica, from, n, columns, Math.min),
  }));
  let top = 0;
  for (const v of demand) top = Math.max(top, v);
  for (const l of lines) for (const v of l.values) top = Math.max(top, v);
  top = top > 0 ? top * 1.05 : 1;
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const count = Math.max(1, demand.length - 1);
  const x = (i: number) => PAD.left + (i / count) * plotW;
  const y = (v: number) => PAD.top + plotH - (v / top) * plotH;
  const path = (values: readonly number[]) =>
    values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
  const hours = ((n - from) * input.stepMs) / 3_600_000;
  const startIso = new Date(input.startMs + from * input.stepMs).toISOString().replace(".000Z", "Z");
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${PAD.left}" y="18" font-size="14">${escapeXml(input.title)}</text>`,
    `<line x1="${PAD.left}" y1="${PAD.top + plotH}" x2="${PAD.left + plotW}" y2="${PAD.top + plotH}" stroke="#444"/>`,
    `<line x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${PAD.top + plotH}" stroke="#444"/>`,
  ];
  for (let k = 0; k <= 4; k++) {
    const v = (top * k) / 4;
    parts.push(
      `<text x="${PAD.left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${v.toPrecision(3)}</text>`,
      `<line x1="${PAD.left}" y1="${y(v).toFixed(1)}" x2="${PAD.left + plotW}" y2="${y(v).toFixed(1)}" stroke="#eee"/>`,
    );
  }
  parts.push(
    `<text x="${PAD.left}" y="${HEIGHT - 12}">${escapeXml(startIso)}</text>`,
    `<text x="${PAD.left + plotW}" y="${HEIGHT - 12}" text-anchor="end">+${hours.toFixed(1)} h</text>`,
    `<polyline fill="none" stroke="#000" stroke-width="1.5" points="${path(demand)}"/>`,
  );
  const legend = [{ name: "demand", color: "#000" }];
  lines.forEach((l, k) => {
    const color = COLORS[k % COLORS.length] as string;
    legend.push({ name: `${l.name} ready capacity`, color });
    parts.push(`<polyline fill="none" stroke="${color}" stroke-width="1" points="${path(l.values)}"/>`);
  });
  legend.forEach((entry, k) => {
    const ly = PAD.top + 10 + k * 18;
    const lx = PAD.left + plotW + 10;
    parts.push(
      `<line x1="${lx}" y1="${ly}" x2="${lx + 16}" y2="${ly}" stroke="${entry.color}" stroke-width="2"/>`,
      `<text x="${lx + 20}" y="${ly + 4}">${escapeXml(entry.name)}</text>`,
    );
  });
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}

/**
 * The scaler view's text parts: its facts, the decisions table (one page, newest first) and the model
 * accuracy table (every candidate's backtest, the chosen one marked, and why it won).
 */
import { el, replaceChildren } from "./dom.js";
import { fmtNum, fmtPct, fmtQuantile, fmtRelative, fmtTime } from "./format.js";
import { readyCell } from "./list.js";

/** The summary line under the heading: kind, target, mode, readiness, quantile, capacity, replicas. */
export function renderFacts(dl, item, now) {
  const facts = [
    ["Kind", item.kind === "ForecastTarget" ? "Forecast target (config file)" : "PredictiveScaler"],
    item.target ? ["Target", item.target] : undefined,
    ["Mode", item.mode],
    ["Ready", readyCell(item.ready)],
    ["Served quantile", fmtQuantile(item.quantile)],
    item.capacityPerReplica !== undefined
      ? ["Capacity per replica", fmtNum(item.capacityPerReplica)]
      : undefined,
    ["Recommended / applied", `${item.recommendedReplicas ?? "—"} / ${item.appliedReplicas ?? "—"}`],
    item.nextPeak
      ? [
          "Next peak",
          `${fmtNum(item.nextPeak.value)}${item.nextPeak.replicas !== undefined ? ` (${item.nextPeak.replicas} replicas)` : ""} ${fmtRelative(item.nextPeak.at, now)}`,
        ]
      : undefined,
    item.lastAction
      ? [
          "Last action",
          `${item.lastAction.type}${item.lastAction.from !== undefined && item.lastAction.to !== undefined ? ` ${item.lastAction.from} → ${item.lastAction.to}` : ""} ${fmtRelative(item.lastAction.time, now)}`,
        ]
      : undefined,
  ].filter(Boolean);
  replaceChildren(
    dl,
    facts.map(([term, value]) => el("div", {}, el("dt", {}, term), el("dd", {}, value))),
  );
}

function replicasText(d) {
  if (d.from !== undefined && d.to !== undefined) return `${d.from} → ${d.to}`;
  if (d.to !== undefined) return `→ ${d.to}`;
  return "—";
}

function forecastText(f) {
  if (!f) return "—";
  return `${fmtNum(f.value)} at ${fmtQuantile(f.quantile)} over ${f.horizon}${f.model ? ` (${f.model})` : ""}`;
}

/** Fill the decisions tbody from a DecisionPageView. */
export function renderDecisions(tbody, page) {
  replaceChildren(
    tbody,
    page.items.map((d) =>
      el(
        "tr",
        { class: d.error ? "failed" : d.applied ? "applied" : undefined },
        el("td", { class: "nowrap", title: d.time }, fmtTime(d.atMs)),
        el("td", {}, d.action),
        el("td", {}, d.error ? "failed" : d.applied ? "yes" : "no"),
        el("td", { class: "num nowrap" }, replicasText(d)),
        el("td", {}, d.reason, d.error ? el("div", { class: "err" }, d.error) : undefined),
        el("td", {}, forecastText(d.forecast)),
      ),
    ),
  );
}

/** Fill the model table, the `why` line and the calibration line from a ModelsView. */
export function renderModels(tbody, whyEl, calibrationEl, view, now) {
  whyEl.textContent = view.chosen
    ? `Chosen: ${view.chosen}, ${view.why}${view.computedAtMs !== undefined ? ` (scored ${fmtRelative(view.computedAtMs, now)})` : ""}`
    : view.why || "No model chosen yet.";
  replaceChildren(
    tbody,
    view.candidates.map((c) => {
      const chosen = c.name === view.chosen;
      return el(
        "tr",
        { class: chosen ? "chosen" : undefined, "aria-current": chosen ? "true" : undefined },
        el(
          "th",
          { scope: "row" },
          chosen ? el("strong", {}, c.name) : c.name,
          chosen ? el("span", { class: "badge" }, "chosen") : undefined,
        ),
        el("td", {}, c.ready ? "yes" : "no"),
        el("td", { class: "num" }, c.ready ? fmtNum(c.scaledPinball) : "—"),
        el("td", { class: "num" }, c.ready ? fmtPct(c.coverage) : "—"),
        el("td", { class: "num" }, c.ready ? fmtNum(c.mase) : "—"),
        el("td", { class: "num" }, `${fmtNum(c.fitSeconds)} s`),
        el("td", {}, c.reason ?? ""),
      );
    }),
  );
  // Keys are a level ("0.9") or a level and a horizon bucket, near to far ("0.9@1", "0.9@2", …).
  const byLevel = new Map();
  for (const [key, offset] of Object.entries(view.calibration)) {
    const [level, bucket = "1"] = key.split("@");
    if (!byLevel.has(level)) byLevel.set(level, []);
    byLevel.get(level).push([Number(bucket), offset]);
  }
  const signed = (share) => `${share >= 0 ? "+" : ""}${fmtPct(share)}`;
  const parts = [...byLevel.keys()]
    .sort((a, b) => Number(a) - Number(b))
    .map((level) => {
      const offsets = byLevel
        .get(level)
        .sort((a, b) => a[0] - b[0])
        .map(([, offset]) => signed(offset));
      return `${fmtQuantile(level)} ${offsets.join(" · ")}`;
    });
  calibrationEl.textContent =
    parts.length > 0
      ? `Conformal calibration (added to the raw quantile, as a share of the forecast's level; near steps first): ${parts.join("; ")}`
      : "";
}

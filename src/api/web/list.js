/**
 * The list of scalers and forecast targets (`GET api/v1/scalers`): one row each, the name links to its
 * view and the whole row is clickable.
 */
import { subjectHash } from "./api.js";
import { el, replaceChildren } from "./dom.js";
import { fmtNum, fmtPct, fmtRelative, fmtTime } from "./format.js";

export function readyCell(ready) {
  const state = ready.status === "True" ? "ok" : ready.status === "False" ? "bad" : "unknown";
  const text = ready.status === "True" ? "Ready" : ready.status === "False" ? "Not ready" : "Unknown";
  return el(
    "span",
    { class: `pill ${state}`, title: ready.message || undefined },
    text,
    ready.status !== "True" && ready.reason ? ` (${ready.reason})` : undefined,
  );
}

function accuracyText(accuracy) {
  if (!accuracy) return "—";
  const parts = [];
  if (accuracy.pinball !== undefined) parts.push(`pinball ${fmtNum(accuracy.pinball)}`);
  if (accuracy.coverage !== undefined) parts.push(`coverage ${fmtPct(accuracy.coverage)}`);
  if (accuracy.underPredictionRate !== undefined) parts.push(`under ${fmtPct(accuracy.underPredictionRate)}`);
  if (accuracy.steps !== undefined) parts.push(`${accuracy.steps} steps`);
  return parts.length > 0 ? parts.join(" · ") : "—";
}

function peakCell(peak, now) {
  if (!peak) return "—";
  const replicas = peak.replicas !== undefined ? ` (${peak.replicas} replicas)` : "";
  return el(
    "span",
    { title: fmtTime(peak.at) },
    `${fmtNum(peak.value)}${replicas} ${fmtRelative(peak.at, now)}`,
  );
}

function replicasText(item) {
  if (item.recommendedReplicas === undefined && item.appliedReplicas === undefined) return "—";
  return `${item.recommendedReplicas ?? "—"} / ${item.appliedReplicas ?? "—"}`;
}

/** Fill the list's tbody; `open(item)` is called when a row is clicked outside its link. */
/** `now` (ms): the server's clock, which the peak's "in 2h" is measured against. */
export function renderList(tbody, items, open, now) {
  replaceChildren(
    tbody,
    items.map((item) => {
      const href = subjectHash(item.kind, item.id);
      return el(
        "tr",
        {
          class: "clickable",
          dataset: { id: item.id, kind: item.kind },
          onclick: (event) => {
            if (event.target.closest("a")) return;
            open(item);
          },
        },
        el(
          "th",
          { scope: "row" },
          el(
            "a",
            { href, "aria-label": `Open ${item.kind === "ForecastTarget" ? "target" : "scaler"} ${item.id}` },
            item.id,
          ),
          item.target ? el("div", { class: "muted" }, item.target) : undefined,
        ),
        el("td", {}, item.kind === "ForecastTarget" ? "Target" : "Scaler"),
        el("td", {}, item.mode),
        el("td", {}, readyCell(item.ready)),
        el("td", {}, item.model ?? "—"),
        el("td", {}, accuracyText(item.accuracy)),
        el("td", {}, peakCell(item.nextPeak, now)),
        el("td", { class: "num" }, replicasText(item)),
      );
    }),
  );
}

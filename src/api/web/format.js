/**
 * Text formatting for the review page: numbers, percentages, times and durations. Pure functions;
 * times are shown in the browser's time zone, as uPlot's axes are.
 */

/** A number with precision that suits its size ("1,234", "12.3", "0.42"); "—" when missing. */
export function fmtNum(value) {
  if (value === undefined || value === null || Number.isNaN(value)) return "—";
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : 2;
  return value.toLocaleString("en-US", { maximumFractionDigits: digits });
}

/** A share 0…1 as a percentage ("87.5%"). */
export function fmtPct(share) {
  if (share === undefined || share === null || Number.isNaN(share)) return "—";
  return `${(share * 100).toLocaleString("en-US", { maximumFractionDigits: 1 })}%`;
}

const pad = (n) => String(n).padStart(2, "0");

/** Unix ms or RFC 3339 text as "2025-03-01 14:05:09" in local time. */
export function fmtTime(at) {
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) return "—";
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
  );
}

/** Hours, minutes and seconds of the local clock ("14:05:09"). */
export function fmtClock(at) {
  const d = new Date(at);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** A duration in ms as "2h 05m", "4m 10s" or "12s". */
export function fmtDuration(ms) {
  const s = Math.round(Math.abs(ms) / 1000);
  if (s >= 86400) return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
  if (s >= 3600) return `${Math.floor(s / 3600)}h ${pad(Math.floor((s % 3600) / 60))}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  return `${s}s`;
}

/** `at` relative to `now` ("in 2h 05m", "4m 10s ago"). */
export function fmtRelative(at, now) {
  const t = new Date(at).getTime();
  if (Number.isNaN(t)) return "";
  const delta = t - now;
  return delta >= 0 ? `in ${fmtDuration(delta)}` : `${fmtDuration(delta)} ago`;
}

/** A quantile level as the page names it ("q0.9"). */
export function fmtQuantile(level) {
  return `q${Number(level)}`;
}

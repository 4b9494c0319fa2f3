/**
 * The status line saying which model serves a target and why, for operators: e.g.
 * "global (pretrained): 1 h of history, too little to backtest; 2 days needed for seasonal_naive,
 * holt_winters, dsp, mstl". Pure text from the engine's choice and every model's readiness.
 */
import { describeDuration } from "./models/fitHelpers.js";

export interface Waiting {
  readonly name: string;
  /** Seconds of history the model needs in all (what it has plus what it still needs). */
  readonly needSeconds: number;
}

export function servedNote(options: {
  /** The served model or ensemble, with its weights' variant: `global (pretrained)`. */
  readonly served: string;
  /** Seconds of history the target has. */
  readonly haveSeconds: number;
  /** Whether the choice came from a backtest (else there was too little history for one). */
  readonly backtested: boolean;
  /** The selection's reasons (select.ts `why`), when the served choice is the backtest's. */
  readonly why?: string;
  readonly waiting: readonly Waiting[];
}): string {
  const why = options.backtested
    ? `best in the backtest${options.why ? ` (${options.why})` : ""}`
    : "too little to backtest";
  const parts = [`${options.served}: ${describeDuration(options.haveSeconds)} of history, ${why}`];
  const byNeed = new Map<number, string[]>();
  for (const w of options.waiting) byNeed.set(w.needSeconds, [...(byNeed.get(w.needSeconds) ?? []), w.name]);
  const needs = [...byNeed].sort((a, b) => a[0] - b[0]);
  if (needs.length > 0)
    parts.push(needs.map(([s, names]) => `${describeDuration(s)} needed for ${names.join(", ")}`).join(", "));
  return parts.join("; ");
}

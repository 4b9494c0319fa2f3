/** Assertions shared by the MetricsSource tests. */
import assert from "node:assert/strict";
import { MetricsSourceError, type MetricsSourceErrorKind } from "../../src/metrics/source.js";

/** `promise` rejects with a MetricsSourceError of `kind` (and a message matching `text`). */
export async function rejectsWith(
  promise: Promise<unknown>,
  kind: MetricsSourceErrorKind,
  text?: RegExp,
): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof MetricsSourceError, `expected MetricsSourceError, got ${String(err)}`);
    assert.equal(err.kind, kind, err.message);
    if (text) assert.match(err.message, text);
    return true;
  });
}

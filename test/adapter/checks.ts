/** Assertions shared by the adapter's provider tests. */
import assert from "node:assert/strict";
import { ApiError } from "../../src/k8s/status.js";

/** `promise` rejects with an ApiError of HTTP `code` (and a message matching `message`). */
export async function rejectsWith(promise: Promise<unknown>, code: number, message?: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof ApiError, `expected ApiError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (message) assert.match(err.message, message);
    return true;
  });
}

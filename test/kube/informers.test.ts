import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { readiness } from "../../src/kube/informers.js";
import type { InformerHealth } from "../../src/kube/reflector.js";

const base: InformerHealth = { resource: "pods", synced: true, failures: 0, notServed: false };

describe("readiness of the informers (/readyz)", () => {
  it("is ready when every informer synced and none is failing", () => {
    assert.deepEqual(readiness([base, { ...base, resource: "nodes" }], 0), { ready: true, problems: [] });
  });

  it("is not ready until an informer synced, naming it and its last error", () => {
    const r = readiness([{ ...base, synced: false, lastError: "HTTP 503" }], 0);
    assert.deepEqual(r, { ready: false, problems: ["pods: not synced: HTTP 503"] });
  });

  it("turns unready only once a synced informer has been failing for over a minute", () => {
    const failing = { ...base, failingSinceMs: 1_000, lastError: "watch: HTTP 500", failures: 3 };
    assert.equal(readiness([failing], 61_000).ready, true, "a short outage keeps the cached data serving");
    assert.deepEqual(readiness([failing], 62_000).problems, ["pods: failing for 61 s: watch: HTTP 500"]);
  });

  it("does not count a resource the API server does not serve", () => {
    const missing = {
      ...base,
      resource: "jobs.batch",
      synced: false,
      notServed: true,
      lastError: "HTTP 404",
    };
    assert.equal(readiness([base, missing], 0).ready, true);
  });
});

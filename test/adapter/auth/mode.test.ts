/** `--authentication on|off|auto` against the three kinds of Kubernetes connection. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { resolveAuthentication } from "../../../src/adapter/auth/mode.js";

const inPod = { inCluster: true };
const laptop = { inCluster: false };

describe("resolveAuthentication", () => {
  it("auto is on exactly on the pod's own service account", () => {
    assert.equal(resolveAuthentication("auto", inPod).on, true);
    assert.equal(resolveAuthentication("auto", laptop).on, false);
    assert.match(resolveAuthentication("auto", laptop).why, /not running in-cluster/);
    assert.equal(resolveAuthentication("auto", undefined).on, false);
    assert.match(resolveAuthentication("auto", undefined).why, /no Kubernetes connection/);
  });

  it("on and off are obeyed; on needs a connection", () => {
    assert.equal(resolveAuthentication("on", laptop).on, true);
    assert.equal(resolveAuthentication("off", inPod).on, false);
    assert.throws(
      () => resolveAuthentication("on", undefined),
      /--authentication=on needs a Kubernetes connection/,
    );
  });
});

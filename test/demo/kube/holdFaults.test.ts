/**
 * Held answers of the simulated Kubernetes API (`facade.faults.hold`), seen by plain fetch with
 * AbortSignal.timeout as the client's deadline: held before serving (nothing applied until it
 * proceeds; a client that went away gets nothing applied), held after serving (the write is in the
 * store, the answer lost), what the request log records, and close() not waiting for held answers.
 */
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { eventually } from "../../harness/eventually.js";
import { type KubeFacade, startKubeFacade } from "../../harness/kubeFacade.js";
import { CLIENT_CLOSED_REQUEST, FaultInjector, type FaultRequest } from "../../harness/kubeFaults.js";

const NS = "holds";
const CM_PATH = `/api/v1/namespaces/${NS}/configmaps/settings`;

const until = <T>(check: () => T | undefined) =>
  eventually("the simulated API's request log", check, { everyMs: 5 });

function patchColor(facade: KubeFacade, color: string, signal?: AbortSignal): Promise<Response> {
  return fetch(`${facade.url}${CM_PATH}`, {
    method: "PATCH",
    headers: { "Content-Type": "application/merge-patch+json", Accept: "application/json" },
    body: JSON.stringify({ data: { color } }),
    ...(signal ? { signal } : {}),
  });
}

/** The rejection of a call the client gave up on. */
async function timedOut(call: Promise<Response>): Promise<Error> {
  try {
    await call;
  } catch (error) {
    return error as Error;
  }
  assert.fail("expected the client to give up");
}

function color(facade: KubeFacade): string | undefined {
  return (facade.store.get("configmaps", "settings", NS).data as Record<string, string> | undefined)?.color;
}

function logged(facade: KubeFacade, method = "PATCH"): number[] {
  return facade.faults.requests.filter((r) => r.method === method && r.path === CM_PATH).map((r) => r.status);
}

describe("held answers (facade.faults.hold) seen by fetch", () => {
  let facade: KubeFacade;
  before(async () => {
    facade = await startKubeFacade();
    facade.store.addNamespace(NS);
  });
  beforeEach(() => {
    facade.faults.clear();
    if (facade.store.find("configmaps", "settings", NS)) facade.store.delete("configmaps", "settings", NS);
    facade.store.create("configmaps", {
      metadata: { name: "settings", namespace: NS },
      data: { color: "blue" },
    });
  });
  after(() => facade.close());

  it('"before": nothing is applied while held; a client that waits gets the answer', async () => {
    const hold = facade.faults.hold({ method: "PATCH", path: CM_PATH, when: "before", ms: 1000 });
    const answer = patchColor(facade, "red");
    await until(() => (hold.hits === 1 ? true : undefined));
    assert.equal(color(facade), "blue", "not applied while held");
    assert.deepEqual(logged(facade), [], "logged when it ends");
    const res = await answer;
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { data: { color: string } }).data.color, "red");
    assert.equal(color(facade), "red");
    assert.deepEqual(logged(facade), [200]);
  });

  it('"before": a client that gives up gets nothing applied; logged as 499', async () => {
    facade.faults.hold({ method: "PATCH", path: CM_PATH, when: "before", ms: 800 });
    const error = await timedOut(patchColor(facade, "red", AbortSignal.timeout(100)));
    assert.equal(error.name, "TimeoutError");
    assert.deepEqual(await until(() => (logged(facade).length > 0 ? logged(facade) : undefined)), [
      CLIENT_CLOSED_REQUEST,
    ]);
    assert.equal(CLIENT_CLOSED_REQUEST, 499);
    assert.equal(color(facade), "blue", "never applied");
    // The server carries on: the next request is served at once.
    const res = await patchColor(facade, "green");
    assert.equal(res.status, 200);
    assert.equal(color(facade), "green");
  });

  it('"after": the write lands at once and its answer is lost to a client that gives up', async () => {
    const hold = facade.faults.hold({ method: "PATCH", path: CM_PATH, when: "after", ms: 800 });
    const error = await timedOut(patchColor(facade, "red", AbortSignal.timeout(100)));
    assert.equal(error.name, "TimeoutError");
    assert.equal(hold.hits, 1);
    assert.equal(color(facade), "red", "the write is in the store");
    assert.deepEqual(
      await until(() => (logged(facade).length > 0 ? logged(facade) : undefined)),
      [200],
      "logged with the status of the answer the client did not get",
    );
    const res = await patchColor(facade, "green");
    assert.equal(res.status, 200);
    assert.equal(hold.hits, 1, "used up");
  });

  it('"after": a client that waits gets the answer; error answers are held too', async () => {
    facade.faults.hold({ method: "GET", path: "/configmaps/", when: "after", ms: 300, times: 2 });
    const res = await fetch(`${facade.url}${CM_PATH}`);
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { data: { color: string } }).data.color, "blue");
    const missing = `/api/v1/namespaces/${NS}/configmaps/missing`;
    const error = await timedOut(fetch(`${facade.url}${missing}`, { signal: AbortSignal.timeout(50) }));
    assert.equal(error.name, "TimeoutError");
    await until(() => (facade.faults.count({ path: missing }) > 0 ? true : undefined));
    assert.equal(facade.faults.count({ path: missing, status: 404 }), 1);
  });

  it("holds an injected fault's answer as well; remove() and clear() retire holds", async () => {
    facade.faults.hold({ method: "PATCH", path: CM_PATH, when: "before", ms: 200 });
    facade.faults.inject({ method: "PATCH", path: CM_PATH, status: 503 });
    const res = await patchColor(facade, "red");
    assert.equal(res.status, 503);
    assert.equal(color(facade), "blue");
    const removed = facade.faults.hold({ method: "PATCH", path: CM_PATH, when: "before", ms: 60_000 });
    removed.remove();
    facade.faults.hold({ method: "PATCH", path: CM_PATH, when: "after", ms: 60_000 });
    facade.faults.clear();
    assert.equal((await patchColor(facade, "red")).status, 200);
    assert.equal(removed.hits, 0);
  });
});

describe("close() with held answers pending", () => {
  for (const when of ["before", "after"] as const) {
    it(`ends a pending "${when}" hold at once, unanswered`, async () => {
      const facade = await startKubeFacade();
      facade.store.addNamespace(NS);
      facade.store.create("configmaps", {
        metadata: { name: "settings", namespace: NS },
        data: { color: "blue" },
      });
      const hold = facade.faults.hold({ method: "PATCH", path: CM_PATH, when, ms: 60_000 });
      const answer = patchColor(facade, "red").then(
        (res) => res.status,
        (error: Error) => error.name,
      );
      await until(() => (hold.hits === 1 ? true : undefined));
      // A leaked 60 s hold would keep close() (and this test file) waiting.
      await facade.close();
      assert.notEqual(await answer, 200, "the client never gets an answer");
      assert.deepEqual(logged(facade), [when === "before" ? CLIENT_CLOSED_REQUEST : 200]);
      assert.equal(color(facade), when === "before" ? "blue" : "red");
    });
  }
});

describe("FaultInjector.hold on its own", () => {
  const request = (method: string, path: string): FaultRequest => ({
    method,
    path,
    query: new URLSearchParams(),
    headers: {},
  });

  it("rejects holds that make no sense, naming the field", () => {
    const faults = new FaultInjector();
    assert.throws(
      () => faults.hold({ when: "before", ms: -1 }),
      /hold: ms must be a finite number >= 0 or a function, got -1/,
    );
    assert.throws(() => faults.hold({ when: "after", ms: Number.NaN }), /hold: ms/);
    assert.throws(
      () => faults.hold({ when: "later" as "before", ms: 10 }),
      /hold: when must be "before" or "after", got later/,
    );
    assert.throws(() => faults.hold({ when: "before", ms: 10, times: 0 }), /hold: times must be a positive/);
  });

  it("the oldest matching hold takes a request, `times` times", () => {
    const faults = new FaultInjector();
    const first = faults.hold({ method: "patch", path: /\/hpa$/, when: "after", ms: 5, times: 2 });
    const second = faults.hold({ path: "/hpa", when: "before", ms: 7 });
    assert.equal(faults.takeHold(request("GET", "/x")), undefined);
    assert.deepEqual(faults.takeHold(request("PATCH", "/a/hpa")), { when: "after", ms: 5 });
    assert.deepEqual(faults.takeHold(request("GET", "/a/hpa")), { when: "before", ms: 7 });
    assert.deepEqual(faults.takeHold(request("PATCH", "/a/hpa")), { when: "after", ms: 5 });
    assert.equal(faults.takeHold(request("PATCH", "/a/hpa")), undefined);
    assert.deepEqual([first.hits, second.hits], [2, 1]);
  });
});

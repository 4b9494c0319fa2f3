/**
 * The simulated API's hooks as src/demo/kube defines them, without the test harness: the
 * interception hook (interceptor.ts: every hook point optional, consulted in its documented order)
 * and the review authority (reviews.ts: by default no token known and nothing allowed). The
 * harness's FaultInjector and review table are tested through them in faults.test.ts,
 * holdFaults.test.ts and test/integration/auth.test.ts.
 */
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import type {
  InterceptedRequest,
  RequestInterceptor,
  RequestRecord,
} from "../../../src/demo/kube/interceptor.js";
import {
  type ReviewAuthority,
  SUBJECT_ACCESS_REVIEW_PATH,
  TOKEN_REVIEW_PATH,
} from "../../../src/demo/kube/reviews.js";
import { type KubeFacade, type KubeFacadeOptions, startKubeFacade } from "../../../src/demo/kube/server.js";

let facade: KubeFacade | undefined;
afterEach(async () => {
  await facade?.close();
  facade = undefined;
});

async function start(options: KubeFacadeOptions = {}): Promise<KubeFacade> {
  facade = await startKubeFacade(options);
  return facade;
}

const post = (f: KubeFacade, path: string, body: unknown) =>
  fetch(`${f.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });

describe("the interception hook", () => {
  it("is optional: without one every request is served", async () => {
    const f = await start();
    const res = await fetch(`${f.url}/api/v1/namespaces/default`);
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { metadata: { name: string } }).metadata.name, "default");
  });

  it("takes any subset of hook points, asked in order: hold, raw, fault, run-before, record", async () => {
    const asked: string[] = [];
    const records: RequestRecord[] = [];
    const interceptor: RequestInterceptor = {
      takeHold: (r: InterceptedRequest) => {
        asked.push(`hold ${r.method} ${r.path}`);
        return undefined;
      },
      takeFault: (r) => {
        asked.push(`fault ${r.path}`);
        return r.path.endsWith("/kube-system")
          ? { status: 503, headers: { "Retry-After": "2" }, body: { kind: "Status", code: 503 } }
          : undefined;
      },
      runBefore: (r, store) => {
        asked.push(`before ${r.path}`);
        if (r.path.endsWith("/default")) store.addNamespace("made-before");
      },
      record: (entry) => records.push(entry),
    };
    const f = await start({ interceptor });

    const failed = await fetch(`${f.url}/api/v1/namespaces/kube-system`);
    assert.equal(failed.status, 503);
    assert.equal(failed.headers.get("retry-after"), "2");
    const served = await fetch(`${f.url}/api/v1/namespaces/default`);
    assert.equal(served.status, 200);
    assert.ok(f.store.find("namespaces", "made-before"), "run-before ran before the request was served");
    assert.deepEqual(asked, [
      "hold GET /api/v1/namespaces/kube-system",
      "fault /api/v1/namespaces/kube-system",
      "hold GET /api/v1/namespaces/default",
      "fault /api/v1/namespaces/default",
      "before /api/v1/namespaces/default",
    ]);
    assert.deepEqual(records, [
      { method: "GET", path: "/api/v1/namespaces/kube-system", status: 503 },
      { method: "GET", path: "/api/v1/namespaces/default", status: 200 },
    ]);
  });

  it("sends a raw answer as is, before any fault is asked", async () => {
    const asked: string[] = [];
    const f = await start({
      interceptor: {
        takeRaw: () => ({ status: 200, body: "not json", contentType: "text/plain" }),
        takeFault: () => {
          asked.push("fault");
          return undefined;
        },
      },
    });
    const res = await fetch(`${f.url}/api/v1/pods`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "text/plain");
    assert.equal(await res.text(), "not json");
    assert.deepEqual(asked, []);
  });
});

describe("the review endpoints", () => {
  const access = {
    spec: { user: "alice", resourceAttributes: { verb: "get", resource: "pods", namespace: "default" } },
  };

  it("know no token and allow nothing by default", async () => {
    const f = await start();
    const token = (await (await post(f, TOKEN_REVIEW_PATH, { spec: { token: "t" } })).json()) as {
      status: { authenticated: boolean };
    };
    assert.equal(token.status.authenticated, false);
    const res = await post(f, SUBJECT_ACCESS_REVIEW_PATH, access);
    assert.equal(res.status, 201);
    const review = (await res.json()) as { status: { allowed: boolean; reason?: string } };
    assert.equal(review.status.allowed, false);
    assert.match(review.status.reason ?? "", /no RBAC/);
  });

  it("answer from the authority given, asking it only about valid reviews", async () => {
    const asked: string[] = [];
    const reviews: ReviewAuthority = {
      authenticate: (token) => {
        asked.push(`token ${token}`);
        return token === "alice-token" ? { username: "alice", groups: ["devs"] } : undefined;
      },
      authorize: (spec) => {
        asked.push(`access ${spec.user}`);
        return { allowed: spec.user === "alice" };
      },
    };
    const f = await start({ reviews });
    const token = (await (await post(f, TOKEN_REVIEW_PATH, { spec: { token: "alice-token" } })).json()) as {
      status: { authenticated: boolean; user: { username: string; groups: string[] } };
    };
    assert.deepEqual(token.status, { authenticated: true, user: { username: "alice", groups: ["devs"] } });
    const review = (await (await post(f, SUBJECT_ACCESS_REVIEW_PATH, access)).json()) as {
      status: { allowed: boolean };
    };
    assert.equal(review.status.allowed, true);
    assert.equal((await post(f, TOKEN_REVIEW_PATH, { spec: {} })).status, 400);
    assert.equal((await post(f, SUBJECT_ACCESS_REVIEW_PATH, { spec: { user: "alice" } })).status, 400);
    assert.deepEqual(asked, ["token alice-token", "access alice"]);
  });
});

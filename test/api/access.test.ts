/**
 * Access to the review API: in cluster mode, bearer tokens go through TokenReview and permissions
 * through SubjectAccessReview (a fake port here, counting calls, behind the answer cache `serve`
 * gives it, to show the 10 s caches), with 401/403/503 Status answers; the client-node reviewer
 * against the simulated API end to end; local mode's loopback rules. The client itself is tested in
 * test/kube/accessReviewClient.test.ts, the cache in test/kube/accessReviewCache.test.ts.
 */
import assert from "node:assert/strict";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { networkInterfaces } from "node:os";
import { after, before, describe, it } from "node:test";
import { KubeConfig } from "@kubernetes/client-node";
import express from "express";
import { type AccessCheck, type AccessMode, assertLocalBind, isLoopback } from "../../src/api/access.js";
import type { ReviewSource } from "../../src/api/reviewSource.js";
import { createReviewApi, type ReviewApi } from "../../src/api/router.js";
import type { AccessAttributes, AccessReviewer, UserInfo } from "../../src/k8s/accessReview.js";
import { cachedAccessReviewer } from "../../src/kube/accessReviewCache.js";
import { clientNodeAccessReviewer } from "../../src/kube/accessReviewClient.js";
import { type KubeFacade, startKubeFacade } from "../harness/kubeFacade.js";

const NOW = Date.parse("2025-06-02T08:00:00Z");

function source(clock: { now(): number }): ReviewSource {
  return {
    clock,
    scalers: () => [
      {
        apiVersion: "foresight.dev/v1alpha1",
        kind: "PredictiveScaler",
        metadata: { name: "vllm", namespace: "llm" },
        spec: { targetRef: { kind: "Deployment", name: "vllm" } } as never,
      },
    ],
    targets: () => [],
    forecast: () => undefined,
    history: async () => [],
  };
}

async function serve(api: ReviewApi, host = "127.0.0.1"): Promise<{ url: string; close(): Promise<void> }> {
  const app = express();
  app.use(api.router);
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, host, () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      await api.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Users by token; permissions as "user verb resource[/sub] namespace". */
function fakeReviewer(): AccessReviewer & {
  tokenReviews: number;
  accessReviews: AccessCheck[];
  fail: boolean;
} {
  const users: Record<string, UserInfo> = {
    "alice-token": { username: "alice", uid: "1", groups: ["system:authenticated", "ops"] },
    "bob-token": { username: "bob", groups: ["system:authenticated"] },
  };
  const allowed = new Set([
    "alice list predictivescalers *",
    "alice get predictivescalers llm",
    "alice create predictivescalers/backtests llm",
    "bob list predictivescalers *",
  ]);
  const reviewer = {
    tokenReviews: 0,
    accessReviews: [] as AccessCheck[],
    fail: false,
    async authenticate(token: string) {
      reviewer.tokenReviews += 1;
      if (reviewer.fail) throw new Error("connect ECONNREFUSED");
      const user = users[token];
      return user
        ? { authenticated: true as const, user }
        : { authenticated: false as const, error: "token expired" };
    },
    async authorize(user: UserInfo, attributes: AccessAttributes) {
      assert.equal(attributes.kind, "resource");
      const check = attributes.attributes as AccessCheck;
      reviewer.accessReviews.push(check);
      const resource = `${check.resource}${check.subresource ? `/${check.subresource}` : ""}`;
      const key = `${user.username} ${check.verb} ${resource} ${check.namespace ?? "*"}`;
      return allowed.has(key) ? { allowed: true } : { allowed: false, reason: "no RBAC policy matched" };
    },
  };
  return reviewer;
}

describe("review API access: cluster mode", () => {
  const clock = { t: NOW, now: () => clock.t };
  const reviewer = fakeReviewer();
  let server: Awaited<ReturnType<typeof serve>>;
  before(async () => {
    const access: AccessMode = { mode: "cluster", reviewer: cachedAccessReviewer(reviewer, { clock }) };
    server = await serve(
      createReviewApi({ source: source(clock), runner: { run: async () => ({}) }, access }),
    );
  });
  after(() => server.close());

  const get = (path: string, token?: string) =>
    fetch(`${server.url}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});

  it("401 without a token or with a refused one", async () => {
    const none = await get("/api/v1/scalers");
    assert.equal(none.status, 401);
    const body = (await none.json()) as { reason: string; message: string; kind: string };
    assert.equal(body.kind, "Status");
    assert.equal(body.reason, "Unauthorized");
    assert.match(body.message, /bearer token is required/);
    const bad = await get("/api/v1/scalers", "mallory-token");
    assert.equal(bad.status, 401);
    assert.match(((await bad.json()) as { message: string }).message, /refused: token expired/);
    const basic = await fetch(`${server.url}/api/v1/scalers`, { headers: { authorization: "Basic YTpi" } });
    assert.equal(basic.status, 401);
  });

  it("checks the permission each route needs, 403 naming it when missing", async () => {
    reviewer.accessReviews.length = 0;
    assert.equal((await get("/api/v1/scalers", "alice-token")).status, 200);
    assert.equal((await get("/api/v1/scalers/llm/vllm", "alice-token")).status, 200);
    assert.deepEqual(reviewer.accessReviews, [
      { verb: "list", group: "foresight.dev", resource: "predictivescalers" },
      { verb: "get", group: "foresight.dev", resource: "predictivescalers", namespace: "llm", name: "vllm" },
    ]);
    const denied = await get("/api/v1/scalers/llm/vllm/models", "bob-token");
    assert.equal(denied.status, 403);
    const status = (await denied.json()) as { reason: string; message: string; code: number };
    assert.equal(status.reason, "Forbidden");
    assert.equal(status.code, 403);
    assert.equal(
      status.message,
      'User "bob" cannot get resource "predictivescalers.foresight.dev" "vllm" in the namespace "llm": no RBAC policy matched',
    );
  });

  it("a backtest needs create on predictivescalers/backtests in the subject's namespace", async () => {
    const post = (token: string) =>
      fetch(`${server.url}/api/v1/backtests`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ subject: "llm/vllm", policies: ["reactive"] }),
      });
    assert.equal((await post("bob-token")).status, 403);
    const ok = await post("alice-token");
    assert.equal(ok.status, 202);
    assert.deepEqual(reviewer.accessReviews.at(-1), {
      verb: "create",
      group: "foresight.dev",
      resource: "predictivescalers",
      subresource: "backtests",
      namespace: "llm",
    });
  });

  it("caches token and access reviews for 10 s", async () => {
    clock.t += 60_000; // past any earlier entries
    const tokens0 = reviewer.tokenReviews;
    const access0 = reviewer.accessReviews.length;
    for (let i = 0; i < 3; i++) assert.equal((await get("/api/v1/scalers", "alice-token")).status, 200);
    assert.equal(reviewer.tokenReviews - tokens0, 1);
    assert.equal(reviewer.accessReviews.length - access0, 1);
    clock.t += 10_000;
    assert.equal((await get("/api/v1/scalers", "alice-token")).status, 200);
    assert.equal(reviewer.tokenReviews - tokens0, 1, "still cached at 10 s");
    clock.t += 1;
    assert.equal((await get("/api/v1/scalers", "alice-token")).status, 200);
    assert.equal(reviewer.tokenReviews - tokens0, 2, "expired after 10 s");
    assert.equal(reviewer.accessReviews.length - access0, 2);
  });

  it("the OpenAPI document needs a token but no permission", async () => {
    assert.equal((await get("/api/v1/openapi.json")).status, 401);
    const before = reviewer.accessReviews.length;
    assert.equal((await get("/api/v1/openapi.json", "bob-token")).status, 200);
    assert.equal(reviewer.accessReviews.length, before);
  });

  it("503 when the API server cannot be asked (and the failure is not cached)", async () => {
    clock.t += 60_000;
    reviewer.fail = true;
    const res = await get("/api/v1/scalers", "alice-token");
    assert.equal(res.status, 503);
    assert.match(
      ((await res.json()) as { message: string }).message,
      /TokenReview failed: connect ECONNREFUSED/,
    );
    reviewer.fail = false;
    assert.equal((await get("/api/v1/scalers", "alice-token")).status, 200);
  });
});

describe("review API access: the client-node reviewer against the simulated API", () => {
  let kube: KubeFacade;
  let kc: KubeConfig;
  before(async () => {
    kube = await startKubeFacade({
      reviews: {
        tokens: {
          good: { username: "system:serviceaccount:ops:viewer", groups: ["system:serviceaccounts"] },
        },
        rule: (spec) =>
          spec.resourceAttributes?.verb === "get" && spec.resourceAttributes.namespace === "llm"
            ? { allowed: true }
            : { allowed: false, reason: "RBAC: no rule" },
      },
    });
    kc = new KubeConfig();
    kc.loadFromString(kube.kubeconfig());
  });
  after(() => kube.close());

  it("guards the API end to end through client-node", async () => {
    const server = await serve(
      createReviewApi({
        source: source({ now: () => Date.now() }),
        runner: { run: async () => ({}) },
        access: { mode: "cluster", reviewer: clientNodeAccessReviewer(kc) },
      }),
    );
    try {
      const auth = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
      assert.equal((await fetch(`${server.url}/api/v1/scalers/llm/vllm`, auth("good"))).status, 200);
      const denied = await fetch(`${server.url}/api/v1/scalers`, auth("good"));
      assert.equal(denied.status, 403, "list is not granted");
      assert.match(((await denied.json()) as { message: string }).message, /: RBAC: no rule$/);
      assert.equal((await fetch(`${server.url}/api/v1/scalers/llm/vllm`, auth("bad"))).status, 401);
      assert.deepEqual(kube.reviews.accessReviews.at(0)?.resourceAttributes, {
        verb: "get",
        group: "foresight.dev",
        resource: "predictivescalers",
        namespace: "llm",
        name: "vllm",
      });
    } finally {
      await server.close();
    }
  });

  it("a failing API server is a 503, not a 401", async () => {
    const dead = new KubeConfig();
    dead.loadFromOptions({
      clusters: [{ name: "c", server: "http://127.0.0.1:1", skipTLSVerify: true }],
      users: [{ name: "u", token: "t" }],
      contexts: [{ name: "x", cluster: "c", user: "u" }],
      currentContext: "x",
    });
    const server = await serve(
      createReviewApi({
        source: source({ now: () => Date.now() }),
        runner: { run: async () => ({}) },
        access: { mode: "cluster", reviewer: clientNodeAccessReviewer(dead) },
      }),
    );
    try {
      const res = await fetch(`${server.url}/api/v1/scalers`, { headers: { authorization: "Bearer x" } });
      assert.equal(res.status, 503);
      assert.match(
        ((await res.json()) as { message: string }).message,
        /^cannot check the bearer token: TokenReview failed: /,
      );
    } finally {
      await server.close();
    }
  });
});

describe("review API access: local mode", () => {
  it("knows loopback addresses", () => {
    for (const a of ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "::ffff:127.0.0.1", "localhost", "LOCALHOST"])
      assert.ok(isLoopback(a), a);
    for (const a of [
      "0.0.0.0",
      "::",
      "10.0.0.1",
      "::ffff:10.0.0.1",
      "128.0.0.1",
      "localhost.example.com",
      "",
    ])
      assert.ok(!isLoopback(a), a);
    assert.throws(() => assertLocalBind("0.0.0.0"), /loopback only, but the bind address is "0.0.0.0"/);
  });

  it("answers loopback peers only, even if mounted on a wider listener", async (t) => {
    const external = Object.values(networkInterfaces())
      .flat()
      .find((i) => i && i.family === "IPv4" && !i.internal)?.address;
    const api = createReviewApi({
      source: source({ now: () => NOW }),
      runner: { run: async () => ({}) },
      access: { mode: "local", bindAddress: "127.0.0.1" },
    });
    const server = await serve(api, "0.0.0.0");
    try {
      assert.equal((await fetch(`${server.url}/api/v1/scalers`)).status, 200);
      if (external === undefined) {
        t.skip("no non-loopback IPv4 interface to connect from");
        return;
      }
      const port = new URL(server.url).port;
      const res = await fetch(`http://${external}:${port}/api/v1/scalers`);
      assert.equal(res.status, 403);
      assert.match(((await res.json()) as { message: string }).message, /loopback clients only/);
    } finally {
      await server.close();
    }
  });
});

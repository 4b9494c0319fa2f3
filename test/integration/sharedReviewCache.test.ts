/**
 * One TokenReview/SubjectAccessReview client with one answer cache for the metrics APIs and the
 * review API: a bearer token used on one and then on the other within the cache's 10 s is reviewed
 * once by the (simulated) API server. First with the parts as `serve` assembles them, in process;
 * then through `foresight serve` itself (the composition root), in a pod with authentication on.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { KubeConfig } from "@kubernetes/client-node";
import express from "express";
import { stringify } from "yaml";
import { type DelegatedAuth, startDelegatedAuth } from "../../src/adapter/auth/delegatedAuth.js";
import type { ReviewSource } from "../../src/api/reviewSource.js";
import { createReviewApi } from "../../src/api/router.js";
import { systemClock } from "../../src/clock.js";
import type { AccessReviewer } from "../../src/k8s/accessReview.js";
import { cachedAccessReviewer } from "../../src/kube/accessReviewCache.js";
import { clientNodeAccessReviewer } from "../../src/kube/accessReviewClient.js";
import { silentLogger } from "../../src/telemetry/logger.js";
import { httpsGet, startAdapter, type TestAdapter } from "../harness/adapter.js";
import { type KubeFacade, startKubeFacade } from "../harness/kubeFacade.js";

const METRICS_PATH = "/apis/external.metrics.k8s.io/v1beta1/namespaces/llm/queue_depth";

const USERS = {
  "carol-token": { username: "carol", groups: ["operators"] },
  "dave-token": { username: "dave", groups: ["operators"] },
};

function bearerRequest(path: string, token: string): IncomingMessage {
  const authorization = `Bearer ${token}`;
  return {
    url: path,
    method: "GET",
    headers: { authorization },
    headersDistinct: { authorization: [authorization] },
    socket: {},
  } as unknown as IncomingMessage;
}

const reviewsOf = (kube: KubeFacade, token: string) => kube.reviews.tokenReviews.filter((t) => t === token);

describe("one review cache for the metrics APIs and the review API, in process", { timeout: 30_000 }, () => {
  let kube: KubeFacade;
  let auth: DelegatedAuth;
  let reviewUrl: string;
  let closeReview: () => Promise<void>;
  before(async () => {
    kube = await startKubeFacade({ reviews: { tokens: USERS, rule: () => ({ allowed: true }) } });
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromString(kube.kubeconfig());
    // As serve.ts builds it: one client, one cache, handed to both.
    const reviewer: AccessReviewer = cachedAccessReviewer(clientNodeAccessReviewer(kubeConfig), {
      clock: systemClock,
    });
    auth = await startDelegatedAuth({
      reviewer,
      readConfigMap: async () => undefined,
      logger: silentLogger(),
      clock: systemClock,
    });
    const source: ReviewSource = {
      clock: systemClock,
      scalers: () => [],
      targets: () => [],
      forecast: () => undefined,
      history: async () => [],
    };
    const api = createReviewApi({
      source,
      runner: { run: async () => ({}) },
      access: { mode: "cluster", reviewer },
    });
    const app = express();
    app.use(api.router);
    const server = await new Promise<ReturnType<typeof app.listen>>((resolve) => {
      const s = app.listen(0, "127.0.0.1", () => resolve(s));
    });
    reviewUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    closeReview = async () => {
      await api.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    };
  });
  after(async () => {
    auth?.stop();
    await closeReview?.();
    await kube?.close();
  });

  it("reviews a token used on the metrics APIs, then on the review API, once", async () => {
    assert.equal(await auth.step(bearerRequest(METRICS_PATH, "carol-token")), undefined);
    const res = await fetch(`${reviewUrl}/api/v1/scalers`, {
      headers: { authorization: "Bearer carol-token" },
    });
    assert.equal(res.status, 200, await res.text());
    assert.deepEqual(reviewsOf(kube, "carol-token"), ["carol-token"]);
    // Each asked its own permission (different attributes): two SubjectAccessReviews.
    assert.deepEqual(
      kube.reviews.accessReviews.filter((r) => r.user === "carol").map((r) => r.resourceAttributes?.group),
      ["external.metrics.k8s.io", "foresight.dev"],
    );
  });

  it("and the other way round", async () => {
    const res = await fetch(`${reviewUrl}/api/v1/scalers`, {
      headers: { authorization: "Bearer dave-token" },
    });
    assert.equal(res.status, 200, await res.text());
    assert.equal(await auth.step(bearerRequest(METRICS_PATH, "dave-token")), undefined);
    assert.deepEqual(reviewsOf(kube, "dave-token"), ["dave-token"]);
  });
});

describe("one review cache in `foresight serve`", { timeout: 120_000 }, () => {
  let dir: string;
  let kube: KubeFacade;
  let adapter: TestAdapter;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "foresight-shared-review-cache-"));
    kube = await startKubeFacade({ reviews: { tokens: USERS, rule: () => ({ allowed: true }) } });
    kube.store.create(
      { group: "", resource: "configmaps" },
      {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "extension-apiserver-authentication", namespace: "kube-system" },
        data: {},
      },
    );
    const kubeconfig = join(dir, "kubeconfig");
    kube.kubeconfig(kubeconfig);
    const configPath = join(dir, "config.yaml");
    writeFileSync(configPath, stringify({ rules: [] }));
    adapter = await startAdapter({
      configPath,
      prometheusUrl: "",
      kubeconfig,
      // Both guarded: the metrics APIs (authentication on) and, in a pod, the review API.
      extraArgs: ["--authentication", "on"],
      env: { KUBERNETES_SERVICE_HOST: "10.96.0.1" },
    });
  });
  after(async () => {
    await adapter?.stop();
    await kube?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const get = async (path: string, token: string) => {
    const res = await httpsGet(`${adapter.url}${path}`, {
      headers: { accept: "application/json", authorization: `Bearer ${token}` },
    });
    return { status: res.status, text: res.text };
  };

  it("reviews a token used on the metrics APIs, then on the review API, once", async () => {
    const discovery = await get("/apis/external.metrics.k8s.io/v1beta1", "carol-token");
    assert.equal(discovery.status, 200, discovery.text);
    const scalers = await get("/api/v1/scalers", "carol-token");
    assert.equal(scalers.status, 200, scalers.text);
    assert.deepEqual(reviewsOf(kube, "carol-token"), ["carol-token"]);
  });

  it("and the other way round", async () => {
    const scalers = await get("/api/v1/scalers", "dave-token");
    assert.equal(scalers.status, 200, scalers.text);
    const discovery = await get("/apis/external.metrics.k8s.io/v1beta1", "dave-token");
    assert.equal(discovery.status, 200, discovery.text);
    assert.deepEqual(reviewsOf(kube, "dave-token"), ["dave-token"]);
  });
});

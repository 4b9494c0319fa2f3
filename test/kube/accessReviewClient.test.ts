/**
 * The client-node implementation of the review port against a small HTTP handler that answers
 * TokenReview and SubjectAccessReview POSTs like kube-apiserver (and can hold them unanswered):
 * what is sent (Foresight's own credentials, the user, resource or non-resource attributes), how
 * answers are read, and the deadline: a review not answered in time fails with a
 * ReviewTimeoutError and its request is cancelled.
 */
import assert from "node:assert/strict";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { KubeConfig } from "@kubernetes/client-node";
import { clientNodeAccessReviewer, ReviewTimeoutError } from "../../src/kube/accessReviewClient.js";
import { eventually } from "../harness/eventually.js";

interface Recorded {
  path: string;
  authorization: string | undefined;
  body: { kind: string; spec: Record<string, unknown> };
}

interface ReviewServer {
  url: string;
  requests: Recorded[];
  /** Requests left unanswered while true; `cancelled` counts those the client gave up. */
  hold: boolean;
  cancelled: number;
  close(): Promise<void>;
}

/** Answers TokenReview and SubjectAccessReview POSTs as kube-apiserver would. */
async function startReviewServer(): Promise<ReviewServer> {
  const read = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  };
  const state: ReviewServer = {
    url: "",
    requests: [],
    hold: false,
    cancelled: 0,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = createServer(async (req, res) => {
    const body = await read(req);
    state.requests.push({ path: req.url ?? "", authorization: req.headers.authorization, body });
    if (state.hold) {
      res.on("close", () => {
        if (!res.writableEnded) state.cancelled += 1;
      });
      return;
    }
    res.setHeader("content-type", "application/json");
    if (req.method === "POST" && req.url?.startsWith("/apis/authentication.k8s.io/v1/tokenreviews")) {
      const ok = body.spec.token === "good";
      res.end(
        JSON.stringify({
          ...body,
          status: ok
            ? {
                authenticated: true,
                user: {
                  username: "system:serviceaccount:ops:viewer",
                  uid: "u-1",
                  groups: ["system:serviceaccounts"],
                  extra: { scope: ["a"] },
                },
              }
            : { authenticated: false, error: "invalid bearer token" },
        }),
      );
      return;
    }
    if (req.method === "POST" && req.url?.startsWith("/apis/authorization.k8s.io/v1/subjectaccessreviews")) {
      const spec = body.spec as {
        resourceAttributes?: { verb: string; namespace?: string };
        nonResourceAttributes?: { path: string };
      };
      const allowed = spec.resourceAttributes
        ? spec.resourceAttributes.verb === "get" && spec.resourceAttributes.namespace === "llm"
        : spec.nonResourceAttributes?.path === "/apis";
      res.end(
        JSON.stringify({
          ...body,
          status: allowed ? { allowed: true } : { allowed: false, reason: "RBAC: no rule" },
        }),
      );
      return;
    }
    res.statusCode = 404;
    res.end(
      JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", code: 404, reason: "NotFound" }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}

function kubeConfigFor(server: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "c", server, skipTLSVerify: true }],
    users: [{ name: "adapter", token: "adapter-sa-token" }],
    contexts: [{ name: "ctx", cluster: "c", user: "adapter" }],
    currentContext: "ctx",
  });
  return kc;
}

describe("the client-node review client", () => {
  let kube: ReviewServer;
  let kc: KubeConfig;
  before(async () => {
    kube = await startReviewServer();
    kc = kubeConfigFor(kube.url);
  });
  after(() => kube.close());

  it("sends a TokenReview with its own credentials and reads the user", async () => {
    const reviewer = clientNodeAccessReviewer(kc);
    const yes = await reviewer.authenticate("good");
    assert.deepEqual(yes, {
      authenticated: true,
      user: {
        username: "system:serviceaccount:ops:viewer",
        uid: "u-1",
        groups: ["system:serviceaccounts"],
        extra: { scope: ["a"] },
      },
    });
    const no = await reviewer.authenticate("bad");
    assert.deepEqual(no, { authenticated: false, error: "invalid bearer token" });
    const sent = kube.requests.at(-1);
    assert.equal(sent?.authorization, "Bearer adapter-sa-token", "the adapter's own credentials");
    assert.equal(sent?.body.kind, "TokenReview");
    assert.deepEqual(sent?.body.spec, { token: "bad" });
  });

  it("sends a SubjectAccessReview with the user and the resource attributes", async () => {
    const reviewer = clientNodeAccessReviewer(kc);
    const user = { username: "jo", uid: "7", groups: ["g1"], extra: { scope: ["x"] } };
    const allowed = await reviewer.authorize(user, {
      kind: "resource",
      attributes: {
        verb: "get",
        group: "foresight.dev",
        resource: "predictivescalers",
        namespace: "llm",
        name: "vllm",
      },
    });
    assert.deepEqual(allowed, { allowed: true });
    const sent = kube.requests.at(-1);
    assert.equal(sent?.body.kind, "SubjectAccessReview");
    assert.deepEqual(sent?.body.spec, {
      user: "jo",
      uid: "7",
      groups: ["g1"],
      extra: { scope: ["x"] },
      resourceAttributes: {
        verb: "get",
        group: "foresight.dev",
        resource: "predictivescalers",
        namespace: "llm",
        name: "vllm",
      },
    });
    const denied = await reviewer.authorize(user, {
      kind: "resource",
      attributes: {
        verb: "list",
        group: "custom.metrics.k8s.io",
        version: "v1beta2",
        resource: "pods",
        subresource: "gpu",
      },
    });
    assert.deepEqual(denied, { allowed: false, reason: "RBAC: no rule" });
    assert.deepEqual(kube.requests.at(-1)?.body.spec.resourceAttributes, {
      verb: "list",
      group: "custom.metrics.k8s.io",
      version: "v1beta2",
      resource: "pods",
      subresource: "gpu",
    });
  });

  it("sends a SubjectAccessReview of a non-resource path", async () => {
    const reviewer = clientNodeAccessReviewer(kc);
    const answer = await reviewer.authorize(
      { username: "hpa" },
      { kind: "nonResource", attributes: { path: "/apis", verb: "get" } },
    );
    assert.deepEqual(answer, { allowed: true });
    assert.deepEqual(kube.requests.at(-1)?.body.spec, {
      user: "hpa",
      nonResourceAttributes: { path: "/apis", verb: "get" },
    });
  });

  it("gives a review up at its deadline and cancels its request", async () => {
    const reviewer = clientNodeAccessReviewer(kc, { timeoutMs: 50 });
    kube.hold = true;
    try {
      const started = Date.now();
      await assert.rejects(reviewer.authenticate("good"), (err: unknown) => {
        assert.ok(err instanceof ReviewTimeoutError);
        assert.equal(err.message, "no answer from the API server within 50 ms");
        return true;
      });
      await assert.rejects(
        reviewer.authorize(
          { username: "jo" },
          { kind: "nonResource", attributes: { path: "/", verb: "get" } },
        ),
        ReviewTimeoutError,
      );
      assert.ok(Date.now() - started < 2_000, `gave up after ${Date.now() - started} ms`);
      await eventually("both held requests cancelled", () => (kube.cancelled >= 2 ? true : undefined));
    } finally {
      kube.hold = false;
    }
    assert.deepEqual(await clientNodeAccessReviewer(kc, { timeoutMs: 5_000 }).authenticate("bad"), {
      authenticated: false,
      error: "invalid bearer token",
    });
  });

  it("refuses a deadline that is not > 0", () => {
    assert.throws(() => clientNodeAccessReviewer(kc, { timeoutMs: 0 }), RangeError);
  });

  it("throws when the API server cannot be reached (a failure, not a refusal)", async () => {
    const reviewer = clientNodeAccessReviewer(kubeConfigFor("http://127.0.0.1:1"));
    await assert.rejects(reviewer.authenticate("good"));
    await assert.rejects(
      reviewer.authorize({ username: "jo" }, { kind: "nonResource", attributes: { path: "/", verb: "get" } }),
    );
  });
});

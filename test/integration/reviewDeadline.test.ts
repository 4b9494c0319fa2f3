/**
 * Delegated auth as `serve` assembles it (startDelegatedAuth over the cached client-node reviewer,
 * against the simulated Kubernetes API) when the API server holds TokenReview or
 * SubjectAccessReview answers back: past the client's review deadline (here 150 ms) every waiting
 * request is answered 503 ServiceUnavailable as a Kubernetes Status and the held review is
 * cancelled, and the next request, once the API server answers, is reviewed anew (nothing was
 * cached).
 */
import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { after, before, describe, it } from "node:test";
import { KubeConfig } from "@kubernetes/client-node";
import { type DelegatedAuth, startDelegatedAuth } from "../../src/adapter/auth/delegatedAuth.js";
import { systemClock } from "../../src/clock.js";
import { SUBJECT_ACCESS_REVIEW_PATH, TOKEN_REVIEW_PATH } from "../../src/demo/kube/reviews.js";
import { statusBody } from "../../src/k8s/status.js";
import { cachedAccessReviewer } from "../../src/kube/accessReviewCache.js";
import { clientNodeAccessReviewer } from "../../src/kube/accessReviewClient.js";
import { clientNodeConfigMapReader } from "../../src/kube/authConfigMapReader.js";
import { silentLogger } from "../../src/telemetry/logger.js";
import { eventually as poll } from "../harness/eventually.js";
import { type KubeFacade, startKubeFacade } from "../harness/kubeFacade.js";

const PATH = "/apis/external.metrics.k8s.io/v1beta1/namespaces/llm/queue_depth";

function bearerRequest(token: string): IncomingMessage {
  const authorization = `Bearer ${token}`;
  return {
    url: PATH,
    method: "GET",
    headers: { authorization },
    headersDistinct: { authorization: [authorization] },
    socket: {},
  } as unknown as IncomingMessage;
}

describe("review deadline against an API server that does not answer", { timeout: 30_000 }, () => {
  let kube: KubeFacade;
  let auth: DelegatedAuth;
  before(async () => {
    kube = await startKubeFacade({
      reviews: {
        tokens: { "hpa-token": { username: "hpa", groups: ["system:serviceaccounts"] } },
        rule: () => ({ allowed: true }),
      },
    });
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromString(kube.kubeconfig());
    auth = await startDelegatedAuth({
      reviewer: cachedAccessReviewer(clientNodeAccessReviewer(kubeConfig, { timeoutMs: 150 }), {
        clock: systemClock,
      }),
      readConfigMap: async () => undefined,
      logger: silentLogger(),
      clock: systemClock,
    });
  });
  after(async () => {
    auth?.stop();
    await kube?.close();
  });

  for (const [review, path, token] of [
    ["SubjectAccessReview", SUBJECT_ACCESS_REVIEW_PATH, "hpa-token"],
    ["TokenReview", TOKEN_REVIEW_PATH, "other-token"],
  ] as const) {
    it(`answers 503 Status past the deadline of a held ${review}, then reviews again`, async () => {
      const hold = kube.faults.hold({ method: "POST", path, when: "before", ms: 60_000, times: Infinity });
      const errors = await Promise.all([auth.step(bearerRequest(token)), auth.step(bearerRequest(token))]);
      for (const error of errors) {
        assert.ok(error, "a held review let the request through");
        const body = statusBody(error);
        assert.equal(body.kind, "Status");
        assert.equal(body.code, 503);
        assert.equal(body.reason, "ServiceUnavailable");
        assert.match(
          body.message ?? "",
          new RegExp(`${review} failed: no answer from the API server within 150 ms`),
        );
      }
      assert.ok(hold.hits >= 1);
      // The client gave the review up too: the held request is cancelled, never served.
      await poll(`the held ${review} cancelled`, () =>
        kube.faults.requests.some((r) => r.path === path && r.status === 499) ? true : undefined,
      );
      hold.remove();
      const accessBefore = kube.reviews.accessReviews.length;
      const answer = await auth.step(bearerRequest(token));
      if (token === "hpa-token") {
        assert.equal(answer, undefined, JSON.stringify(answer && statusBody(answer)));
        assert.equal(kube.reviews.accessReviews.length, accessBefore + 1, "reviewed anew, not cached");
      } else {
        // The TokenReview is answered now (an unknown token): 401, not a cached 503.
        assert.equal(answer?.code, 401);
        assert.ok(kube.reviews.tokenReviews.includes("other-token"));
      }
    });
  }
});

describe("the auth ConfigMap read against an API server that does not answer", { timeout: 30_000 }, () => {
  it("gives up after its deadline: start-up goes on with bearer tokens only", async () => {
    const kube = await startKubeFacade();
    try {
      kube.faults.hold({
        path: "/configmaps/extension-apiserver-authentication",
        when: "before",
        ms: 60_000,
        times: Number.POSITIVE_INFINITY,
      });
      const kubeConfig = new KubeConfig();
      kubeConfig.loadFromString(kube.kubeconfig());
      const started = Date.now();
      const auth = await startDelegatedAuth({
        reviewer: clientNodeAccessReviewer(kubeConfig),
        readConfigMap: clientNodeConfigMapReader(kubeConfig, 300),
        logger: silentLogger(),
        clock: systemClock,
      });
      auth.stop();
      assert.ok(Date.now() - started < 5000, `started after ${Date.now() - started} ms`);
      await poll("the read cancelled, never served", () =>
        kube.faults.requests.some((r) => r.path.includes("/configmaps/") && r.status === 499)
          ? true
          : undefined,
      );
    } finally {
      await kube.close();
    }
  });
});

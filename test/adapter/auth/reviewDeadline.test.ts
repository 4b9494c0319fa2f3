/**
 * Reviews the API server never answers: the guard and the authenticator give up on
 * a TokenReview or SubjectAccessReview after their deadline and answer 503 ServiceUnavailable; every
 * caller waiting on that review is released; a timed-out review is not cached, so the next request
 * reviews again. Deadlines here are tens of milliseconds; the reviewer double hangs until told.
 */
import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { describe, it } from "node:test";
import { createAuthenticator } from "../../../src/adapter/auth/authenticator.js";
import { createAuthGuard } from "../../../src/adapter/auth/guard.js";
import type { RequestAttributes } from "../../../src/adapter/auth/requestAttributes.js";
import type {
  Authentication,
  Decision,
  DelegatingReviewer,
  UserInfo,
} from "../../../src/adapter/auth/reviewer.js";
import { silentLogger } from "../../../src/telemetry/logger.js";

const PATH = "/apis/custom.metrics.k8s.io/v1beta2/namespaces/llm/pods/%2A/gpu";

function bearerRequest(token: string): IncomingMessage {
  const headers = { authorization: `Bearer ${token}` };
  return {
    url: PATH,
    method: "GET",
    headers,
    headersDistinct: { authorization: [headers.authorization] },
    socket: {},
  } as unknown as IncomingMessage;
}

/** Answers at once, or (while `hang` says so) never: the API server that does not answer. */
class HangingReviewer implements DelegatingReviewer {
  hangTokens = false;
  hangAccess = false;
  tokenCalls = 0;
  accessCalls = 0;
  reviewToken(_token: string): Promise<Authentication> {
    this.tokenCalls++;
    if (this.hangTokens) return new Promise(() => {});
    return Promise.resolve({ authenticated: true, user: { username: "alice", groups: ["devs"] } });
  }
  reviewAccess(_user: UserInfo, _attributes: RequestAttributes): Promise<Decision> {
    this.accessCalls++;
    if (this.hangAccess) return new Promise(() => {});
    return Promise.resolve({ allowed: true });
  }
}

function setup(reviewTimeoutMs = 40) {
  const reviewer = new HangingReviewer();
  const clock = { now: () => Date.now() };
  const authenticate = createAuthenticator({
    config: () => ({ clientCas: [] }),
    reviewer,
    clock,
    reviewTimeoutMs,
  });
  const guard = createAuthGuard({ authenticate, reviewer, clock, logger: silentLogger(), reviewTimeoutMs });
  return { reviewer, guard };
}

describe("review deadlines", { timeout: 5_000 }, () => {
  it("answers 503 when the SubjectAccessReview never comes, releases every waiter, caches nothing", async () => {
    const { reviewer, guard } = setup();
    reviewer.hangAccess = true;
    const answers = await Promise.all([guard(bearerRequest("t")), guard(bearerRequest("t"))]);
    for (const error of answers) {
      assert.equal(error?.code, 503);
      assert.equal(error?.reason, "ServiceUnavailable");
      assert.match(
        error?.message ?? "",
        /^cannot check permissions: SubjectAccessReview failed: no answer from the API server within 40 ms$/,
      );
    }
    // Both waited on one review, which was made once.
    assert.equal(reviewer.accessCalls, 1);
    reviewer.hangAccess = false;
    assert.equal(await guard(bearerRequest("t")), undefined);
    assert.equal(reviewer.accessCalls, 2, "the timed-out review was not cached");
  });

  it("answers 503 when the TokenReview never comes, releases every waiter, caches nothing", async () => {
    const { reviewer, guard } = setup();
    reviewer.hangTokens = true;
    const answers = await Promise.all([guard(bearerRequest("t")), guard(bearerRequest("t"))]);
    for (const error of answers) {
      assert.equal(error?.code, 503);
      assert.equal(error?.reason, "ServiceUnavailable");
      assert.match(
        error?.message ?? "",
        /^cannot check the bearer token: TokenReview failed: no answer from the API server within 40 ms$/,
      );
    }
    assert.equal(reviewer.tokenCalls, 1);
    assert.equal(reviewer.accessCalls, 0);
    reviewer.hangTokens = false;
    assert.equal(await guard(bearerRequest("t")), undefined);
    assert.equal(reviewer.tokenCalls, 2, "the timed-out review was not cached");
  });

  it("still caches answers that come in time, and shares one review between concurrent callers", async () => {
    const { reviewer, guard } = setup(1_000);
    const answers = await Promise.all([guard(bearerRequest("t")), guard(bearerRequest("t"))]);
    assert.deepEqual(answers, [undefined, undefined]);
    assert.equal(await guard(bearerRequest("t")), undefined);
    assert.equal(reviewer.tokenCalls, 1);
    assert.equal(reviewer.accessCalls, 1);
  });
});

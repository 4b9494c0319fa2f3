/**
 * Reviews that fail, as the client fails them at its deadline (src/kube/accessReviewClient.ts;
 * against a silent API server in test/integration/reviewDeadline.test.ts), with the guard and the
 * authenticator behind the answer cache `serve` gives them: every request waiting on the review is
 * answered 503 ServiceUnavailable with the client's message, concurrent requests share the one
 * review, and a failed review is not cached, so the next request reviews again. The reviewer double
 * fails after 40 ms while told to.
 */
import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { createAuthenticator } from "../../../src/adapter/auth/authenticator.js";
import { createAuthGuard } from "../../../src/adapter/auth/guard.js";
import type {
  AccessAttributes,
  AccessReviewer,
  Authentication,
  Authorization,
  UserInfo,
} from "../../../src/k8s/accessReview.js";
import { cachedAccessReviewer } from "../../../src/kube/accessReviewCache.js";
import { ReviewTimeoutError } from "../../../src/kube/accessReviewClient.js";
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

/** Answers after a moment, or (while `failTokens`/`failAccess` say so) gives up as the client does. */
class TimingOutReviewer implements AccessReviewer {
  failTokens = false;
  failAccess = false;
  tokenCalls = 0;
  accessCalls = 0;
  async authenticate(_token: string): Promise<Authentication> {
    this.tokenCalls++;
    await this.#answer(this.failTokens);
    return { authenticated: true, user: { username: "alice", groups: ["devs"] } };
  }
  async authorize(_user: UserInfo, _attributes: AccessAttributes): Promise<Authorization> {
    this.accessCalls++;
    await this.#answer(this.failAccess);
    return { allowed: true };
  }
  async #answer(fail: boolean): Promise<void> {
    await sleep(fail ? 40 : 5);
    if (fail) throw new ReviewTimeoutError("no answer from the API server within 40 ms");
  }
}

function setup() {
  const fake = new TimingOutReviewer();
  const clock = { now: () => Date.now() };
  const reviewer = cachedAccessReviewer(fake, { clock });
  const authenticate = createAuthenticator({ config: () => ({ clientCas: [] }), reviewer, clock });
  const guard = createAuthGuard({ authenticate, reviewer, logger: silentLogger() });
  return { fake, guard };
}

describe("reviews that fail", { timeout: 5_000 }, () => {
  it("answers 503 when the SubjectAccessReview fails, releases every waiter, caches nothing", async () => {
    const { fake, guard } = setup();
    fake.failAccess = true;
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
    assert.equal(fake.accessCalls, 1);
    fake.failAccess = false;
    assert.equal(await guard(bearerRequest("t")), undefined);
    assert.equal(fake.accessCalls, 2, "the failed review was not cached");
  });

  it("answers 503 when the TokenReview fails, releases every waiter, caches nothing", async () => {
    const { fake, guard } = setup();
    fake.failTokens = true;
    const answers = await Promise.all([guard(bearerRequest("t")), guard(bearerRequest("t"))]);
    for (const error of answers) {
      assert.equal(error?.code, 503);
      assert.equal(error?.reason, "ServiceUnavailable");
      assert.match(
        error?.message ?? "",
        /^cannot check the bearer token: TokenReview failed: no answer from the API server within 40 ms$/,
      );
    }
    assert.equal(fake.tokenCalls, 1);
    assert.equal(fake.accessCalls, 0);
    fake.failTokens = false;
    assert.equal(await guard(bearerRequest("t")), undefined);
    assert.equal(fake.tokenCalls, 2, "the failed review was not cached");
  });

  it("caches answers, and shares one review between concurrent callers", async () => {
    const { fake, guard } = setup();
    const answers = await Promise.all([guard(bearerRequest("t")), guard(bearerRequest("t"))]);
    assert.deepEqual(answers, [undefined, undefined]);
    assert.equal(await guard(bearerRequest("t")), undefined);
    assert.equal(fake.tokenCalls, 1);
    assert.equal(fake.accessCalls, 1);
  });
});

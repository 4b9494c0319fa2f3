/**
 * The authenticator and guard on fake requests (the peer certificate given directly; the TLS
 * handshake is in test/integration/auth.test.ts), over a fake reviewer port; behind the one answer
 * cache `serve` gives them, reviews are made once per 10 s.
 */
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { before, describe, it } from "node:test";
import { createAuthenticator } from "../../../src/adapter/auth/authenticator.js";
import { parseDelegatedAuthConfig } from "../../../src/adapter/auth/delegatedConfig.js";
import { createAuthGuard } from "../../../src/adapter/auth/guard.js";
import type { RequestAttributes } from "../../../src/adapter/auth/requestAttributes.js";
import type { AccessReviewer, UserInfo } from "../../../src/k8s/accessReview.js";
import { cachedAccessReviewer } from "../../../src/kube/accessReviewCache.js";
import { silentLogger } from "../../../src/telemetry/logger.js";
import { makeCa, makeClientCert, type Pem } from "./certs.js";

function fakeRequest(
  path: string,
  headers: Record<string, string | string[]>,
  cert?: string,
): IncomingMessage & { headers: Record<string, unknown> } {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const distinct = Object.fromEntries(Object.entries(lower).map(([k, v]) => [k, Array.isArray(v) ? v : [v]]));
  const flat = Object.fromEntries(
    Object.entries(lower).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : v]),
  );
  const x509 = cert ? new X509Certificate(cert) : undefined;
  return {
    url: path,
    method: "GET",
    headers: flat,
    headersDistinct: distinct,
    socket: { getPeerX509Certificate: () => x509 },
  } as unknown as IncomingMessage & { headers: Record<string, unknown> };
}

class FakeReviewer implements AccessReviewer {
  tokenCalls = 0;
  accessCalls: { user: UserInfo; attributes: RequestAttributes }[] = [];
  allow = true;
  async authenticate(token: string) {
    this.tokenCalls++;
    return token === "good"
      ? { authenticated: true as const, user: { username: "alice", groups: ["devs"] } }
      : { authenticated: false as const, error: "unknown token" };
  }
  async authorize(user: UserInfo, attributes: RequestAttributes) {
    this.accessCalls.push({ user, attributes });
    return this.allow ? { allowed: true } : { allowed: false, reason: "no RBAC rule" };
  }
}

describe("delegated authentication and authorization", () => {
  let frontProxyCa: Pem;
  let otherCa: Pem;
  let strangerCa: Pem;
  let proxyCert: Pem;
  let wrongCnCert: Pem;
  let foreignCert: Pem;
  let userCert: Pem;
  before(async () => {
    [frontProxyCa, otherCa, strangerCa] = await Promise.all([
      makeCa("front-proxy-ca"),
      makeCa("client-ca"),
      makeCa("stranger-ca"),
    ]);
    [proxyCert, wrongCnCert, foreignCert, userCert] = await Promise.all([
      makeClientCert(frontProxyCa, "front-proxy-client"),
      makeClientCert(frontProxyCa, "intruder"),
      makeClientCert(strangerCa, "front-proxy-client"),
      makeClientCert(otherCa, "bob", { organizations: ["system:masters", "ops"] }),
    ]);
  });

  const setup = (now = Date.now()) => {
    const config = parseDelegatedAuthConfig({
      "client-ca-file": otherCa.cert,
      "requestheader-client-ca-file": frontProxyCa.cert,
      "requestheader-allowed-names": '["front-proxy-client"]',
      "requestheader-username-headers": '["X-Remote-User"]',
      "requestheader-group-headers": '["X-Remote-Group"]',
      "requestheader-extra-headers-prefix": '["X-Remote-Extra-"]',
    });
    const reviewer = new FakeReviewer();
    const clock = { now: () => now };
    const authenticate = createAuthenticator({ config: () => config, reviewer, clock });
    const guard = createAuthGuard({ authenticate, reviewer, logger: silentLogger() });
    return { reviewer, authenticate, guard, clock };
  };
  const identity = {
    "X-Remote-User": "system:serviceaccount:kube-system:horizontal-pod-autoscaler",
    "X-Remote-Group": ["system:serviceaccounts", "system:authenticated"],
    "X-Remote-Extra-Scopes%2fa": ["x", "y"],
  };

  it("trusts the identity headers from the front proxy, then deletes them", async () => {
    const { authenticate } = setup();
    const req = fakeRequest("/apis", identity, proxyCert.cert);
    const result = await authenticate(req);
    assert.deepEqual(result, {
      method: "requestheader",
      user: {
        username: "system:serviceaccount:kube-system:horizontal-pod-autoscaler",
        groups: ["system:serviceaccounts", "system:authenticated"],
        extra: { "scopes/a": ["x", "y"] },
      },
    });
    assert.equal(req.headers["x-remote-user"], undefined);
    assert.equal(req.headers["x-remote-group"], undefined);
  });

  for (const [what, cert] of [
    ["a certificate from another CA", () => foreignCert.cert],
    ["a CN not in the allowed names", () => wrongCnCert.cert],
    ["no certificate", () => undefined],
  ] as const) {
    it(`strips the identity headers on ${what}: 401`, async () => {
      const { guard } = setup();
      const req = fakeRequest("/apis", identity, cert());
      const error = await guard(req);
      assert.equal(error?.code, 401);
      assert.equal(error?.reason, "Unauthorized");
      assert.equal(req.headers["x-remote-user"], undefined);
      assert.equal(req.headers["x-remote-extra-scopes%2fa"], undefined);
    });
  }

  it("refuses an expired front-proxy certificate", async () => {
    const { authenticate } = setup(Date.now() + 3 * 365 * 86_400_000);
    const result = await authenticate(fakeRequest("/apis", identity, proxyCert.cert));
    assert.equal(result.user, undefined);
  });

  it("authenticates a client-CA certificate as CN with O as groups; system:masters skips the review", async () => {
    const { authenticate, guard, reviewer } = setup();
    assert.deepEqual(await authenticate(fakeRequest("/apis", {}, userCert.cert)), {
      method: "x509",
      user: { username: "bob", groups: ["system:masters", "ops"] },
    });
    assert.equal(
      await guard(
        fakeRequest("/apis/custom.metrics.k8s.io/v1beta2/namespaces/a/pods/p/m", {}, userCert.cert),
      ),
      undefined,
    );
    assert.equal(reviewer.accessCalls.length, 0);
  });

  it("reviews bearer tokens, then the request's attributes; the guard itself keeps no answer", async () => {
    const { guard, reviewer } = setup();
    const path = "/apis/external.metrics.k8s.io/v1beta1/namespaces/llm/queue";
    assert.equal(await guard(fakeRequest(path, { authorization: "Bearer good" })), undefined);
    assert.equal(await guard(fakeRequest(path, { authorization: "Bearer good" })), undefined);
    assert.equal(reviewer.tokenCalls, 2);
    assert.equal(reviewer.accessCalls.length, 2);
    assert.deepEqual(reviewer.accessCalls[0], {
      user: { username: "alice", groups: ["devs"] },
      attributes: {
        kind: "resource",
        attributes: {
          verb: "list",
          group: "external.metrics.k8s.io",
          version: "v1beta1",
          resource: "queue",
          namespace: "llm",
        },
      },
    });
    const refused = await guard(fakeRequest(path, { authorization: "Bearer bad" }));
    assert.equal(refused?.code, 401);
    assert.match(refused?.message ?? "", /unknown token/);
  });

  it("behind the answer cache, reviews a token and a permission once per 10 s", async () => {
    let now = Date.now();
    const fake = new FakeReviewer();
    const clock = { now: () => now };
    const reviewer = cachedAccessReviewer(fake, { clock });
    const clockGuard = createAuthGuard({
      authenticate: createAuthenticator({ config: () => ({ clientCas: [] }), reviewer, clock }),
      reviewer,
      logger: silentLogger(),
    });
    const path = "/apis/external.metrics.k8s.io/v1beta1/namespaces/llm/queue";
    assert.equal(await clockGuard(fakeRequest(path, { authorization: "Bearer good" })), undefined);
    assert.equal(await clockGuard(fakeRequest(path, { authorization: "Bearer good" })), undefined);
    assert.equal(fake.tokenCalls, 1);
    assert.equal(fake.accessCalls.length, 1);
    now += 10_001;
    assert.equal(await clockGuard(fakeRequest(path, { authorization: "Bearer good" })), undefined);
    assert.equal(fake.tokenCalls, 2);
    assert.equal(fake.accessCalls.length, 2);
  });

  it("answers a denied review with 403 Forbidden and the reason", async () => {
    const { guard, reviewer } = setup();
    reviewer.allow = false;
    const error = await guard(
      fakeRequest("/apis/custom.metrics.k8s.io/v1beta2/namespaces/llm/pods/%2A/gpu", {
        authorization: "Bearer good",
      }),
    );
    assert.equal(error?.code, 403);
    assert.equal(error?.reason, "Forbidden");
    assert.equal(
      error?.message,
      'User "alice" cannot get resource "pods/gpu" in API group "custom.metrics.k8s.io" in the namespace "llm": no RBAC rule',
    );
  });

  it("lets the health paths through without credentials", async () => {
    const { guard } = setup();
    assert.equal(await guard(fakeRequest("/healthz", {})), undefined);
    assert.equal(await guard(fakeRequest("/readyz/ping", {})), undefined);
  });

  it("answers 503 when the TokenReview cannot be made", async () => {
    const reviewer = new FakeReviewer();
    reviewer.authenticate = async () => {
      throw new Error("connect ECONNREFUSED");
    };
    const clock = { now: () => Date.now() };
    const guard = createAuthGuard({
      authenticate: createAuthenticator({ config: () => ({ clientCas: [] }), reviewer, clock }),
      reviewer,
      logger: silentLogger(),
    });
    const error = await guard(fakeRequest("/apis", { authorization: "Bearer good" }));
    assert.equal(error?.code, 503);
  });
});

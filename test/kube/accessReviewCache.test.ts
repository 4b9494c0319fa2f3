/**
 * The one answer cache of the review port (over a fake reviewer counting calls, on a fake clock):
 * token and permission answers kept 10 s, refusals and denials too; failures never kept; concurrent
 * identical reviews shared; permissions keyed by the user and the attributes (not their key order);
 * bounded, least recently used dropped first.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type {
  AccessAttributes,
  AccessReviewer,
  Authentication,
  Authorization,
  UserInfo,
} from "../../src/k8s/accessReview.js";
import { cachedAccessReviewer, REVIEW_CACHE_TTL_MS } from "../../src/kube/accessReviewCache.js";

const NOW = Date.parse("2025-06-02T08:00:00Z");

/** Answers after `gate` opens (at once by default); counts and records the reviews it is asked. */
function fakeReviewer() {
  const fake = {
    tokens: [] as string[],
    permissions: [] as { user: UserInfo; attributes: AccessAttributes }[],
    fail: false,
    gate: Promise.resolve(),
    async authenticate(token: string): Promise<Authentication> {
      fake.tokens.push(token);
      await fake.gate;
      if (fake.fail) throw new Error("connect ECONNREFUSED");
      return token === "good"
        ? { authenticated: true, user: { username: "alice", groups: ["devs"] } }
        : { authenticated: false, error: "unknown token" };
    },
    async authorize(user: UserInfo, attributes: AccessAttributes): Promise<Authorization> {
      fake.permissions.push({ user, attributes });
      await fake.gate;
      if (fake.fail) throw new Error("connect ECONNREFUSED");
      return attributes.kind === "resource" && attributes.attributes.verb === "get"
        ? { allowed: true }
        : { allowed: false, reason: "no RBAC rule" };
    },
  } satisfies AccessReviewer & Record<string, unknown>;
  return fake;
}

function setup(options: { maxTokens?: number } = {}) {
  const clock = { t: NOW, now: () => clock.t };
  const fake = fakeReviewer();
  const reviewer = cachedAccessReviewer(fake, { clock, ...options });
  return { clock, fake, reviewer };
}

const alice: UserInfo = { username: "alice", uid: "1", groups: ["devs"], extra: { scope: ["a"] } };
const getScaler: AccessAttributes = {
  kind: "resource",
  attributes: { verb: "get", group: "foresight.dev", resource: "predictivescalers", namespace: "llm" },
};

describe("the review answer cache", () => {
  it("keeps token answers, refusals too, for 10 s", async () => {
    assert.equal(REVIEW_CACHE_TTL_MS, 10_000);
    const { clock, fake, reviewer } = setup();
    assert.deepEqual(await reviewer.authenticate("good"), {
      authenticated: true,
      user: { username: "alice", groups: ["devs"] },
    });
    assert.deepEqual(await reviewer.authenticate("bad"), { authenticated: false, error: "unknown token" });
    clock.t += 10_000;
    await reviewer.authenticate("good");
    await reviewer.authenticate("bad");
    assert.deepEqual(fake.tokens, ["good", "bad"], "still kept at 10 s");
    clock.t += 1;
    await reviewer.authenticate("good");
    await reviewer.authenticate("bad");
    assert.deepEqual(fake.tokens, ["good", "bad", "good", "bad"], "reviewed again after 10 s");
  });

  it("keeps permission answers, denials too, for 10 s, per user and attributes", async () => {
    const { clock, fake, reviewer } = setup();
    assert.deepEqual(await reviewer.authorize(alice, getScaler), { allowed: true });
    // The same review with the attributes' keys in another order, and an undefined one: one answer.
    const reordered: AccessAttributes = {
      kind: "resource",
      attributes: {
        namespace: "llm",
        resource: "predictivescalers",
        group: "foresight.dev",
        verb: "get",
        name: undefined,
      },
    };
    assert.deepEqual(await reviewer.authorize({ ...alice, extra: { scope: ["a"] } }, reordered), {
      allowed: true,
    });
    assert.equal(fake.permissions.length, 1);
    const list: AccessAttributes = {
      kind: "resource",
      attributes: { verb: "list", group: "foresight.dev", resource: "predictivescalers" },
    };
    assert.deepEqual(await reviewer.authorize(alice, list), { allowed: false, reason: "no RBAC rule" });
    await reviewer.authorize(alice, list);
    assert.equal(fake.permissions.length, 2, "a denial is kept");
    // Another user, other groups, a non-resource path: each its own review.
    await reviewer.authorize({ username: "bob" }, getScaler);
    await reviewer.authorize({ ...alice, groups: ["devs", "ops"] }, getScaler);
    await reviewer.authorize(alice, { kind: "nonResource", attributes: { path: "/apis", verb: "get" } });
    assert.equal(fake.permissions.length, 5);
    clock.t += 10_001;
    await reviewer.authorize(alice, getScaler);
    assert.equal(fake.permissions.length, 6, "reviewed again after 10 s");
    assert.deepEqual(fake.permissions.at(-1), { user: alice, attributes: getScaler });
  });

  it("never keeps a failure: every waiter gets it, the next call reviews again", async () => {
    const { fake, reviewer } = setup();
    fake.fail = true;
    const waiters = [reviewer.authenticate("good"), reviewer.authenticate("good")];
    for (const w of waiters) await assert.rejects(w, /ECONNREFUSED/);
    await assert.rejects(reviewer.authorize(alice, getScaler), /ECONNREFUSED/);
    assert.equal(fake.tokens.length, 1, "the waiters shared one review");
    fake.fail = false;
    assert.equal((await reviewer.authenticate("good")).authenticated, true);
    assert.deepEqual(await reviewer.authorize(alice, getScaler), { allowed: true });
    assert.equal(fake.tokens.length, 2);
    assert.equal(fake.permissions.length, 2);
  });

  it("shares one review between concurrent callers", async () => {
    const { fake, reviewer } = setup();
    let open: () => void = () => {};
    fake.gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const tokens = [reviewer.authenticate("good"), reviewer.authenticate("good")];
    const permissions = [reviewer.authorize(alice, getScaler), reviewer.authorize(alice, getScaler)];
    open();
    assert.deepEqual(
      (await Promise.all(tokens)).map((a) => a.authenticated),
      [true, true],
    );
    assert.deepEqual(await Promise.all(permissions), [{ allowed: true }, { allowed: true }]);
    assert.equal(fake.tokens.length, 1);
    assert.equal(fake.permissions.length, 1);
  });

  it("is bounded: the least recently used answer goes first; one evicted in flight still answers", async () => {
    const { fake, reviewer } = setup({ maxTokens: 2 });
    await reviewer.authenticate("a");
    await reviewer.authenticate("b");
    await reviewer.authenticate("a"); // a is now the more recent
    await reviewer.authenticate("c"); // evicts b
    await reviewer.authenticate("a");
    assert.deepEqual(fake.tokens, ["a", "b", "c"]);
    await reviewer.authenticate("b");
    assert.deepEqual(fake.tokens, ["a", "b", "c", "b"]);

    let open: () => void = () => {};
    fake.gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const slow = reviewer.authenticate("good");
    const others = [reviewer.authenticate("x"), reviewer.authenticate("y")]; // evict "good" in flight
    open();
    assert.equal((await slow).authenticated, true);
    await Promise.all(others);
  });

  it("refuses a TTL that is not > 0", () => {
    assert.throws(
      () => cachedAccessReviewer(fakeReviewer(), { clock: { now: () => NOW }, ttlMs: 0 }),
      RangeError,
    );
  });
});

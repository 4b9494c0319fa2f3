/**
 * The review API and page of `foresight serve` as installed in a cluster (KUBERNETES_SERVICE_HOST
 * set, the simulated API answering TokenReview and SubjectAccessReview): served on the secure port
 * over TLS, where bearer tokens are checked, and not on the plain-HTTP port, where they would cross
 * the pod network in clear. The page asks for a token in headless Chromium, says when one is
 * refused, and shows the list once one is accepted; the metrics APIs beside it keep their own
 * authentication.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { stringify } from "yaml";
import { httpsGet, startAdapter, type TestAdapter } from "../harness/adapter.js";
import { chromiumMissing, launchChromium } from "../harness/chromium.js";
import { type KubeFacade, startKubeFacade } from "../harness/kubeFacade.js";

interface Answer {
  readonly status: number;
  readonly type: string;
  readonly text: string;
}

// The callbacks passed to page.waitForFunction run in Chromium; tsconfig has no DOM lib.
declare const document: { readonly body: { readonly dataset: Record<string, string | undefined> } };
declare const sessionStorage: { readonly length: number };

describe("review API and page in a cluster", { timeout: 120_000 }, () => {
  let dir: string;
  let kube: KubeFacade;
  let adapter: TestAdapter;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "foresight-review-cluster-"));
    kube = await startKubeFacade({
      reviews: {
        tokens: {
          "alice-token": { username: "alice", groups: ["operators"] },
          "eve-token": { username: "eve", groups: [] },
        },
        rule: (spec) =>
          spec.user === "eve" ? { allowed: false, reason: "eve is not an operator" } : { allowed: true },
      },
    });
    // What kube-apiserver publishes for aggregated API servers (no front-proxy CA here: the
    // requests below come straight from clients, as through a port-forward).
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
    writeFileSync(
      configPath,
      stringify({
        rules: [],
        forecast: { targets: [{ name: "web", query: "sum(up)", step: "5m" }] },
      }),
    );
    adapter = await startAdapter({
      configPath,
      prometheusUrl: "",
      kubeconfig,
      // As installed: the metrics APIs authenticate (so the secure port asks browsers for a client
      // certificate they need not give), and in a pod the review API checks bearer tokens.
      extraArgs: ["--authentication", "on"],
      env: { KUBERNETES_SERVICE_HOST: "10.96.0.1" },
    });
  });
  after(async () => {
    await adapter?.stop();
    await kube?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const https = async (path: string, headers: Record<string, string> = {}): Promise<Answer> => {
    const res = await httpsGet(`${adapter.url}${path}`, { headers });
    return { status: res.status, type: res.headers["content-type"] ?? "", text: res.text };
  };

  it("checks bearer tokens on the secure port: 401 without, 403 when denied, 200 when allowed", async () => {
    const none = await https("/api/v1/scalers");
    assert.equal(none.status, 401, none.text);
    assert.equal(JSON.parse(none.text).kind, "Status");
    const denied = await https("/api/v1/scalers", { authorization: "Bearer eve-token" });
    assert.equal(denied.status, 403, denied.text);
    assert.match(
      JSON.parse(denied.text).message,
      /User "eve" cannot list resource "predictivescalers\.foresight\.dev".*eve is not an operator/,
    );
    const ok = await https("/api/v1/scalers", { authorization: "Bearer alice-token" });
    assert.equal(ok.status, 200, ok.text);
    const items = (JSON.parse(ok.text) as { items: { kind: string; id: string }[] }).items;
    assert.deepEqual(
      items.map((i) => [i.kind, i.id]),
      [["ForecastTarget", "web"]],
    );
    assert.ok(kube.reviews.tokenReviews.includes("alice-token"));
  });

  it("serves the page over TLS, and neither page nor API on the plain-HTTP port", async () => {
    const page = await https("/");
    assert.equal(page.status, 200);
    assert.match(page.type, /text\/html/);
    assert.match(page.text, /id="signin"/);
    for (const path of ["/api/v1/scalers", "/"]) {
      const res = await fetch(`${adapter.httpUrl}${path}`, {
        headers: { authorization: "Bearer alice-token" },
      });
      assert.equal(res.status, 404, `${path} on the plain-HTTP port`);
    }
    assert.equal((await fetch(`${adapter.httpUrl}/healthz`)).status, 200);
    assert.match(adapter.logs(), /review API on \/api\/v1 and the page on \/ of the secure \(HTTPS\) port/);
  });

  it("keeps the metrics APIs on the same port behind their own authentication", async () => {
    const anonymous = await https("/apis/external.metrics.k8s.io/v1beta1", { accept: "application/json" });
    assert.equal(anonymous.status, 401, anonymous.text);
    const alice = { accept: "application/json", authorization: "Bearer alice-token" };
    const res = await https("/apis/external.metrics.k8s.io/v1beta1", alice);
    assert.equal(res.status, 200, res.text);
    assert.equal(JSON.parse(res.text).kind, "APIResourceList");
    const missing = await https("/no/such/path", alice);
    assert.equal(missing.status, 404, missing.text);
    assert.equal(JSON.parse(missing.text).kind, "Status");
  });

  it("the page asks for a token, says when it is refused, and shows the list once accepted", {
    skip: chromiumMissing,
  }, async () => {
    const profile = mkdtempSync(join(tmpdir(), "foresight-review-cluster-chromium-"));
    const context = await launchChromium(profile, { ignoreHTTPSErrors: true });
    try {
      const page = await context.newPage();
      await page.goto(`${adapter.url}/?refresh=0`);
      await page.waitForFunction(() => document.body.dataset.signin === "asked", undefined, {
        timeout: 20_000,
      });
      assert.equal(await page.isVisible("#signin"), true);
      assert.equal(await page.isVisible("#list-view"), false);

      await page.fill("#token", "forged-token");
      await page.click("#signin button[type=submit]");
      await page.waitForFunction(() => document.body.dataset.signin === "refused", undefined, {
        timeout: 20_000,
      });
      assert.match((await page.textContent("#signin-problem")) ?? "", /refused the token.*HTTP 401/);

      await page.fill("#token", "alice-token");
      await page.click("#signin button[type=submit]");
      await page.waitForSelector("#scalers tbody tr", { timeout: 20_000 });
      assert.equal(await page.isVisible("#signin"), false);
      assert.match((await page.textContent("#scalers tbody")) ?? "", /web/);
      assert.equal(await page.isVisible("#signout"), true);

      await page.click("#signout");
      await page.waitForFunction(() => document.body.dataset.signin === "asked", undefined, {
        timeout: 20_000,
      });
      assert.equal(await page.evaluate(() => sessionStorage.length), 0, "the token is forgotten");
    } finally {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });
});

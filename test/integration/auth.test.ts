/**
 * `foresight serve --authentication=on` against the simulated API: the
 * extension-apiserver-authentication ConfigMap, front-proxy certificates from the right CA with
 * an allowed CN, one from another CA and one with a wrong CN, bearer tokens through TokenReview,
 * SubjectAccessReview decisions and their attributes, system:masters, and serving-certificate
 * rotation without a restart.
 */
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { stringify } from "yaml";
import { makeCa, makeClientCert, makeServingCert, type Pem, servedSerial } from "../adapter/auth/certs.js";
import { httpsGet, startAdapter, type TestAdapter } from "../harness/adapter.js";
import { eventually } from "../harness/eventually.js";
import { type FakePrometheus, startFakePrometheus } from "../harness/fakePrometheus.js";
import { type KubeFacade, startKubeFacade } from "../harness/kubeFacade.js";

interface Answer {
  status: number;
  body: { kind?: string; reason?: string; message?: string; code?: number };
}

describe("foresight serve --authentication=on", { timeout: 90_000 }, () => {
  let dir: string;
  let kube: KubeFacade;
  let prometheus: FakePrometheus;
  let adapter: TestAdapter;
  let proxy: Pem;
  let wrongCn: Pem;
  let foreign: Pem;
  let serving: Pem[];
  let certFile: string;
  let keyFile: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "foresight-auth-it-"));
    const [frontProxyCa, strangerCa, servingCa] = await Promise.all([
      makeCa("front-proxy-ca"),
      makeCa("stranger-ca"),
      makeCa("serving-ca"),
    ]);
    [proxy, wrongCn, foreign, ...serving] = await Promise.all([
      makeClientCert(frontProxyCa, "front-proxy-client"),
      makeClientCert(frontProxyCa, "not-the-aggregator"),
      makeClientCert(strangerCa, "front-proxy-client"),
      makeServingCert(servingCa),
      makeServingCert(servingCa),
    ]);
    kube = await startKubeFacade({
      reviews: {
        tokens: {
          "hpa-token": {
            username: "system:serviceaccount:kube-system:horizontal-pod-autoscaler",
            groups: ["system:serviceaccounts"],
          },
        },
        rule: (spec) => {
          if (spec.user === "eve") return { allowed: false, reason: "eve may not read metrics" };
          // carol is granted one thing: list queue_len in namespace b (what kube-apiserver reads
          // from /namespaces/b/queue_len), never get metrics/queue_len (the namespace's metric).
          if (spec.user === "carol") {
            const a = spec.resourceAttributes;
            return a?.verb === "list" && a.resource === "queue_len" && a.namespace === "b"
              ? { allowed: true }
              : { allowed: false, reason: "carol may only list queue_len" };
          }
          return { allowed: true };
        },
      },
    });
    kube.store.create(
      { group: "", resource: "configmaps" },
      {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "extension-apiserver-authentication", namespace: "kube-system" },
        data: {
          "requestheader-client-ca-file": frontProxyCa.cert,
          "requestheader-allowed-names": '["front-proxy-client"]',
          "requestheader-username-headers": '["X-Remote-User"]',
          "requestheader-group-headers": '["X-Remote-Group"]',
          "requestheader-extra-headers-prefix": '["X-Remote-Extra-"]',
        },
      },
    );
    const kubeconfig = join(dir, "kubeconfig");
    kube.kubeconfig(kubeconfig);
    prometheus = await startFakePrometheus();
    prometheus.setSeries("queue_len", { namespace: "b" }, 7);
    const configPath = join(dir, "config.yaml");
    writeFileSync(
      configPath,
      stringify({
        adapter: { relistInterval: "1s", cacheTTL: "0s" },
        rules: [
          {
            seriesQuery: 'queue_len{namespace!=""}',
            resources: { overrides: { namespace: { resource: "namespace" } } },
            metricsQuery: "sum by (<<.GroupBy>>) (<<.Series>>{<<.LabelMatchers>>})",
          },
        ],
      }),
    );
    certFile = join(dir, "tls.crt");
    keyFile = join(dir, "tls.key");
    writeFileSync(certFile, serving[0]?.cert ?? "");
    writeFileSync(keyFile, serving[0]?.key ?? "");
    adapter = await startAdapter({
      configPath,
      prometheusUrl: prometheus.url,
      kubeconfig,
      extraArgs: ["--authentication", "on", "--tls-cert-file", certFile, "--tls-private-key-file", keyFile],
    });
  });
  after(async () => {
    await adapter?.stop();
    await kube?.close();
    await prometheus?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A GET on a new TLS connection with this client certificate and these headers. */
  const get = async (
    path: string,
    headers: Record<string, string | string[]> = {},
    client?: Pem,
  ): Promise<Answer & { warning: string | undefined }> => {
    const res = await httpsGet(`${adapter.url}${path}`, {
      headers: { accept: "application/json", ...headers },
      ...(client ? { client } : {}),
    });
    try {
      return { status: res.status, body: JSON.parse(res.text), warning: res.headers.warning };
    } catch {
      throw new Error(`non-JSON answer ${res.status} from ${path}: ${res.text.slice(0, 300)}`);
    }
  };

  const hpa = {
    "X-Remote-User": "system:serviceaccount:kube-system:horizontal-pod-autoscaler",
    "X-Remote-Group": ["system:serviceaccounts", "system:authenticated"],
  };
  const discovery = "/apis/custom.metrics.k8s.io/v1beta2";
  const external = "/apis/external.metrics.k8s.io/v1beta1/namespaces/llm/queue_depth";

  it("trusts the front proxy's identity headers and reviews the request's attributes", async () => {
    const before = kube.reviews.accessReviews.length;
    const res = await get(discovery, hpa, proxy);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.warning, undefined);
    const ext = await get(external, hpa, proxy);
    assert.ok(ext.status !== 401 && ext.status !== 403, JSON.stringify(ext.body));
    const specs = kube.reviews.accessReviews.slice(before);
    assert.deepEqual(
      specs.map((s) => [s.user, s.groups, s.nonResourceAttributes, s.resourceAttributes]),
      [
        [hpa["X-Remote-User"], hpa["X-Remote-Group"], { path: discovery, verb: "get" }, undefined],
        [
          hpa["X-Remote-User"],
          hpa["X-Remote-Group"],
          undefined,
          {
            verb: "list",
            group: "external.metrics.k8s.io",
            version: "v1beta1",
            resource: "queue_depth",
            namespace: "llm",
          },
        ],
      ],
    );
  });

  for (const [what, cert] of [
    ["a certificate from another CA", () => foreign],
    ["a CN that is not allowed", () => wrongCn],
    ["no certificate", () => undefined],
  ] as const) {
    it(`ignores the identity headers on ${what}: 401 Status`, async () => {
      const before = kube.reviews.accessReviews.length;
      const res = await get(discovery, hpa, cert());
      assert.equal(res.status, 401);
      assert.equal(res.body.kind, "Status");
      assert.equal(res.body.reason, "Unauthorized");
      assert.equal(kube.reviews.accessReviews.length, before);
    });
  }

  it("authenticates bearer tokens with TokenReview", async () => {
    assert.equal((await get(discovery, { authorization: "Bearer hpa-token" })).status, 200);
    const refused = await get(discovery, { authorization: "Bearer forged" });
    assert.equal(refused.status, 401);
    assert.ok(kube.reviews.tokenReviews.includes("forged"));
  });

  it("answers 403 Status with the reason when the SubjectAccessReview denies", async () => {
    const res = await get(external, { "X-Remote-User": "eve" }, proxy);
    assert.equal(res.status, 403);
    assert.equal(res.body.reason, "Forbidden");
    assert.match(
      res.body.message ?? "",
      /User "eve" cannot list resource "queue_depth".*eve may not read metrics/,
    );
  });

  it("serves a namespace's metric only at its canonical path, under its attributes", async () => {
    const canonical = "/apis/custom.metrics.k8s.io/v1beta2/namespaces/b/metrics/queue_len";
    const other = "/apis/custom.metrics.k8s.io/v1beta2/namespaces/b/queue_len";
    await eventually(
      "the namespace metric is served",
      async () => ((await get(canonical, hpa, proxy)).status === 200 ? true : undefined),
      { timeoutMs: 20_000, everyMs: 200 },
    );
    const carol = { "X-Remote-User": "carol" };
    const denied = await get(canonical, carol, proxy);
    assert.equal(denied.status, 403, JSON.stringify(denied.body));
    assert.match(denied.body.message ?? "", /cannot get resource "metrics"/);
    const before = kube.reviews.accessReviews.length;
    const res = await get(other, carol, proxy);
    assert.notEqual(res.status, 200, `carol read the metric denied to her: ${JSON.stringify(res.body)}`);
    assert.equal(res.status, 404, JSON.stringify(res.body));
    assert.equal(res.body.kind, "Status");
    assert.equal(res.body.reason, "NotFound");
    // The review asked what kube-apiserver reads from that path; it is simply not served.
    assert.deepEqual(
      kube.reviews.accessReviews.slice(before).map((s) => s.resourceAttributes),
      [
        {
          verb: "list",
          group: "custom.metrics.k8s.io",
          version: "v1beta2",
          resource: "queue_len",
          namespace: "b",
        },
      ],
    );
  });

  it("lets system:masters through without a review", async () => {
    const before = kube.reviews.accessReviews.length;
    const res = await get(discovery, { "X-Remote-User": "eve", "X-Remote-Group": "system:masters" }, proxy);
    assert.equal(res.status, 200);
    assert.equal(kube.reviews.accessReviews.length, before);
  });

  it("serves a rotated certificate on the next connection without a restart", async () => {
    const next = serving[1] as Pem;
    assert.equal(
      await servedSerial(Number(new URL(adapter.url).port)),
      new X509Certificate(serving[0]?.cert ?? "").serialNumber,
    );
    writeFileSync(certFile, next.cert);
    writeFileSync(keyFile, next.key);
    const want = new X509Certificate(next.cert).serialNumber;
    const port = Number(new URL(adapter.url).port);
    const deadline = Date.now() + 15_000;
    while ((await servedSerial(port)) !== want && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    assert.equal(await servedSerial(port), want, adapter.logs().slice(-2000));
  });
});

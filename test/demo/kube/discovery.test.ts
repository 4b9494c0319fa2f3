import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type KubeFacade, startKubeFacade } from "../../../src/demo/kube/server.js";

interface ApiResourceDoc {
  name: string;
  kind: string;
  singularName: string;
  namespaced: boolean;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
  storageVersionHash?: string;
}

/** The fields of the documents these tests read; each test reads only its own. */
interface Doc {
  kind: string;
  reason?: string;
  versions: string[];
  serverAddressByClientCIDRs: { serverAddress: string }[];
  groupVersion: string;
  resources: ApiResourceDoc[];
  groups: unknown[];
  preferredVersion: { groupVersion: string };
  major: string;
  minor: string;
  gitVersion: string;
  paths: Record<
    string,
    { serverRelativeURL: string; patch: Record<string, unknown> & { parameters: { name: string }[] } }
  >;
}

const AGGREGATED_ACCEPT =
  "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";

describe("discovery documents", () => {
  let facade: KubeFacade;
  before(async () => {
    facade = await startKubeFacade();
  });
  after(() => facade.close());

  async function getJson(
    path: string,
    accept = "application/json",
  ): Promise<{ status: number; type: string; body: Doc }> {
    const res = await fetch(`${facade.url}${path}`, { headers: { accept } });
    return {
      status: res.status,
      type: res.headers.get("content-type") ?? "",
      body: (await res.json()) as Doc,
    };
  }

  it("/api lists v1 and where to reach the server", async () => {
    const { status, body } = await getJson("/api");
    assert.equal(status, 200);
    assert.equal(body.kind, "APIVersions");
    assert.deepEqual(body.versions, ["v1"]);
    assert.equal(body.serverAddressByClientCIDRs[0]?.serverAddress, `127.0.0.1:${facade.port}`);
  });

  it("/api/v1 lists the core resources with verbs, scope, short names and subresources", async () => {
    const { body } = await getJson("/api/v1");
    assert.equal(body.kind, "APIResourceList");
    assert.equal(body.groupVersion, "v1");
    const byName = new Map(body.resources.map((r) => [r.name, r]));
    assert.deepEqual(
      [...byName.keys()].filter((n) => !n.includes("/")),
      ["namespaces", "pods", "nodes", "services", "events", "configmaps", "podtemplates"],
    );
    const pods = byName.get("pods") as ApiResourceDoc;
    assert.equal(pods.kind, "Pod");
    assert.equal(pods.singularName, "pod");
    assert.equal(pods.namespaced, true);
    assert.deepEqual(pods.shortNames, ["po"]);
    assert.deepEqual(pods.categories, ["all"]);
    assert.ok(pods.verbs.includes("watch") && pods.verbs.includes("patch"));
    assert.match(pods.storageVersionHash ?? "", /^[A-Za-z0-9+/]{11}=$/);
    assert.equal(byName.get("namespaces")?.namespaced, false);
    assert.equal(byName.get("nodes")?.namespaced, false);
    assert.deepEqual(byName.get("pods/status")?.verbs, ["get", "patch", "update"]);
  });

  it("/apis, /apis/apps and /apis/apps/v1 describe the apps group", async () => {
    const list = await getJson("/apis");
    assert.equal(list.body.kind, "APIGroupList");
    assert.deepEqual(list.body.groups[0], {
      name: "apps",
      versions: [{ groupVersion: "apps/v1", version: "v1" }],
      preferredVersion: { groupVersion: "apps/v1", version: "v1" },
    });
    assert.deepEqual(
      (list.body.groups as { name: string; versions: { version: string }[] }[]).map(
        (g) => `${g.name}/${g.versions.map((v) => v.version).join(",")}`,
      ),
      [
        "apps/v1",
        "autoscaling/v2",
        "events.k8s.io/v1",
        "coordination.k8s.io/v1",
        "scheduling.k8s.io/v1",
        "autoscaling.x-k8s.io/v1,v1beta1",
        "apiextensions.k8s.io/v1",
      ],
    );
    // The scale subresource is an autoscaling/v1 Scale, announced as such.
    const apps = await getJson("/apis/apps/v1");
    const scale = apps.body.resources.find((r) => r.name === "deployments/scale") as
      | (ApiResourceDoc & { group?: string; version?: string })
      | undefined;
    assert.deepEqual(
      { group: scale?.group, version: scale?.version, kind: scale?.kind },
      { group: "autoscaling", version: "v1", kind: "Scale" },
    );
    const group = await getJson("/apis/apps");
    assert.equal(group.body.kind, "APIGroup");
    assert.equal(group.body.preferredVersion.groupVersion, "apps/v1");
    const resources = await getJson("/apis/apps/v1");
    assert.equal(resources.body.groupVersion, "apps/v1");
    const deployments = resources.body.resources.find((r) => r.name === "deployments");
    assert.equal(deployments?.kind, "Deployment");
    assert.deepEqual(deployments?.shortNames, ["deploy"]);
  });

  it("answers requests for aggregated discovery with plain JSON, so clients fall back", async () => {
    for (const path of ["/api", "/apis"]) {
      const { status, type, body } = await getJson(path, AGGREGATED_ACCEPT);
      assert.equal(status, 200);
      assert.equal(type, "application/json");
      assert.notEqual(body.kind, "APIGroupDiscoveryList");
    }
  });

  it("/version claims a plausible Kubernetes version", async () => {
    const { body } = await getJson("/version");
    assert.equal(body.major, "1");
    assert.equal(body.minor, "32");
    assert.match(body.gitVersion, /^v1\.32\.\d+/);
  });

  it("health endpoints answer ok", async () => {
    for (const path of ["/healthz", "/readyz", "/livez"]) {
      const res = await fetch(`${facade.url}${path}`);
      assert.equal(res.status, 200, path);
      assert.equal(await res.text(), "ok");
    }
  });

  it("serves a minimal OpenAPI v3 that declares fieldValidation on PATCH", async () => {
    const root = await getJson("/openapi/v3");
    const url = root.body.paths["apis/apps/v1"]?.serverRelativeURL ?? "";
    assert.match(url, /^\/openapi\/v3\/apis\/apps\/v1\?hash=[0-9A-F]+$/);
    const doc = await getJson(url);
    const patch = doc.body.paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]?.patch;
    assert.deepEqual(patch?.["x-kubernetes-group-version-kind"], {
      group: "apps",
      version: "v1",
      kind: "Deployment",
    });
    assert.ok(patch?.parameters.some((p) => p.name === "fieldValidation"));
  });

  it("answers unknown paths with a NotFound Status and /openapi/v2 with 404", async () => {
    for (const path of ["/apis/nope", "/apis/nope/v1", "/apis/apps/v2", "/api/v1/widgets", "/openapi/v2"]) {
      const { status, body } = await getJson(path);
      assert.equal(status, 404, path);
      assert.equal(body.kind, "Status");
      assert.equal(body.reason, "NotFound");
    }
  });

  it("refuses non-GET on discovery with 405 and protobuf-only Accept with 406", async () => {
    const post = await fetch(`${facade.url}/apis`, { method: "POST", body: "{}" });
    assert.equal(post.status, 405);
    const proto = await getJson("/api/v1/pods", "application/vnd.kubernetes.protobuf");
    assert.equal(proto.status, 406);
    assert.equal(proto.body.reason, "NotAcceptable");
  });
});

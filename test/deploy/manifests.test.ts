/**
 * The deploy manifests (deploy/): every overlay rendered with `kubectl kustomize`, every document
 * validated against the Kubernetes OpenAPI schemas (kubernetes-models) or, for cert-manager and
 * prometheus-operator kinds, structurally; then the invariants that make the install work: the
 * APIServices point at the Service, which points at the container's HTTPS port; the CA reaches the
 * caBundle; the pods run non-root on a read-only root filesystem with probes on real ports; RBAC
 * covers what the adapter and the actuator touch (derived from the code's constants); the
 * Dockerfile starts package.json's bin. The self-signed overlay is rendered in a temporary copy of
 * deploy/ after its generate-certs.sh has run there (needs openssl).
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, posix } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { HPA_API_VERSION } from "../../src/actuator/executors/hpas.js";
import {
  CAPACITY_BUFFER_API_VERSION,
  PROVISIONING_REQUEST_API_VERSION,
  placeholderPriorityClassObject,
} from "../../src/actuator/nodeObjects.js";
import {
  PREDICTIVE_SCALER_API_VERSION,
  PREDICTIVE_SCALER_GROUP,
  PREDICTIVE_SCALER_RESOURCE,
} from "../../src/actuator/types.js";
import { parseConfigText } from "../../src/config/load.js";
import { BUILTIN_RESOURCES } from "../../src/k8s/resourceCatalog.js";
import { KUBECTL_BINARY, kubectlAvailable } from "../harness/kubectl.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const NAMESPACE = "foresight";
const SERVICE_ACCOUNT = "foresight";
const OVERLAYS = ["cert-manager", "self-signed", "custom-metrics-only", "resource-metrics"] as const;
const ALL_APISERVICES = [
  "v1beta1.custom.metrics.k8s.io",
  "v1beta1.external.metrics.k8s.io",
  "v1beta2.custom.metrics.k8s.io",
];
const RESOURCE_METRICS_APISERVICE = "v1beta1.metrics.k8s.io";
/** Renders that add the resource-metrics component (the overlay, and self-signed with it). */
const WITH_RESOURCE_METRICS = new Set(["resource-metrics", "self-signed-resource-metrics"]);
/** Kinds without a namespace. */
const CLUSTER_SCOPED = new Set([
  "Namespace",
  "ClusterRole",
  "ClusterRoleBinding",
  "APIService",
  "CustomResourceDefinition",
]);
/** Groups of CRD-based kinds that kubernetes-models does not know: checked structurally. */
const CRD_GROUPS = new Set(["cert-manager.io", "monitoring.coreos.com"]);

// biome-ignore lint/suspicious/noExplicitAny: rendered manifests are untyped YAML; fields are checked as read.
type Obj = Record<string, any>;

interface Rendered {
  readonly name: string;
  readonly docs: readonly Obj[];
}

const openssl = spawnSync("openssl", ["version"]).status === 0;
const skipReason = kubectlAvailable() ? false : `kubectl not found at ${KUBECTL_BINARY}`;

function render(dir: string): Obj[] {
  const out = execFileSync(KUBECTL_BINARY, ["kustomize", dir], { encoding: "utf8", timeout: 60_000 });
  const docs = parseAllDocuments(out).map((d) => {
    assert.equal(d.errors.length, 0, `${dir}: YAML error ${d.errors[0]?.message}`);
    return d.toJS() as Obj;
  });
  return docs.filter((d) => d !== null);
}

const byKind = (docs: readonly Obj[], kind: string) => docs.filter((d) => d.kind === kind);
const id = (d: Obj) =>
  `${d.kind} ${d.metadata?.namespace ? `${d.metadata.namespace}/` : ""}${d.metadata?.name}`;

function one(docs: readonly Obj[], kind: string, name?: string): Obj {
  const found = docs.filter((d) => d.kind === kind && (name === undefined || d.metadata?.name === name));
  assert.equal(found.length, 1, `expected one ${kind}${name ? ` ${name}` : ""}, found ${found.length}`);
  return found[0] as Obj;
}

function groupVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf("/");
  return slash < 0
    ? { group: "", version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** kubernetes-models' class for a built-in kind: `kubernetes-models/<group>/<version>` (core: `v1`). */
async function modelFor(apiVersion: string, kind: string): Promise<new (data: Obj) => { validate(): void }> {
  const { group, version } = groupVersion(apiVersion);
  const specifier = group === "" ? `kubernetes-models/${version}` : `kubernetes-models/${group}/${version}`;
  const module = (await import(specifier)) as Record<string, unknown>;
  const model = module[kind];
  assert.equal(typeof model, "function", `kubernetes-models has no ${kind} in ${specifier}`);
  return model as new (
    data: Obj,
  ) => { validate(): void };
}

/**
 * Kustomize writes generated base64 (Secret data, the replaced caBundle) wrapped at 70 columns.
 * kube-apiserver decodes it with Go's encoding/base64, which skips newlines, but the schemas'
 * `format: byte` pattern does not: validate the unwrapped value, as the server sees it.
 */
function unwrapBase64(doc: Obj): Obj {
  const copy = structuredClone(doc);
  const unwrap = (v: unknown) => (typeof v === "string" ? v.replace(/\s+/g, "") : v);
  if (copy.kind === "Secret" && copy.data)
    for (const key of Object.keys(copy.data)) copy.data[key] = unwrap(copy.data[key]);
  if (copy.kind === "APIService" && copy.spec?.caBundle !== undefined)
    copy.spec.caBundle = unwrap(copy.spec.caBundle);
  return copy;
}

/** Structural checks for the CRD-based kinds (their schemas are not in kubernetes-models). */
function checkCustomKind(doc: Obj, docs: readonly Obj[]): void {
  const where = id(doc);
  assert.equal(typeof doc.metadata?.name, "string", `${where}: metadata.name`);
  assert.equal(doc.metadata?.namespace, NAMESPACE, `${where}: metadata.namespace`);
  assert.equal(typeof doc.spec, "object", `${where}: spec`);
  switch (`${doc.apiVersion} ${doc.kind}`) {
    case "cert-manager.io/v1 Issuer": {
      const kinds = ["selfSigned", "ca", "acme", "vault", "venafi"].filter((k) => k in doc.spec);
      assert.equal(kinds.length, 1, `${where}: exactly one issuer type, got ${kinds.join(",")}`);
      if (doc.spec.ca) {
        const ca = docs.find(
          (d) => d.kind === "Certificate" && d.spec?.secretName === doc.spec.ca.secretName,
        );
        assert.ok(ca?.spec?.isCA, `${where}: spec.ca.secretName is not the secret of an isCA Certificate`);
      }
      break;
    }
    case "cert-manager.io/v1 Certificate": {
      assert.equal(typeof doc.spec.secretName, "string", `${where}: spec.secretName`);
      const ref = doc.spec.issuerRef;
      assert.ok(ref && typeof ref.name === "string", `${where}: spec.issuerRef.name`);
      assert.ok(
        docs.some((d) => d.kind === (ref.kind ?? "Issuer") && d.metadata?.name === ref.name),
        `${where}: issuer ${ref.name} is not in the manifests`,
      );
      for (const usage of doc.spec.usages ?? []) assert.equal(typeof usage, "string", `${where}: usages`);
      break;
    }
    case "monitoring.coreos.com/v1 ServiceMonitor": {
      assert.ok(Array.isArray(doc.spec.endpoints) && doc.spec.endpoints.length > 0, `${where}: endpoints`);
      const services = byKind(docs, "Service").filter((s) =>
        Object.entries(doc.spec.selector?.matchLabels ?? {}).every(([k, v]) => s.metadata?.labels?.[k] === v),
      );
      assert.equal(services.length, 1, `${where}: selector matches ${services.length} Services`);
      const portNames = (services[0]?.spec?.ports ?? []).map((p: Obj) => p.name);
      for (const ep of doc.spec.endpoints)
        assert.ok(portNames.includes(ep.port), `${where}: endpoint port ${ep.port} not on the Service`);
      break;
    }
    default:
      assert.fail(`${where}: no structural check for ${doc.apiVersion} ${doc.kind}`);
  }
}

/** True when one of the role's rules grants `verb` on group/resource (wildcards honoured). */
function allows(rules: readonly Obj[], group: string, resource: string, verb: string): boolean {
  return rules.some(
    (r) =>
      (r.apiGroups ?? []).some((g: string) => g === group || g === "*") &&
      (r.resources ?? []).some((x: string) => x === resource || x === "*") &&
      (r.verbs ?? []).some((v: string) => v === verb || v === "*"),
  );
}

function isSubject(binding: Obj, namespace: string, name: string): boolean {
  return (binding.subjects ?? []).some(
    (s: Obj) => s.kind === "ServiceAccount" && s.namespace === namespace && s.name === name,
  );
}

/** Rules the ServiceAccount gets cluster-wide (ClusterRoleBindings to ClusterRoles in the manifests). */
function clusterRules(docs: readonly Obj[], namespace: string, name: string): Obj[] {
  const roles = byKind(docs, "ClusterRoleBinding")
    .filter((b) => isSubject(b, namespace, name) && b.roleRef.kind === "ClusterRole")
    .map((b) => b.roleRef.name as string);
  return byKind(docs, "ClusterRole")
    .filter((r) => roles.includes(r.metadata.name))
    .flatMap((r) => r.rules ?? []);
}

/** Rules the ServiceAccount gets in `inNamespace` (RoleBindings to Roles there). */
function namespaceRules(docs: readonly Obj[], inNamespace: string): Obj[] {
  const roles = byKind(docs, "RoleBinding")
    .filter(
      (b) =>
        b.metadata.namespace === inNamespace &&
        isSubject(b, NAMESPACE, SERVICE_ACCOUNT) &&
        b.roleRef.kind === "Role",
    )
    .map((b) => b.roleRef.name as string);
  return byKind(docs, "Role")
    .filter((r) => r.metadata.namespace === inNamespace && roles.includes(r.metadata.name))
    .flatMap((r) => r.rules ?? []);
}

/** Lowercase plural, as the API server names these kinds (all regular English plurals). */
const plural = (kind: string) => `${kind.toLowerCase().replace(/(s|x|ch|sh)$/, "$1e")}s`;

/** (group, resource, verbs) the actuator needs, from the constants its code uses. */
function actuatorNeeds(): { group: string; resource: string; verbs: string[] }[] {
  const scalers = groupVersion(PREDICTIVE_SCALER_API_VERSION).group;
  assert.equal(scalers, PREDICTIVE_SCALER_GROUP);
  const priorityClass = placeholderPriorityClassObject();
  return [
    // informer (scalerWatch), finalizer patch (reconciler), status patch, ownerReferences with blockOwnerDeletion
    { group: scalers, resource: PREDICTIVE_SCALER_RESOURCE, verbs: ["get", "list", "watch", "patch"] },
    { group: scalers, resource: `${PREDICTIVE_SCALER_RESOURCE}/status`, verbs: ["patch"] },
    { group: scalers, resource: `${PREDICTIVE_SCALER_RESOURCE}/finalizers`, verbs: ["update"] },
    // executors/hpas.ts lists, executors/floor.ts patches
    {
      group: groupVersion(HPA_API_VERSION).group,
      resource: "horizontalpodautoscalers",
      verbs: ["get", "list", "patch"],
    },
    // the target (default apiVersion apps/v1) is read; Direct mode goes through /scale
    { group: "apps", resource: "deployments", verbs: ["get"] },
    { group: "apps", resource: "statefulsets", verbs: ["get"] },
    { group: "apps", resource: "deployments/scale", verbs: ["get", "patch"] },
    { group: "apps", resource: "statefulsets/scale", verbs: ["get", "patch"] },
    // executors/nodes.ts: KINDS (PodTemplate v1, CapacityBuffer, placeholder Deployment, ProvisioningRequest)
    { group: "", resource: "podtemplates", verbs: ["get", "list", "create", "patch", "delete"] },
    {
      group: groupVersion(CAPACITY_BUFFER_API_VERSION).group,
      resource: plural("CapacityBuffer"),
      verbs: ["get", "list", "create", "patch", "delete"],
    },
    { group: "apps", resource: "deployments", verbs: ["list", "create", "patch", "delete"] },
    {
      group: groupVersion(PROVISIONING_REQUEST_API_VERSION).group,
      resource: plural("ProvisioningRequest"),
      verbs: ["list", "create", "delete"],
    },
    {
      group: groupVersion(priorityClass.apiVersion).group,
      resource: plural(priorityClass.kind),
      verbs: ["get", "create"],
    },
    // kube/events.ts: core/v1 Events, created then patched when folded
    { group: "", resource: "events", verbs: ["create", "patch"] },
    { group: "", resource: "pods", verbs: ["list", "watch"] },
    { group: "", resource: "nodes", verbs: ["list", "watch"] },
  ];
}

/** The flags `foresight serve` accepts, from its --help. */
function serveFlags(): Set<string> {
  const help = execFileSync(
    process.execPath,
    ["--import", "tsx", join(ROOT, "src/cli/main.ts"), "serve", "--help"],
    {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 60_000,
    },
  );
  return new Set([...help.matchAll(/--[a-z][a-z0-9-]*/g)].map((m) => m[0]));
}

/** The value after `flag` in an args list. */
function argValue(args: readonly string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i < 0 ? undefined : args[i + 1];
}

describe("deploy manifests", { skip: skipReason }, () => {
  let work = "";
  const rendered = new Map<string, Rendered>();
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
    version: string;
    bin: Record<string, string>;
    engines: { node: string };
  };

  before(() => {
    // A copy, so that generate-certs.sh and the extra test overlay never touch the checkout.
    work = mkdtempSync(join(tmpdir(), "foresight-deploy-"));
    cpSync(join(ROOT, "deploy"), join(work, "deploy"), {
      recursive: true,
      filter: (src) => !src.includes(`${join("self-signed", "certs")}`),
    });
    rendered.set("base", { name: "base", docs: render(join(work, "deploy/base")) });
    for (const overlay of OVERLAYS) {
      if (overlay === "self-signed") {
        if (!openssl) continue;
        execFileSync("sh", [join(work, "deploy/overlays/self-signed/generate-certs.sh")], { stdio: "pipe" });
      }
      rendered.set(overlay, { name: overlay, docs: render(join(work, "deploy/overlays", overlay)) });
    }
    // The optional ServiceMonitor component on top of the cert-manager overlay.
    const monitoring = join(work, "deploy/overlays/test-monitoring");
    mkdirSync(monitoring);
    writeFileSync(
      join(monitoring, "kustomization.yaml"),
      [
        "apiVersion: kustomize.config.k8s.io/v1beta1",
        "kind: Kustomization",
        "resources: [../cert-manager]",
        "components: [../../components/servicemonitor]",
        "",
      ].join("\n"),
    );
    rendered.set("monitoring", { name: "monitoring", docs: render(monitoring) });
    // The optional KEDA external scaler component on top of the cert-manager overlay.
    const keda = join(work, "deploy/overlays/test-keda");
    mkdirSync(keda);
    writeFileSync(
      join(keda, "kustomization.yaml"),
      [
        "apiVersion: kustomize.config.k8s.io/v1beta1",
        "kind: Kustomization",
        "resources: [../cert-manager]",
        "components: [../../components/keda-scaler]",
        "",
      ].join("\n"),
    );
    rendered.set("keda", { name: "keda", docs: render(keda) });
    // The resource-metrics component in the self-signed overlay, as docs/operations.md says to add it.
    if (openssl) {
      const selfSigned = join(work, "deploy/overlays/self-signed-resource-metrics");
      cpSync(join(work, "deploy/overlays/self-signed"), selfSigned, { recursive: true });
      const file = join(selfSigned, "kustomization.yaml");
      writeFileSync(
        file,
        `${readFileSync(file, "utf8")}components:\n  - ../../components/resource-metrics\n`,
      );
      rendered.set("self-signed-resource-metrics", {
        name: "self-signed-resource-metrics",
        docs: render(selfSigned),
      });
    }
  });

  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** Every render that is meant to be applied (not the base). */
  const installs = () => [...rendered.values()].filter((r) => r.name !== "base");

  it("the keda-scaler component opens the gRPC port to KEDA's operator only", (t) => {
    if (skipReason) return t.skip(skipReason);
    const docs = rendered.get("keda")?.docs ?? [];
    const deployment = byKind(docs, "Deployment")[0] as Obj;
    const container = deployment.spec.template.spec.containers[0];
    const args: string[] = container.args;
    assert.equal(args[args.indexOf("--keda-port") + 1], "9090");
    assert.ok(container.ports.some((p: Obj) => p.name === "keda-grpc" && p.containerPort === 9090));
    const service = byKind(docs, "Service")[0] as Obj;
    assert.ok(service.spec.ports.some((p: Obj) => p.port === 9090 && p.targetPort === "keda-grpc"));
    const [policy] = byKind(docs, "NetworkPolicy") as Obj[];
    assert.ok(policy, "a NetworkPolicy for the gRPC port");
    assert.deepEqual(policy.spec.podSelector.matchLabels, deployment.spec.selector.matchLabels);
    const toGrpc = policy.spec.ingress.find((r: Obj) => r.ports.some((p: Obj) => p.port === 9090));
    assert.deepEqual(toGrpc.from, [
      {
        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "keda" } },
        podSelector: { matchLabels: { app: "keda-operator" } },
      },
    ]);
    // The API server's and Prometheus' ports stay open to everyone, as without the component.
    const open = policy.spec.ingress.find((r: Obj) => r.from === undefined);
    assert.deepEqual(open.ports.map((p: Obj) => p.port).sort(), [6443, 8080]);
  });

  it("renders every overlay (self-signed after generate-certs.sh)", (t) => {
    for (const overlay of OVERLAYS) {
      if (overlay === "self-signed" && !openssl) continue;
      assert.ok((rendered.get(overlay)?.docs.length ?? 0) > 10, `${overlay} rendered too few documents`);
    }
    if (!openssl) t.skip("openssl missing: the self-signed overlay was not rendered");
  });

  it("validates every document against the Kubernetes schemas", async () => {
    let validated = 0;
    let structural = 0;
    for (const r of rendered.values()) {
      for (const doc of r.docs) {
        const where = `${r.name}: ${id(doc)}`;
        assert.equal(typeof doc.apiVersion, "string", `${where}: apiVersion`);
        assert.equal(typeof doc.kind, "string", `${where}: kind`);
        if (CRD_GROUPS.has(groupVersion(doc.apiVersion).group)) {
          checkCustomKind(doc, r.docs);
          structural++;
          continue;
        }
        const Model = await modelFor(doc.apiVersion, doc.kind);
        assert.doesNotThrow(
          () => new Model(unwrapBase64(doc)).validate(),
          (err: Error) => {
            throw new Error(`${where} is invalid: ${err.message}`);
          },
        );
        validated++;
      }
    }
    assert.ok(validated > 50, `only ${validated} documents validated`);
    assert.ok(structural >= 5, `only ${structural} custom-kind documents checked`);
  });

  it("the schema validation rejects a broken manifest (it can fail)", async () => {
    const deployment = structuredClone(one(rendered.get("base")?.docs ?? [], "Deployment"));
    deployment.spec.template.spec.containers[0].ports[0].containerPort = "https";
    const Model = await modelFor("apps/v1", "Deployment");
    assert.throws(() => new Model(deployment).validate(), /containerPort/);
  });

  it("gives each namespaced object its namespace and no namespace to cluster-scoped ones", () => {
    for (const r of rendered.values()) {
      for (const doc of r.docs) {
        const ns = doc.metadata?.namespace;
        if (CLUSTER_SCOPED.has(doc.kind)) assert.equal(ns, undefined, `${r.name}: ${id(doc)}`);
        else if (
          doc.kind === "RoleBinding" &&
          doc.roleRef?.name === "extension-apiserver-authentication-reader"
        )
          assert.equal(ns, "kube-system", `${r.name}: ${id(doc)} must be in kube-system`);
        else assert.equal(ns, NAMESPACE, `${r.name}: ${id(doc)}`);
      }
      const names = r.docs.map(id);
      assert.equal(new Set(names).size, names.length, `${r.name}: duplicate objects`);
    }
  });

  it("registers each API group-version with the Service, port and priorities prometheus-adapter uses", () => {
    for (const r of installs()) {
      const apiServices = byKind(r.docs, "APIService");
      const expected =
        r.name === "custom-metrics-only"
          ? ALL_APISERVICES.filter((n) => !n.includes(".external."))
          : WITH_RESOURCE_METRICS.has(r.name)
            ? [...ALL_APISERVICES, RESOURCE_METRICS_APISERVICE].sort()
            : ALL_APISERVICES;
      assert.deepEqual(apiServices.map((a) => a.metadata.name).sort(), expected, r.name);
      const deployment = one(r.docs, "Deployment", "foresight");
      const container = deployment.spec.template.spec.containers[0];
      for (const a of apiServices) {
        const where = `${r.name}: ${id(a)}`;
        assert.equal(a.metadata.name, `${a.spec.version}.${a.spec.group}`, where);
        assert.notEqual(a.spec.insecureSkipTLSVerify, true, `${where}: must verify TLS`);
        assert.equal(a.spec.groupPriorityMinimum, 100, where);
        assert.equal(a.spec.versionPriority, a.spec.version === "v1beta2" ? 200 : 100, where);
        const service = one(r.docs, "Service", a.spec.service.name);
        assert.equal(service.metadata.namespace, a.spec.service.namespace, where);
        const port = (service.spec.ports as Obj[]).find((p) => p.port === (a.spec.service.port ?? 443));
        assert.ok(port, `${where}: Service has no port ${a.spec.service.port}`);
        // The Service selects the Deployment's pods and sends that port to the HTTPS container port.
        for (const [k, v] of Object.entries(service.spec.selector as Record<string, string>))
          assert.equal(deployment.spec.template.metadata.labels[k], v, `${where}: selector ${k}`);
        const target = (container.ports as Obj[]).find((p) => p.name === port.targetPort);
        assert.ok(target, `${where}: targetPort ${port.targetPort} is not a container port`);
        assert.equal(String(target.containerPort), argValue(container.args, "--secure-port"), where);
      }
    }
  });

  it("gets the caBundle from the certificate option", () => {
    for (const r of installs()) {
      const deployment = one(r.docs, "Deployment", "foresight");
      const volumes = deployment.spec.template.spec.volumes as Obj[];
      const certSecret = volumes.find((v) => v.name === "serving-cert")?.secret?.secretName;
      for (const a of byKind(r.docs, "APIService")) {
        const where = `${r.name}: ${id(a)}`;
        if (r.name.startsWith("self-signed")) {
          const secret = one(r.docs, "Secret");
          assert.equal(secret.metadata.name, certSecret, `${where}: the pods mount another Secret`);
          const ca = Buffer.from(String(a.spec.caBundle), "base64").toString("utf8");
          assert.equal(ca, Buffer.from(String(secret.data["ca.crt"]), "base64").toString("utf8"), where);
          const caCert = new X509Certificate(ca);
          const serving = new X509Certificate(Buffer.from(String(secret.data["tls.crt"]), "base64"));
          assert.ok(serving.verify(caCert.publicKey), `${where}: tls.crt is not signed by the caBundle`);
          const host = `${a.spec.service.name}.${a.spec.service.namespace}.svc`;
          assert.equal(serving.checkHost(host), host, `${where}: tls.crt is not valid for ${host}`);
        } else {
          const from = a.metadata.annotations?.["cert-manager.io/inject-ca-from"] as string | undefined;
          assert.ok(from, `${where}: no caBundle source`);
          const [ns, name] = from.split("/");
          const cert = one(r.docs, "Certificate", name);
          assert.equal(cert.metadata.namespace, ns, where);
          assert.equal(cert.spec.secretName, certSecret, `${where}: the pods mount another Secret`);
          assert.ok(
            (cert.spec.dnsNames as string[]).includes(
              `${a.spec.service.name}.${a.spec.service.namespace}.svc`,
            ),
            `${where}: the certificate does not name the Service`,
          );
        }
      }
    }
  });

  it("runs two non-root replicas on a read-only root filesystem with probes on named ports", () => {
    const flags = serveFlags();
    assert.ok(flags.has("--config"), "could not read `foresight serve --help`");
    for (const r of installs()) {
      const d = one(r.docs, "Deployment", "foresight");
      const where = `${r.name}: ${id(d)}`;
      const pod = d.spec.template.spec;
      assert.equal(d.spec.replicas, 2, where);
      assert.equal(pod.serviceAccountName, SERVICE_ACCOUNT, where);
      assert.equal(pod.securityContext.runAsNonRoot, true, where);
      assert.equal(pod.securityContext.runAsUser, 65532, where);
      const antiAffinity = pod.affinity?.podAntiAffinity;
      const spread = (pod.topologySpreadConstraints ?? []) as Obj[];
      assert.ok(
        antiAffinity || spread.some((c) => c.topologyKey === "kubernetes.io/hostname"),
        `${where}: replicas not spread across nodes`,
      );
      const mountsOf = new Map((pod.volumes as Obj[]).map((v) => [v.name as string, v]));
      for (const c of pod.containers as Obj[]) {
        const cw = `${where} container ${c.name}`;
        assert.equal(c.securityContext.readOnlyRootFilesystem, true, cw);
        assert.equal(c.securityContext.allowPrivilegeEscalation, false, cw);
        assert.deepEqual(c.securityContext.capabilities?.drop, ["ALL"], cw);
        assert.ok(c.resources?.requests?.cpu && c.resources?.requests?.memory, `${cw}: requests`);
        assert.ok(c.resources?.limits?.memory, `${cw}: memory limit`);
        assert.equal(c.args[0], "serve", cw);
        for (const arg of c.args as string[])
          if (arg.startsWith("--")) assert.ok(flags.has(arg), `${cw}: \`foresight serve\` has no ${arg}`);
        const portNames = new Map(
          (c.ports as Obj[]).map((p) => [p.name as string, p.containerPort as number]),
        );
        for (const [probe, path] of [
          ["livenessProbe", "/livez"],
          ["readinessProbe", "/readyz"],
        ] as const) {
          const get = c[probe]?.httpGet;
          assert.equal(get?.path, path, `${cw}: ${probe}`);
          assert.equal(get?.scheme ?? "HTTP", "HTTP", `${cw}: ${probe}`);
          assert.equal(
            portNames.get(get.port),
            Number(argValue(c.args, "--http-port") ?? 8080),
            `${cw}: ${probe}`,
          );
        }
        const env = new Map((c.env as Obj[]).map((e) => [e.name, e.valueFrom?.fieldRef?.fieldPath]));
        assert.equal(env.get("POD_NAME"), "metadata.name", cw);
        assert.equal(env.get("POD_NAMESPACE"), "metadata.namespace", cw);
        // Every mount has a volume; /tmp is writable; files named in args live under a mount.
        const mounts = c.volumeMounts as Obj[];
        for (const m of mounts) assert.ok(mountsOf.has(m.name), `${cw}: no volume ${m.name}`);
        assert.ok(mountsOf.get(mounts.find((m) => m.mountPath === "/tmp")?.name)?.emptyDir, `${cw}: /tmp`);
        for (const flag of ["--config", "--tls-cert-file", "--tls-private-key-file"]) {
          const file = argValue(c.args, flag);
          assert.ok(file, `${cw}: ${flag}`);
          assert.ok(
            mounts.some((m) => posix.dirname(file) === m.mountPath),
            `${cw}: ${flag} ${file} is not on a mounted volume`,
          );
        }
      }
      const pdb = one(r.docs, "PodDisruptionBudget");
      assert.equal(pdb.spec.minAvailable, 1, r.name);
      for (const [k, v] of Object.entries(pdb.spec.selector.matchLabels as Record<string, string>))
        assert.equal(d.spec.template.metadata.labels[k], v, `${r.name}: PDB selector ${k}`);
    }
  });

  it("ships a config file that loads, with its state under the writable data volume", () => {
    for (const r of installs()) {
      const d = one(r.docs, "Deployment", "foresight");
      const pod = d.spec.template.spec;
      const configMapName = (pod.volumes as Obj[]).find((v) => v.name === "config")?.configMap?.name;
      const cm = one(r.docs, "ConfigMap", configMapName);
      const config = parseConfigText(String(cm.data["config.yaml"]), `${r.name} ConfigMap`);
      assert.ok(config.prometheus.url, `${r.name}: prometheus.url placeholder`);
      const container = pod.containers[0] as Obj;
      const dataMount = (container.volumeMounts as Obj[]).find((m) => m.name === "data");
      assert.ok(dataMount && !dataMount.readOnly, `${r.name}: data volume`);
      for (const file of [
        config.actuator.storePath,
        config.actuator.decisionLogPath,
        config.forecast.storePath,
      ])
        if (file !== undefined) assert.ok(file.startsWith(`${dataMount.mountPath}/`), `${r.name}: ${file}`);
    }
  });

  it("includes the PredictiveScaler CRD and tags the image with package.json's version", () => {
    for (const r of rendered.values()) {
      const crd = one(
        r.docs,
        "CustomResourceDefinition",
        `${PREDICTIVE_SCALER_RESOURCE}.${PREDICTIVE_SCALER_GROUP}`,
      );
      assert.equal(crd.spec.group, PREDICTIVE_SCALER_GROUP, r.name);
      const image = one(r.docs, "Deployment").spec.template.spec.containers[0].image as string;
      assert.ok(image.endsWith(`:${pkg.version}`), `${r.name}: image ${image} is not tagged ${pkg.version}`);
    }
  });

  it("grants the aggregated-API-server, adapter and actuator rights", () => {
    const needs = actuatorNeeds();
    // Left out on purpose: cluster-wide configmaps (secrets-adjacent) and leases are not read by rules.
    const notListed = new Set(["configmaps", "leases"]);
    for (const r of installs()) {
      const docs = r.docs;
      const where = r.name;
      // Delegated authn/authz: system:auth-delegator (tokenreviews, subjectaccessreviews create).
      assert.ok(
        byKind(docs, "ClusterRoleBinding").some(
          (b) => b.roleRef.name === "system:auth-delegator" && isSubject(b, NAMESPACE, SERVICE_ACCOUNT),
        ),
        `${where}: auth-delegator binding`,
      );
      // kube-system/extension-apiserver-authentication through the built-in Role.
      assert.ok(
        byKind(docs, "RoleBinding").some(
          (b) =>
            b.metadata.namespace === "kube-system" &&
            b.roleRef.kind === "Role" &&
            b.roleRef.name === "extension-apiserver-authentication-reader" &&
            isSubject(b, NAMESPACE, SERVICE_ACCOUNT),
        ),
        `${where}: authentication-reader binding in kube-system`,
      );
      // The HPA controller reads both metric groups.
      const hpaRules = clusterRules(docs, "kube-system", "horizontal-pod-autoscaler");
      for (const group of ["custom.metrics.k8s.io", "external.metrics.k8s.io"])
        for (const verb of ["get", "list"])
          assert.ok(allows(hpaRules, group, "pods", verb), `${where}: HPA controller ${verb} ${group}`);
      // An aggregated reader for people.
      const aggregated = byKind(docs, "ClusterRole").find(
        (c) => c.metadata.labels?.["rbac.authorization.k8s.io/aggregate-to-view"] === "true",
      );
      assert.ok(aggregated, `${where}: aggregated view role`);
      for (const group of ["custom.metrics.k8s.io", "external.metrics.k8s.io"])
        assert.ok(allows(aggregated.rules, group, "*", "get"), `${where}: aggregated ${group}`);
      // The adapter's lookups and the actuator's actions.
      const own = clusterRules(docs, NAMESPACE, SERVICE_ACCOUNT);
      for (const res of BUILTIN_RESOURCES) {
        if (notListed.has(res.resource)) continue;
        for (const verb of ["get", "list", "watch"])
          assert.ok(
            allows(own, res.group, res.resource, verb),
            `${where}: ${verb} ${res.resource}.${res.group}`,
          );
      }
      for (const need of needs)
        for (const verb of need.verbs)
          assert.ok(
            allows(own, need.group, need.resource, verb),
            `${where}: ${verb} ${need.resource} (${need.group})`,
          );
      // Leader election: Leases in its own namespace only (shards listed, gone replicas' deleted).
      const ns = namespaceRules(docs, NAMESPACE);
      for (const verb of ["get", "list", "create", "update", "delete"])
        assert.ok(allows(ns, "coordination.k8s.io", "leases", verb), `${where}: ${verb} leases`);
      assert.ok(!allows(own, "coordination.k8s.io", "leases", "update"), `${where}: leases cluster-wide`);
    }
  });

  it("the RBAC check can fail: a role without HPA patch is caught", () => {
    const docs = structuredClone(rendered.get("cert-manager")?.docs ?? []) as Obj[];
    for (const role of byKind(docs, "ClusterRole"))
      role.rules = (role.rules ?? []).filter(
        (x: Obj) => !(x.resources ?? []).includes("horizontalpodautoscalers"),
      );
    const own = clusterRules(docs, NAMESPACE, SERVICE_ACCOUNT);
    assert.ok(!allows(own, "autoscaling", "horizontalpodautoscalers", "patch"));
  });

  it("serves metrics.k8s.io only with the resource-metrics component, readable by the HPA and viewers", (t) => {
    for (const r of installs()) {
      const has = byKind(r.docs, "APIService").some((a) => a.spec.group === "metrics.k8s.io");
      assert.equal(has, WITH_RESOURCE_METRICS.has(r.name), `${r.name}: metrics.k8s.io APIService`);
    }
    assert.ok(
      !(rendered.get("base")?.docs ?? []).some(
        (d) => d.kind === "APIService" && d.spec.group === "metrics.k8s.io",
      ),
      "the base must leave metrics.k8s.io to metrics-server",
    );
    for (const name of WITH_RESOURCE_METRICS) {
      const docs = rendered.get(name)?.docs;
      if (!docs) continue;
      const hpaRules = clusterRules(docs, "kube-system", "horizontal-pod-autoscaler");
      for (const verb of ["get", "list"])
        assert.ok(allows(hpaRules, "metrics.k8s.io", "pods", verb), `${name}: HPA controller ${verb} pods`);
      const viewers = byKind(docs, "ClusterRole").filter(
        (c) => c.metadata.labels?.["rbac.authorization.k8s.io/aggregate-to-view"] === "true",
      );
      for (const resource of ["pods", "nodes"])
        assert.ok(
          viewers.some((v) => allows(v.rules, "metrics.k8s.io", resource, "list")),
          `${name}: viewers list ${resource}`,
        );
      // What serving it needs of Foresight itself: list and watch pods and nodes.
      const own = clusterRules(docs, NAMESPACE, SERVICE_ACCOUNT);
      for (const resource of ["pods", "nodes"])
        for (const verb of ["list", "watch"])
          assert.ok(allows(own, "", resource, verb), `${name}: ${verb} ${resource}`);
    }
    if (!rendered.has("self-signed-resource-metrics"))
      t.skip("openssl missing: self-signed with the component not rendered");
  });

  it("has no external APIService in custom-metrics-only, and the ServiceMonitor in the component", () => {
    const only = rendered.get("custom-metrics-only")?.docs ?? [];
    assert.ok(only.length > 0);
    assert.ok(!only.some((d) => d.kind === "APIService" && d.spec.group === "external.metrics.k8s.io"));
    assert.equal(byKind(rendered.get("cert-manager")?.docs ?? [], "ServiceMonitor").length, 0);
    const sm = one(rendered.get("monitoring")?.docs ?? [], "ServiceMonitor");
    assert.equal(sm.apiVersion, "monitoring.coreos.com/v1");
    assert.ok((sm.spec.endpoints as Obj[]).some((e) => e.path === "/metrics"));
  });
});

describe("Dockerfile", () => {
  const dockerfile = readFileSync(join(ROOT, "Dockerfile"), "utf8");
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
    bin: Record<string, string>;
    engines: { node: string };
  };
  const instructions = dockerfile
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));

  it("starts package.json's bin with node", () => {
    const entry = instructions.filter((l) => l.startsWith("ENTRYPOINT "));
    assert.equal(entry.length, 1, "one ENTRYPOINT");
    const argv = JSON.parse((entry[0] as string).slice("ENTRYPOINT ".length)) as string[];
    assert.equal(argv[0], "node");
    assert.equal(argv.at(-1), pkg.bin.foresight, "ENTRYPOINT runs package.json bin.foresight");
  });

  it("builds multi-stage on the Node major of package.json engines, runs as uid 65532", () => {
    const froms = instructions.filter((l) => l.startsWith("FROM "));
    assert.ok(froms.length >= 2, "multi-stage");
    const minMajor = Number(/>=\s*(\d+)/.exec(pkg.engines.node)?.[1]);
    for (const from of froms) {
      const major = Number(/node:(\d+)/.exec(from)?.[1]);
      assert.ok(major >= minMajor, `${from}: Node ${major} below engines ${pkg.engines.node}`);
    }
    const users = instructions.filter((l) => l.startsWith("USER "));
    assert.match(users.at(-1) ?? "", /^USER 65532(:65532)?$/);
    assert.ok(
      instructions.some((l) => l.includes("npm ci")),
      "npm ci",
    );
    assert.ok(
      instructions.some((l) => l.includes("@tensorflow/tfjs-node")),
      "the image checks that tfjs-node is installed",
    );
    assert.ok(
      instructions.some((l) => l.startsWith("COPY") && l.includes("/app/dist")),
      "the runtime stage copies the build output",
    );
  });
});

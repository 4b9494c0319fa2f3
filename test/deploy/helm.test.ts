/**
 * The Helm chart (deploy/helm/foresight), rendered by test/deploy/helmRender (no helm binary here).
 * Its default values render the Kustomize base (`kubectl kustomize deploy/base`) object for object,
 * under one rule: Helm's four labels (helm.sh/chart, app.kubernetes.io/managed-by, /instance,
 * /version) are on every chart object and are removed before comparing; beyond that the objects
 * deep-equal. Two documented differences: the Namespace is rendered only with namespace.create=true
 * (Helm installs into an existing or --create-namespace namespace), and the CRD comes from crds/
 * (a link to deploy/crd, not templated), so it lacks the base's part-of label. Non-default values
 * are compared with the overlays where one matches (cert-manager, custom-metrics-only): the objects
 * an overlay adds to the base carry no labels there (its kustomization sets none) while the chart
 * labels every object alike, so those are expected with the base's two labels. Other values are
 * checked for what they must contain.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, describe, it, type TestContext } from "node:test";
import { parse } from "yaml";
import { KUBECTL_BINARY, kubectlAvailable } from "../harness/kubectl.js";
import {
  buildRenderer,
  CHART,
  find,
  type K8sObject,
  objectKey,
  parseStream,
  ROOT,
  render,
  rendererUnavailable,
  runRenderer,
} from "./helmHarness.js";

const chartMeta = parse(readFileSync(join(CHART, "Chart.yaml"), "utf8")) as {
  name: string;
  version: string;
  appVersion: string;
};
const HELM_LABELS: Record<string, string> = {
  "helm.sh/chart": `${chartMeta.name}-${chartMeta.version}`,
  "app.kubernetes.io/managed-by": "Helm",
  "app.kubernetes.io/instance": "foresight",
  "app.kubernetes.io/version": chartMeta.appVersion,
};
const CERT_MANAGER = ["--set", "certificates.mode=cert-manager"];

function kustomize(dir: string): K8sObject[] {
  return parseStream(execKubectl(["kustomize", join(ROOT, dir)]));
}

function execKubectl(args: string[]): string {
  const run = spawnSync(KUBECTL_BINARY, args, { encoding: "utf8" });
  if (run.status !== 0) throw new Error(`kubectl ${args.join(" ")}: ${run.stderr}`);
  return run.stdout;
}

/** The comparison rule: Helm's labels must be present with their values, then are removed. */
function withoutHelmLabels(o: K8sObject): K8sObject {
  const copy = structuredClone(o);
  const labels = copy.metadata.labels ?? {};
  for (const [key, value] of Object.entries(HELM_LABELS)) {
    assert.equal(labels[key], value, `${objectKey(o)}: label ${key}`);
    delete labels[key];
  }
  return copy;
}

/** crds/ is not templated: the CRD's labels must be a subset of the base's, then both are dropped. */
function withoutCrdLabels(chart: K8sObject, base: K8sObject): [K8sObject, K8sObject] {
  const [c, b] = [structuredClone(chart), structuredClone(base)];
  for (const [key, value] of Object.entries(c.metadata.labels ?? {}))
    assert.equal(b.metadata.labels?.[key], value, `CRD label ${key}`);
  delete c.metadata.labels;
  delete b.metadata.labels;
  return [c, b];
}

function assertSameObjects(chart: K8sObject[], base: K8sObject[]): void {
  const chartByKey = new Map(chart.map((o) => [objectKey(o), o]));
  const baseByKey = new Map(base.map((o) => [objectKey(o), o]));
  assert.equal(chartByKey.size, chart.length, "chart objects are unique");
  assert.deepEqual([...chartByKey.keys()].sort(), [...baseByKey.keys()].sort(), "the same objects");
  for (const [key, baseObject] of baseByKey) {
    const chartObject = chartByKey.get(key) as K8sObject;
    if (baseObject.kind === "CustomResourceDefinition") {
      const [c, b] = withoutCrdLabels(chartObject, baseObject);
      assert.deepEqual(c, b, key);
    } else {
      assert.deepEqual(withoutHelmLabels(chartObject), baseObject, key);
    }
  }
}

/** The overlay's objects, those it adds to the base given the base's labels. */
function overlayLabelledLikeBase(overlay: string): K8sObject[] {
  const base = kustomize("deploy/base");
  const baseKeys = new Set(base.map(objectKey));
  const common = base.find((o) => o.kind === "Service")?.metadata.labels ?? {};
  return withoutNamespaceObject(kustomize(overlay)).map((o) =>
    baseKeys.has(objectKey(o))
      ? o
      : { ...o, metadata: { ...o.metadata, labels: { ...common, ...o.metadata.labels } } },
  );
}

function withoutNamespaceObject(objects: K8sObject[]): K8sObject[] {
  return objects.filter((o) => o.kind !== "Namespace");
}

function deploymentOf(objects: K8sObject[]) {
  const [deployment] = find(objects, "Deployment", "foresight");
  assert.ok(deployment, "a Deployment");
  return deployment as K8sObject & {
    spec: {
      replicas: number;
      template: {
        metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
        spec: {
          containers: { image: string; args: string[] }[];
          volumes: { name: string; secret?: { secretName: string } }[];
          tolerations?: unknown[];
          nodeSelector?: Record<string, string>;
        };
      };
    };
  };
}

describe("Helm chart deploy/helm/foresight", () => {
  let renderer = "";
  const skipWithoutTools = (t: TestContext, needKubectl: boolean): boolean => {
    if (!renderer) {
      t.skip(rendererUnavailable());
      return true;
    }
    if (needKubectl && !kubectlAvailable()) {
      t.skip("kubectl is not installed");
      return true;
    }
    return false;
  };
  before(() => {
    if (rendererUnavailable() === undefined) renderer = buildRenderer();
  });

  it("renders the Kustomize base with its default values (plus the CRD from crds/)", (t) => {
    if (skipWithoutTools(t, true)) return;
    const chart = render(renderer, ["--include-crds"]);
    assert.equal(find(chart, "Namespace").length, 0, "no Namespace by default");
    assertSameObjects(chart, withoutNamespaceObject(kustomize("deploy/base")));
  });

  it("renders the base's Namespace with namespace.create=true", (t) => {
    if (skipWithoutTools(t, true)) return;
    const chart = render(renderer, ["--include-crds", "--set", "namespace.create=true"]);
    assertSameObjects(chart, kustomize("deploy/base"));
  });

  it("certificates.mode=cert-manager renders the cert-manager overlay", (t) => {
    if (skipWithoutTools(t, true)) return;
    const chart = render(renderer, ["--include-crds", ...CERT_MANAGER]);
    assertSameObjects(chart, overlayLabelledLikeBase("deploy/overlays/cert-manager"));
  });

  it("apiServices.external=false renders the custom-metrics-only overlay", (t) => {
    if (skipWithoutTools(t, true)) return;
    const chart = render(renderer, [
      "--include-crds",
      ...CERT_MANAGER,
      "--set",
      "apiServices.external=false",
    ]);
    assertSameObjects(chart, overlayLabelledLikeBase("deploy/overlays/custom-metrics-only"));
  });

  it("apiServices.resource=true registers metrics.k8s.io with its RBAC and CA injection", (t) => {
    if (skipWithoutTools(t, false)) return;
    const chart = render(renderer, [...CERT_MANAGER, "--set", "apiServices.resource=true"]);
    const [apiService] = find(chart, "APIService", "v1beta1.metrics.k8s.io") as (K8sObject & {
      spec: { group: string; service: { name: string; namespace: string; port: number } };
    })[];
    assert.ok(apiService, "the metrics.k8s.io APIService");
    assert.equal(apiService.spec.group, "metrics.k8s.io");
    assert.deepEqual(apiService.spec.service, { name: "foresight", namespace: "foresight", port: 443 });
    assert.equal(
      (apiService.metadata.annotations as Record<string, string>)["cert-manager.io/inject-ca-from"],
      "foresight/foresight-serving-cert",
    );
    const [role] = find(
      chart,
      "ClusterRole",
      "foresight:aggregated-resource-metrics-reader",
    ) as (K8sObject & {
      rules: { apiGroups: string[]; resources: string[] }[];
    })[];
    assert.ok(role, "the resource metrics reader role");
    assert.deepEqual(role.rules[0]?.apiGroups, ["metrics.k8s.io"]);
    assert.equal(find(chart, "ClusterRoleBinding", "foresight:hpa-controller-resource-metrics").length, 1);
    assert.equal(find(render(renderer), "APIService", "v1beta1.metrics.k8s.io").length, 0, "off by default");
  });

  it("certificates.mode=self-signed generates a Secret whose CA is every APIService's caBundle", (t) => {
    if (skipWithoutTools(t, false)) return;
    const chart = render(renderer, ["--set", "certificates.mode=self-signed"]);
    const [secret] = find(chart, "Secret", "foresight-serving-cert") as (K8sObject & {
      type: string;
      data: Record<string, string>;
    })[];
    assert.ok(secret, "the serving Secret");
    assert.equal(secret.type, "kubernetes.io/tls");
    const ca = new X509Certificate(Buffer.from(secret.data["ca.crt"] as string, "base64"));
    const cert = new X509Certificate(Buffer.from(secret.data["tls.crt"] as string, "base64"));
    assert.ok(cert.verify(ca.publicKey), "the serving certificate is signed by the CA");
    assert.equal(cert.checkHost("foresight.foresight.svc"), "foresight.foresight.svc");
    const apiServices = find(chart, "APIService") as (K8sObject & { spec: { caBundle?: string } })[];
    assert.equal(apiServices.length, 3);
    for (const a of apiServices) assert.equal(a.spec.caBundle, secret.data["ca.crt"], a.metadata.name);
    const volume = deploymentOf(chart).spec.template.spec.volumes.find((v) => v.name === "serving-cert");
    assert.equal(volume?.secret?.secretName, "foresight-serving-cert");
  });

  it("existingSecret mode takes the Secret name and caBundle from values", (t) => {
    if (skipWithoutTools(t, false)) return;
    const chart = render(renderer, [
      "--set",
      "certificates.secretName=my-tls",
      "--set",
      "certificates.caBundle=Q0E=",
    ]);
    assert.equal(find(chart, "Secret").length, 0, "the chart makes no Secret");
    for (const a of find(chart, "APIService") as (K8sObject & { spec: { caBundle?: string } })[])
      assert.equal(a.spec.caBundle, "Q0E=");
    const volume = deploymentOf(chart).spec.template.spec.volumes.find((v) => v.name === "serving-cert");
    assert.equal(volume?.secret?.secretName, "my-tls");
  });

  it("serviceMonitor.enabled renders a ServiceMonitor with the release label that selects the Service", (t) => {
    if (skipWithoutTools(t, false)) return;
    assert.equal(find(render(renderer), "ServiceMonitor").length, 0, "off by default");
    const chart = render(renderer, [
      "--set",
      "serviceMonitor.enabled=true",
      "--set",
      "serviceMonitor.labels.release=kube-prometheus-stack",
      "--set",
      "serviceMonitor.interval=15s",
    ]);
    const [monitor] = find(chart, "ServiceMonitor", "foresight") as (K8sObject & {
      spec: {
        selector: { matchLabels: Record<string, string> };
        namespaceSelector: { matchNames: string[] };
        endpoints: { port: string; path: string; interval: string }[];
      };
    })[];
    assert.ok(monitor, "a ServiceMonitor");
    assert.equal(monitor.metadata.labels?.release, "kube-prometheus-stack");
    assert.deepEqual(
      monitor.spec.endpoints.map((e) => [e.port, e.path, e.interval]),
      [["http", "/metrics", "15s"]],
    );
    const [service] = find(chart, "Service", "foresight") as (K8sObject & {
      spec: { ports: { name: string }[] };
    })[];
    assert.ok(
      service?.spec.ports.some((p) => p.name === "http"),
      "the Service has the http port",
    );
    for (const [key, value] of Object.entries(monitor.spec.selector.matchLabels))
      assert.equal(service?.metadata.labels?.[key], value, `the Service carries ${key}`);
    assert.deepEqual(monitor.spec.namespaceSelector.matchNames, [service?.metadata.namespace]);
  });

  it("renders a PodDisruptionBudget with more than one replica only", (t) => {
    if (skipWithoutTools(t, false)) return;
    const one = render(renderer, ["--set", "replicas=1"]);
    assert.equal(deploymentOf(one).spec.replicas, 1);
    assert.equal(find(one, "PodDisruptionBudget").length, 0, "no PDB for one replica");
    const two = render(renderer, ["--set", "replicas=2"]);
    const [pdb] = find(two, "PodDisruptionBudget", "foresight") as (K8sObject & {
      spec: { minAvailable: number; selector: { matchLabels: Record<string, string> } };
    })[];
    assert.ok(pdb, "a PDB for two replicas");
    assert.equal(pdb.spec.minAvailable, 1);
    const podLabels = deploymentOf(two).spec.template.metadata.labels;
    for (const [key, value] of Object.entries(pdb.spec.selector.matchLabels))
      assert.equal(podLabels[key], value);
  });

  it("takes image, authentication, scheduling and pod values", (t) => {
    if (skipWithoutTools(t, false)) return;
    const values = join(mkdtempSync(join(tmpdir(), "helm-values-")), "values.yaml");
    writeFileSync(
      values,
      [
        "image: { repository: registry.example.com/foresight, tag: 1.2.3 }",
        "authentication: on",
        "podAnnotations: { example.com/team: ml }",
        "nodeSelector: { kubernetes.io/os: linux }",
        "tolerations: [{ key: dedicated, operator: Exists, effect: NoSchedule }]",
        "",
      ].join("\n"),
    );
    const deployment = deploymentOf(render(renderer, ["-f", values]));
    const pod = deployment.spec.template;
    const container = pod.spec.containers[0];
    assert.equal(container?.image, "registry.example.com/foresight:1.2.3");
    const auth = container?.args.indexOf("--authentication") ?? -1;
    assert.ok(auth > 0, "--authentication passed");
    assert.equal(container?.args[auth + 1], "on");
    assert.deepEqual(pod.metadata.annotations, { "example.com/team": "ml" });
    assert.deepEqual(pod.spec.nodeSelector, { "kubernetes.io/os": "linux" });
    assert.equal(pod.spec.tolerations?.length, 1);
    const defaults = deploymentOf(render(renderer)).spec.template.spec.containers[0];
    assert.equal(
      defaults?.image,
      `ghcr.io/foresight-dev/foresight:${chartMeta.appVersion}`,
      "tag defaults to appVersion",
    );
    assert.ok(!defaults?.args.includes("--authentication"), "no --authentication by default");
    const numeric = deploymentOf(render(renderer, ["--set", "image.tag=123"]));
    assert.equal(
      numeric.spec.template.spec.containers[0]?.image,
      "ghcr.io/foresight-dev/foresight:123",
      "--set types 123 as a number",
    );
    assert.equal(numeric.metadata.labels?.["app.kubernetes.io/version"], "123");
  });

  it("the config value changes the ConfigMap and its hashed name, so the pods roll", (t) => {
    if (skipWithoutTools(t, false)) return;
    const config = "prometheus:\n  url: http://prometheus.example:9090\nrules: []\n";
    const chart = render(renderer, ["--set-string", `config=${config.replace(/,/g, "\\,")}`]);
    const [configMap] = find(chart, "ConfigMap") as (K8sObject & { data: Record<string, string> })[];
    assert.equal(configMap?.data["config.yaml"], config);
    const defaultName = find(render(renderer), "ConfigMap")[0]?.metadata.name;
    assert.notEqual(configMap?.metadata.name, defaultName);
    const volume = deploymentOf(chart).spec.template.spec.volumes.find((v) => v.name === "config") as {
      configMap?: { name: string };
    };
    assert.equal(volume.configMap?.name, configMap?.metadata.name);
  });

  it("rejects values it cannot honour, with a message", (t) => {
    if (skipWithoutTools(t, false)) return;
    const cases: [string[], RegExp][] = [
      [["--set", "certificates.mode=vault"], /certificates\.mode must be one of/],
      [["--set", "authentication=maybe"], /authentication must be on, off, auto/],
      [["--set", "apiServices.custom=false", "--set", "apiServices.external=false"], /register at least one/],
      [["--set", "serviceAccount.create=false"], /serviceAccount\.name is required/],
    ];
    for (const [args, message] of cases) {
      const run = runRenderer(renderer, args);
      assert.notEqual(run.status, 0, args.join(" "));
      assert.match(run.stderr, message);
    }
  });

  it("renders the Grafana dashboard ConfigMap only when files/foresight-dashboard.json is in the chart", (t) => {
    if (skipWithoutTools(t, false)) return;
    const copy = mkdtempSync(join(tmpdir(), "helm-chart-"));
    try {
      cpSync(CHART, copy, { recursive: true, dereference: true });
      rmSync(join(copy, "files/foresight-dashboard.json"), { force: true });
      const enabled = ["--set", "dashboard.enabled=true"];
      assert.equal(find(render(renderer, enabled, copy), "ConfigMap", "foresight-dashboard").length, 0);
      const dashboard = `${JSON.stringify({ title: "Foresight", panels: [] }, null, 2)}\n`;
      writeFileSync(join(copy, "files/foresight-dashboard.json"), dashboard);
      assert.equal(
        find(render(renderer, [], copy), "ConfigMap", "foresight-dashboard").length,
        0,
        "off by default",
      );
      const [configMap] = find(
        render(renderer, enabled, copy),
        "ConfigMap",
        "foresight-dashboard",
      ) as (K8sObject & {
        data: Record<string, string>;
      })[];
      assert.ok(configMap, "the dashboard ConfigMap");
      assert.equal(configMap.metadata.labels?.grafana_dashboard, "1");
      assert.deepEqual(
        JSON.parse(configMap.data["foresight-dashboard.json"] as string),
        JSON.parse(dashboard),
      );
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it("dashboard.enabled and prometheusRule.enabled render deploy/monitoring's dashboard and alerts", (t) => {
    if (skipWithoutTools(t, false)) return;
    const chart = render(renderer, [
      "--set",
      "dashboard.enabled=true",
      "--set",
      "prometheusRule.enabled=true",
      "--set",
      "prometheusRule.labels.release=kube-prometheus-stack",
    ]);
    const [configMap] = find(chart, "ConfigMap", "foresight-dashboard") as (K8sObject & {
      data: Record<string, string>;
    })[];
    assert.deepEqual(
      JSON.parse(configMap?.data["foresight-dashboard.json"] as string),
      JSON.parse(readFileSync(join(ROOT, "deploy/monitoring/foresight-dashboard.json"), "utf8")),
    );
    const [rule] = find(chart, "PrometheusRule", "foresight") as (K8sObject & { spec: unknown })[];
    assert.ok(rule, "a PrometheusRule");
    assert.equal(rule.metadata.labels?.release, "kube-prometheus-stack");
    const source = parse(readFileSync(join(ROOT, "deploy/monitoring/foresight-rules.yaml"), "utf8")) as {
      spec: unknown;
    };
    assert.deepEqual(rule.spec, source.spec);
    assert.equal(find(render(renderer), "PrometheusRule").length, 0, "off by default");
  });

  it("NOTES.txt names the APIServices this release registers", (t) => {
    if (skipWithoutTools(t, false)) return;
    const notes = (args: string[]): string => {
      const run = runRenderer(renderer, [
        "--name",
        "foresight",
        "--namespace",
        "foresight",
        "--notes",
        ...args,
      ]);
      assert.equal(run.status, 0, run.stderr);
      return run.stdout;
    };
    for (const args of [
      [],
      [...CERT_MANAGER, "--set", "apiServices.external=false,apiServices.resource=true"],
    ]) {
      const apiServices = find(render(renderer, args), "APIService").map((a) => a.metadata.name);
      const line = /kubectl get apiservice (.*)$/m.exec(notes(args))?.[1];
      assert.deepEqual(line?.split(" ").sort(), apiServices.sort(), args.join(" "));
    }
    assert.match(notes([]), /certificates\.caBundle/, "existingSecret without a CA says so");
    assert.doesNotMatch(notes(CERT_MANAGER), /caBundle/);
  });

  it("values.schema.json is JSON Schema whose properties cover values.yaml's top-level keys", () => {
    const schema = JSON.parse(readFileSync(join(CHART, "values.schema.json"), "utf8")) as {
      properties: Record<string, unknown>;
    };
    const values = parse(readFileSync(join(CHART, "values.yaml"), "utf8")) as Record<string, unknown>;
    assert.deepEqual(Object.keys(schema.properties).sort(), Object.keys(values).sort());
  });
});

import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { parseAllDocuments, parse as parseYaml } from "yaml";
import { validatePredictiveScaler, validatePredictiveScalerSpec } from "../../src/actuator/spec.js";
import { type KubeFacade, startKubeFacade } from "../../src/demo/kube/index.js";
import { type Kubectl, kubectlAvailable, kubectlFor } from "../harness/kubectl.js";

const CRD_FILE = fileURLToPath(
  new URL("../../deploy/crd/predictivescalers.foresight.dev.yaml", import.meta.url),
);
const DOC_FILE = new URL("../../docs/predictive-scaler.md", import.meta.url);

interface Schema {
  type?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  required?: string[];
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  "x-kubernetes-int-or-string"?: boolean;
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  "x-kubernetes-list-type"?: string;
  "x-kubernetes-list-map-keys"?: string[];
  "x-kubernetes-validations"?: { rule: string; message?: string }[];
  [key: string]: unknown;
}

interface Crd {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: {
    group: string;
    scope: string;
    names: { kind: string; plural: string; singular: string; shortNames: string[] };
    versions: {
      name: string;
      served: boolean;
      storage: boolean;
      subresources?: { status?: object };
      additionalPrinterColumns: { name: string; type: string; jsonPath: string }[];
      schema: { openAPIV3Schema: Schema };
    }[];
  };
}

const crd = parseYaml(await readFile(CRD_FILE, "utf8")) as Crd;
const version = crd.spec.versions[0];
const root = version?.schema.openAPIV3Schema as Schema;
const specSchema = root.properties?.spec as Schema;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The OpenAPI checks the API server makes on a structural schema (type, enum, pattern, lengths, ranges,
 * required, unknown fields); CEL rules are not evaluated here.
 */
function schemaErrors(schema: Schema, value: unknown, path: string): string[] {
  const errors: string[] = [];
  const fail = (message: string) => errors.push(`${path}: ${message}`);
  if (schema["x-kubernetes-int-or-string"]) {
    if (!Number.isInteger(value) && typeof value !== "string") fail("must be an integer or a string");
  } else if (schema.type === "integer" ? !Number.isInteger(value) : !hasType(schema.type, value)) {
    fail(`must be of type ${schema.type}`);
    return errors;
  }
  if (schema.enum && !schema.enum.includes(value)) fail(`Unsupported value: ${JSON.stringify(value)}`);
  if (typeof value === "string") {
    if (schema.pattern && !new RegExp(schema.pattern).test(value)) fail(`should match '${schema.pattern}'`);
    if (schema.minLength !== undefined && value.length < schema.minLength) fail("too short");
    if (schema.maxLength !== undefined && value.length > schema.maxLength) fail("too long");
  }
  if (typeof value === "number") {
    const { minimum: min, maximum: max } = schema;
    if (min !== undefined && (schema.exclusiveMinimum ? value <= min : value < min)) fail("below minimum");
    if (max !== undefined && (schema.exclusiveMaximum ? value >= max : value > max)) fail("above maximum");
  }
  if (isObject(value)) {
    for (const name of schema.required ?? [])
      if (value[name] === undefined) errors.push(`${path}.${name}: Required`);
    for (const [name, v] of Object.entries(value)) {
      const prop =
        schema.properties?.[name] ??
        (isObject(schema.additionalProperties) ? schema.additionalProperties : undefined);
      if (prop) errors.push(...schemaErrors(prop, v, `${path}.${name}`));
      else if (!schema["x-kubernetes-preserve-unknown-fields"]) errors.push(`${path}.${name}: unknown field`);
    }
  }
  if (Array.isArray(value) && schema.items) {
    const items = schema.items;
    value.forEach((v, i) => {
      errors.push(...schemaErrors(items, v, `${path}[${i}]`));
    });
  }
  return errors;
}

function hasType(type: string | undefined, value: unknown): boolean {
  switch (type) {
    case "object":
      return isObject(value);
    case "array":
      return Array.isArray(value);
    case "string":
    case "number":
    case "boolean":
      return typeof value === type;
    default:
      return false;
  }
}

/** Rules of structural schemas (apiextensions validation.go), as far as this CRD uses them. */
function structuralProblems(schema: Schema, path: string): string[] {
  const problems: string[] = [];
  for (const forbidden of ["oneOf", "anyOf", "allOf", "not", "$ref", "additionalItems", "dependencies"]) {
    if (forbidden in schema) problems.push(`${path}: ${forbidden} is not allowed here`);
  }
  if (schema["x-kubernetes-int-or-string"]) {
    if (schema.type !== undefined) problems.push(`${path}: int-or-string must not have a type`);
  } else if (!["object", "array", "string", "integer", "number", "boolean"].includes(schema.type ?? "")) {
    problems.push(`${path}: has no type`);
  }
  if (schema.properties && schema.additionalProperties !== undefined) {
    problems.push(`${path}: properties and additionalProperties are mutually exclusive`);
  }
  if (schema.type === "array" && !schema.items) problems.push(`${path}: array without items`);
  if (schema.default !== undefined) {
    problems.push(...schemaErrors(schema, schema.default, `${path}(default)`));
  }
  if (schema["x-kubernetes-list-type"] === "map") {
    for (const key of schema["x-kubernetes-list-map-keys"] ?? []) {
      if (!schema.items?.required?.includes(key))
        problems.push(`${path}: list-map key ${key} must be required`);
    }
  }
  for (const [name, prop] of Object.entries(schema.properties ?? {})) {
    problems.push(...structuralProblems(prop, `${path}.${name}`));
  }
  if (isObject(schema.additionalProperties)) {
    problems.push(...structuralProblems(schema.additionalProperties, `${path}[*]`));
  }
  if (schema.items) problems.push(...structuralProblems(schema.items, `${path}[*]`));
  return problems;
}

/** The schema node at a printer column's jsonPath (filters like [?(@.type=="Ready")] select an item). */
function schemaAt(jsonPath: string): Schema | undefined {
  let node: Schema | undefined = root;
  for (const part of jsonPath
    .replace(/\[\?\(.*?\)\]/g, "[]")
    .replace(/^\./, "")
    .split(".")) {
    node = node?.properties?.[part.replace("[]", "")];
    if (part.endsWith("[]")) node = node?.items;
  }
  return node;
}

async function documentedScalers(): Promise<Record<string, unknown>[]> {
  const markdown = await readFile(DOC_FILE, "utf8");
  return [...markdown.matchAll(/```yaml\n([\s\S]*?)```/g)]
    .flatMap((m) => parseAllDocuments(m[1] ?? "").map((d) => d.toJS() as unknown))
    .filter((d): d is Record<string, unknown> => isObject(d) && d.kind === "PredictiveScaler");
}

describe("the PredictiveScaler CRD manifest", () => {
  it("names the resource as documented", () => {
    assert.equal(crd.apiVersion, "apiextensions.k8s.io/v1");
    assert.equal(crd.kind, "CustomResourceDefinition");
    assert.equal(crd.metadata.name, `${crd.spec.names.plural}.${crd.spec.group}`);
    assert.equal(crd.spec.group, "foresight.dev");
    assert.equal(crd.spec.scope, "Namespaced");
    assert.equal(crd.spec.names.kind, "PredictiveScaler");
    assert.equal(crd.spec.names.plural, "predictivescalers");
    assert.deepEqual(crd.spec.names.shortNames, ["psc"]);
    assert.deepEqual(
      crd.spec.versions.map((v) => [v.name, v.served, v.storage]),
      [["v1alpha1", true, true]],
    );
    assert.deepEqual(version?.subresources?.status, {});
  });

  it("has a structural schema", () => {
    assert.deepEqual(structuralProblems(root, "openAPIV3Schema"), []);
    // Only the root may describe metadata, and only as a bare object.
    assert.deepEqual(root.properties?.metadata, { type: "object" });
  });

  it("finds the problems it looks for (the structural check can fail)", () => {
    const broken: Schema = {
      type: "object",
      properties: {
        a: { properties: {} },
        b: { type: "string", oneOf: [{ pattern: "x" }] },
        c: { type: "array" },
        d: { type: "integer", default: "one" },
      },
    };
    assert.deepEqual(structuralProblems(broken, "s"), [
      "s.a: has no type",
      "s.b: oneOf is not allowed here",
      "s.c: array without items",
      "s.d(default): must be of type integer",
    ]);
  });

  it("describes every field, so that kubectl explain says what each one is for", () => {
    const undescribed: string[] = [];
    const walk = (schema: Schema, path: string) => {
      for (const [name, child] of Object.entries(schema.properties ?? {})) {
        const at = `${path}.${name}`;
        // The root's metadata must stay a bare object (structural schema); explain shows ObjectMeta's.
        if (at === ".metadata") continue;
        if (typeof child.description !== "string" || child.description.trim() === "") undescribed.push(at);
        walk(child, at);
      }
      if (schema.items) walk(schema.items, `${path}[]`);
      if (typeof schema.additionalProperties === "object") walk(schema.additionalProperties, `${path}{}`);
    };
    walk(root, "");
    assert.deepEqual(undescribed, []);
    assert.ok((root.properties?.spec?.properties?.maxCapacityBuffer?.description ?? "").includes("Increase"));
  });

  it("says in CEL what the structural schema cannot", () => {
    const rules = (s: Schema | undefined) => (s?.["x-kubernetes-validations"] ?? []).map((v) => v.rule);
    assert.deepEqual(rules(specSchema), [
      "!has(self.minReplicas) || self.minReplicas <= self.maxReplicas",
      "!has(self.maxCapacityBreach) || self.maxCapacityBreach != 'Increase' || has(self.maxCapacityBuffer)",
      "!has(self.maxCapacityBuffer) || (has(self.maxCapacityBreach) && self.maxCapacityBreach == 'Increase')",
    ]);
    assert.deepEqual(rules(specSchema.properties?.demand), ["has(self.query) != has(self.metric)"]);
  });

  it("prints the documented columns, each reading a field of the schema", () => {
    const columns = version?.additionalPrinterColumns ?? [];
    assert.deepEqual(
      columns.map((c) => c.name),
      ["Target", "Mode", "Ready", "Reason", "Recommended", "Last-Forecast", "Applied", "Model", "Age"],
    );
    for (const c of columns.filter((c) => !c.jsonPath.startsWith(".metadata."))) {
      const node = schemaAt(c.jsonPath);
      assert.ok(node, `${c.name}: ${c.jsonPath} is not in the schema`);
      assert.equal(node.type, c.type === "date" ? "string" : c.type, `${c.name} column type`);
    }
  });

  it("accepts every documented example, as the spec validator defaults it", async () => {
    const scalers = await documentedScalers();
    assert.ok(scalers.length >= 4);
    for (const scaler of scalers) {
      // metadata is checked by the API server as ObjectMeta, not by the CRD's schema.
      assert.deepEqual(
        schemaErrors(specSchema, scaler.spec, ".spec"),
        [],
        `as written: ${JSON.stringify(scaler)}`,
      );
      const defaulted = validatePredictiveScaler(scaler);
      assert.ok(defaulted.ok);
      assert.deepEqual(schemaErrors(specSchema, defaulted.value.spec, ".spec"), [], "after defaulting");
    }
  });

  const minimal = {
    targetRef: { kind: "Deployment", name: "web" },
    demand: { query: "up" },
    capacityPerReplica: 5,
    maxReplicas: 4,
  };
  const bad: { name: string; spec: Record<string, unknown>; field: string }[] = [
    { name: "quantile 1.5", spec: { quantile: 1.5 }, field: ".spec.quantile" },
    { name: "quantile 0", spec: { quantile: 0 }, field: ".spec.quantile" },
    { name: "unknown mode", spec: { mode: "Turbo" }, field: ".spec.mode" },
    { name: "targetRef without kind", spec: { targetRef: { name: "web" } }, field: ".spec.targetRef.kind" },
    { name: "duration with a space", spec: { leadTime: "5 m" }, field: ".spec.leadTime" },
    { name: "negative minReplicas", spec: { minReplicas: -1 }, field: ".spec.minReplicas" },
    { name: "fractional maxReplicas", spec: { maxReplicas: 2.5 }, field: ".spec.maxReplicas" },
    { name: "capacity in words", spec: { capacityPerReplica: "lots" }, field: ".spec.capacityPerReplica" },
    {
      name: "rate above 1",
      spec: { fallback: { underPredictionRate: 1.5 } },
      field: ".spec.fallback.underPredictionRate",
    },
    {
      name: "zero failure threshold",
      spec: { fallback: { failureThreshold: 0 } },
      field: ".spec.fallback.failureThreshold",
    },
    { name: "unknown node mode", spec: { nodes: { mode: "Spot" } }, field: ".spec.nodes.mode" },
    {
      name: "release rate of 0",
      spec: { scaleDown: { maxPercentPerMinute: 0 } },
      field: ".spec.scaleDown.maxPercentPerMinute",
    },
    {
      name: "zero replicas per minute",
      spec: { scaleDown: { maxReplicasPerMinute: 0 } },
      field: ".spec.scaleDown.maxReplicasPerMinute",
    },
    { name: "unknown field", spec: { replicas: 3 }, field: ".spec.replicas" },
  ];
  for (const { name, spec, field } of bad) {
    it(`rejects ${name} at ${field}, as the spec validator does`, () => {
      const value = { ...minimal, ...spec };
      const crdErrors = schemaErrors(specSchema, value, ".spec");
      assert.ok(
        crdErrors.some((e) => e.startsWith(`${field}:`)),
        `CRD: ${JSON.stringify(crdErrors)}`,
      );
      const result = validatePredictiveScalerSpec(value);
      assert.ok(!result.ok, "the spec validator accepted it");
      assert.ok(
        result.errors.some((e) => `.${e.field}` === field),
        `validator: ${JSON.stringify(result.errors)}`,
      );
    });
  }
});

describe("the CRD in the simulated API", () => {
  let facade: KubeFacade;
  let kubectl: Kubectl | undefined;
  const PSC = "/apis/foresight.dev/v1alpha1/namespaces/shop/predictivescalers";

  async function call(method: string, path: string, body?: unknown) {
    const init: RequestInit = { method, headers: { "content-type": "application/json" } };
    if (body !== undefined) init.body = JSON.stringify(body);
    const res = await fetch(`${facade.url}${path}`, init);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> & { status?: unknown } };
  }

  before(async () => {
    facade = await startKubeFacade();
    facade.store.addNamespace("shop");
    if (kubectlAvailable()) kubectl = await kubectlFor(facade);
  });
  after(async () => {
    await kubectl?.cleanup();
    await facade?.close();
  });

  it("registers and is established", async () => {
    const { status, body } = await call(
      "POST",
      "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
      crd,
    );
    assert.equal(status, 201, JSON.stringify(body));
    const conditions = (body.status as { conditions: { type: string; status: string }[] }).conditions;
    assert.ok(conditions.some((c) => c.type === "Established" && c.status === "True"));
  });

  it("stores a PredictiveScaler and its status, and reads them back", async () => {
    const [scaler] = await documentedScalers();
    const defaulted = validatePredictiveScaler({ ...scaler, metadata: { name: "web", namespace: "shop" } });
    assert.ok(defaulted.ok);
    const created = await call("POST", PSC, defaulted.value);
    assert.equal(created.status, 201, JSON.stringify(created.body));

    const status = {
      observedGeneration: 1,
      conditions: [
        {
          type: "Ready",
          status: "True",
          reason: "ForecastUsed",
          message: "acting on the forecast",
          lastTransitionTime: "2026-01-01T00:00:00Z",
        },
      ],
      model: "holt-winters",
      recommendedReplicas: 12,
      lastRecommendation: { replicas: 11, time: "2026-01-01T00:00:00Z" },
      appliedReplicas: 9,
    };
    assert.deepEqual(schemaErrors(root.properties?.status as Schema, status, ".status"), []);
    const current = await call("GET", `${PSC}/web`);
    const put = await call("PUT", `${PSC}/web/status`, { ...current.body, status });
    assert.equal(put.status, 200, JSON.stringify(put.body));

    const read = await call("GET", `${PSC}/web`);
    assert.equal(read.status, 200);
    assert.deepEqual(read.body.spec, defaulted.value.spec);
    assert.deepEqual(read.body.status, status);
  });

  it("kubectl validates the manifest (client dry run)", {
    skip: !kubectlAvailable() && "no kubectl",
  }, async () => {
    const result = await (kubectl as Kubectl).run("create", "--dry-run=client", "-f", CRD_FILE);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /predictivescalers\.foresight\.dev created \(dry run\)/);
  });

  it("kubectl get psc prints the columns", { skip: !kubectlAvailable() && "no kubectl" }, async () => {
    const { code, stdout, stderr } = await (kubectl as Kubectl).run("get", "psc", "-n", "shop");
    assert.equal(code, 0, stderr);
    const [header = "", row = ""] = stdout.split("\n");
    assert.match(
      header,
      /^NAME\s+TARGET\s+MODE\s+READY\s+REASON\s+RECOMMENDED\s+LAST-FORECAST\s+APPLIED\s+MODEL\s+AGE$/,
    );
    // Cells start where their header does; the simulator leaves filtered jsonPaths (READY) empty.
    const cell = (name: string) => {
      const start = header.indexOf(name);
      const next = header.slice(start + name.length).search(/\S/);
      return row.slice(start, next < 0 ? undefined : start + name.length + next).trim();
    };
    assert.deepEqual(
      ["NAME", "TARGET", "MODE", "RECOMMENDED", "LAST-FORECAST", "APPLIED", "MODEL"].map(cell),
      ["web", "web", "ForecastOnly", "12", "11", "9", "holt-winters"],
    );
  });
});

import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { describe, it } from "node:test";
import { parseAllDocuments, parse as parseYaml } from "yaml";
import { formatScalerKey, parseScalerKey, scalerKeyOf } from "../../src/actuator/scalerKey.js";
import {
  DEFAULT_HISTORY_STEP,
  formatFieldErrors,
  historyStepMs,
  parseScaler,
  quantityValue,
  validatePredictiveScaler,
  validatePredictiveScalerSpec,
} from "../../src/actuator/spec.js";
import {
  CAPACITY_BREACH_POLICIES,
  FALLBACK_BEHAVIORS,
  NODE_MODES,
  type PredictiveScaler,
  SCALER_MODES,
} from "../../src/actuator/types.js";

const CRD_PATH = new URL("../../deploy/crd/predictivescalers.foresight.dev.yaml", import.meta.url);
const DOC_PATH = new URL("../../docs/predictive-scaler.md", import.meta.url);

interface Schema {
  type?: string;
  default?: unknown;
  enum?: unknown[];
  properties?: Record<string, Schema>;
}

async function crdSpecSchema(): Promise<Schema> {
  const crd = parseYaml(await readFile(CRD_PATH, "utf8"));
  return crd.spec.versions[0].schema.openAPIV3Schema.properties.spec as Schema;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** The API server's structural defaulting: absent fields get their default, then defaults of what is inside. */
function applyCrdDefaults(schema: Schema, value: unknown): unknown {
  if (!isObject(value) || !schema.properties) return value;
  const out: Record<string, unknown> = { ...value };
  for (const [name, prop] of Object.entries(schema.properties)) {
    if (out[name] === undefined && prop.default !== undefined) out[name] = structuredClone(prop.default);
    if (out[name] !== undefined) out[name] = applyCrdDefaults(prop, out[name]);
  }
  return out;
}

const minimal = {
  targetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" },
  demand: { query: "sum(rate(http_requests_total[2m]))" },
  capacityPerReplica: 50,
  maxReplicas: 10,
};

function errorsOf(spec: unknown): string[] {
  const result = validatePredictiveScalerSpec(spec);
  assert.equal(result.ok, false, `expected ${JSON.stringify(spec)} to be rejected`);
  return result.ok ? [] : result.errors.map((e) => `${e.field}: ${e.message}`);
}

describe("PredictiveScaler spec validation", () => {
  it("fills every default of a minimal spec", () => {
    const result = validatePredictiveScalerSpec(minimal);
    assert.ok(result.ok, result.ok ? "" : formatFieldErrors(result.errors));
    assert.deepEqual(result.value, {
      ...minimal,
      leadTime: "5m",
      quantile: 0.9,
      horizon: "1h",
      history: { length: "14d", step: "5m", minimum: "1d" },
      schedule: "0 * * * *",
      mode: "ForecastOnly",
      minReplicas: 1,
      maxCapacityBreach: "Honor",
      scaleDown: { delay: "10m", maxPercentPerMinute: 10 },
      nodes: { mode: "None", leadTime: "10m" },
      fallback: { behavior: "Release", failureThreshold: 3 },
    });
  });

  it("keeps given values and defaults only the missing fields of a partly given object", () => {
    const result = validatePredictiveScalerSpec({ ...minimal, history: { step: "1m" }, quantile: 0.5 });
    assert.ok(result.ok);
    assert.deepEqual(result.value.history, { length: "14d", step: "1m", minimum: "1d" });
    assert.equal(result.value.quantile, 0.5);
  });

  const { targetRef: _omitted, ...withoutTarget } = minimal;
  const bad: { name: string; spec: unknown; error: RegExp }[] = [
    { name: "missing targetRef", spec: withoutTarget, error: /^spec\.targetRef: Required$/ },
    {
      name: "targetRef without kind",
      spec: { ...minimal, targetRef: { name: "web" } },
      error: /^spec\.targetRef\.kind: Required$/,
    },
    {
      name: "both demand forms",
      spec: { ...minimal, demand: { query: "up", metric: { name: "m" } } },
      error: /^spec\.demand: set only one of query and metric$/,
    },
    { name: "no demand form", spec: { ...minimal, demand: {} }, error: /^spec\.demand: Required: set query/ },
    {
      name: "quantile 1.5",
      spec: { ...minimal, quantile: 1.5 },
      error: /^spec\.quantile: must be less than 1$/,
    },
    {
      name: "quantile 0",
      spec: { ...minimal, quantile: 0 },
      error: /^spec\.quantile: must be greater than 0$/,
    },
    {
      name: "minReplicas above maxReplicas",
      spec: { ...minimal, minReplicas: 12 },
      error: /^spec\.minReplicas: must not exceed maxReplicas \(10\)$/,
    },
    {
      name: "Increase without maxCapacityBuffer",
      spec: { ...minimal, maxCapacityBreach: "Increase" },
      error: /^spec\.maxCapacityBuffer: Required when maxCapacityBreach is Increase/,
    },
    {
      name: "maxCapacityBuffer under Honor",
      spec: { ...minimal, maxCapacityBuffer: 10 },
      error: /^spec\.maxCapacityBuffer: only applies when maxCapacityBreach is Increase$/,
    },
    {
      name: "maxCapacityBuffer above 100",
      spec: { ...minimal, maxCapacityBreach: "Increase", maxCapacityBuffer: 150 },
      error: /^spec\.maxCapacityBuffer: /,
    },
    {
      name: "fractional maxCapacityBuffer",
      spec: { ...minimal, maxCapacityBreach: "Increase", maxCapacityBuffer: 12.5 },
      error: /^spec\.maxCapacityBuffer: /,
    },
    {
      name: "unknown mode",
      spec: { ...minimal, mode: "Aggressive" },
      error:
        /^spec\.mode: Unsupported value: "Aggressive": supported values: "ForecastOnly", "Metric", "Floor", "Direct"$/,
    },
    {
      name: "unknown node mode",
      spec: { ...minimal, nodes: { mode: "Karpenter" } },
      error: /^spec\.nodes\.mode: Unsupported value: "Karpenter"/,
    },
    {
      name: "missing maxReplicas",
      spec: { ...minimal, maxReplicas: undefined },
      error: /^spec\.maxReplicas: Required$/,
    },
    {
      name: "zero capacityPerReplica",
      spec: { ...minimal, capacityPerReplica: "0" },
      error: /^spec\.capacityPerReplica: must be greater than 0$/,
    },
    {
      name: "capacityPerReplica not a quantity",
      spec: { ...minimal, capacityPerReplica: "lots" },
      error: /^spec\.capacityPerReplica: invalid quantity "lots"/,
    },
    {
      name: "bad duration",
      spec: { ...minimal, leadTime: "5 minutes" },
      error: /^spec\.leadTime: must be a duration/,
    },
    {
      name: "bad cron",
      spec: { ...minimal, schedule: "hourly" },
      error: /^spec\.schedule: is not a cron expression/,
    },
    {
      name: "horizon shorter than leadTime",
      spec: { ...minimal, leadTime: "15m", horizon: "10m" },
      error: /^spec\.horizon: must be at least leadTime \(15m\)/,
    },
    {
      name: "horizon shorter than nodes.leadTime with nodes on",
      spec: { ...minimal, horizon: "10m", nodes: { mode: "CapacityBuffer", leadTime: "20m" } },
      error: /^spec\.horizon: must be at least nodes\.leadTime \(20m\)/,
    },
    {
      name: "history minimum above length",
      spec: { ...minimal, history: { length: "2d", minimum: "3d" } },
      error: /^spec\.history\.minimum: must not exceed history\.length \(2d\)$/,
    },
    {
      name: "history shorter than 10 steps",
      spec: { ...minimal, history: { length: "30m", step: "5m", minimum: "10m" } },
      error: /^spec\.history\.length: must cover at least 10 steps of 5m$/,
    },
    {
      name: "under-prediction rate above 1",
      spec: { ...minimal, fallback: { underPredictionRate: 1.2 } },
      error: /^spec\.fallback\.underPredictionRate: /,
    },
    {
      name: "unknown fallback behavior",
      spec: { ...minimal, fallback: { behavior: "Panic" } },
      error: /^spec\.fallback\.behavior: Unsupported value: "Panic"/,
    },
    {
      name: "misspelt field",
      spec: { ...minimal, minReplica: 2 },
      error: /^spec\.minReplica: unknown field$/,
    },
    {
      name: "bad GPU quantity in the pod shape",
      spec: { ...minimal, nodes: { podShape: { "nvidia.com/gpu": "one" } } },
      error: /^spec\.nodes\.podShape\[nvidia\.com\/gpu\]: invalid quantity "one"/,
    },
    {
      name: "fractional MIG slice in the pod shape",
      spec: { ...minimal, nodes: { podShape: { resources: { "nvidia.com/mig-1g.10gb": "0.5" } } } },
      error: /^spec\.nodes\.podShape\.resources\[nvidia\.com\/mig-1g\.10gb\]: must be a whole number/,
    },
    {
      name: "bad resource name in the pod shape",
      spec: { ...minimal, nodes: { podShape: { resources: { "amd.com/": 1 } } } },
      error: /^spec\.nodes\.podShape\.resources\[amd\.com\/\]: must be a resource name/,
    },
    {
      name: "a resource set twice in the pod shape",
      spec: { ...minimal, nodes: { podShape: { cpu: "1", resources: { cpu: "2" } } } },
      error: /^spec\.nodes\.podShape\.resources\.cpu: also set as podShape\.cpu/,
    },
    {
      name: "bad toleration operator",
      spec: { ...minimal, nodes: { podShape: { tolerations: [{ key: "a", operator: "Is" }] } } },
      error: /^spec\.nodes\.podShape\.tolerations\[0\]\.operator: Unsupported value: "Is"/,
    },
  ];
  for (const { name, spec, error } of bad) {
    it(`rejects ${name} with a field-named error`, () => {
      const errors = errorsOf(spec);
      assert.ok(
        errors.some((e) => error.test(e)),
        `no error matches ${error}: ${JSON.stringify(errors)}`,
      );
    });
  }

  it("reports every broken field at once", () => {
    const errors = errorsOf({ ...withoutTarget, quantile: 2, mode: "X", minReplicas: 11, leadTime: 5 });
    assert.deepEqual(
      errors.map((e) => e.split(":")[0]),
      ["spec.targetRef", "spec.leadTime", "spec.quantile", "spec.mode", "spec.minReplicas"],
    );
  });

  it("validates a whole object and names fields from the root", () => {
    const object = {
      apiVersion: "foresight.dev/v1alpha1",
      kind: "PredictiveScaler",
      metadata: { name: "web", namespace: "shop", uid: "u-1" },
      spec: { ...minimal, quantile: 1.5 },
    };
    const bad = validatePredictiveScaler(object);
    assert.ok(!bad.ok);
    assert.equal(formatFieldErrors(bad.errors), "spec.quantile: must be less than 1");
    const good = validatePredictiveScaler({ ...object, spec: minimal, status: { model: "naive" } });
    assert.ok(good.ok);
    assert.equal(good.value.metadata.uid, "u-1");
    assert.equal(good.value.status?.model, "naive");
    const wrongKind = validatePredictiveScaler({ ...object, kind: "Scaler", spec: minimal });
    assert.ok(!wrongKind.ok);
    assert.equal(wrongKind.errors[0]?.field, "kind");
  });

  it("reads quantities as numbers", () => {
    assert.equal(quantityValue("500m"), 0.5);
    assert.equal(quantityValue("12k"), 12_000);
    assert.equal(quantityValue("2.5"), 2.5);
    assert.equal(quantityValue(7), 7);
  });
});

describe("the documented examples", async () => {
  const markdown = await readFile(DOC_PATH, "utf8");
  const blocks = [...markdown.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] ?? "");
  const scalers = blocks
    .flatMap((b) => parseAllDocuments(b).map((d) => d.toJS() as unknown))
    .filter((d): d is PredictiveScaler => isObject(d) && d.kind === "PredictiveScaler");

  it("show every mode", () => {
    assert.deepEqual(new Set(scalers.map((s) => s.spec.mode ?? "ForecastOnly")), new Set(SCALER_MODES));
  });

  for (const scaler of scalers) {
    it(`${scaler.metadata.name} (${scaler.spec.mode ?? "ForecastOnly"}) validates`, () => {
      const result = validatePredictiveScaler(scaler);
      assert.ok(result.ok, result.ok ? "" : formatFieldErrors(result.errors));
    });
  }
});

describe("the spec schema agrees with the CRD", async () => {
  const schema = await crdSpecSchema();
  const inputs: Record<string, unknown> = {
    minimal,
    "partly given objects": {
      ...minimal,
      history: { length: "7d" },
      nodes: { mode: "Placeholder", podShape: { cpu: "2" } },
      fallback: { behavior: "Hold" },
      scaleDown: { maxPercentPerMinute: 50 },
    },
    "everything given": {
      ...minimal,
      leadTime: "3m",
      quantile: 0.8,
      horizon: "2h",
      history: { length: "21d", step: "1m", minimum: "2d" },
      schedule: "15 * * * *",
      mode: "Floor",
      minReplicas: 2,
      maxCapacityBreach: "Increase",
      maxCapacityBuffer: 20,
      scaleDown: { delay: "30m", maxPercentPerMinute: 1, maxReplicasPerMinute: 2 },
      nodes: { mode: "CapacityBuffer", leadTime: "8m", priorityClassName: "low" },
      fallback: { behavior: "Hold", underPredictionRate: 0.1, failureThreshold: 6 },
    },
  };
  for (const [name, input] of Object.entries(inputs)) {
    it(`fills the same defaults as the API server would (${name})`, () => {
      const result = validatePredictiveScalerSpec(input);
      assert.ok(result.ok, result.ok ? "" : formatFieldErrors(result.errors));
      assert.deepEqual(result.value, applyCrdDefaults(schema, input));
    });
  }

  it("allows the same enum values", () => {
    const props = schema.properties ?? {};
    assert.deepEqual(props.mode?.enum, [...SCALER_MODES]);
    assert.deepEqual(props.maxCapacityBreach?.enum, [...CAPACITY_BREACH_POLICIES]);
    assert.deepEqual(props.nodes?.properties?.mode?.enum, [...NODE_MODES]);
    assert.deepEqual(props.fallback?.properties?.behavior?.enum, [...FALLBACK_BEHAVIORS]);
  });
});

describe("the parsed spec", async () => {
  const schema = await crdSpecSchema();
  it("holds durations in milliseconds, the capacity as a number and the scaler's key", () => {
    const parsed = parseScaler({
      apiVersion: "foresight.dev/v1alpha1",
      kind: "PredictiveScaler",
      metadata: { name: "web", namespace: "shop" },
      spec: { ...minimal, capacityPerReplica: "500m", nodes: { mode: "Placeholder", leadTime: "15m" } },
    });
    assert.ok(parsed.ok, parsed.ok ? "" : formatFieldErrors(parsed.errors));
    const { key, id, spec } = parsed.value;
    assert.deepEqual(key, { namespace: "shop", name: "web" });
    assert.equal(id, "shop/web");
    assert.equal(spec.capacityPerReplica, 0.5);
    assert.equal(spec.leadTimeMs, 5 * 60_000);
    assert.equal(spec.horizonMs, 3_600_000);
    assert.deepEqual(spec.history, { lengthMs: 14 * 86_400_000, stepMs: 300_000, minimumMs: 86_400_000 });
    assert.equal(spec.scaleDown.delayMs, 10 * 60_000);
    assert.equal(spec.nodes.leadTimeMs, 15 * 60_000);
    assert.equal(spec.written.history.minimum, "1d");
    assert.equal(spec.replicaCeiling, 10);
    const increase = parseScaler({
      apiVersion: "foresight.dev/v1alpha1",
      kind: "PredictiveScaler",
      metadata: { name: "web" },
      spec: { ...minimal, maxCapacityBreach: "Increase", maxCapacityBuffer: 35 },
    });
    assert.ok(increase.ok);
    // 10 + 35 % of 10 = 13.5 → 13.
    assert.equal(increase.value.spec.replicaCeiling, 13);
  });
  it("rejects what validation rejects", () => {
    const parsed = parseScaler({
      apiVersion: "foresight.dev/v1alpha1",
      kind: "PredictiveScaler",
      metadata: { name: "web" },
      spec: { ...minimal, leadTime: "soon" },
    });
    assert.equal(parsed.ok, false);
  });
  it("one default step, the CRD's, for scalers whose step is missing, malformed or zero", () => {
    assert.equal(schema.properties?.history?.properties?.step?.default, DEFAULT_HISTORY_STEP);
    for (const spec of [
      undefined,
      {},
      { history: {} },
      { history: { step: "x" } },
      { history: { step: "0" } },
    ])
      assert.equal(historyStepMs(spec), 300_000);
    assert.equal(historyStepMs({ history: { step: "1m" } }), 60_000);
  });
});

describe("the scaler key", () => {
  it("is formatted and parsed by one pair of functions", () => {
    const key = scalerKeyOf({ namespace: "shop", name: "web" });
    assert.equal(formatScalerKey(key), "shop/web");
    assert.deepEqual(parseScalerKey("shop/web"), key);
    assert.deepEqual(scalerKeyOf({ name: "web" }), { namespace: "default", name: "web" });
    assert.deepEqual(parseScalerKey("web"), { namespace: "default", name: "web" });
  });
});

/**
 * A scaler's demand query: `demand.query` as written, or `demand.metric` resolved through a fake
 * external rule that records what it was asked to render (series, namespace, parsed selector).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { demandQuery, type ExternalSource, selectorText } from "../../src/actuator/demand.js";
import { validatePredictiveScalerSpec } from "../../src/actuator/spec.js";
import type { LabelSelector, PredictiveScaler } from "../../src/actuator/types.js";
import type { CompiledRule, ExternalQueryArgs } from "../../src/adapter/naming/types.js";
import { parseLabelSelector } from "../../src/k8s/labelSelector.js";

/** `namespace` null: metadata without a namespace. */
function scaler(demand: unknown, namespace: string | null = "inference"): PredictiveScaler {
  const spec = validatePredictiveScalerSpec({
    targetRef: { kind: "Deployment", name: "vllm-chat" },
    demand,
    capacityPerReplica: "2.5",
    maxReplicas: 16,
  });
  if (!spec.ok) throw new Error(JSON.stringify(spec.errors));
  return {
    apiVersion: "foresight.dev/v1alpha1",
    kind: "PredictiveScaler",
    metadata: { name: "chat", ...(namespace !== null ? { namespace } : {}) },
    spec: spec.value,
  };
}

/** An external rule whose externalQuery renders a recognizable query and records its arguments. */
function recordingRule(id: string): CompiledRule & { calls: ExternalQueryArgs[] } {
  const calls: ExternalQueryArgs[] = [];
  return {
    index: 0,
    kind: "external",
    seriesQuery: '{__name__=~"vllm_.*"}',
    id,
    calls,
    matchSeries: () => undefined,
    labelFor: () => undefined,
    customQuery: () => {
      throw new Error("demandQuery must not render a custom-metrics query");
    },
    externalQuery(args) {
      calls.push(args);
      return `${id}:${args.seriesName}{namespace="${args.namespace}",${args.selector.toString()}}`;
    },
  };
}

describe("selectorText", () => {
  it("writes matchLabels and each matchExpressions operator as selector text", () => {
    assert.equal(selectorText(undefined), "");
    assert.equal(selectorText({}), "");
    assert.equal(
      selectorText({ matchLabels: { model: "llama-3-8b", tier: "gpu" } }),
      "model=llama-3-8b,tier=gpu",
    );
    assert.equal(
      selectorText({
        matchLabels: { app: "chat" },
        matchExpressions: [
          { key: "zone", operator: "In", values: ["a", "b"] },
          { key: "env", operator: "NotIn", values: ["dev"] },
          { key: "gpu", operator: "Exists" },
          { key: "canary", operator: "DoesNotExist" },
        ],
      }),
      "app=chat,zone in (a,b),env notin (dev),gpu,!canary",
    );
  });

  it("means what the LabelSelector means once parsed", () => {
    const selector: LabelSelector = {
      matchLabels: { app: "chat" },
      matchExpressions: [
        { key: "zone", operator: "In", values: ["a", "b"] },
        { key: "env", operator: "NotIn", values: ["dev"] },
        { key: "gpu", operator: "Exists" },
        { key: "canary", operator: "DoesNotExist" },
      ],
    };
    const parsed = parseLabelSelector(selectorText(selector));
    const base = { app: "chat", zone: "a", env: "prod", gpu: "1" };
    assert.equal(parsed.matches(base), true);
    assert.equal(parsed.matches({ ...base, app: "web" }), false, "matchLabels");
    assert.equal(parsed.matches({ ...base, zone: "c" }), false, "In");
    assert.equal(parsed.matches({ ...base, env: "dev" }), false, "NotIn");
    assert.equal(parsed.matches({ app: "chat", zone: "b", env: "prod" }), false, "Exists");
    assert.equal(parsed.matches({ ...base, canary: "true" }), false, "DoesNotExist");
  });
});

describe("demandQuery", () => {
  it("returns demand.query as written without asking for rules", async () => {
    const query = 'sum(rate(http_requests_total{namespace="shop",app="web"}[2m]))';
    let asked = 0;
    const got = await demandQuery(scaler({ query }), () => {
      asked++;
      return [];
    });
    assert.equal(got, query);
    assert.equal(asked, 0);
    assert.equal(await demandQuery(scaler({ query }), undefined), query);
  });

  it("renders demand.metric with the rule serving it, in the scaler's namespace, summed", async () => {
    const rule = recordingRule("externalRules[0]");
    const asked: string[] = [];
    const sources = async (name: string): Promise<ExternalSource[]> => {
      asked.push(name);
      return [
        { rule, seriesName: "vllm:num_requests_waiting" },
        { rule: recordingRule("externalRules[1]"), seriesName: "ignored" },
      ];
    };
    const s = scaler({
      metric: {
        name: "vllm_requests_waiting",
        selector: {
          matchLabels: { model: "llama-3-8b" },
          matchExpressions: [{ key: "zone", operator: "In", values: ["b", "a"] }],
        },
      },
    });
    const query = await demandQuery(s, sources);
    assert.deepEqual(asked, ["vllm_requests_waiting"]);
    assert.equal(rule.calls.length, 1);
    const args = rule.calls[0] as ExternalQueryArgs;
    assert.equal(args.seriesName, "vllm:num_requests_waiting");
    assert.equal(args.namespace, "inference");
    assert.equal(args.selector.toString(), "model=llama-3-8b,zone in (a,b)");
    assert.equal(
      query,
      'sum(externalRules[0]:vllm:num_requests_waiting{namespace="inference",model=llama-3-8b,zone in (a,b)})',
    );
  });

  it("uses the namespace default and an empty selector when none is given", async () => {
    const rule = recordingRule("r");
    const query = await demandQuery(scaler({ metric: { name: "queue_depth" } }, null), () => [
      { rule, seriesName: "queue_depth" },
    ]);
    assert.equal(rule.calls[0]?.namespace, "default");
    assert.equal(rule.calls[0]?.selector.isEverything(), true);
    assert.equal(query, 'sum(r:queue_depth{namespace="default",})');
  });

  it("names spec.demand.metric when there are no external rules to resolve it", async () => {
    await assert.rejects(
      demandQuery(scaler({ metric: { name: "queue_depth" } }), undefined),
      /^Error: spec\.demand\.metric: queue_depth needs the adapter's external rules; use spec\.demand\.query instead$/,
    );
  });

  it("names spec.demand.metric.name when no rule serves the metric", async () => {
    await assert.rejects(
      demandQuery(scaler({ metric: { name: "queue_depth" } }), async () => []),
      (err: Error) => {
        assert.match(err.message, /^spec\.demand\.metric\.name: no external rule serves queue_depth/);
        assert.match(err.message, /externalRules/);
        return true;
      },
    );
  });

  it("names spec.demand.metric.selector when the selector cannot be used", async () => {
    const rule = recordingRule("r");
    // The validator refuses such a value; a scaler built without it still gets a field-named error.
    assert.throws(
      () => scaler({ metric: { name: "queue_depth", selector: { matchLabels: { model: "llama 3" } } } }),
      /spec\.demand\.metric\.selector\.matchLabels\.model/,
    );
    const s = scaler({ metric: { name: "queue_depth", selector: { matchLabels: { model: "llama" } } } });
    (s.spec.demand.metric?.selector?.matchLabels as Record<string, string>).model = "llama 3";
    await assert.rejects(
      demandQuery(s, () => [{ rule, seriesName: "queue_depth" }]),
      /spec\.demand\.metric\.selector/,
    );
  });
});

/** Every shipped example compiles into rules with no errors or warnings, and names what we document. */
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { describe, it } from "node:test";
import { compileRules } from "../../../src/adapter/naming/compileRules.js";
import { loadConfigFile } from "../../../src/config/load.js";
import { StaticResourceCatalog } from "../../../src/k8s/resourceCatalog.js";

const DIR = new URL("../../../examples/", import.meta.url);
const configs = readdirSync(DIR).filter((f) => f.endsWith(".yaml") && !f.startsWith("hpa-"));

describe("shipped examples compile", () => {
  const catalog = new StaticResourceCatalog();
  for (const file of configs) {
    it(file, async () => {
      const config = await loadConfigFile(new URL(file, DIR).pathname);
      const { rules, errors, warnings } = compileRules(config, catalog);
      assert.deepEqual(
        errors.map((e) => e.message),
        [],
      );
      assert.deepEqual(
        warnings.map((e) => e.message),
        [],
      );
      assert.equal(rules.length, config.rules.length + config.externalRules.length);
    });
  }

  it("vLLM's colon names become valid metric names", async () => {
    const config = await loadConfigFile(new URL("vllm.yaml", DIR).pathname);
    const { rules } = compileRules(config, catalog);
    const names = rules
      .map((r) =>
        r.matchSeries({ __name__: "vllm:num_requests_waiting", namespace: "llm", pod: "p", model_name: "m" }),
      )
      .filter((m) => m !== undefined)
      .map((m) => m.metricName);
    assert.ok(names.includes("vllm_num_requests_waiting"), names.join(","));
    for (const name of names) assert.doesNotMatch(name, /:/);
  });
});

/**
 * The corpus of real prometheus-adapter configs (test/fixtures/prometheus-adapter/, each naming
 * its source) loads and compiles as `check-config` loads it: schema, rules, PromQL. Each rule then
 * renders a query for a representative request, and each resourceRules template renders, so a
 * config prometheus-adapter runs is one Foresight runs.
 */
import assert from "node:assert/strict";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { NamingError } from "../../src/adapter/naming/errors.js";
import { ADAPTER_DELIMITERS, compileTemplate } from "../../src/adapter/naming/goTemplate.js";
import type { CompiledRule } from "../../src/adapter/naming/types.js";
import { loadAndCompile } from "../../src/cli/loadRules.js";
import { readConfigFile } from "../../src/config/load.js";
import { parseLabelSelector } from "../../src/k8s/labelSelector.js";
import { StaticResourceCatalog } from "../../src/k8s/resourceCatalog.js";

const corpus = new URL("../fixtures/prometheus-adapter/", import.meta.url).pathname;
const files = (await readdir(corpus)).filter((f) => f.endsWith(".yaml")).sort();
const catalog = new StaticResourceCatalog();
const everything = parseLabelSelector("");

/** A query for the first resource the rule maps (custom) or for namespace `default` (external). */
function renderOnce(rule: CompiledRule): string {
  if (rule.kind === "external") {
    return rule.externalQuery({ seriesName: "series", namespace: "default", selector: everything });
  }
  for (const name of ["pods", "services", "deployments", "nodes", "namespaces"]) {
    const resource = catalog.resolve(name);
    if (!resource || rule.labelFor(resource) === undefined) continue;
    const namespace = resource.namespaced ? "default" : undefined;
    try {
      return rule.customQuery({
        seriesName: "series",
        resource,
        ...(namespace ? { namespace } : {}),
        metricSelector: everything,
      });
    } catch (err) {
      // A rule mapping no namespace label cannot scope a namespaced request; prometheus-adapter
      // loads it too and fails such requests.
      if (err instanceof NamingError && err.code === "scope") return "";
      throw err;
    }
  }
  return "";
}

describe("real prometheus-adapter configs", () => {
  it("has the corpus", () => assert.ok(files.length >= 8, `only ${files.length} configs`));

  for (const file of files) {
    it(`${file} loads and compiles as check-config does`, async () => {
      const { config, rules } = await loadAndCompile(join(corpus, file), catalog, { checkPromQL: true });
      assert.equal(rules.length, config.rules.length + config.externalRules.length);
      for (const rule of rules) {
        const query = renderOnce(rule);
        if (rule.kind === "external" || query !== "") assert.notEqual(query.trim(), "", rule.id);
      }
      for (const resource of [config.resourceRules?.cpu, config.resourceRules?.memory]) {
        if (!resource) continue;
        for (const text of [resource.containerQuery, resource.nodeQuery]) {
          if (text === undefined) continue;
          const rendered = compileTemplate(
            text,
            ADAPTER_DELIMITERS,
          )({
            Series: "s",
            LabelMatchers: 'pod="p"',
            GroupBy: "pod",
          });
          assert.match(rendered, /pod="p"/);
        }
      }
    });
  }

  it("reads what prometheus-adapter reads: YAML 1.1 booleans, no resources, no nodeQuery, the template language", async () => {
    const file = join(corpus, "prometheus-adapter-reads.yaml");
    const { config } = await readConfigFile(file);
    assert.equal(config.externalRules[0]?.resources.namespaced, false);
    assert.equal(config.resourceRules?.cpu?.resources.namespaced, true);
    assert.equal(config.resourceRules?.cpu?.nodeQuery, undefined);
    const { rules, warnings } = await loadAndCompile(file, catalog);
    assert.equal(warnings.length, 2);
    assert.match(warnings[0] ?? "", /rules\[0\]\.resources: .*serves nothing/);
    // Only cpu: loads, and metrics.k8s.io is not served (prometheus-adapter would fail every request).
    assert.match(warnings[1] ?? "", /:22:\d+: resourceRules: memory is missing/);
    const busy = rules.find((r) => r.id === "rules[1]") as CompiledRule;
    assert.equal(
      busy.matchSeries({ __name__: "app_db_io_seconds_total", namespace: "n", pod: "p" })?.metricName,
      "db_io_busy",
    );
    assert.equal(
      renderOnce(busy),
      // `>-` folds the lines with spaces; the define prints nothing, the space after it stays.
      ' sum(rate(series{namespace="default",pod!=""}[2m])) by (pod) / 1.0',
    );
    const queue = rules.find((r) => r.id === "externalRules[0]") as CompiledRule;
    assert.equal(
      queue.externalQuery({
        seriesName: "queue_depth",
        namespace: "ignored",
        selector: parseLabelSelector("topic in (a_b,c)"),
      }),
      `sum(queue_depth{topic=~"a_b|c",topic=~"a#b|c"})`,
    );
  });
});

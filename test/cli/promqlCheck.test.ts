/**
 * check-config's PromQL check: what Prometheus' parser refuses is a problem at its config field;
 * valid PromQL the embedded evaluator does not implement is not.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { loadAndCompile } from "../../src/cli/loadRules.js";
import { promqlProblem } from "../../src/cli/promqlCheck.js";
import { ConfigError } from "../../src/config/errors.js";
import { BUILTIN_RESOURCES, StaticResourceCatalog } from "../../src/k8s/resourceCatalog.js";

const catalog = new StaticResourceCatalog(BUILTIN_RESOURCES);
const ROOT = new URL("../../", import.meta.url).pathname;

describe("promqlProblem", () => {
  const refused: Array<[string, RegExp]> = [
    ["sum by (x) (m{", /parse error/],
    ["up{", /parse error/],
    ["sum(rate(x[5m])", /parse error/],
    ["rate(x[5m]", /parse error/],
    ['x{a="b"', /parse error/],
    ["rate(x)", /expected type range vector/],
    ['x{a=~"a**"}', /invalid regular expression/],
    ["x[5x]", /parse error at line 1, column 4/],
  ];
  for (const [query, why] of refused) {
    it(`refuses ${query}`, () => assert.match(promqlProblem(query) ?? "(accepted)", why));
  }

  // Valid PromQL: Prometheus runs it even where the embedded evaluator would not.
  const accepted = [
    'sum by (pod) (rate(http_requests_total{namespace="default",pod!=""}[5m]))',
    "max_over_time(rate(x[1m])[5m:1m])",
    "predict_linear(x[1h], 3600)",
    'label_replace(x, "a", "$1", "b", "(.*)")',
    'x{job=~"(?i)api.*"}',
    'x{job=~"(?P<n>a)b"}',
    "sum without (pod) (x)",
    "stddev(x)",
    "x @ end()",
  ];
  for (const query of accepted) {
    it(`accepts ${query}`, () => assert.equal(promqlProblem(query), undefined));
  }
});

describe("loadAndCompile with the PromQL check", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "foresight-promql-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function problems(lines: string[]): Promise<string[]> {
    const file = join(dir, "config.yaml");
    writeFileSync(file, lines.join("\n"));
    try {
      await loadAndCompile(file, catalog, { checkPromQL: true });
      return [];
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      return err.problems.map((p) => `${p.line}:${p.column}: ${p.path}: ${p.message}`);
    }
  }

  it("names the field and line of each query Prometheus would refuse", async () => {
    const found = await problems([
      "rules:",
      "  - seriesQuery: 'up{'",
      "    resources: {overrides: {namespace: {resource: namespace}, pod: {resource: pod}}}",
      "    metricsQuery: sum by (<<.GroupBy>>) (<<.Series>>{<<.LabelMatchers>>}",
      "externalRules:",
      "  - seriesQuery: 'queue_depth'",
      "    metricsQuery: sum(rate(<<.Series>>{<<.LabelMatchers>>}[5m])",
      "forecast:",
      "  targets:",
      "    - name: web",
      "      query: sum by (x) (m{",
      "",
    ]);
    assert.equal(found.length, 4, found.join("\n"));
    assert.match(found[0] ?? "", /^2:18: rules\[0\]\.seriesQuery: .*parse error/);
    assert.match(found[1] ?? "", /^4:19: rules\[0\]\.metricsQuery: .*parse error.*sum by \(pod\) \(series\{/);
    assert.match(found[2] ?? "", /^7:19: externalRules\[0\]\.metricsQuery: .*parse error/);
    assert.match(found[3] ?? "", /^11:14: forecast\.targets\[0\]\.query: .*parse error/);
  });

  it("wants a series selector in seriesQuery, as /api/v1/series does", async () => {
    const found = await problems([
      "externalRules:",
      "  - seriesQuery: 'sum(queue_depth)'",
      "    metricsQuery: sum(<<.Series>>{<<.LabelMatchers>>})",
      "",
    ]);
    assert.equal(found.length, 1, found.join("\n"));
    assert.match(found[0] ?? "", /^2:18: externalRules\[0\]\.seriesQuery: .*series selector/);
  });

  it("accepts valid PromQL the embedded evaluator does not implement", async () => {
    const found = await problems([
      "rules:",
      '  - seriesQuery: \'{__name__=~"(?i)^http_.*",namespace!="",pod!=""}\'',
      "    resources: {template: <<.Resource>>}",
      "    metricsQuery: max_over_time(sum by (<<.GroupBy>>) (rate(<<.Series>>{<<.LabelMatchers>>}[1m]))[5m:1m])",
      "forecast:",
      "  targets:",
      "    - name: web",
      "      query: predict_linear(x[1h], 3600)",
      "",
    ]);
    assert.deepEqual(found, []);
  });

  it("is off unless asked for (serve keeps its behaviour)", async () => {
    const file = join(dir, "off.yaml");
    writeFileSync(file, ["externalRules:", "  - seriesQuery: 'up{'", "    metricsQuery: x", ""].join("\n"));
    const { rules } = await loadAndCompile(file, catalog);
    assert.equal(rules.length, 1);
  });

  const shipped = [
    ...readdirSync(join(ROOT, "examples"))
      .filter((f) => f.endsWith(".yaml") && !f.startsWith("hpa-"))
      .map((f) => `examples/${f}`),
    "test/fixtures/config/prometheus-adapter-resource-rules.yaml",
    "test/fixtures/config/comments-only.yaml",
    "test/fixtures/config/empty.yaml",
  ];
  for (const file of shipped) {
    it(`passes ${file}`, async () => {
      await loadAndCompile(join(ROOT, file), catalog, { checkPromQL: true });
    });
  }
});

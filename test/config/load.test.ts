import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";
import { ConfigError } from "../../src/config/errors.js";
import { loadConfigFile, parseConfigText } from "../../src/config/load.js";
import { configSchema, type DiscoveryRule } from "../../src/config/schema.js";

const fixtures = fileURLToPath(new URL("../fixtures/config/", import.meta.url));
const examples = fileURLToPath(new URL("../../examples/", import.meta.url));

const exampleFiles = (await readdir(examples)).filter((f) => f.endsWith(".yaml")).sort();
/** HPA manifests sit beside the configs, named hpa-*.yaml. */
const configFiles = exampleFiles.filter((f) => !f.startsWith("hpa-"));
const hpaFiles = exampleFiles.filter((f) => f.startsWith("hpa-"));

/** `line:col: path: message` of each problem, as the error message prints them after the file name. */
function problemLines(err: ConfigError): string[] {
  return err.problems.map((p) => `${p.line}:${p.column}: ${p.path}: ${p.message}`);
}

/** Load a fixture expecting a ConfigError; hand it to `check`. */
async function rejectsWith(file: string, check: (err: ConfigError) => void): Promise<void> {
  await assert.rejects(loadConfigFile(join(fixtures, file)), (err: unknown) => {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    check(err);
    return true;
  });
}

describe("bad configs name the line, column and path of each problem", () => {
  const cases: { file: string; expected: string[]; prefixOnly?: boolean }[] = [
    {
      file: "unknown-key.yaml",
      expected: [
        "5:7: rules[0].resources.overridez: unknown field (allowed: overrides, template, namespaced)",
      ],
    },
    {
      // Points at the rule (the parent object), since the missing key has no place of its own.
      file: "missing-metrics-query.yaml",
      expected: ["5:5: rules[1].metricsQuery: Required"],
    },
    {
      file: "series-filters-string.yaml",
      expected: ["3:20: rules[0].seriesFilters: expected array, received string"],
    },
    {
      file: "invalid-regex.yaml",
      expected: ["4:16: rules[0].name.matches: invalid regular expression"],
      prefixOnly: true,
    },
    {
      file: "bad-duration.yaml",
      expected: ['2:19: adapter.relistInterval: "5 minutes" is not a duration (use e.g. 30s, 1m, 1h30m)'],
    },
    {
      file: "max-age-below-relist.yaml",
      expected: ["3:11: adapter.maxAge: maxAge must not be less than relistInterval"],
    },
    {
      // Reported where the quote opens, not at the end of the file where the parser gives up.
      // Not named .yaml: the project's formatter cannot parse it and would fail the lint.
      file: "unclosed-quote.yaml.invalid",
      expected: [
        '2:18: rules[0].seriesQuery: YAML syntax error: the quoted string that starts here has no closing "',
      ],
    },
    {
      file: "duplicate-key.yaml",
      expected: [
        '4:5: rules[0].seriesQuery: duplicate key "seriesQuery" (first defined at line 2); keys must be unique',
      ],
    },
    {
      file: "bad-prometheus-url.yaml",
      expected: ["2:8: prometheus.url: not an http(s) URL (e.g. http://prometheus:9090)"],
    },
  ];

  for (const { file, expected, prefixOnly } of cases) {
    it(file, async () => {
      await rejectsWith(file, (err) => {
        const actual = problemLines(err);
        assert.equal(actual.length, expected.length, actual.join("\n"));
        for (const [i, line] of expected.entries()) {
          if (prefixOnly) assert.ok(actual[i]?.startsWith(line), `${actual[i]} should start with ${line}`);
          else assert.equal(actual[i], line);
        }
        // The message repeats each problem as <file>:<line>:<col>: <path>: <message>.
        const messageLines = err.message.split("\n").slice(1);
        assert.deepEqual(
          messageLines,
          actual.map((line) => `${join(fixtures, file)}:${line}`),
        );
      });
    });
  }

  it("lists every problem of a file, in file order", async () => {
    await rejectsWith("many-problems.yaml", (err) => {
      assert.deepEqual(problemLines(err), [
        '3:11: prometheus.method: Invalid option: expected one of "auto"|"GET"|"POST"',
        '5:13: adapter.cacheTTL: "soon" is not a duration (use e.g. 30s, 1m, 1h30m)',
        "9:9: rules[0].seriesFilters[0]: must have the form {is} or {isNot}",
        "12:14: rules[0].resources.overrides.pod.resource: Required",
        "12:16: rules[0].resources.overrides.pod.resourse: unknown field (allowed: group, resource)",
        "13:19: rules[0].metricsQuery: must not be empty",
        "14:1: extraRules: unknown field (allowed: prometheus, adapter, rules, externalRules, resourceRules, forecast, embedded, actuator)",
      ]);
      assert.match(err.message, /\(7 problems; fix and retry\)/);
    });
  });

  it("a file that cannot be read is a ConfigError without a position", async () => {
    await rejectsWith("does-not-exist.yaml", (err) => {
      assert.deepEqual(err.problems, [
        { path: "", line: 0, column: 0, message: "cannot read the config file: no such file" },
      ]);
      assert.equal((err.cause as NodeJS.ErrnoException).code, "ENOENT");
      assert.equal(err.name, "ConfigError");
    });
  });
});

describe("parseConfigText edge cases", () => {
  const problemsOf = (text: string): string[] => {
    try {
      parseConfigText(text, "inline.yaml");
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      return problemLines(err);
    }
    assert.fail("expected a ConfigError");
  };

  const cases: { name: string; text: string; expected: string[]; prefixOnly?: boolean }[] = [
    {
      name: "a key with an empty value that is required points at the key",
      text: "rules:\n  - seriesQuery: up\n    metricsQuery:\n",
      expected: ["3:5: rules[0].metricsQuery: Required (the value is empty)"],
    },
    {
      name: "an empty list item",
      text: "rules:\n  -\n  - seriesQuery: up\n    metricsQuery: up\n",
      expected: ["2:4: rules[0]: expected object, received null"],
    },
    {
      name: "a bad regex inside a series filter",
      text: "rules:\n  - seriesQuery: up\n    seriesFilters:\n      - isNot: '(('\n    metricsQuery: up\n",
      expected: ["4:16: rules[0].seriesFilters[0].isNot: invalid regular expression"],
      prefixOnly: true,
    },
    {
      name: "a list instead of a mapping",
      text: "- seriesQuery: up\n",
      expected: [
        "1:1: : the config must be a mapping (rules:, prometheus:, ...); expected object, received array",
      ],
    },
    {
      name: "two YAML documents",
      text: "rules: []\n---\nrules: []\n",
      expected: [
        "2:1: : YAML syntax error: a second document starts here (---); the config must be one document",
      ],
    },
    {
      name: "a duplicate key is reported together with schema problems",
      text: "adapter:\n  cacheTTL: 1s\n  cacheTTL: 2s\n  relistInterval: often\n",
      expected: [
        '3:3: adapter.cacheTTL: duplicate key "cacheTTL" (first defined at line 2); keys must be unique',
        '4:19: adapter.relistInterval: "often" is not a duration (use e.g. 30s, 1m, 1h30m)',
      ],
    },
    {
      name: "a size that is not bytes",
      text: "prometheus:\n  maxResponseBytes: 64MB\n  responseMemoryBudget: 0\n",
      expected: [
        '2:21: prometheus.maxResponseBytes: "64MB" is not a size in bytes (use e.g. 67108864, 64Mi, 1Gi)',
        "3:25: prometheus.responseMemoryBudget: 0 is not a size in bytes (use e.g. 67108864, 64Mi, 1Gi)",
      ],
    },
    {
      name: "a memory budget too small for one answer of maxResponseBytes",
      text: "prometheus:\n  maxResponseBytes: 100Mi\n",
      expected: [
        "2:3: prometheus.responseMemoryBudget: responseMemoryBudget must hold one answer of maxResponseBytes, counted 8 bytes per body byte: raise it or lower maxResponseBytes",
      ],
    },
  ];
  for (const { name, text, expected, prefixOnly } of cases) {
    it(name, () => {
      const actual = problemsOf(text);
      if (!prefixOnly) return assert.deepEqual(actual, expected);
      assert.equal(actual.length, expected.length, actual.join("\n"));
      for (const [i, line] of expected.entries()) assert.ok(actual[i]?.startsWith(line), actual[i]);
    });
  }

  it("the message leaves out the path slot when the problem is about the whole file", () => {
    assert.throws(
      () => parseConfigText("[]", "list.yaml"),
      (err: Error) =>
        err.message.endsWith(
          "\nlist.yaml:1:1: the config must be a mapping (rules:, prometheus:, ...); expected object, received array",
        ),
    );
  });

  it("an empty file, a comments-only file and empty sections give every default", async () => {
    const defaults = configSchema.parse({});
    assert.deepEqual(await loadConfigFile(join(fixtures, "empty.yaml")), defaults);
    assert.deepEqual(await loadConfigFile(join(fixtures, "comments-only.yaml")), defaults);
    assert.deepEqual(parseConfigText("rules:\nexternalRules:\nadapter:\n", "sections.yaml"), defaults);
    assert.equal(defaults.adapter.relistInterval, 60_000);
    assert.equal(defaults.prometheus.url, undefined, "no URL: the embedded store");
    assert.equal(defaults.embedded.scrapeInterval, 15_000);
    assert.equal(defaults.prometheus.maxResponseBytes, 48 * 1024 * 1024);
    assert.equal(defaults.prometheus.responseMemoryBudget, 512 * 1024 * 1024);
  });

  it("YAML merge keys work, as in prometheus-adapter's Go YAML reader", () => {
    const text = [
      "rules:",
      "  - &podRule",
      "    seriesQuery: 'a{pod!=\"\"}'",
      "    resources: {overrides: {pod: {resource: pod}}}",
      "    metricsQuery: sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)",
      "  - <<: *podRule",
      "    seriesQuery: 'b{pod!=\"\"}'",
    ].join("\n");
    const config = parseConfigText(text, "merge.yaml");
    assert.equal(config.rules.length, 2);
    assert.equal(config.rules[1]?.seriesQuery, 'b{pod!=""}');
    assert.equal(config.rules[1]?.metricsQuery, config.rules[0]?.metricsQuery);
    assert.deepEqual(config.rules[1]?.resources.overrides, { pod: { group: "", resource: "pod" } });
  });

  it("reads YAML 1.1 booleans where a boolean is wanted, as prometheus-adapter's go-yaml v2 does", () => {
    const text = [
      "externalRules:",
      "  - seriesQuery: 'a'",
      "    resources: {namespaced: no}",
      "    metricsQuery: x",
      "  - seriesQuery: 'b'",
      "    resources: {namespaced: On}",
      "    metricsQuery: x",
      "  - seriesQuery: 'no'",
      "    resources: {overrides: {on: {resource: y}}}",
      "    metricsQuery: n",
    ].join("\n");
    const config = parseConfigText(text, "yaml11.yaml");
    assert.equal(config.externalRules[0]?.resources.namespaced, false);
    assert.equal(config.externalRules[1]?.resources.namespaced, true);
    // Strings stay strings: go-yaml v2 decodes `no` into a string field as "no".
    assert.equal(config.externalRules[2]?.seriesQuery, "no");
    assert.deepEqual(config.externalRules[2]?.resources.overrides, { on: { group: "", resource: "y" } });
    assert.equal(config.externalRules[2]?.metricsQuery, "n");
  });

  it("a quoted YAML 1.1 boolean word is a string, refused where a boolean is wanted", () => {
    assert.throws(
      () =>
        parseConfigText(
          "externalRules:\n  - seriesQuery: a\n    resources: {namespaced: 'no'}\n    metricsQuery: x\n",
          "q.yaml",
        ),
      (err: unknown) =>
        err instanceof ConfigError &&
        /3:29: externalRules\[0\]\.resources\.namespaced: expected boolean/.test(err.message),
    );
  });

  it("resourceRules: nodeQuery optional (absent is undefined), resources.namespaced, window", () => {
    const text = [
      "resourceRules:",
      "  cpu:",
      "    containerQuery: sum(rate(x{<<.LabelMatchers>>}[3m])) by (<<.GroupBy>>)",
      "    resources:",
      "      overrides: {namespace: {resource: namespace}, pod: {resource: pod}}",
      "      namespaced: no",
      "  memory:",
      "    containerQuery: sum(y{<<.LabelMatchers>>}) by (<<.GroupBy>>)",
      "    nodeQuery: ''",
      "    containerLabel: c",
      "  window: 3m",
    ].join("\n");
    const rr = parseConfigText(text, "rr.yaml").resourceRules;
    assert.equal(rr?.cpu?.nodeQuery, undefined);
    assert.ok(rr?.cpu && !("nodeQuery" in rr.cpu && rr.cpu.nodeQuery !== undefined));
    assert.equal(rr?.cpu?.resources.namespaced, false);
    assert.equal(rr?.memory?.nodeQuery, undefined);
    assert.equal(rr?.memory?.containerLabel, "c");
    assert.equal(rr?.cpu?.containerLabel, "container");
    assert.equal(rr?.window, 180_000);
  });

  it("a prometheus-adapter config with only resourceRules loads", async () => {
    const config = await loadConfigFile(join(fixtures, "prometheus-adapter-resource-rules.yaml"));
    assert.deepEqual(config.rules, []);
    assert.deepEqual(config.externalRules, []);
    assert.equal(config.resourceRules?.window, 300_000);
    assert.equal(config.resourceRules?.cpu?.containerLabel, "container");
    assert.deepEqual(Object.keys(config.resourceRules?.memory?.resources.overrides ?? {}).sort(), [
      "namespace",
      "node",
      "pod",
    ]);
  });
});

describe("examples", () => {
  it("has the documented example configs and their HPAs", () => {
    for (const name of ["gpu-dcgm", "gpu-mig", "vllm", "triton", "http-latency", "legacy-default"]) {
      assert.ok(configFiles.includes(`${name}.yaml`), `examples/${name}.yaml is missing`);
    }
    assert.ok(hpaFiles.includes("hpa-gpu-utilization.yaml"));
    assert.ok(hpaFiles.includes("hpa-latency-p95.yaml"));
  });

  for (const file of configFiles) {
    it(`${file} loads`, async () => {
      const config = parseConfigText(await readFile(join(examples, file), "utf8"), file);
      assert.ok(config.rules.length + config.externalRules.length > 0, "an example with no rules");
    });
  }

  it("every HPA is named by a config, and asks only for metrics that config serves", async () => {
    const referenced = new Set<string>();
    for (const file of configFiles) {
      const text = await readFile(join(examples, file), "utf8");
      const hpaFile = /HPA example: (hpa-[\w-]+\.yaml)/.exec(text)?.[1];
      assert.ok(hpaFile, `${file} names no "HPA example: hpa-....yaml"`);
      assert.ok(hpaFiles.includes(hpaFile), `${file} names ${hpaFile}, which does not exist`);
      referenced.add(hpaFile);

      const config = parseConfigText(text, file);
      const hpa = parseYaml(await readFile(join(examples, hpaFile), "utf8")) as HpaManifest;
      assert.equal(hpa.apiVersion, "autoscaling/v2", hpaFile);
      assert.equal(hpa.kind, "HorizontalPodAutoscaler", hpaFile);
      assert.ok(hpa.spec.metrics.length > 0, hpaFile);
      for (const metric of hpa.spec.metrics) {
        const external = metric.type === "External";
        const source = external ? metric.external : metric.type === "Pods" ? metric.pods : metric.object;
        const name = source?.metric.name ?? "";
        const patterns = servedNames(external ? config.externalRules : config.rules);
        assert.ok(
          patterns.some((p) => p.test(name)),
          `${hpaFile} asks for ${metric.type} metric "${name}", which ${file} does not serve`,
        );
      }
    }
    assert.deepEqual([...referenced].sort(), hpaFiles, "an hpa-*.yaml that no config names");
  });

  it("the served-name check rejects names no rule produces", () => {
    const rules = parseConfigText(
      "rules:\n  - {seriesQuery: 'x', name: {matches: '^vllm:(.*)$', as: 'vllm_$1'}, metricsQuery: x}\n",
      "t.yaml",
    ).rules;
    const patterns = servedNames(rules);
    assert.ok(patterns.some((p) => p.test("vllm_num_requests_waiting")));
    assert.ok(!patterns.some((p) => p.test("gpu_utilization")));
  });
});

interface HpaManifest {
  apiVersion: string;
  kind: string;
  spec: {
    metrics: {
      type: "Pods" | "Object" | "External" | "Resource";
      pods?: { metric: { name: string } };
      object?: { metric: { name: string } };
      external?: { metric: { name: string } };
    }[];
  };
}

/**
 * Metric names the rules can serve, as patterns: `as` with `$n` captures standing for any text;
 * without `as`, a literal `matches` is the name, anything else could produce any name.
 */
function servedNames(rules: readonly DiscoveryRule[]): RegExp[] {
  const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return rules.map((rule) => {
    const as = rule.name.as ?? "";
    if (as !== "") return new RegExp(`^${as.split(/\$\d+/).map(escapeRegex).join(".+")}$`);
    const literal = rule.name.matches.replace(/^\^/, "").replace(/\$$/, "");
    return /^[\w:]+$/.test(literal) ? new RegExp(`^${escapeRegex(literal)}$`) : /.+/;
  });
}

describe("the actuator section", () => {
  it("fills the controller's defaults", () => {
    const config = parseConfigText("rules: []\n", "empty.yaml");
    assert.equal(config.actuator.enabled, true);
    assert.equal(config.actuator.resyncInterval, 30_000);
    assert.deepEqual(
      [config.actuator.leaderElection.name, config.actuator.leaderElection.leaseDuration],
      ["foresight-controller", 15_000],
    );
  });

  it("names a bad field with its line", () => {
    const text = "actuator:\n  leaderElection:\n    leaseDuration: 5s\n    renewDeadline: 10s\n";
    assert.throws(
      () => parseConfigText(text, "bad.yaml"),
      (err: Error) => {
        assert.match(
          err.message,
          /bad\.yaml:3:\d+: actuator\.leaderElection\.leaseDuration: leaseDuration must be longer than renewDeadline/,
        );
        return true;
      },
    );
  });
});

// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${1}` is Go Regexp.Expand syntax (name.as), not a JS template
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { NamingError } from "../../../src/adapter/naming/errors.js";
import {
  compileNamer,
  metricNameProblem,
  type NameVerdict,
} from "../../../src/adapter/naming/metricNamer.js";
import { discoveryRuleSchema } from "../../../src/config/schema.js";
import { withinDeadline } from "../../harness/deadline.js";

const ref = { id: "rules[2]", seriesQuery: '{__name__=~"^container_.*"}' };

function namer(rule: { seriesFilters?: unknown[]; name?: { matches?: string; as?: string } }) {
  const parsed = discoveryRuleSchema.parse({ seriesQuery: ref.seriesQuery, metricsQuery: "x", ...rule });
  return compileNamer(parsed, ref);
}

const named = (metricName: string): NameVerdict => ({ kind: "named", metricName });
const filtered: NameVerdict = { kind: "filtered" };

describe("compileNamer names series", () => {
  const cases: Array<[string, Parameters<typeof namer>[0], string, NameVerdict]> = [
    ["default matches everything, as $0", {}, "http_requests_total", named("http_requests_total")],
    // Go expands $0 to the match, not the series name: an unanchored `matches` gives a short name.
    [
      "no group: as defaults to $0 (the match)",
      { name: { matches: "_total$" } },
      "http_requests_total",
      named("_total"),
    ],
    ["implicit filter from name.matches", { name: { matches: "_total$" } }, "http_requests", filtered],
    [
      "one group: as defaults to $1",
      { name: { matches: "^container_(.*)_seconds_total$" } },
      "container_cpu_usage_seconds_total",
      named("cpu_usage"),
    ],
    [
      "docs/config.md per-second rename",
      { name: { matches: "^(.*)_total$", as: "${1}_per_second" } },
      "http_requests_total",
      named("http_requests_per_second"),
    ],
    [
      "$1 as written",
      { name: { matches: "^(.*)_total$", as: "$1" } },
      "http_requests_total",
      named("http_requests"),
    ],
    [
      "$0 is the whole match, not the name",
      { name: { matches: "requests_(.*)$", as: "$0" } },
      "http_requests_total",
      named("requests_total"),
    ],
    [
      "two groups with as",
      { name: { matches: "^(\\w+?)_(\\w+)_total$", as: "${2}_of_${1}" } },
      "http_requests_total",
      named("requests_of_http"),
    ],
    [
      "$2_of_ is one group name (Go), empty",
      { name: { matches: "^(\\w+?)_(\\w+)_total$", as: "$2_of_$1" } },
      "http_requests_total",
      named("http"),
    ],
    [
      "named group",
      { name: { matches: "^(?<base>.*)_bytes$", as: "${base}_b" } },
      "memory_bytes",
      named("memory_b"),
    ],
    [
      "$1x is the group named 1x (Go), empty",
      { name: { matches: "^(.*)$", as: "$1x" } },
      "abc",
      { kind: "invalid", reason: "" },
    ],
    ["$$ is a dollar sign", { name: { matches: "^(.*)$", as: "$$1_${1}" } }, "abc", named("$1_abc")],
    [
      "vLLM colon rename",
      { name: { matches: "^vllm:(.*)$", as: "vllm_${1}" } },
      "vllm:num_requests_waiting",
      named("vllm_num_requests_waiting"),
    ],
    [
      "is filter keeps",
      { seriesFilters: [{ is: "^DCGM_" }] },
      "DCGM_FI_DEV_GPU_UTIL",
      named("DCGM_FI_DEV_GPU_UTIL"),
    ],
    ["is filter drops", { seriesFilters: [{ is: "^DCGM_" }] }, "up", filtered],
    [
      "isNot filter drops",
      {
        seriesFilters: [{ isNot: "^container_.*_seconds_total$" }],
        name: { matches: "^container_(.*)_total$" },
      },
      "container_cpu_usage_seconds_total",
      filtered,
    ],
    [
      "isNot filter keeps",
      {
        seriesFilters: [{ isNot: "^container_.*_seconds_total$" }],
        name: { matches: "^container_(.*)_total$" },
      },
      "container_network_receive_bytes_total",
      named("network_receive_bytes"),
    ],
    ["filters all apply", { seriesFilters: [{ is: "_total$" }, { isNot: "^go_" }] }, "go_gc_total", filtered],
    [
      "filters are unanchored like Go MatchString",
      { seriesFilters: [{ is: "requests" }] },
      "http_requests_total",
      named("http_requests_total"),
    ],
  ];
  for (const [name, rule, series, want] of cases) {
    it(name, () => {
      const got = namer(rule).nameFor(series);
      if (want.kind === "invalid") assert.equal(got.kind, "invalid");
      else assert.deepEqual(got, want);
    });
  }
});

describe("compileNamer refuses names the metrics API cannot serve", () => {
  it("drops vllm:num_requests_waiting without a rename, saying how to fix it", () => {
    const got = namer({}).nameFor("vllm:num_requests_waiting");
    assert.equal(got.kind, "invalid");
    assert.match((got as { reason: string }).reason, /contains ":"/);
    assert.match((got as { reason: string }).reason, /matches: "\^vllm:\(\.\*\)\$", as: "vllm_\$\{1\}"/);
  });

  const problems: Array<[string, RegExp | undefined]> = [
    ["http_requests_per_second", undefined],
    ["DCGM_FI_DEV_GPU_UTIL", undefined],
    ["a.b-c", undefined],
    ["", /empty/],
    [".", /path segment/],
    ["..", /path segment/],
    ["job:rate5m", /":"/],
    ["a/b", /"\/"/],
    ["a%2F", /"%"/],
    ["a b", /" "/],
  ];
  for (const [name, want] of problems) {
    it(`metricNameProblem(${JSON.stringify(name)})`, () => {
      const problem = metricNameProblem(name);
      if (want === undefined) assert.equal(problem, undefined);
      else assert.match(problem ?? "", want);
    });
  }
});

describe("compileNamer config errors", () => {
  it("requires name.as with more than one capture group (as prometheus-adapter)", () => {
    assert.throws(
      () => namer({ name: { matches: "^(.*)_(.*)$" } }),
      (err: unknown) =>
        err instanceof NamingError &&
        err.code === "name" &&
        err.path === "rules[2].name.as" &&
        /2 capture groups/.test(err.message),
    );
  });

  it("names the failing filter", () => {
    // The schema validates the syntax first; rules built without it are checked here too.
    const rule = { seriesFilters: [{ is: "ok" }, { isNot: "(?=a)" }], name: { matches: ".*" } };
    assert.throws(
      () => compileNamer(rule, ref),
      (err: unknown) =>
        err instanceof NamingError && err.code === "regex" && err.path === "rules[2].seriesFilters[1].isNot",
    );
  });
});

describe("compileNamer on hostile patterns", () => {
  // Discovery runs every series name through these on the main thread: a backtracking engine takes
  // seconds on a 28-character name and forever on a long one.
  it("filters and names with ^(a+)+$ in linear time", { timeout: 10_000 }, () => {
    const long = "a".repeat(10_000);
    const byMatches = namer({ name: { matches: "^(a+)+$" } });
    const byFilter = namer({ seriesFilters: [{ isNot: "^(a+)+$" }] });
    withinDeadline(5_000, () => {
      assert.deepEqual(byMatches.nameFor(`${"a".repeat(27)}!`), filtered);
      assert.deepEqual(byMatches.nameFor(`${long}!`), filtered);
      assert.deepEqual(byMatches.nameFor(long), named(long));
      assert.deepEqual(byFilter.nameFor(`${long}!`), named(`${long}!`));
      assert.deepEqual(byFilter.nameFor(long), filtered);
    });
  });
});

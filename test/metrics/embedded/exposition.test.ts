import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  ExpositionParseError,
  parseExposition,
  parseSampleLine,
  parseValue,
} from "../../../src/metrics/embedded/exposition.js";

describe("parseExposition", () => {
  it("reads HELP/TYPE metadata and one plain series per sample line, histograms included", () => {
    const text = [
      "# HELP http_requests_total The total number of HTTP requests.",
      "# TYPE http_requests_total counter",
      'http_requests_total{method="post",code="200"} 1027 1395066363000',
      'http_requests_total{method="post",code="400"}    3 1395066363000',
      "",
      "# A plain comment",
      "# TYPE rpc_duration_seconds histogram",
      'rpc_duration_seconds_bucket{le="0.05"} 24054',
      'rpc_duration_seconds_bucket{le="+Inf"} 144320',
      "rpc_duration_seconds_sum 53423",
      "rpc_duration_seconds_count 144320",
      "# TYPE rpc_quantiles summary",
      'rpc_quantiles{quantile="0.99"} 76656',
      "metric_without_timestamp_and_labels 12.47",
    ].join("\n");
    const { samples, types, help } = parseExposition(text);
    assert.equal(samples.length, 8);
    assert.deepEqual(samples[0], {
      labels: { __name__: "http_requests_total", method: "post", code: "200" },
      value: 1027,
      timestampMs: 1395066363000,
    });
    assert.equal(samples[1]?.value, 3);
    assert.deepEqual(samples[3], {
      labels: { __name__: "rpc_duration_seconds_bucket", le: "+Inf" },
      value: 144320,
    });
    assert.deepEqual(samples[5]?.labels, { __name__: "rpc_duration_seconds_count" });
    assert.deepEqual(samples[6]?.labels, { __name__: "rpc_quantiles", quantile: "0.99" });
    assert.deepEqual(samples[7], {
      labels: { __name__: "metric_without_timestamp_and_labels" },
      value: 12.47,
    });
    assert.equal(types.get("http_requests_total"), "counter");
    assert.equal(types.get("rpc_duration_seconds"), "histogram");
    assert.equal(types.get("rpc_quantiles"), "summary");
    assert.equal(help.get("http_requests_total"), "The total number of HTTP requests.");
  });

  it("unescapes label values and HELP text", () => {
    const { samples, help } = parseExposition(
      [
        "# HELP msdos_file_access_time_seconds Path \\\\ with\\nnewline",
        'msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1.458255915e9',
        'odd{v="a\\tb"} 1',
      ].join("\n"),
    );
    assert.equal(samples[0]?.labels.path, "C:\\DIR\\FILE.TXT");
    assert.equal(samples[0]?.labels.error, 'Cannot find file:\n"FILE.TXT"');
    assert.equal(samples[0]?.value, 1.458255915e9);
    assert.equal(samples[1]?.labels.v, "a\\tb", "unknown escapes are kept as written");
    assert.equal(help.get("msdos_file_access_time_seconds"), "Path \\ with\nnewline");
  });

  it("accepts NaN, ±Inf, signs, exponents, negative timestamps, CRLF, blanks inside braces and a trailing comma", () => {
    const { samples } = parseExposition(
      [
        "a NaN",
        "b +Inf",
        "c -Inf",
        "d Inf",
        "e -1.5e-3 -1000",
        'f{ x = "1" , y="2", } .5\r',
        "g{} 7",
        "  h 8",
        "i\t9",
      ].join("\n"),
    );
    const values = samples.map((s) => s.value);
    assert.ok(Number.isNaN(values[0]));
    assert.deepEqual(values.slice(1), [
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      Number.POSITIVE_INFINITY,
      -1.5e-3,
      0.5,
      7,
      8,
      9,
    ]);
    assert.equal(samples[4]?.timestampMs, -1000);
    assert.deepEqual(samples[5]?.labels, { __name__: "f", x: "1", y: "2" });
    assert.deepEqual(samples[6]?.labels, { __name__: "g" });
    assert.deepEqual(samples[8]?.labels, { __name__: "i" });
  });

  it("accepts colons in metric names and an empty document", () => {
    assert.equal(parseSampleLine("job:rate5m:sum 3").labels.__name__, "job:rate5m:sum");
    assert.deepEqual(parseExposition("").samples, []);
    assert.deepEqual(parseExposition("\n\n# just comments\n").samples, []);
  });

  const bad: [string, RegExp][] = [
    ["1abc 3", /expected a metric name/],
    ["m{", /expected a label name/],
    ['m{a="1"', /expected ',' or '}'/],
    ['m{a="1} 3', /unterminated value of label a/],
    ["m{a=1} 3", /expected '"'/],
    ['m{a="1",a="2"} 3', /duplicate label a/],
    ["m", /missing value/],
    ["m abc", /invalid value "abc"/],
    ["m 1 12.5", /invalid timestamp "12.5"/],
    ["m 1 2 3", /unexpected text after the timestamp/],
    ["m-1", /expected a blank after the metric name/],
    ["m 0x10", /invalid value/],
  ];
  for (const [line, message] of bad) {
    it(`rejects ${JSON.stringify(line)} naming the line`, () => {
      assert.throws(
        () => parseExposition(`ok 1\n${line}\n`),
        (e: unknown) => e instanceof ExpositionParseError && e.line === 2 && message.test(e.message),
      );
    });
  }

  it("rejects an unknown TYPE and a second TYPE for one family", () => {
    assert.throws(() => parseExposition("# TYPE m gauges\n"), /unknown metric type "gauges" for m/);
    assert.throws(() => parseExposition("# TYPE m gauge\n# TYPE m counter\n"), /second # TYPE line for m/);
  });
});

describe("parseValue", () => {
  it("follows Go's ParseFloat spellings for the special values, any case", () => {
    assert.ok(Number.isNaN(parseValue("nan")));
    assert.equal(parseValue("INF"), Number.POSITIVE_INFINITY);
    assert.equal(parseValue("-infinity"), Number.NEGATIVE_INFINITY);
    assert.equal(parseValue("1e3"), 1000);
    assert.equal(parseValue(""), undefined);
    assert.equal(parseValue("1,5"), undefined);
  });
});

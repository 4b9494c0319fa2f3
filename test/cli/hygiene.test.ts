/**
 * The command line as a script sees it: errors on stderr and nothing of them on stdout, usage
 * errors (a bad --log-level, an unknown option) exit 2 before anything starts, check-config names
 * the kind of file it was given when that is not an adapter config, and bench / backtest exit 1
 * when a run falls short of what it was asked (exit 0 with --report-only, still saying what).
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { foresight } from "../harness/cli.js";

describe("foresight on the command line", { timeout: 300_000 }, () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "foresight-hygiene-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const command of [["serve", "--config", "does-not-exist.yaml"], ["demo"]]) {
    it(`${command[0]} refuses a --log-level pino does not have: exit 2 before starting`, async () => {
      const { code, stdout, stderr } = await foresight([...command, "--log-level", "verbose"]);
      assert.equal(code, 2, stderr);
      assert.equal(stdout, "");
      assert.match(
        stderr,
        /--log-level.*'verbose' is invalid.*fatal, error, warn, info, debug, trace, silent/,
      );
      // serve would otherwise fail on the missing config (exit 1): the level is checked first.
      assert.doesNotMatch(stderr, /does-not-exist/);
    });
  }

  it("a usage error (an unknown option) goes to stderr and exits 2", async () => {
    const { code, stdout, stderr } = await foresight(["check-config", "examples/vllm.yaml", "--frobnicate"]);
    assert.equal(code, 2);
    assert.equal(stdout, "");
    assert.match(stderr, /unknown option '--frobnicate'/);
  });

  it("--help still exits 0 on stdout", async () => {
    const { code, stdout } = await foresight(["backtest", "--help"]);
    assert.equal(code, 0);
    assert.match(stdout, /--report-only/);
  });

  it("check-config names an HPA manifest as such", async () => {
    const file = join(dir, "hpa.yaml");
    writeFileSync(
      file,
      [
        "apiVersion: autoscaling/v2",
        "kind: HorizontalPodAutoscaler",
        "metadata: {name: web}",
        "spec: {minReplicas: 1, maxReplicas: 4}",
        "",
      ].join("\n"),
    );
    const { code, stdout, stderr } = await foresight(["check-config", file, "--offline"]);
    assert.equal(code, 1, stderr);
    assert.equal(stdout, "");
    assert.match(
      stderr,
      /hpa\.yaml: invalid: this is a HorizontalPodAutoscaler manifest, not a Foresight\/prometheus-adapter config/,
    );
  });

  it("serve refuses a manifest given as --config, naming it, before starting", async () => {
    const file = join(dir, "deployment.yaml");
    writeFileSync(file, "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {}\n");
    const { code, stdout, stderr } = await foresight([
      "serve",
      "--config",
      file,
      "--secure-port",
      "0",
      "--http-port",
      "0",
    ]);
    assert.equal(code, 1, stderr);
    assert.equal(stdout, "");
    assert.match(
      stderr,
      /^foresight: .*deployment\.yaml: this is a Deployment manifest, not a Foresight\/prometheus-adapter config/m,
    );
  });

  it("check-config names a PredictiveScaler", async () => {
    const file = join(dir, "scaler.yaml");
    writeFileSync(
      file,
      "apiVersion: foresight.dev/v1alpha1\nkind: PredictiveScaler\nmetadata: {name: web}\nspec: {}\n",
    );
    const { code, stderr } = await foresight(["check-config", file, "--offline"]);
    assert.equal(code, 1, stderr);
    assert.match(stderr, /this is a PredictiveScaler manifest, not a Foresight\/prometheus-adapter config/);
  });

  it("check-config names a multi-document stream and the ConfigMap key holding the config", async () => {
    const file = join(dir, "stream.yaml");
    writeFileSync(
      file,
      [
        "apiVersion: v1",
        "kind: Namespace",
        "metadata: {name: foresight}",
        "---",
        "apiVersion: v1",
        "kind: ConfigMap",
        "metadata: {name: foresight-config}",
        "data:",
        "  config.yaml: |",
        "    rules:",
        "      - seriesQuery: up",
        "",
      ].join("\n"),
    );
    const { code, stdout, stderr } = await foresight(["check-config", file, "--offline"]);
    assert.equal(code, 1, stderr);
    assert.equal(stdout, "");
    assert.match(stderr, /multi-document YAML stream \(2 documents: Namespace, ConfigMap\)/);
    assert.match(stderr, /the key config\.yaml of the ConfigMap foresight-config/);
  });

  it("check-config still takes an adapter config with apiVersion-like keys nowhere at the top", async () => {
    const { code, stderr } = await foresight(["check-config", "examples/vllm.yaml", "--offline"]);
    assert.equal(code, 0, stderr);
  });

  describe("bench forecast", () => {
    let data: string;
    before(() => {
      data = join(dir, "traces");
      mkdirSync(data);
      const lines = Array.from({ length: 50 }, (_, i) => `${1_700_000_000 + i * 60},${10 + (i % 7)}`);
      writeFileSync(join(data, "short.csv"), `timestamp_unix_seconds,value\n${lines.join("\n")}\n`);
      writeFileSync(join(data, "other.csv"), "time,requests\n1,2\n");
    });

    it("exits 1 when a trace was skipped, saying which on stderr", async () => {
      const { code, stdout, stderr } = await foresight([
        "bench",
        "forecast",
        "--data",
        data,
        "--horizon",
        "1h",
        "--no-neural",
      ]);
      assert.equal(code, 1, stderr);
      assert.match(stderr, /^foresight bench forecast: \d+ problems:$/m);
      assert.match(stderr, /^ {2}skipped .*other\.csv: header is not "timestamp_unix_seconds,value"$/m);
      assert.match(stderr, /^ {2}skipped short: 50 points, fewer than \d+$/m);
      assert.match(stdout, /note: skipped short/);
    });

    it("--report-only exits 0 and still says what fell short", async () => {
      const { code, stderr } = await foresight([
        "bench",
        "forecast",
        "--data",
        data,
        "--horizon",
        "1h",
        "--no-neural",
        "--report-only",
      ]);
      assert.equal(code, 0, stderr);
      assert.match(stderr, /problems \(--report-only: exit 0\):\n/);
      assert.match(stderr, /^ {2}skipped short/m);
    });
  });

  describe("backtest", () => {
    const args = (extra: string[]) => [
      "backtest",
      "--trace",
      "test/fixtures/traces/nab_asg_slice.csv",
      "--peak-replicas",
      "4",
      "--lead-time",
      "2m",
      "--policies",
      "reactive",
      "--targets",
      "none",
      "--frontier-plot",
      join(dir, "frontier.svg"),
      ...extra,
    ];

    it("exits 1 when an output it was asked for could not be made", async () => {
      const { code, stdout, stderr } = await foresight(args([]));
      assert.equal(code, 1, stderr);
      assert.match(stdout, /reactive/);
      assert.match(
        stderr,
        /foresight backtest: 1 problem:\n {2}.*frontier\.svg not written: there is no frontier/,
      );
    });

    it("--report-only exits 0, still saying it", async () => {
      const { code, stderr } = await foresight(args(["--report-only"]));
      assert.equal(code, 0, stderr);
      assert.match(stderr, /frontier\.svg not written/);
    });
  });
});

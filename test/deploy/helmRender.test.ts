/**
 * The `helm template` stand-in (test/deploy/helmRender) on small charts written here: named
 * templates across files through include, tpl, required and fail errors, Helm's missing functions
 * (env), partials and NOTES.txt not rendered, empty documents dropped, values files and --set in
 * Helm's order of precedence, lookup empty, .Files, .Chart and .Release.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it, type TestContext } from "node:test";
import { buildRenderer, parseStream, rendererUnavailable, runRenderer } from "./helmHarness.js";

const CHART_YAML = "apiVersion: v2\nname: demo\nversion: 1.2.3\nappVersion: '4.5'\n";
const VALUES_YAML = "greeting: hello\nnested: { a: 1, b: 2 }\nlist: [x]\nport: 8080\n";

describe("test/deploy/helmRender", () => {
  let renderer = "";
  const dirs: string[] = [];
  before(() => {
    if (rendererUnavailable() === undefined) renderer = buildRenderer();
  });
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  const skipped = (t: TestContext): boolean => {
    if (renderer) return false;
    t.skip(rendererUnavailable());
    return true;
  };
  /** A chart whose templates/ holds the given files. */
  const chart = (templates: Record<string, string>, extra: Record<string, string> = {}): string => {
    const dir = mkdtempSync(join(tmpdir(), "helm-render-chart-"));
    dirs.push(dir);
    const files: Record<string, string> = { "Chart.yaml": CHART_YAML, "values.yaml": VALUES_YAML, ...extra };
    for (const [name, text] of Object.entries(templates)) files[`templates/${name}`] = text;
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
    return dir;
  };
  const ok = (dir: string, args: string[] = []) => {
    const run = runRenderer(renderer, ["--name", "rel", "--namespace", "ns", ...args], dir);
    assert.equal(run.status, 0, run.stderr);
    return { text: run.stdout, objects: parseStream(run.stdout) as unknown as Record<string, unknown>[] };
  };
  const fails = (dir: string, args: string[] = []): string => {
    const run = runRenderer(renderer, args, dir);
    assert.notEqual(run.status, 0, "the render fails");
    return run.stderr;
  };

  it("includes named templates defined in another file, with Helm's objects", (t) => {
    if (skipped(t)) return;
    const dir = chart({
      "_names.tpl": '{{- define "demo.name" -}}{{ .Chart.Name }}-{{ .Release.Name }}{{- end -}}',
      "cm.yaml": [
        "kind: ConfigMap",
        "metadata:",
        '  name: {{ include "demo.name" . }}',
        "  namespace: {{ .Release.Namespace }}",
        "data:",
        "  version: {{ .Chart.Version | quote }}",
        "  app: {{ .Chart.AppVersion | quote }}",
        "  kube: {{ .Capabilities.KubeVersion.Minor | quote }}",
        '  policy: {{ .Capabilities.APIVersions.Has "policy/v1" | quote }}',
        "  template: {{ .Template.Name }}",
        '  upper: {{ include "demo.name" . | upper }}',
        '  found: {{ lookup "v1" "Secret" "ns" "x" | len | quote }}',
      ].join("\n"),
    });
    const [cm] = ok(dir).objects;
    assert.deepEqual(cm, {
      kind: "ConfigMap",
      metadata: { name: "demo-rel", namespace: "ns" },
      data: {
        version: "1.2.3",
        app: "4.5",
        kube: "30",
        policy: "true",
        template: "demo/templates/cm.yaml",
        upper: "DEMO-REL",
        found: "0",
      },
    });
  });

  it("tpl renders a string as a template, with access to named templates", (t) => {
    if (skipped(t)) return;
    const dir = chart({
      "_names.tpl": '{{- define "demo.suffix" -}}-sfx{{- end -}}',
      "cm.yaml": "kind: ConfigMap\nmetadata:\n  name: {{ tpl .Values.nameTemplate . }}\n",
    });
    const values = join(dir, "tpl-values.yaml");
    writeFileSync(values, `nameTemplate: '{{ .Values.greeting }}{{ include "demo.suffix" . }}'\n`);
    const [cm] = ok(dir, ["-f", values]).objects;
    assert.deepEqual(cm, { kind: "ConfigMap", metadata: { name: "hello-sfx" } });
    writeFileSync(values, "nameTemplate: '{{ .Values.greeting'\n");
    assert.match(fails(dir, ["-f", values]), /cannot parse template|unclosed/);
  });

  it("fails on required, fail, an unknown named template and Helm's removed env function", (t) => {
    if (skipped(t)) return;
    assert.match(
      fails(chart({ "a.yaml": 'x: {{ required "missing.value is required" .Values.missing }}' })),
      /missing\.value is required/,
    );
    assert.match(fails(chart({ "a.yaml": '{{ fail "stop here" }}' })), /stop here/);
    assert.match(fails(chart({ "a.yaml": 'x: {{ include "nope" . }}' })), /nope/);
    assert.match(fails(chart({ "a.yaml": 'x: {{ env "HOME" }}' })), /function "env" not defined/);
    assert.match(
      fails(chart({ "a.yaml": 'x: {{ expandenv "$HOME" }}' })),
      /function "expandenv" not defined/,
    );
    assert.match(fails(chart({ "a.yaml": "x: [unclosed\n" })), /YAML parse error/);
  });

  it("skips partials and NOTES.txt, drops empty documents, prints Helm's Source comments", (t) => {
    if (skipped(t)) return;
    const dir = chart({
      "_helpers.tpl": "kind: NotRendered\n",
      "NOTES.txt": "kind: NotRenderedEither\n",
      "multi.yaml": "---\n# only a comment\n---\nkind: A\n---\n\n---\n{{- if false }}\nkind: B\n{{- end }}\n",
    });
    const { text, objects } = ok(dir);
    assert.deepEqual(objects, [{ kind: "A" }]);
    assert.match(text, /^# Source: demo\/templates\/multi\.yaml$/m);
    assert.equal(ok(dir, ["--notes"]).text, "kind: NotRenderedEither\n", "--notes prints NOTES.txt alone");
  });

  it("merges values files over values.yaml, then --set over both; null deletes a key", (t) => {
    if (skipped(t)) return;
    const dir = chart({ "v.yaml": "kind: V\nvalues: {{ toJson .Values }}\n" });
    const override = join(dir, "override.yaml");
    writeFileSync(override, "greeting: hi\nnested: { b: 3, c: 4 }\nport: null\n");
    const [v] = ok(dir, [
      "-f",
      override,
      "--set",
      "nested.c=5,list[1]=y,flag=true",
      "--set-string",
      "num=10",
    ]).objects;
    assert.deepEqual((v as { values: unknown }).values, {
      greeting: "hi",
      nested: { a: 1, b: 3, c: 5 },
      list: ["x", "y"],
      flag: true,
      num: "10",
    });
  });

  it("toYaml, fromYaml, toJson and .Files behave as in Helm", (t) => {
    if (skipped(t)) return;
    const dir = chart(
      {
        "f.yaml": [
          "kind: F",
          "nested:",
          "  {{- toYaml .Values.nested | nindent 2 }}",
          'fromYaml: {{ (fromYaml "k: v").k }}',
          'bad: {{ hasKey (fromYaml ": :") "Error" }}',
          'file: {{ .Files.Get "files/a.txt" | trim | quote }}',
          'missing: {{ .Files.Get "files/none.txt" | quote }}',
          'lines: {{ .Files.Lines "files/a.txt" | len }}',
          "config:",
          '  {{- (.Files.Glob "files/*.txt").AsConfig | nindent 2 }}',
        ].join("\n"),
      },
      { "files/a.txt": "one\ntwo\n" },
    );
    const [f] = ok(dir).objects;
    assert.deepEqual(f, {
      kind: "F",
      nested: { a: 1, b: 2 },
      fromYaml: "v",
      bad: true,
      file: "one\ntwo",
      missing: "",
      lines: 2,
      config: { "a.txt": "one\ntwo\n" },
    });
  });
});

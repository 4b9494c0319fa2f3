/**
 * Builds test/deploy/helmRender (a `helm template` stand-in written in Go, since no helm binary is
 * available here) once per test file, and runs it. Builds offline against Debian's packaged Go
 * sources (golang-go, golang-github-masterminds-sprig-dev, golang-k8s-sigs-yaml-dev) in GOPATH mode.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const CHART = join(ROOT, "deploy/helm/foresight");
const GOPATH = "/usr/share/gocode";

export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [k: string]: unknown };
  [k: string]: unknown;
};

/** Go sources the renderer imports, as Debian packages them under GOPATH. */
const PACKAGED_SOURCES: Record<string, string> = {
  "github.com/Masterminds/sprig": "golang-github-masterminds-sprig-dev",
  "sigs.k8s.io/yaml": "golang-k8s-sigs-yaml-dev",
};

/** Why the renderer cannot be built here (a missing tool or package), or undefined when it can. */
export function rendererUnavailable(): string | undefined {
  if (spawnSync("go", ["version"], { encoding: "utf8" }).status !== 0)
    return "go is not installed (Debian: golang-go): the chart renderer cannot be built";
  const missing = Object.entries(PACKAGED_SOURCES).filter(([path]) => !existsSync(join(GOPATH, "src", path)));
  if (missing.length > 0) return `Go sources missing (Debian: ${missing.map(([, pkg]) => pkg).join(", ")})`;
  return undefined;
}

/** Compiles the renderer into a temporary directory; throws with the compiler's output on failure. */
export function buildRenderer(): string {
  const dir = mkdtempSync(join(tmpdir(), "helm-render-"));
  const binary = join(dir, "helm-render");
  const cache = process.env.GOCACHE ?? join(tmpdir(), "foresight-helm-render-gocache");
  mkdirSync(cache, { recursive: true });
  const build = spawnSync("go", ["build", "-o", binary, "./test/deploy/helmRender"], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, GO111MODULE: "off", GOPATH, GOFLAGS: "", GOCACHE: cache },
  });
  if (build.status !== 0) throw new Error(`go build test/deploy/helmRender failed:\n${build.stderr}`);
  return binary;
}

export type RenderResult = { status: number | null; stdout: string; stderr: string };

export function runRenderer(binary: string, args: string[], chart = CHART): RenderResult {
  const run = spawnSync(binary, [...args, chart], { encoding: "utf8" });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

export function parseStream(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(doc.errors.map((e) => e.message).join("\n"));
      return doc.toJS() as K8sObject | null;
    })
    .filter((o): o is K8sObject => o !== null);
}

/** Renders the chart as release "foresight" in namespace "foresight"; throws on a render error. */
export function render(binary: string, args: string[] = [], chart = CHART): K8sObject[] {
  const run = runRenderer(binary, ["--name", "foresight", "--namespace", "foresight", ...args], chart);
  if (run.status !== 0) throw new Error(`helm-render ${args.join(" ")} failed:\n${run.stderr}`);
  return parseStream(run.stdout);
}

export function objectKey(o: K8sObject): string {
  return `${o.apiVersion}/${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`;
}

export function find(objects: K8sObject[], kind: string, name?: string): K8sObject[] {
  return objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
}

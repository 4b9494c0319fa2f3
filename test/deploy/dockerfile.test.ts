/**
 * The Dockerfile, checked statically (there is no container engine here, so the image is never
 * built by the tests): a supported Node (22 or 24) in every stage, no install step through which
 * the optional @tensorflow/tfjs-node can fail the build, a non-root user that matches the chart's
 * pod security context, and an entrypoint plus command that run `dist/cli/main.js serve`.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { CHART, ROOT } from "./helmHarness.js";

const SUPPORTED_NODE_MAJORS = [22, 24];
const TFJS_NODE = "@tensorflow/tfjs-node";

/** Instructions with continuation lines joined and comments dropped. */
function instructions(text: string): string[] {
  return text
    .split("\n")
    .filter((l) => !l.trim().startsWith("#"))
    .join("\n")
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "");
}

const dockerfile = instructions(readFileSync(join(ROOT, "Dockerfile"), "utf8"));
const runs = dockerfile.filter((l) => l.startsWith("RUN ")).map((l) => l.slice(4));
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  bin: Record<string, string>;
  dependencies: Record<string, string>;
  optionalDependencies?: Record<string, string>;
};

describe("Dockerfile", () => {
  it("builds in stages on a supported Node release", () => {
    const froms = dockerfile.filter((l) => l.startsWith("FROM "));
    assert.ok(froms.length >= 2, "multi-stage");
    for (const from of froms) {
      const major = Number(/\bnode:(\d+)/.exec(from)?.[1]);
      assert.ok(SUPPORTED_NODE_MAJORS.includes(major), `${from}: Node ${SUPPORTED_NODE_MAJORS.join(" or ")}`);
    }
  });

  it("cannot fail on @tensorflow/tfjs-node's install script", () => {
    assert.ok(pkg.optionalDependencies?.[TFJS_NODE], "tfjs-node is an optionalDependency");
    assert.equal(pkg.dependencies[TFJS_NODE], undefined, "tfjs-node is not a hard dependency");
    const installs = runs.flatMap((r) => r.split(/&&|;/)).filter((c) => /\bnpm (ci|install|i)\b/.test(c));
    assert.ok(installs.length > 0, "npm installs the dependencies");
    for (const install of installs) {
      assert.doesNotMatch(
        install,
        /@tensorflow\/tfjs-node/,
        `${install.trim()}: no explicit tfjs-node install`,
      );
      assert.match(
        install,
        /--ignore-scripts|--omit[= ]optional/,
        `${install.trim()}: install scripts cannot run`,
      );
    }
    for (const run of runs.filter((r) => r.includes(TFJS_NODE))) {
      for (const rebuild of run.match(/npm (rebuild|install|i) [^;|&]*tfjs-node[^;|&]*(\|\|)?/g) ?? [])
        assert.ok(rebuild.endsWith("||"), `${rebuild}: its failure is caught`);
      for (const check of run.match(/node -e "import\('@tensorflow\/tfjs-node'\)[^"]*"/g) ?? [])
        assert.ok(run.includes(`if ${check}`), `${check}: a failed import is a condition, not a failure`);
    }
    const tfjsArg = dockerfile.find((l) => /^ARG TFJS_NODE\b/.test(l));
    assert.equal(tfjsArg, "ARG TFJS_NODE=false", "the native backend is opt-in");
  });

  it("runs as the non-root user the chart's pods run as", () => {
    const users = dockerfile.filter((l) => l.startsWith("USER "));
    const [uid, gid] = (users.at(-1) ?? "").slice(5).split(":");
    assert.match(uid ?? "", /^[1-9]\d*$/, "a numeric, non-zero uid (runAsNonRoot can check it)");
    const values = parse(readFileSync(join(CHART, "values.yaml"), "utf8")) as {
      podSecurityContext: { runAsUser: number; runAsGroup: number };
    };
    assert.equal(Number(uid), values.podSecurityContext.runAsUser);
    if (gid !== undefined) assert.equal(Number(gid), values.podSecurityContext.runAsGroup);
  });

  it("starts `dist/cli/main.js serve` with node", () => {
    const exec = (keyword: string): string[] => {
      const lines = dockerfile.filter((l) => l.startsWith(`${keyword} `));
      assert.equal(lines.length, 1, `one ${keyword}`);
      return JSON.parse((lines[0] as string).slice(keyword.length + 1)) as string[];
    };
    const argv = [...exec("ENTRYPOINT"), ...exec("CMD")];
    assert.equal(argv[0], "node");
    const main = argv.indexOf(pkg.bin.foresight as string);
    assert.equal(pkg.bin.foresight, "dist/cli/main.js");
    assert.ok(main > 0, "package.json's bin");
    assert.equal(argv[main + 1], "serve");
  });

  it("keeps the host's node_modules and dist out of the build context", () => {
    const ignored = instructions(readFileSync(join(ROOT, ".dockerignore"), "utf8"));
    for (const path of ["node_modules", "dist", ".git"]) assert.ok(ignored.includes(path), path);
  });
});

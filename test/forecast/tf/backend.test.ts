import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { loadTensorflow, TensorflowRuntime } from "../../../src/forecast/tf/backend.js";

const run = promisify(execFile);
const backendUrl = pathToFileURL(
  fileURLToPath(new URL("../../../src/forecast/tf/backend.ts", import.meta.url)),
);
const projectRoot = fileURLToPath(new URL("../../../", import.meta.url));

function recordingLogger() {
  const lines: { level: string; obj: unknown; msg: string | undefined }[] = [];
  const at =
    (level: string) =>
    (obj: unknown, msg?: string): void => {
      lines.push({ level, obj, msg });
    };
  return { lines, logger: { info: at("info"), warn: at("warn"), debug: at("debug") } as never };
}

describe("loadTensorflow", () => {
  it("falls back to wasm when tfjs-node is not installed, and computes", async () => {
    const { lines, logger } = recordingLogger();
    const { tf, backend } = await loadTensorflow({ logger });
    assert.equal(backend, "wasm");
    assert.equal(tf.getBackend(), "wasm");
    const sum = tf.tidy(() => tf.add(tf.tensor1d([1, 2, 3]), tf.tensor1d([10, 20, 30])).arraySync());
    assert.deepEqual(sum, [11, 22, 33]);
    const skipped = lines.find(
      (l) => l.level === "debug" && (l.obj as { backend?: string }).backend === "node",
    );
    assert.ok(skipped, "the failed tfjs-node attempt is logged");
  });

  it("takes the fallback when tfjs-node fails to load (simulated native error)", async () => {
    const attempted: string[] = [];
    const { lines, logger } = recordingLogger();
    const loaded = await loadTensorflow({
      logger,
      importModule: async (specifier) => {
        attempted.push(specifier);
        if (specifier === "@tensorflow/tfjs-node")
          throw new Error("libtensorflow.so: cannot open shared object");
        return import(specifier);
      },
    });
    assert.equal(loaded.backend, "wasm");
    assert.deepEqual(attempted, ["@tensorflow/tfjs-node", "@tensorflow/tfjs-backend-wasm"]);
    const info = lines.find((l) => l.level === "info");
    assert.match(JSON.stringify(info?.obj), /libtensorflow\.so/);
  });

  it("falls back to cpu when wasm cannot start, and honours prefer", async () => {
    const viaFallback = await loadTensorflow({
      prefer: "wasm",
      importModule: async () => {
        throw new Error("no wasm here");
      },
    });
    assert.equal(viaFallback.backend, "cpu");
    const cpu = await loadTensorflow({ prefer: "cpu" });
    assert.equal(cpu.backend, "cpu");
    assert.equal(
      cpu.tf.tidy(() => cpu.tf.scalar(2).mul(3).dataSync()[0]),
      6,
    );
    await loadTensorflow({ prefer: "wasm" }); // leave the process on wasm for other tests
  });

  it("TensorflowRuntime loads once and returns the same handle", async () => {
    let imports = 0;
    const runtime = new TensorflowRuntime({
      prefer: "wasm",
      importModule: (specifier) => {
        imports++;
        return import(specifier);
      },
    });
    const [a, b] = await Promise.all([runtime.get(), runtime.get()]);
    assert.equal(a, b);
    assert.equal(imports, 1);
  });
});

describe("start-up noise", () => {
  // A child process sees exactly what a user's terminal would: the banner goes to console.warn.
  for (const prefer of ["node", "cpu"] as const) {
    it(`prints nothing but our own output (prefer ${prefer})`, async () => {
      const dir = await mkdtemp(join(tmpdir(), "foresight-tf-"));
      try {
        const script = join(dir, "probe.mts");
        await writeFile(
          script,
          `import { loadTensorflow } from ${JSON.stringify(backendUrl.href)};
const { tf, backend } = await loadTensorflow({ prefer: ${JSON.stringify(prefer)} });
const value = tf.tidy(() => tf.tensor1d([1, 2]).sum().dataSync()[0]);
process.stdout.write(JSON.stringify({ backend, value }) + "\\n");
`,
        );
        const { stdout, stderr } = await run(process.execPath, ["--import", "tsx", script], {
          cwd: projectRoot,
          timeout: 15_000,
        });
        assert.equal(stderr, "");
        assert.equal(stdout, `${JSON.stringify({ backend: prefer === "cpu" ? "cpu" : "wasm", value: 3 })}\n`);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  }
});

/**
 * Loads TensorFlow.js with the fastest backend this machine has: the native `@tensorflow/tfjs-node`
 * (an optional dependency, whose native download fails on some machines), else the WebAssembly
 * backend, else the pure-JS CPU backend. Nothing here is a module-level singleton: `loadTensorflow`
 * returns a handle that callers pass down, and `TensorflowRuntime` (made once in cli/) memoizes it.
 *
 * Quiet start-up: tfjs prints its "looks like you are running TensorFlow.js in Node.js … install
 * tfjs-node" banner and a "Platform … has already been set" warning through its own `warn`, which is
 * gated by the `PROD` flag. So we import tfjs-core first and turn on prod mode (the documented switch,
 * `tf.enableProdMode()`) before any backend is initialised or any tensor is made; this is cleaner
 * than wrapping `console` (which would also hide other code's output for the duration of an async
 * import). The native TensorFlow library logs CPU-feature notices from C++ straight to stderr; only
 * `TF_CPP_MIN_LOG_LEVEL`, read when the library loads, silences those, so we set it when unset.
 */
import type { Logger } from "pino";

export type Tf = typeof import("@tensorflow/tfjs");
export type TfBackendName = "tensorflow" | "wasm" | "cpu";
export type TfPreference = "node" | "wasm" | "cpu";

export interface LoadedTensorflow {
  readonly tf: Tf;
  readonly backend: TfBackendName;
}

export interface LoadTensorflowOptions {
  /** Best backend to try first; later ones are fallbacks (node → wasm → cpu). Default "node". */
  readonly prefer?: TfPreference;
  readonly logger?: Pick<Logger, "info" | "warn" | "debug">;
  /** Module importer, replaceable in tests to simulate a missing or broken optional package. */
  readonly importModule?: (specifier: string) => Promise<unknown>;
}

const NODE_PACKAGE = "@tensorflow/tfjs-node";

const ORDER: Record<TfPreference, readonly TfPreference[]> = {
  node: ["node", "wasm", "cpu"],
  wasm: ["wasm", "cpu"],
  cpu: ["cpu"],
};

/** Imports TensorFlow.js quietly and activates the first backend that works, in preference order. */
export async function loadTensorflow(options: LoadTensorflowOptions = {}): Promise<LoadedTensorflow> {
  const importModule = options.importModule ?? ((specifier: string) => import(specifier));
  const logger = options.logger;
  const tf: Tf = await import("@tensorflow/tfjs");
  tf.enableProdMode();
  const failures: string[] = [];
  for (const choice of ORDER[options.prefer ?? "node"]) {
    try {
      const loaded = await activate(choice, tf, importModule);
      if (loaded) {
        logger?.info({ backend: loaded.backend, skipped: failures }, "tensorflow.js loaded");
        return loaded;
      }
      failures.push(`${choice}: backend did not initialise`);
    } catch (error) {
      failures.push(`${choice}: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`);
    }
    logger?.debug({ backend: choice, reason: failures.at(-1) }, "tensorflow.js backend unavailable");
  }
  throw new Error(
    `could not start any TensorFlow.js backend (${failures.join("; ")}); ` +
      "reinstall @tensorflow/tfjs and @tensorflow/tfjs-backend-wasm",
  );
}

async function activate(
  choice: TfPreference,
  tf: Tf,
  importModule: (specifier: string) => Promise<unknown>,
): Promise<LoadedTensorflow | undefined> {
  if (choice === "node") {
    process.env.TF_CPP_MIN_LOG_LEVEL ??= "2";
    const mod = (await importModule(NODE_PACKAGE)) as { default?: Tf } & Partial<Tf>;
    // A CommonJS package: its exports are the default export of the ESM namespace.
    const nodeTf = (mod.default ?? mod) as Tf;
    if (typeof nodeTf.setBackend !== "function") throw new Error(`${NODE_PACKAGE} has no setBackend`);
    nodeTf.enableProdMode();
    const ok = await nodeTf.setBackend("tensorflow");
    await nodeTf.ready();
    return ok ? { tf: nodeTf, backend: "tensorflow" } : undefined;
  }
  if (choice === "wasm") {
    // Registers the "wasm" backend as a side effect; the .wasm binary is found next to the package.
    await importModule("@tensorflow/tfjs-backend-wasm");
  }
  const ok = await tf.setBackend(choice);
  await tf.ready();
  return ok && tf.getBackend() === choice ? { tf, backend: choice } : undefined;
}

/**
 * Memoizes one `loadTensorflow` call for whoever holds this object (made once in cli/ and passed
 * down), so the backend is chosen and initialised once per process without a global.
 */
export class TensorflowRuntime {
  #loading: Promise<LoadedTensorflow> | undefined;

  constructor(private readonly options: LoadTensorflowOptions = {}) {}

  get(): Promise<LoadedTensorflow> {
    this.#loading ??= loadTensorflow(this.options).catch((error: unknown) => {
      // Let a later call retry instead of caching the failure forever.
      this.#loading = undefined;
      throw error;
    });
    return this.#loading;
  }
}

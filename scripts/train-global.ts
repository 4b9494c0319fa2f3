/**
 * Trains the global model's pretrained network (models/global) from the shared traces only, and
 * writes beside it TRAINING.json: which traces and time ranges it learned from, the seed, the steps,
 * the windows, the loss, the size in bytes and the command. Deterministic for a seed on one backend.
 *
 *   npm run train:global                      # ../shared/traces/norm → models/global
 *   TRACES=dir OUT=dir STEPS=n SEED=n npm run train:global
 *
 * Held out: only the first TRAIN_FRACTION (60%) of each trace is used (src/forecast/globalTraces.ts);
 * bench/coldStart.ts scores forecasts only after it.
 */
import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { loadSplitTraces, TRAIN_FRACTION } from "../src/forecast/globalTraces.js";
import {
  buildGlobalWindows,
  concatWindows,
  DEFAULT_GLOBAL_LAYOUT,
  sampleWindowSpecs,
} from "../src/forecast/models/globalFeatures.js";
import {
  createGlobalNetwork,
  DEFAULT_GLOBAL_SHAPE,
  pretrainedGlobalDir,
  saveGlobalNetwork,
  trainSteps,
} from "../src/forecast/models/globalNetwork.js";
import { seededRandom } from "../src/forecast/random.js";
import { loadTensorflow } from "../src/forecast/tf/backend.js";

const ROOT = new URL("../", import.meta.url).pathname;
const TRACES = process.env.TRACES ?? join(ROOT, "../shared/traces/norm");
const OUT = process.env.OUT ?? pretrainedGlobalDir();
const STEPS = Number(process.env.STEPS ?? 8000);
const SEED = Number(process.env.SEED ?? 7);
/** Windows drawn per trace at most, so the long traces do not drown the short ones. */
const WINDOWS_PER_TRACE = 6000;

async function main(): Promise<void> {
  if (!(Number.isInteger(STEPS) && STEPS > 0))
    throw new Error(`STEPS must be a positive integer, got ${STEPS}`);
  const started = performance.now();
  const { tf, backend } = await loadTensorflow({ prefer: "wasm" });
  const layout = DEFAULT_GLOBAL_LAYOUT;
  const { traces, skipped } = loadSplitTraces(TRACES);
  const random = seededRandom(SEED);
  const used = traces.map((t) => {
    const last = t.trainEnd - layout.horizonSteps + 1;
    const every = Math.max(1, Math.ceil(last / WINDOWS_PER_TRACE));
    const windows = buildGlobalWindows(
      t.series,
      sampleWindowSpecs(t.series.stepSeconds, 2, last, every, random),
      layout,
    );
    const stepMs = t.series.stepSeconds * 1000;
    return {
      windows,
      record: {
        trace: t.name,
        stepSeconds: t.series.stepSeconds,
        from: new Date(t.series.startMs).toISOString(),
        // Targets of the last window end at trainEnd (exclusive).
        to: new Date(t.series.startMs + t.trainEnd * stepMs).toISOString(),
        trainSteps: t.trainEnd,
        totalSteps: t.series.values.length,
        windows: windows.count,
      },
    };
  });
  const windows = concatWindows(
    used.map((u) => u.windows),
    layout,
  );
  process.stderr.write(
    `global: ${windows.count} windows from ${used.length} traces; ${STEPS} steps on ${backend}\n`,
  );
  const net = createGlobalNetwork(tf, layout, { ...DEFAULT_GLOBAL_SHAPE, seed: SEED });
  const loss = await trainSteps(tf, net, windows, {
    steps: STEPS,
    batchSize: 256,
    learningRate: 0.002,
    seed: SEED,
    onProgress: (step, l) => {
      if (step % 1000 === 0) process.stderr.write(`  step ${step}: loss ${l.toFixed(4)}\n`);
    },
  });
  await saveGlobalNetwork(tf, { ...net, origin: "pretrained" }, OUT);
  const bytes = (await stat(join(OUT, "weights.bin"))).size + (await stat(join(OUT, "model.json"))).size;
  const pkg = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8")) as {
    dependencies: Record<string, string>;
  };
  const record = {
    command: "npm run train:global",
    environment: { STEPS, SEED },
    heldOut: `first ${TRAIN_FRACTION * 100}% of every trace's steps (src/forecast/globalTraces.ts TRAIN_FRACTION); bench/coldStart.ts scores only forecasts of later steps`,
    traces: used.map((u) => u.record),
    skipped,
    layout,
    network: { ...DEFAULT_GLOBAL_SHAPE, seed: SEED, parameters: net.network.countParams() },
    training: {
      steps: STEPS,
      batchSize: 256,
      learningRate: 0.002,
      optimizer: "adam",
      windows: windows.count,
      lossBefore: loss.before,
      lossAfter: loss.after,
      backend,
      tfjs: pkg.dependencies["@tensorflow/tfjs"],
      seconds: Math.round((performance.now() - started) / 1000),
    },
    sizeBytes: bytes,
  };
  await writeFile(join(OUT, "TRAINING.json"), `${JSON.stringify(record, null, 2)}\n`);
  process.stdout.write(
    `global: trained in ${record.training.seconds} s; loss ${loss.before.toFixed(4)} → ${loss.after.toFixed(4)}; ${bytes} bytes in ${OUT}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`train:global failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});

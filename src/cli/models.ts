/**
 * The forecaster's candidate models for `foresight serve`: the engine's default models, plus the
 * TensorFlow.js neural model where TensorFlow.js loads (tfjs-node, else tfjs + the WASM backend),
 * each target keeping its own trained network next to the store when a store path is set.
 */
import { join } from "node:path";
import type { Model } from "../forecast/types.js";
import type { Logger } from "../telemetry/logger.js";

export async function loadModelSet(options: {
  readonly log: Logger;
  /** Load TensorFlow.js (only when some target may use the neural model). */
  readonly wantsNeural: boolean;
  /** Where each target's network is saved: `<storePath>.models/<target>/neural`. */
  readonly storePath: string | undefined;
}): Promise<(target: string) => Model[]> {
  const { log, storePath } = options;
  const [{ defaultModels }, { NeuralModel }, { PersistedNeuralModel }] = await Promise.all([
    import("../forecast/models/registry.js"),
    import("../forecast/models/neural.js"),
    import("../forecast/models/persistedNeural.js"),
  ]);
  const tensorflow = options.wantsNeural
    ? await import("../forecast/tf/backend.js")
        .then(({ loadTensorflow }) => loadTensorflow({ logger: log }))
        .catch((err: unknown) => {
          log.warn(
            { err: (err as Error).message },
            "tensorflow.js unavailable: forecasting without the neural model",
          );
          return undefined;
        })
    : undefined;
  const baseModels = defaultModels({});
  const neural = tensorflow ? new NeuralModel(tensorflow) : undefined;
  // Stateless models are shared; each target keeps its own saved network (with a store path).
  const byTarget = new Map<string, Model[]>();
  return (name: string): Model[] => {
    let models = byTarget.get(name);
    if (!models) {
      const own =
        neural && tensorflow && storePath
          ? new PersistedNeuralModel({
              inner: neural,
              tensorflow,
              // Scaler names are "namespace/name": one directory level each.
              dir: join(`${storePath}.models`, ...name.split("/"), "neural"),
              onError: (message) => log.warn({ target: name }, message),
            })
          : neural;
      models = own ? [...baseModels, own] : baseModels;
      byTarget.set(name, models);
    }
    return models;
  };
}

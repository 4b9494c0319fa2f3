/**
 * The forecaster's candidate models for `foresight serve`: the engine's default models, plus the
 * TensorFlow.js neural model where TensorFlow.js loads (tfjs-node, else tfjs + the WASM backend),
 * each target keeping its own trained network next to the store when a store path is set, and, when
 * asked for, the global model (one shared network, its pretrained weights from models/global).
 */
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { type Clock, systemClock } from "../clock.js";
import type { SharedGlobalModel } from "../forecast/models/sharedGlobal.js";
import type { LoadedTensorflow } from "../forecast/tf/backend.js";
import type { Model } from "../forecast/types.js";
import type { Logger } from "../telemetry/logger.js";

/** Each target's candidates, and the shared global model when it loaded (to feed and fine-tune). */
export type ModelSet = ((target: string) => Model[]) & { readonly global?: SharedGlobalModel };

export async function loadModelSet(options: {
  readonly log: Logger;
  /** Load TensorFlow.js (only when some target may use the neural model). */
  readonly wantsNeural: boolean;
  /** Add the global model (loads TensorFlow.js and the pretrained network). */
  readonly wantsGlobal?: boolean;
  /** Paces the global model's fine-tunes (default the system clock). */
  readonly clock?: Clock;
  /** Where each target's network is saved: `<storePath>.models/<target>/neural`. */
  readonly storePath: string | undefined;
}): Promise<ModelSet> {
  const { log, storePath } = options;
  const [{ defaultModels }, { NeuralModel }, { PersistedNeuralModel }] = await Promise.all([
    import("../forecast/models/registry.js"),
    import("../forecast/models/neural.js"),
    import("../forecast/models/persistedNeural.js"),
  ]);
  const tensorflow =
    options.wantsNeural || options.wantsGlobal
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
  const global =
    tensorflow && options.wantsGlobal
      ? await loadSharedGlobal(tensorflow, options.clock ?? systemClock, log, storePath)
      : undefined;
  const baseModels = defaultModels(global ? { global } : {});
  const neural = tensorflow && options.wantsNeural ? new NeuralModel(tensorflow) : undefined;
  // Stateless models are shared; each target keeps its own saved network (with a store path).
  const byTarget = new Map<string, Model[]>();
  const set = (name: string): Model[] => {
    let models = byTarget.get(name);
    if (!models) {
      const own =
        neural && tensorflow && storePath
          ? new PersistedNeuralModel({
              inner: neural,
              tensorflow,
              dir: neuralDirOf(storePath, name),
              onError: (message) => log.warn({ target: name }, message),
            })
          : neural;
      models = own ? [...baseModels, own] : baseModels;
      byTarget.set(name, models);
    }
    return models;
  };
  return Object.assign(set, global ? { global } : {});
}

/** Where a target's neural network is kept: `<storePath>.models/<namespace>/<name>/neural`. */
export function neuralDirOf(storePath: string, target: string): string {
  // Scaler names are "namespace/name": one directory level each.
  return join(`${storePath}.models`, ...target.split("/"), "neural");
}

/**
 * The shared global model: the installation's last fine-tuned network when one was saved beside the
 * store (`<storePath>.global/`, written after every fine-tune) and it reads the layout the shipped one
 * does, else the shipped pretrained network; undefined (logged) when neither can load.
 */
async function loadSharedGlobal(
  tensorflow: LoadedTensorflow,
  clock: Clock,
  log: Logger,
  storePath: string | undefined,
): Promise<SharedGlobalModel | undefined> {
  const [
    { GlobalModel },
    { loadGlobalNetwork, pretrainedGlobalDir, saveGlobalNetwork },
    { SharedGlobalModel },
  ] = await Promise.all([
    import("../forecast/models/global.js"),
    import("../forecast/models/globalNetwork.js"),
    import("../forecast/models/sharedGlobal.js"),
  ]);
  const savedDir = storePath ? `${storePath}.global` : undefined;
  try {
    const pretrained = await loadGlobalNetwork(tensorflow.tf, pretrainedGlobalDir());
    let net = pretrained;
    if (savedDir) {
      const saved = await loadGlobalNetwork(tensorflow.tf, savedDir).catch((err: unknown) => {
        // None saved yet is the normal first start; anything else is worth a line.
        if (!/ENOENT/.test((err as Error).message))
          log.warn({ err: (err as Error).message }, "saved global model ignored: serving the pretrained one");
        return undefined;
      });
      if (saved && isDeepStrictEqual(saved.layout, pretrained.layout)) {
        pretrained.network.dispose();
        net = saved;
        log.info({ dir: savedDir, origin: saved.origin }, "global model loaded from its last fine-tune");
      } else if (saved) {
        saved.network.dispose();
        log.warn(
          { dir: savedDir },
          "saved global model ignored: its layout is not the shipped network's (a new version); serving the pretrained one",
        );
      }
    }
    const shared = new SharedGlobalModel(new GlobalModel(tensorflow.tf, net), {
      clock,
      onFineTuned: (r, targets) => {
        log.info(
          { targets, windows: r.windows, steps: r.steps, lossBefore: r.lossBefore, lossAfter: r.lossAfter },
          "global model fine-tuned",
        );
        // Kept beside the store, so a restart serves what was learnt (written after the swap).
        if (savedDir)
          void saveGlobalNetwork(tensorflow.tf, shared.current.net, savedDir).catch((err: unknown) =>
            log.warn(
              { err: (err as Error).message, dir: savedDir },
              "cannot save the fine-tuned global model",
            ),
          );
      },
      onError: (message) => log.warn(message),
    });
    return shared;
  } catch (err) {
    log.warn({ err: (err as Error).message }, "global model unavailable: forecasting without it");
    return undefined;
  }
}

/**
 * Config reload for `foresight serve`: when the config file changes (a ConfigMap
 * update lands as a new file) or on SIGHUP, read and compile it again. A broken file changes
 * nothing: the running rules stay, and the error (file:line:col) goes to the log, to
 * `foresight_config_reloads_total{result="error"}` and to `foresight_config_last_reload_successful`
 * (0). A good file replaces the discovery rules (`rules`, `externalRules`) at once (and sets the
 * last-success time); other sections need a restart, which the log says.
 */
import { readFileSync, watch } from "node:fs";
import { basename, dirname } from "node:path";
import type { Counter } from "prom-client";
import type { Discovery } from "../adapter/discovery.js";
import type { Config } from "../config/schema.js";
import type { ResourceCatalog } from "../k8s/groupResource.js";
import type { Logger } from "../telemetry/logger.js";
import { loadAndCompile } from "./loadRules.js";

export interface ConfigReloader {
  /** Reload now; resolves true when the new rules are in place. */
  reload(): Promise<boolean>;
  stop(): void;
}

function withoutRules(config: Config): string {
  const {
    rules: _r,
    externalRules: _e,
    prometheus: { url: _u, ...prometheus },
    ...rest
  } = config;
  return JSON.stringify({ ...rest, prometheus });
}

export function watchConfig(deps: {
  readonly path: string;
  readonly running: Config;
  readonly catalog: ResourceCatalog;
  readonly discovery: Discovery;
  readonly logger: Logger;
  readonly reloads: Counter<"result">;
  /** Told each reload's result and its time (the last-success gauges). */
  readonly loaded?: (ok: boolean, atMs: number) => void;
  /** Debounce of file events (editors and kubelet write in several steps). Default 500 ms. */
  readonly debounceMs?: number;
}): ConfigReloader {
  const { path, discovery, logger } = deps;
  let running = deps.running;
  let timer: NodeJS.Timeout | undefined;
  const text = () => {
    try {
      return readFileSync(path, "utf8");
    } catch {
      return undefined;
    }
  };
  // What was last loaded: an event that leaves the file as it was (a touch, a rewrite) changes nothing.
  let lastText = text();
  let chain: Promise<boolean> = Promise.resolve(true);
  const reload = (): Promise<boolean> => {
    chain = chain.then(async () => {
      const now = text();
      if (now !== undefined && now === lastText) return true;
      let loaded: Awaited<ReturnType<typeof loadAndCompile>>;
      try {
        loaded = await loadAndCompile(path, deps.catalog);
      } catch (err) {
        deps.reloads.inc({ result: "error" });
        deps.loaded?.(false, Date.now());
        logger.error(
          { err: (err as Error).message },
          "config reload failed: the running configuration stays in effect",
        );
        return false;
      }
      if (withoutRules(loaded.config) !== withoutRules(running))
        logger.warn(
          "config reload: only rules and externalRules change at run time; restart for the other sections",
        );
      running = loaded.config;
      lastText = now;
      for (const warning of loaded.warnings) logger.warn(`config: ${warning}`);
      await discovery.setRules(loaded.rules);
      deps.reloads.inc({ result: "ok" });
      deps.loaded?.(true, Date.now());
      logger.info({ rules: loaded.rules.length }, "config reloaded: new rules in effect");
      return true;
    });
    return chain;
  };
  // Watch the directory: a ConfigMap volume swaps a symlink rather than writing the file.
  const file = basename(path);
  const watcher = watch(dirname(path), (_event, name) => {
    // The file itself, or a ConfigMap volume's `..data` symlink swap; not its neighbours.
    if (name !== null && name !== file && !String(name).startsWith("..")) return;
    clearTimeout(timer);
    timer = setTimeout(() => void reload(), deps.debounceMs ?? 500);
    timer.unref();
  });
  const onHup = () => void reload();
  process.on("SIGHUP", onHup);
  return {
    reload,
    stop() {
      clearTimeout(timer);
      watcher.close();
      process.off("SIGHUP", onHup);
    },
  };
}

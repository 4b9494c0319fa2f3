/**
 * Loads a config file and compiles its rules, turning every problem into one ConfigError that
 * names the file, line and field, so `serve` refuses to start and `check-config` reports it.
 * `check-config` also asks for the PromQL check (promqlCheck.ts); `serve` leaves queries to Prometheus.
 * What prometheus-adapter accepts but cannot serve comes back as warnings, with their lines.
 * `prometheus.clusterMatchers` are checked here with Prometheus' grammar, each bad one named with its line.
 * `resourceRules` are compiled here too, so a section that `serve` would refuse (a template that
 * does not parse, no label for pods) is reported by `check-config`, with its line, before a start.
 */
import { compileRules } from "../adapter/naming/compileRules.js";
import type { CompiledRule } from "../adapter/naming/types.js";
import {
  compileResourceRules,
  missingResourceRules,
  ResourceRulesError,
} from "../adapter/resourceMetrics/resourceRules.js";
import { ConfigError, type ConfigProblem, formatProblem } from "../config/errors.js";
import { readConfigFile } from "../config/load.js";
import type { Config } from "../config/schema.js";
import type { ResourceCatalog } from "../k8s/groupResource.js";
import { BUILTIN_RESOURCES } from "../k8s/resourceCatalog.js";
import { PromQLError } from "../metrics/promql/errors.js";
import { checkLabelMatcher } from "../metrics/promql/inject.js";
import { queryProblems } from "./promqlCheck.js";

export interface LoadedConfig {
  readonly config: Config;
  readonly rules: readonly CompiledRule[];
  /** What loads but serves less than written (e.g. a rule mapping no resource), as `file:line:col: path: message`. */
  readonly warnings: readonly string[];
}

export interface LoadOptions {
  /** Also refuse queries Prometheus would not parse (seriesQuery, rendered metricsQuery, forecast targets). */
  readonly checkPromQL?: boolean;
}

export async function loadAndCompile(
  path: string,
  catalog: ResourceCatalog,
  options: LoadOptions = {},
): Promise<LoadedConfig> {
  const file = await readConfigFile(path);
  const { config } = file;
  const { rules, errors, warnings } = compileRules(config, catalog);
  const problems: ConfigProblem[] = errors.map((e) => file.problemAt(e.path ?? e.rule.id, e.detail));
  try {
    // serve compiles the section again when it starts (pure and cheap); here it is only checked.
    compileResourceRules(config.resourceRules, catalog);
  } catch (err) {
    if (!(err instanceof ResourceRulesError)) throw err;
    // Each problem starts with the path it is about (`resourceRules.cpu.containerQuery …`).
    for (const problem of err.problems) {
      const path = /^resourceRules(\.\w+)*/.exec(problem)?.[0] ?? "resourceRules";
      problems.push(file.problemAt(path, problem.slice(path.length).replace(/^[:\s]+(is )?/, "") || problem));
    }
  }
  config.prometheus.clusterMatchers.forEach((matcher, i) => {
    try {
      checkLabelMatcher(matcher);
    } catch (err) {
      if (!(err instanceof PromQLError)) throw err;
      problems.push(file.problemAt(`prometheus.clusterMatchers[${i}]`, err.message));
    }
  });
  if (options.checkPromQL) {
    for (const p of queryProblems(config, rules, BUILTIN_RESOURCES))
      problems.push(file.problemAt(p.path, p.message));
  }
  if (problems.length > 0) {
    throw new ConfigError(
      path,
      problems.sort((a, b) => a.line - b.line || a.column - b.column),
    );
  }
  const warningLines = warnings.map((w) =>
    formatProblem(path, file.problemAt(w.path ?? w.rule.id, w.detail)),
  );
  for (const missing of missingResourceRules(config.resourceRules))
    warningLines.push(
      formatProblem(path, file.problemAt("resourceRules", missing.replace(/^resourceRules\./, ""))),
    );
  return { config, rules, warnings: warningLines };
}

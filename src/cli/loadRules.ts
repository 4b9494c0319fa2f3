/**
 * Loads a config file and compiles its rules, turning every problem into one ConfigError that
 * names the file, line and field, so `serve` refuses to start and `check-config` reports it.
 */
import { compileRules } from "../adapter/naming/compileRules.js";
import type { CompiledRule, ResourceCatalog } from "../adapter/naming/types.js";
import { ConfigError } from "../config/errors.js";
import { readConfigFile } from "../config/load.js";
import type { Config } from "../config/schema.js";

export interface LoadedConfig {
  readonly config: Config;
  readonly rules: readonly CompiledRule[];
}

export async function loadAndCompile(path: string, catalog: ResourceCatalog): Promise<LoadedConfig> {
  const file = await readConfigFile(path);
  const { config } = file;
  const { rules, errors } = compileRules(config, catalog);
  if (errors.length > 0) {
    throw new ConfigError(
      path,
      errors.map((e) => file.problemAt(e.path ?? e.rule.id, e.detail)),
    );
  }
  return { config, rules };
}

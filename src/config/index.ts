/** Public face of the config module: the schema, its types, the loader and its error. */
export { formatDurationMs, parseDurationMs } from "./duration.js";
export { ConfigError, type ConfigProblem } from "./errors.js";
export { type ConfigFile, loadConfigFile, parseConfigFile, parseConfigText, readConfigFile } from "./load.js";
export {
  type AdapterConfig,
  type Config,
  configSchema,
  type DiscoveryRule,
  type GroupResourceConfig,
  type PrometheusConfig,
} from "./schema.js";

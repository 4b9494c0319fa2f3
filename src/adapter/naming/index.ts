/** The naming layer's public surface: compile config rules once, then map series and render queries. */
export type { CompiledDiscoveryRule, CompiledRules, SeriesVerdict } from "./compileRules.js";
export { compileRules } from "./compileRules.js";
export type { NamingErrorCode, RuleRef } from "./errors.js";
export { describeRule, NamingError } from "./errors.js";
export { compileGoRegex, expandGo } from "./goRegex.js";
export type { CompiledTemplate, Delimiters } from "./goTemplate.js";
export { ADAPTER_DELIMITERS, compileTemplate, GO_DELIMITERS, goQuote, TemplateError } from "./goTemplate.js";
export type { MetricNamer, NameVerdict } from "./metricNamer.js";
export { compileNamer, metricNameProblem } from "./metricNamer.js";
export type { QueryTemplateArgs } from "./metricsQuery.js";
export { MetricsQuery } from "./metricsQuery.js";
export type { CompiledResources } from "./resourceConverter.js";
export { ResourceConverter } from "./resourceConverter.js";
export type {
  CompiledRule,
  CustomQueryArgs,
  ExternalQueryArgs,
  ResourceCatalog,
  ResourceInfo,
  SeriesMatch,
} from "./types.js";
export { groupResourceString } from "./types.js";

/**
 * The one error a config file can raise. It lists every problem found, each at the place in the
 * file where it can be fixed, in the `<file>:<line>:<col>: <path>: <message>` form that editors
 * and terminals turn into links.
 */

/** One thing wrong with a config file. */
export interface ConfigProblem {
  /** Dotted path to the setting, e.g. `rules[2].metricsQuery`; "" for the file as a whole. */
  readonly path: string;
  /** 1-based line and column; 0 when the problem is not tied to a place (e.g. unreadable file). */
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

/** `adapter.yaml:14:7: rules[2].metricsQuery: Required`. */
export function formatProblem(sourceName: string, problem: ConfigProblem): string {
  const where = problem.line > 0 ? `${sourceName}:${problem.line}:${problem.column}` : sourceName;
  return problem.path === ""
    ? `${where}: ${problem.message}`
    : `${where}: ${problem.path}: ${problem.message}`;
}

/** A config file that cannot be used as is; `problems` says what to fix, and where. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly sourceName: string;
  readonly problems: readonly ConfigProblem[];

  constructor(sourceName: string, problems: readonly ConfigProblem[], options?: ErrorOptions) {
    const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
    const lines = problems.map((p) => formatProblem(sourceName, p));
    super(`invalid config ${sourceName} (${count}; fix and retry):\n${lines.join("\n")}`, options);
    this.sourceName = sourceName;
    this.problems = problems;
  }
}

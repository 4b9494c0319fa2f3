/**
 * The one error the PromQL evaluator throws. `kind` says what went wrong: `parse` (the text is not
 * PromQL; `position` points at it), `type` (valid syntax, wrong argument or operand types, as
 * Prometheus would refuse), `unsupported` (valid PromQL this evaluator does not implement; the
 * message names the construct: "function X is not supported by the embedded store") and
 * `execution` (the data made the query fail, e.g. many-to-many matching). The embedded
 * MetricsSource maps all of them to a MetricsSourceError of kind `query`.
 */

export type PromQLErrorKind = "parse" | "type" | "unsupported" | "execution";

export interface PromQLPosition {
  /** 0-based character offset into the query text. */
  readonly offset: number;
  /** 1-based line and column. */
  readonly line: number;
  readonly column: number;
}

export class PromQLError extends Error {
  override readonly name = "PromQLError";
  constructor(
    readonly kind: PromQLErrorKind,
    message: string,
    readonly position?: PromQLPosition,
  ) {
    super(message);
  }
}

export function positionOf(text: string, offset: number): PromQLPosition {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === "\n") {
      line++;
      lineStart = i + 1;
    }
  }
  return { offset, line, column: offset - lineStart + 1 };
}

/** "function holt_winters is not supported by the embedded store (why)". */
export function unsupported(construct: string, why?: string): PromQLError {
  return new PromQLError(
    "unsupported",
    `${construct} is not supported by the embedded store${why === undefined ? "" : ` (${why})`}`,
  );
}

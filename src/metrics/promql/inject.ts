/**
 * Adds label matchers to every vector selector of a query, as prom-label-proxy enforces a label:
 * on the syntax tree of Prometheus' own grammar, so every selector is reached (inside functions,
 * aggregations, subqueries, `offset`/`@`, both sides of binary operators, `match[]` selectors) and
 * nothing in strings or comments is touched. The query is otherwise sent as written: the matchers
 * are spliced into the original text at the places the tree names, so functions our evaluator does
 * not implement (Prometheus 3's, `limitk`, `sort_by_label`) pass through. What the grammar cannot
 * read (MetricsQL's own syntax: `WITH`, `default`, unknown functions) is refused rather than sent
 * unscoped: a query that escaped the matcher would read every cluster's series.
 */
import type { SyntaxNode } from "@lezer/common";
import type { VectorSelector } from "./ast.js";
import { PromQLError } from "./errors.js";
import { grammarTree, parsePromQL } from "./parse.js";

/**
 * Checks one matcher as written in a config file (`cluster="prod-eu"`, `cluster=~"prod-.*"`) and
 * returns it trimmed; throws PromQLError saying what is wrong. Matching on `__name__` is refused:
 * it would not scope a query but change what it selects.
 */
export function checkLabelMatcher(text: string): string {
  const matcher = text.trim();
  let selector: VectorSelector | undefined;
  try {
    const expr = parsePromQL(`x{${matcher}}`);
    if (expr.kind === "vectorSelector") selector = expr;
  } catch (err) {
    const why =
      err instanceof PromQLError ? err.message.replace(/ \(?at line \d+, column \d+\)?/g, "") : String(err);
    throw new PromQLError(
      "parse",
      `${JSON.stringify(text)} is not one label matcher such as cluster="prod-eu" (${why})`,
    );
  }
  const own = selector?.matchers.filter((m) => !(m.name === "__name__" && m.value === "x")) ?? [];
  if (own.length !== 1)
    throw new PromQLError(
      "parse",
      `${JSON.stringify(text)} is not one label matcher such as cluster="prod-eu"`,
    );
  if (own[0]?.name === "__name__")
    throw new PromQLError(
      "parse",
      `${JSON.stringify(text)} matches the metric name; give a label such as cluster`,
    );
  return matcher;
}

/**
 * `query` with `matchers` (each checked by checkLabelMatcher) added to every vector selector.
 * Throws PromQLError when the query does not parse.
 */
export function addMatchers(query: string, matchers: readonly string[]): string {
  if (matchers.length === 0) return query;
  const added = matchers.join(",");
  const { tree, rewritten } = grammarTree(query);
  const origin = (offset: number) => rewritten.origin[offset] ?? query.length;
  const inserts: { at: number; text: string }[] = [];
  tree.iterate({
    enter(node) {
      if (node.name !== "VectorSelector") return true;
      const selector = node.node;
      const braces = selector.getChild("LabelMatchers");
      if (braces) {
        // After `{`, or after a quoted metric name that leads (`{"my.metric", a="b"}`); a comma
        // only where matchers follow, so `{}` and a trailing comma (`{a="b",}`) stay valid.
        const name = braces.firstChild?.name === "QuotedLabelName" ? braces.firstChild : undefined;
        if (name) inserts.push({ at: origin(name.to), text: `,${added}` });
        else inserts.push({ at: origin(braces.from) + 1, text: hasMatchers(braces) ? `${added},` : added });
      } else {
        const name = selector.getChild("Identifier");
        if (!name)
          throw new PromQLError("parse", `cannot add ${added} to the selector of ${JSON.stringify(query)}`);
        inserts.push({ at: origin(name.to), text: `{${added}}` });
      }
      return false;
    },
  });
  let out = query;
  for (const { at, text } of inserts.sort((a, b) => b.at - a.at))
    out = out.slice(0, at) + text + out.slice(at);
  return out;
}

function hasMatchers(braces: SyntaxNode): boolean {
  for (let c = braces.firstChild; c; c = c.nextSibling) {
    if (c.name === "UnquotedLabelMatcher" || c.name === "QuotedLabelMatcher" || c.name === "QuotedLabelName")
      return true;
  }
  return false;
}

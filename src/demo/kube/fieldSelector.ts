/**
 * Field selectors (`fieldSelector=metadata.name=web,status.phase!=Failed`) as apimachinery's
 * `fields.ParseSelector` reads them: comma-joined terms with `=`, `==` or `!=`, and `\` escaping
 * `,`, `=` and `\` in values. Hand-written because no installed package parses them; the grammar
 * is a few lines.
 */

export interface FieldRequirement {
  readonly field: string;
  readonly operator: "=" | "!=";
  readonly value: string;
}

export interface FieldSelector {
  readonly requirements: readonly FieldRequirement[];
  matches(fields: Readonly<Record<string, string>>): boolean;
}

export class FieldSelectorParseError extends Error {
  constructor(
    readonly selector: string,
    reason: string,
  ) {
    super(`invalid field selector ${JSON.stringify(selector)}: ${reason}`);
    this.name = "FieldSelectorParseError";
  }
}

/** Splits on `sep` where it is not escaped by a backslash. */
function splitUnescaped(text: string, sep: string): string[] {
  const parts: string[] = [];
  let current = "";
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (ch === "\\" && i + 1 < text.length) {
      current += ch + (text[i + 1] as string);
      i++;
    } else if (ch === sep) {
      parts.push(current);
      current = "";
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts;
}

function unescapeValue(value: string, selector: string): string {
  let out = "";
  for (let i = 0; i < value.length; i++) {
    const ch = value[i] as string;
    if (ch !== "\\") {
      out += ch;
      continue;
    }
    const next = value[i + 1];
    if (next !== "\\" && next !== "," && next !== "=") {
      throw new FieldSelectorParseError(selector, `invalid escape sequence in ${JSON.stringify(value)}`);
    }
    out += next;
    i++;
  }
  return out;
}

function parseTerm(term: string, selector: string): FieldRequirement {
  // The first unescaped operator splits the term; "!=" and "==" are checked before "=".
  for (let i = 0; i < term.length; i++) {
    const ch = term[i];
    if (ch === "\\") {
      i++;
      continue;
    }
    const two = term.slice(i, i + 2);
    const op = two === "!=" || two === "==" ? two : ch === "=" ? "=" : undefined;
    if (op === undefined) continue;
    const field = term.slice(0, i).trim();
    if (field === "")
      throw new FieldSelectorParseError(selector, `term ${JSON.stringify(term)} has no field`);
    return {
      field,
      operator: op === "!=" ? "!=" : "=",
      value: unescapeValue(term.slice(i + op.length), selector),
    };
  }
  throw new FieldSelectorParseError(selector, `can't understand ${JSON.stringify(term)}; use field=value`);
}

/** Parses a field selector; empty text selects everything. Throws FieldSelectorParseError. */
export function parseFieldSelector(text: string | undefined): FieldSelector {
  const input = text?.trim() ?? "";
  const requirements =
    input === "" ? [] : splitUnescaped(input, ",").map((term) => parseTerm(term.trim(), input));
  return {
    requirements,
    matches: (fields) =>
      requirements.every((r) => ((fields[r.field] ?? "") === r.value) === (r.operator === "=")),
  };
}

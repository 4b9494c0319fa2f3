/**
 * What a file handed to `check-config` (or `serve --config`) is when it is not an adapter config:
 * a Kubernetes manifest (an HPA, a PredictiveScaler, a ConfigMap holding the config…) or a stream of
 * several YAML documents. The schema's own errors on such a file ("rules: unknown key kind") do not
 * say what went wrong; this names the kind of file and what to pass instead.
 */
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

/** Why the file is not an adapter config, or undefined when it may be one (the schema then decides). */
export function notAnAdapterConfig(file: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  let documents: unknown[];
  try {
    documents = parseAllDocuments(text)
      .map((d) => d.toJS() as unknown)
      .filter((d) => d !== null && d !== undefined);
  } catch {
    return undefined;
  }
  if (documents.length > 1) {
    const kinds = documents.map((d) => manifestKind(d) ?? "a document without kind");
    return `this is a multi-document YAML stream (${documents.length} documents: ${kinds.join(", ")}), not a Foresight/prometheus-adapter config; the config is one document${configMapHint(documents)}`;
  }
  const [only] = documents;
  const kind = manifestKind(only);
  if (kind === undefined) return undefined;
  return `this is ${article(kind)} ${kind} manifest, not a Foresight/prometheus-adapter config${kindHint(kind, only)}`;
}

/** `kind` of a Kubernetes object (one with both apiVersion and kind at the top). */
function manifestKind(document: unknown): string | undefined {
  if (typeof document !== "object" || document === null || Array.isArray(document)) return undefined;
  const { kind, apiVersion } = document as Record<string, unknown>;
  return typeof kind === "string" && typeof apiVersion === "string" ? kind : undefined;
}

function article(word: string): string {
  return /^[AEIOU]/.test(word) ? "an" : "a";
}

function kindHint(kind: string, document: unknown): string {
  if (kind === "ConfigMap") return configMapHint([document]) || "";
  if (kind === "PredictiveScaler")
    return " (a PredictiveScaler is applied to the cluster and read by the controller; check-config takes the file given to serve --config)";
  if (kind === "HorizontalPodAutoscaler")
    return " (an HPA reads the metrics the adapter serves; check-config takes the adapter's rules, the file given to serve --config)";
  return "";
}

/** Where a ConfigMap among the documents holds a config: its key, to extract. */
function configMapHint(documents: readonly unknown[]): string {
  for (const document of documents) {
    if (manifestKind(document) !== "ConfigMap") continue;
    const data = (document as { data?: unknown }).data;
    if (typeof data !== "object" || data === null) continue;
    for (const [key, value] of Object.entries(data)) {
      if (typeof value === "string" && /^(rules|externalRules|resourceRules)\s*:/m.test(value)) {
        const name = (document as { metadata?: { name?: unknown } }).metadata?.name;
        return `; the config is the key ${key} of the ConfigMap${typeof name === "string" ? ` ${name}` : ""}: pass that text as a file of its own`;
      }
    }
  }
  return "";
}

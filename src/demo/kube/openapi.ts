/**
 * A deliberately minimal OpenAPI v3 for the simulated API: one PATCH operation per resource that
 * declares the `fieldValidation` query parameter, and no schemas. It exists for kubectl: with it,
 * `kubectl create -f` / `apply -f` see server-side field validation as supported and skip the
 * client-side schema validation that would need the full Kubernetes OpenAPI. (The simulator
 * accepts `fieldValidation` and validates nothing.) No strategic-merge-patch body is declared, so
 * `kubectl apply` computes its patches from its compiled-in types. `/openapi/v2` is not served.
 */
import { createHash } from "node:crypto";
import type { ResourceType } from "./resourceTypeShape.js";
import type { ResourceRegistry } from "./resourceTypes.js";

/** "api/v1" or "apis/<group>/<version>": the keys of the v3 root document. */
function gvPath(group: string, version: string): string {
  return group === "" ? `api/${version}` : `apis/${group}/${version}`;
}

function groupVersions(registry: ResourceRegistry): { group: string; version: string }[] {
  const seen = new Map<string, { group: string; version: string }>();
  for (const t of registry.all())
    seen.set(gvPath(t.group, t.version), { group: t.group, version: t.version });
  return [...seen.values()];
}

function patchOperation(t: ResourceType): object {
  return {
    patch: {
      operationId: `patch${t.namespaced ? "Namespaced" : ""}${t.kind}`,
      parameters: [
        { name: "fieldValidation", in: "query", schema: { type: "string", uniqueItems: true } },
        { name: "dryRun", in: "query", schema: { type: "string", uniqueItems: true } },
      ],
      responses: { "200": { description: "OK" } },
      "x-kubernetes-action": "patch",
      "x-kubernetes-group-version-kind": { group: t.group, version: t.version, kind: t.kind },
    },
  };
}

/** The document for one group-version, or undefined when nothing is served there. */
export function openApiV3GroupVersion(registry: ResourceRegistry, path: string): object | undefined {
  const gv = groupVersions(registry).find((g) => gvPath(g.group, g.version) === path);
  if (!gv) return undefined;
  const paths: Record<string, object> = {};
  for (const t of registry.inGroupVersion(gv.group, gv.version)) {
    const scope = t.namespaced ? "/namespaces/{namespace}" : "";
    paths[`/${path}${scope}/${t.resource}/{name}`] = patchOperation(t);
  }
  return {
    openapi: "3.0.0",
    info: { title: "Kubernetes (Foresight simulator: minimal document, no schemas)", version: "v1.32.0" },
    paths,
    components: { schemas: {} },
  };
}

/** The `/openapi/v3` root: where each group-version's document lives. */
export function openApiV3Root(registry: ResourceRegistry): object {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const { group, version } of groupVersions(registry)) {
    const path = gvPath(group, version);
    const hash = createHash("sha512")
      .update(JSON.stringify(openApiV3GroupVersion(registry, path)))
      .digest("hex")
      .slice(0, 128)
      .toUpperCase();
    paths[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=${hash}` };
  }
  return { paths };
}

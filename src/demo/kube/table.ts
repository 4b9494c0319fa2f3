/**
 * Server-side printing: the meta.k8s.io `Table` the apiserver returns when a client (kubectl get)
 * asks for `application/json;as=Table;g=meta.k8s.io;v=v1`. Rows carry the object's metadata
 * (`includeObject=Metadata`, the default), the whole object, or nothing, as asked.
 */
import type { StoredObject } from "./objects.js";
import { DEFAULT_COLUMNS } from "./printColumns.js";
import type { ResourceType } from "./resourceTypeShape.js";
import { kubeBadRequest } from "./status.js";

export interface TableRequest {
  readonly version: "v1" | "v1beta1";
  readonly includeObject: "None" | "Metadata" | "Object";
}

/**
 * The Table the client prefers, or undefined when its first acceptable media type is plain JSON.
 * Entries we cannot serve (protobuf, aggregated discovery) are skipped.
 */
export function tableRequested(accept: string | undefined, query: URLSearchParams): TableRequest | undefined {
  for (const entry of (accept ?? "").split(",")) {
    const [mediaPart, ...paramParts] = entry.split(";");
    const media = (mediaPart ?? "").trim().toLowerCase();
    if (media !== "application/json" && media !== "*/*" && media !== "application/*") continue;
    const params = new Map(
      paramParts.map((p) => {
        const [k, v] = p.split("=");
        return [(k ?? "").trim(), (v ?? "").trim()] as const;
      }),
    );
    if (!params.has("as")) return undefined;
    const version = params.get("v");
    if (params.get("as") !== "Table" || params.get("g") !== "meta.k8s.io") continue;
    if (version !== "v1" && version !== "v1beta1") continue;
    const include = query.get("includeObject") ?? "Metadata";
    if (include !== "None" && include !== "Metadata" && include !== "Object") {
      throw kubeBadRequest(
        `includeObject: Unsupported value: "${include}": supported values: "None", "Metadata", "Object"`,
      );
    }
    return { version, includeObject: include };
  }
  return undefined;
}

function rowObject(obj: StoredObject, request: TableRequest): object | undefined {
  switch (request.includeObject) {
    case "None":
      return undefined;
    case "Object":
      return obj;
    case "Metadata":
      return {
        kind: "PartialObjectMetadata",
        apiVersion: `meta.k8s.io/${request.version}`,
        metadata: obj.metadata,
      };
  }
}

export function toTable(
  type: ResourceType,
  objects: readonly StoredObject[],
  resourceVersion: string,
  now: Date,
  request: TableRequest,
): object {
  const columns = type.printColumns ?? DEFAULT_COLUMNS;
  return {
    kind: "Table",
    apiVersion: `meta.k8s.io/${request.version}`,
    metadata: { resourceVersion },
    columnDefinitions: columns.map(({ cell: _cell, ...definition }) => definition),
    rows: objects.map((obj) => {
      const object = rowObject(obj, request);
      return { cells: columns.map((c) => c.cell(obj, now)), ...(object ? { object } : {}) };
    }),
  };
}

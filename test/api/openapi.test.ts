/**
 * The OpenAPI document against the router: every route the express router serves (read from its
 * stack) is in the document and every documented operation is served; every example and every
 * live answer validates against the document's own schemas (a small OpenAPI 3.0 schema checker
 * below, so the document, not just the zod schemas it came from, is what is tested).
 */
import assert from "node:assert/strict";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import type { Router } from "express";
import express from "express";
import { MemoryDecisionLog } from "../../src/actuator/decisionLog.js";
import type { ReviewSource } from "../../src/api/reviewSource.js";
import { createReviewApi, type ReviewApi } from "../../src/api/router.js";
import { expressPath } from "../../src/api/routes.js";
import { ForecastStore } from "../../src/forecast/store.js";

type Json = Record<string, unknown>;

const NOW = Date.parse("2025-06-02T08:00:00Z");

/** Checks `value` against an OpenAPI 3.0 schema object (the subset z.toJSONSchema emits); returns the problems. */
function check(value: unknown, schema: Json, components: Record<string, Json>, at = "$"): string[] {
  if (typeof schema.$ref === "string") {
    const id = schema.$ref.replace("#/components/schemas/", "");
    const target = components[id];
    if (!target) return [`${at}: unresolved $ref ${schema.$ref}`];
    return check(value, target, components, at);
  }
  if (value === null)
    return schema.nullable === true || Object.keys(schema).length === 0 ? [] : [`${at}: null`];
  if (Array.isArray(schema.anyOf)) {
    const ok = (schema.anyOf as Json[]).some((s) => check(value, s, components, at).length === 0);
    return ok ? [] : [`${at}: matches no anyOf branch`];
  }
  if (Array.isArray(schema.enum) && !schema.enum.includes(value))
    return [`${at}: ${JSON.stringify(value)} not in enum`];
  const problems: string[] = [];
  switch (schema.type) {
    case undefined:
      return [];
    case "string":
      return typeof value === "string" ? [] : [`${at}: not a string`];
    case "boolean":
      return typeof value === "boolean" ? [] : [`${at}: not a boolean`];
    case "number":
    case "integer": {
      if (typeof value !== "number") return [`${at}: not a number`];
      if (schema.type === "integer" && !Number.isInteger(value)) problems.push(`${at}: not an integer`);
      if (typeof schema.minimum === "number" && value < schema.minimum) problems.push(`${at}: below minimum`);
      if (typeof schema.maximum === "number" && value > schema.maximum) problems.push(`${at}: above maximum`);
      return problems;
    }
    case "array": {
      if (!Array.isArray(value)) return [`${at}: not an array`];
      if (typeof schema.minItems === "number" && value.length < schema.minItems)
        problems.push(`${at}: too short`);
      if (typeof schema.maxItems === "number" && value.length > schema.maxItems)
        problems.push(`${at}: too long`);
      const items = schema.items as Json | undefined;
      if (items)
        for (const [i, v] of value.entries()) problems.push(...check(v, items, components, `${at}[${i}]`));
      return problems;
    }
    case "object": {
      if (typeof value !== "object" || Array.isArray(value)) return [`${at}: not an object`];
      const obj = value as Json;
      const props = (schema.properties ?? {}) as Record<string, Json>;
      for (const key of (schema.required ?? []) as string[])
        if (!(key in obj)) problems.push(`${at}: missing required ${key}`);
      for (const [key, v] of Object.entries(obj)) {
        const prop = props[key];
        if (prop) problems.push(...check(v, prop, components, `${at}.${key}`));
        else if (schema.additionalProperties === false) problems.push(`${at}: unexpected property ${key}`);
        else if (typeof schema.additionalProperties === "object")
          problems.push(...check(v, schema.additionalProperties as Json, components, `${at}.${key}`));
      }
      return problems;
    }
    default:
      return [`${at}: unknown schema type ${String(schema.type)}`];
  }
}

/** `METHOD path` of every route layer of an express router (405 catch-alls excluded). */
function servedRoutes(router: Router): Set<string> {
  const out = new Set<string>();
  for (const layer of router.stack as unknown as {
    route?: { path: string; methods: Record<string, boolean> };
  }[]) {
    if (!layer.route) continue;
    for (const [method, on] of Object.entries(layer.route.methods))
      if (on && method !== "_all") out.add(`${method.toUpperCase()} ${layer.route.path}`);
  }
  return out;
}

describe("review API OpenAPI document", () => {
  let api: ReviewApi;
  let server: Server;
  let url: string;
  let doc: Json;
  before(async () => {
    const store = new ForecastStore();
    const log = new MemoryDecisionLog();
    log.append({
      atMs: NOW - 60_000,
      scaler: "a/b",
      mode: "Floor",
      action: "SetFloor",
      applied: true,
      to: 3,
      reason: "r",
    });
    const source: ReviewSource = {
      clock: { now: () => NOW },
      scalers: () => [
        {
          apiVersion: "foresight.dev/v1alpha1",
          kind: "PredictiveScaler",
          metadata: { name: "b", namespace: "a" },
          // An object as an informer may list it before defaulting: the views must cope.
          spec: { targetRef: { kind: "Deployment", name: "b" } } as never,
        },
      ],
      targets: () => [{ name: "t", query: "up", quantiles: [0.9], horizonMs: 3_600_000, stepSeconds: 60 }],
      forecast: (s) => store.get(s.id),
      history: async (_s, since) => [
        [since, 1],
        [since + 60_000, Number.NaN],
        [since + 120_000, 2],
      ],
      decisions: log,
      controller: {
        identity: "replica-a",
        status: () => ({
          shards: 4,
          held: [1, 3],
          members: ["replica-a", "replica-b"],
          holders: ["replica-b", "replica-a", undefined, "replica-a"],
        }),
        of: () => 1,
      },
    };
    api = createReviewApi({
      source,
      runner: { run: async () => ({ trace: "x", stepSeconds: 15, capacityPerReplica: 1, policies: {} }) },
      access: { mode: "local", bindAddress: "127.0.0.1" },
      version: "9.9.9",
    });
    const app = express();
    app.use(api.router);
    server = await new Promise((resolve) => {
      const s = app.listen(0, "127.0.0.1", () => resolve(s));
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const res = await fetch(`${url}/api/v1/openapi.json`);
    assert.equal(res.status, 200);
    doc = (await res.json()) as Json;
  });
  after(async () => {
    await api.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const components = () => (doc.components as { schemas: Record<string, Json> }).schemas;
  const operations = () => {
    const out: { method: string; path: string; op: Json }[] = [];
    for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, Json>>))
      for (const [method, op] of Object.entries(item)) out.push({ method, path, op });
    return out;
  };

  it("is an OpenAPI 3.0 document with the server's version", () => {
    assert.equal(doc.openapi, "3.0.3");
    assert.equal((doc.info as Json).version, "9.9.9");
    for (const schema of Object.values(components())) assert.equal(schema.$id, undefined);
  });

  it("documents exactly the routes the router serves", () => {
    const served = servedRoutes(api.router);
    const documented = new Set(operations().map((o) => `${o.method.toUpperCase()} ${expressPath(o.path)}`));
    assert.ok(served.size >= 12, `the router serves ${served.size} routes`);
    assert.deepEqual([...documented].sort(), [...served].sort());
  });

  it("declares every path parameter and a Status for errors", () => {
    for (const { path, op, method } of operations()) {
      const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      const declared = ((op.parameters ?? []) as Json[]).filter((p) => p.in === "path").map((p) => p.name);
      assert.deepEqual(declared, names, `${method} ${path}`);
      const responses = op.responses as Record<string, Json>;
      assert.ok(responses.default, `${method} ${path} has a default response`);
      for (const [code, r] of Object.entries(responses)) {
        if (Number(code) >= 400 || code === "default") {
          const schema = (r.content as Record<string, { schema: Json }>)["application/json"]?.schema;
          assert.deepEqual(schema, { $ref: "#/components/schemas/Status" }, `${method} ${path} ${code}`);
        }
      }
    }
  });

  it("every example validates against the document's schema of its response", () => {
    let examples = 0;
    for (const { path, op, method } of operations()) {
      for (const [code, r] of Object.entries(op.responses as Record<string, Json>)) {
        const content = (r.content as Record<string, { schema: Json; example?: unknown }>)[
          "application/json"
        ];
        if (content?.example === undefined) continue;
        examples += 1;
        assert.deepEqual(
          check(content.example, content.schema, components()),
          [],
          `${method} ${path} ${code}`,
        );
      }
    }
    assert.equal(examples, operations().length, "one example per operation");
  });

  it("the checker finds a broken example (it can fail)", () => {
    const scaler = components().ScalerSummary as Json;
    assert.notDeepEqual(check({ kind: "PredictiveScaler", id: 1 }, scaler, components()), []);
    assert.notDeepEqual(
      check({ items: [{ bogus: true }] }, { $ref: "#/components/schemas/ScalerList" }, components()),
      [],
    );
  });

  it("live answers of every GET route validate against the document", async () => {
    const concrete: Record<string, string> = {
      "/api/v1/scalers": "/api/v1/scalers",
      "/api/v1/scalers/{namespace}/{name}": "/api/v1/scalers/a/b",
      "/api/v1/scalers/{namespace}/{name}/series": "/api/v1/scalers/a/b/series?since=1h",
      "/api/v1/scalers/{namespace}/{name}/models": "/api/v1/scalers/a/b/models",
      "/api/v1/scalers/{namespace}/{name}/decisions": "/api/v1/scalers/a/b/decisions",
      "/api/v1/targets/{name}": "/api/v1/targets/t",
      "/api/v1/targets/{name}/series": "/api/v1/targets/t/series",
      "/api/v1/targets/{name}/models": "/api/v1/targets/t/models",
      "/api/v1/backtests": "/api/v1/backtests",
      "/api/v1/openapi.json": "/api/v1/openapi.json",
      "/api/v1/controller": "/api/v1/controller",
    };
    const post = await fetch(`${url}/api/v1/backtests`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ subject: "a/b", policies: ["reactive"] }),
    });
    assert.equal(post.status, 202);
    const job = (await post.json()) as { id: string };
    const postOp = operations().find((o) => o.method === "post" && o.path === "/api/v1/backtests");
    concrete["/api/v1/backtests/{id}"] = `/api/v1/backtests/${job.id}`;
    await api.jobs.idle();
    for (const { path, op, method } of operations()) {
      if (method !== "get") continue;
      const target = concrete[path];
      assert.ok(target, `a concrete URL for ${path}`);
      const res = await fetch(`${url}${target}`);
      assert.equal(res.status, 200, path);
      const ok = (op.responses as Record<string, Json>)["200"] as Json;
      const schema = (ok.content as Record<string, { schema: Json }>)["application/json"]?.schema as Json;
      assert.deepEqual(check(await res.json(), schema, components()), [], path);
    }
    assert.ok(postOp);
    const notFound = await fetch(`${url}/api/v1/scalers/a/zzz`);
    assert.deepEqual(check(await notFound.json(), { $ref: "#/components/schemas/Status" }, components()), []);
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseLabelSelector } from "../../src/k8s/labelSelector.js";
import {
  ApiError,
  badRequest,
  forbidden,
  internalError,
  methodNotAllowed,
  metricNotFoundFor,
  notAcceptable,
  notFound,
  serviceUnavailable,
  statusBody,
  timeout,
  toApiError,
  unauthorized,
} from "../../src/k8s/status.js";

describe("helpers pick the Kubernetes code and reason", () => {
  const cases: ReadonlyArray<readonly [string, ApiError, number, string, string]> = [
    ["badRequest", badRequest("invalid request path"), 400, "BadRequest", "invalid request path"],
    ["unauthorized", unauthorized(), 401, "Unauthorized", "not authorized"],
    ["unauthorized(msg)", unauthorized("token expired"), 401, "Unauthorized", "token expired"],
    ["forbidden", forbidden("user x cannot get pods"), 403, "Forbidden", "user x cannot get pods"],
    ["notFound", notFound("no such metric"), 404, "NotFound", "no such metric"],
    [
      "methodNotAllowed",
      methodNotAllowed("POST is not supported"),
      405,
      "MethodNotAllowed",
      "POST is not supported",
    ],
    ["notAcceptable", notAcceptable("only application/json"), 406, "NotAcceptable", "only application/json"],
    [
      "internalError",
      internalError("unable to fetch metrics"),
      500,
      "InternalError",
      "Internal error occurred: unable to fetch metrics",
    ],
    [
      "serviceUnavailable",
      serviceUnavailable("prometheus is down"),
      503,
      "ServiceUnavailable",
      "prometheus is down",
    ],
    ["timeout", timeout("query took too long"), 504, "Timeout", "Timeout: query took too long"],
  ];
  for (const [name, err, code, reason, message] of cases) {
    it(`${name} → ${code} ${reason}`, () => {
      assert.ok(err instanceof ApiError);
      assert.ok(err instanceof Error);
      assert.equal(err.code, code);
      assert.equal(err.reason, reason);
      assert.equal(err.message, message);
      const body = statusBody(err);
      assert.equal(body.code, code);
      assert.equal(body.reason, reason);
      assert.equal(body.message, message);
    });
  }
});

describe("statusBody", () => {
  it("serializes in metav1.Status field order", () => {
    assert.equal(
      JSON.stringify(statusBody(notFound("the server could not find the metric m for pods"))),
      '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",' +
        '"message":"the server could not find the metric m for pods","reason":"NotFound","code":404}',
    );
  });

  it("gives internal errors apimachinery's NewInternalError shape, details before code", () => {
    assert.equal(
      JSON.stringify(statusBody(internalError("unable to fetch metrics"))),
      '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",' +
        '"message":"Internal error occurred: unable to fetch metrics","reason":"InternalError",' +
        '"details":{"causes":[{"message":"unable to fetch metrics"}]},"code":500}',
    );
  });

  it("adds retryAfterSeconds to timeouts only when given", () => {
    assert.deepEqual(statusBody(timeout("slow", 5)).details, { retryAfterSeconds: 5 });
    assert.equal("details" in statusBody(timeout("slow")), false);
  });

  it("omits details and an empty message, as Go's omitempty does", () => {
    const body = statusBody(new ApiError(400, "BadRequest", ""));
    assert.deepEqual(Object.keys(body), ["kind", "apiVersion", "metadata", "status", "reason", "code"]);
  });

  it("never serializes the cause", () => {
    const secret = new Error("dial tcp 10.0.0.7:9090: connection refused");
    for (const err of [
      internalError("unable to fetch metrics", secret),
      serviceUnavailable("backend down", secret),
    ]) {
      assert.equal(err.cause, secret);
      const json = JSON.stringify(statusBody(err));
      assert.ok(!json.includes("10.0.0.7"), json);
      assert.ok(!json.includes("stack"), json);
    }
  });
});

describe("toApiError", () => {
  it("passes ApiErrors through unchanged", () => {
    const err = notFound("gone");
    assert.equal(toApiError(err), err);
  });

  it("turns other Errors into a 500 with their message and no stack", () => {
    const cause = new TypeError("cannot read properties of undefined (reading 'labels')");
    const err = toApiError(cause);
    assert.equal(err.code, 500);
    assert.equal(err.reason, "InternalError");
    assert.equal(err.cause, cause);
    const json = JSON.stringify(statusBody(err));
    assert.ok(json.includes("cannot read properties of undefined"), json);
    assert.ok(cause.stack !== undefined && !json.includes("at "), json);
    assert.ok(!json.includes("TypeError"), json);
  });

  it("uses the public message instead of the error's own when given", () => {
    const err = toApiError(
      new Error("POST http://prometheus:9090/api/v1/query: 422 bad_data"),
      "unable to fetch metrics",
    );
    assert.equal(err.message, "Internal error occurred: unable to fetch metrics");
    assert.ok(!JSON.stringify(statusBody(err)).includes("prometheus:9090"));
  });

  for (const thrown of ["a string", 42, { secret: "token" }, null, undefined, new Error("")]) {
    it(`gives a generic 500 for ${JSON.stringify(thrown) ?? String(thrown)}`, () => {
      const err = toApiError(thrown);
      assert.equal(err.code, 500);
      assert.equal(err.message, "Internal error occurred: unexpected error");
      assert.ok(!JSON.stringify(statusBody(err)).includes("token"));
    });
  }
});

describe("metricNotFoundFor", () => {
  const cases: ReadonlyArray<readonly [Parameters<typeof metricNotFoundFor>, string]> = [
    [["http_requests", "pods"], "the server could not find the metric http_requests for pods"],
    [
      ["queue_len", "deployments.apps", "worker"],
      "the server could not find the metric queue_len for deployments.apps worker",
    ],
    [
      ["http_requests", "pods", "*", "app=web"],
      "the server could not find the metric http_requests for pods * with selector app=web",
    ],
    [
      ["http_requests", "pods", "*", parseLabelSelector("tier in (gpu),app=web")],
      "the server could not find the metric http_requests for pods * with selector app=web,tier in (gpu)",
    ],
    [
      ["http_requests", "pods", undefined, "app=web"],
      "the server could not find the metric http_requests for pods with selector app=web",
    ],
    [
      ["http_requests", "pods", "web-1", parseLabelSelector("")],
      "the server could not find the metric http_requests for pods web-1",
    ],
  ];
  for (const [args, message] of cases) {
    it(message, () => {
      const err = metricNotFoundFor(...args);
      assert.equal(err.code, 404);
      assert.equal(err.reason, "NotFound");
      assert.equal(err.message, message);
    });
  }
});

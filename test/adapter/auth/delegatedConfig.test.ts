import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  NO_DELEGATED_AUTH,
  parseDelegatedAuthConfig,
  startDelegatedConfigWatch,
} from "../../../src/adapter/auth/delegatedConfig.js";
import { silentLogger } from "../../../src/telemetry/logger.js";
import { makeCa } from "./certs.js";

describe("parseDelegatedAuthConfig", () => {
  it("reads the JSON string arrays, lower-cases header names, and keeps every CA of a bundle", async () => {
    const [a, b] = await Promise.all([makeCa("front-proxy-ca"), makeCa("other-ca")]);
    const config = parseDelegatedAuthConfig({
      "client-ca-file": a.cert,
      "requestheader-client-ca-file": `${a.cert}\n${b.cert}`,
      "requestheader-allowed-names": '["front-proxy-client"]',
      "requestheader-username-headers": '["X-Remote-User"]',
      "requestheader-group-headers": '["X-Remote-Group"]',
      "requestheader-extra-headers-prefix": '["X-Remote-Extra-"]',
    });
    assert.equal(config.clientCas.length, 1);
    const rh = config.requestHeader;
    assert.ok(rh);
    assert.deepEqual(
      rh.cas.map((c) => c.subject),
      ["CN=front-proxy-ca", "CN=other-ca"],
    );
    assert.deepEqual(rh.allowedNames, ["front-proxy-client"]);
    assert.deepEqual(rh.usernameHeaders, ["x-remote-user"]);
    assert.deepEqual(rh.groupHeaders, ["x-remote-group"]);
    assert.deepEqual(rh.extraHeaderPrefixes, ["x-remote-extra-"]);
  });

  it("defaults the header names and allows any CN when the keys are absent", async () => {
    const ca = await makeCa("front-proxy-ca");
    const rh = parseDelegatedAuthConfig({ "requestheader-client-ca-file": ca.cert }).requestHeader;
    assert.deepEqual(rh?.allowedNames, []);
    assert.deepEqual(rh?.usernameHeaders, ["x-remote-user"]);
    assert.deepEqual(rh?.extraHeaderPrefixes, ["x-remote-extra-"]);
  });

  it("has no front-proxy authentication without the requestheader CA", () => {
    assert.equal(parseDelegatedAuthConfig({}).requestHeader, undefined);
  });

  it("names the malformed key", () => {
    assert.throws(
      () => parseDelegatedAuthConfig({ "requestheader-client-ca-file": "nope" }),
      /requestheader-client-ca-file: no PEM certificate/,
    );
  });
});

describe("startDelegatedConfigWatch", () => {
  it("picks up a new ConfigMap on refresh and keeps the last good settings when a read fails", async () => {
    const ca = await makeCa("front-proxy-ca");
    let data: Record<string, string> | undefined;
    let fail = false;
    const watch = await startDelegatedConfigWatch({
      read: async () => {
        if (fail) throw new Error("API server down");
        return data;
      },
      logger: silentLogger(),
      intervalMs: 3_600_000,
    });
    try {
      assert.equal(watch.current(), NO_DELEGATED_AUTH);
      data = { "requestheader-client-ca-file": ca.cert, "requestheader-allowed-names": '["aggregator"]' };
      await watch.refresh();
      assert.deepEqual(watch.current().requestHeader?.allowedNames, ["aggregator"]);
      fail = true;
      await watch.refresh();
      assert.deepEqual(watch.current().requestHeader?.allowedNames, ["aggregator"]);
      fail = false;
      data = { "requestheader-client-ca-file": "broken" };
      await watch.refresh();
      assert.deepEqual(watch.current().requestHeader?.allowedNames, ["aggregator"]);
    } finally {
      watch.stop();
    }
  });
});

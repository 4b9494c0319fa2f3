/**
 * Serving certificate rotation: new files are served on the next TLS connection
 * without a restart; a broken pair keeps the previous one.
 */
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { loadServingCert, watchServingCert } from "../../../src/adapter/servingCert.js";
import { silentLogger } from "../../../src/telemetry/logger.js";
import { makeCa, makeServingCert, type Pem, servedSerial } from "./certs.js";

const serial = (pem: Pem) => new X509Certificate(pem.cert).serialNumber;

describe("watchServingCert", () => {
  let dir: string;
  let first: Pem;
  let second: Pem;
  let third: Pem;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "foresight-cert-reload-"));
    const ca = await makeCa("serving-ca");
    [first, second, third] = await Promise.all([
      makeServingCert(ca),
      makeServingCert(ca),
      makeServingCert(ca),
    ]);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("serves a replaced pair on the next connection, and keeps the old pair when the new one is broken", async () => {
    const certFile = join(dir, "tls.crt");
    const keyFile = join(dir, "tls.key");
    writeFileSync(certFile, first.cert);
    writeFileSync(keyFile, first.key);
    const current = await loadServingCert(certFile, keyFile);
    const server = createServer({ cert: current.cert, key: current.key, minVersion: "TLSv1.2" }, (_q, r) =>
      r.end("ok"),
    );
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    const watch = watchServingCert({
      certFile,
      keyFile,
      current,
      apply: ({ cert, key }) => server.setSecureContext({ cert, key, minVersion: "TLSv1.2" }),
      logger: silentLogger(),
      intervalMs: 3_600_000,
    });
    try {
      assert.equal(await servedSerial(port), serial(first));

      // Rotated: picked up by the directory watch (no explicit check).
      writeFileSync(certFile, second.cert);
      writeFileSync(keyFile, second.key);
      const deadline = Date.now() + 10_000;
      while ((await servedSerial(port)) !== serial(second) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      assert.equal(await servedSerial(port), serial(second));

      // A certificate without its key: the previous pair stays.
      writeFileSync(certFile, third.cert);
      await watch.check();
      assert.equal(await servedSerial(port), serial(second));
      writeFileSync(certFile, "garbage");
      await watch.check();
      assert.equal(await servedSerial(port), serial(second));

      // The matching key arrives: served.
      writeFileSync(certFile, third.cert);
      writeFileSync(keyFile, third.key);
      await watch.check();
      assert.equal(await servedSerial(port), serial(third));
    } finally {
      watch.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});

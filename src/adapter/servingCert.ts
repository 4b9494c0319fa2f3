/**
 * The serving certificate: the files given by --tls-cert-file/--tls-private-key-file, or a
 * self-signed one generated at start (as Kubernetes' generic API server does), valid for
 * localhost and the in-cluster service names. Files are watched (`watchServingCert`) so a rotated
 * pair (cert-manager renewing a Secret) is served without a restart.
 */
import { createPrivateKey, X509Certificate } from "node:crypto";
import { type FSWatcher, watch } from "node:fs";
import { readFile } from "node:fs/promises";
import { hostname } from "node:os";
import { dirname } from "node:path";
import { createSecureContext } from "node:tls";
import type { Logger } from "../telemetry/logger.js";

export interface ServingCert {
  readonly cert: string;
  readonly key: string;
  readonly selfSigned: boolean;
}

export async function loadServingCert(certFile?: string, keyFile?: string): Promise<ServingCert> {
  if (certFile || keyFile) {
    if (!certFile || !keyFile)
      throw new Error("--tls-cert-file and --tls-private-key-file must be given together");
    const [cert, key] = await Promise.all([readFile(certFile, "utf8"), readFile(keyFile, "utf8")]);
    return { cert, key, selfSigned: false };
  }
  // Loaded only when needed: the X.509 libraries behind it cost ~15 MiB of memory for good.
  const { generate } = await import("selfsigned");
  const names = ["localhost", hostname(), "foresight", "foresight.foresight", "foresight.foresight.svc"];
  const pems = await generate([{ name: "commonName", value: "foresight" }], {
    keySize: 2048,
    algorithm: "sha256",
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true },
      { name: "extKeyUsage", serverAuth: true },
      {
        name: "subjectAltName",
        altNames: [
          ...names.map((value) => ({ type: 2 as const, value })),
          { type: 7 as const, ip: "127.0.0.1" },
        ],
      },
    ],
  });
  return { cert: pems.cert, key: pems.private, selfSigned: true };
}

/** Throws, naming the problem, unless `cert` and `key` are a usable pair. */
export function checkServingPair(cert: string, key: string): X509Certificate {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (err) {
    throw new Error(`the certificate file is not a PEM certificate: ${(err as Error).message}`);
  }
  let privateKey: ReturnType<typeof createPrivateKey>;
  try {
    privateKey = createPrivateKey(key);
  } catch (err) {
    throw new Error(`the key file is not a PEM private key: ${(err as Error).message}`);
  }
  if (!x509.checkPrivateKey(privateKey)) throw new Error("the private key does not match the certificate");
  createSecureContext({ cert, key }); // whatever else OpenSSL refuses
  return x509;
}

export interface ServingCertWatchOptions {
  readonly certFile: string;
  readonly keyFile: string;
  /** The pair being served now. */
  readonly current: ServingCert;
  /** Serve this pair from now on (e.g. `server.setSecureContext`). */
  readonly apply: (pair: { cert: string; key: string }) => void;
  readonly logger: Logger;
  /** Periodic re-read, for file systems where fs.watch misses changes; default 10 s. */
  readonly intervalMs?: number;
  /** Quiet time after a change event before reading (both files are rarely written at once); default 200 ms. */
  readonly debounceMs?: number;
}

export interface ServingCertWatch {
  /** Re-reads the files now and applies a changed, valid pair. */
  check(): Promise<void>;
  close(): void;
}

/**
 * Watches the directories of the certificate and key (Secret volumes change by swapping a
 * symlink, which a watch on the file itself would miss) and re-reads periodically. A new pair is
 * applied only when it is valid; a broken one is logged once and the previous pair kept.
 */
export function watchServingCert(options: ServingCertWatchOptions): ServingCertWatch {
  const { certFile, keyFile, logger } = options;
  let served = `${options.current.cert}\0${options.current.key}`;
  let lastBroken: string | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  const readAndApply = async () => {
    let cert: string;
    let key: string;
    try {
      [cert, key] = await Promise.all([readFile(certFile, "utf8"), readFile(keyFile, "utf8")]);
    } catch (err) {
      const text = `read:${(err as Error).message}`;
      if (text !== lastBroken)
        logger.error(
          { err: (err as Error).message },
          "cannot read the serving certificate files: still serving the previous pair",
        );
      lastBroken = text;
      return;
    }
    const text = `${cert}\0${key}`;
    if (text === served || text === lastBroken) return;
    try {
      const x509 = checkServingPair(cert, key);
      options.apply({ cert, key });
      served = text;
      lastBroken = undefined;
      logger.info(
        { serial: x509.serialNumber, validTo: x509.validTo, certFile },
        "serving certificate reloaded",
      );
    } catch (err) {
      lastBroken = text;
      logger.error(
        { err: (err as Error).message, certFile, keyFile },
        "the new serving certificate files are not a valid pair: still serving the previous one",
      );
    }
  };
  const check = async (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await readAndApply();
      } while (again);
    })().finally(() => {
      running = undefined;
    });
    return running;
  };
  let debounce: NodeJS.Timeout | undefined;
  const onEvent = () => {
    clearTimeout(debounce);
    debounce = setTimeout(() => void check(), options.debounceMs ?? 200);
    debounce.unref();
  };
  const watchers: FSWatcher[] = [];
  for (const dir of new Set([dirname(certFile), dirname(keyFile)])) {
    try {
      const w = watch(dir, onEvent);
      w.on("error", (err) => logger.warn({ dir, err: err.message }, "serving certificate watch failed"));
      w.unref();
      watchers.push(w);
    } catch (err) {
      logger.warn(
        { dir, err: (err as Error).message },
        "cannot watch the serving certificate directory: re-reading periodically only",
      );
    }
  }
  const timer = setInterval(() => void check(), options.intervalMs ?? 10_000);
  timer.unref();
  return {
    check,
    close() {
      clearInterval(timer);
      clearTimeout(debounce);
      for (const w of watchers) w.close();
    },
  };
}

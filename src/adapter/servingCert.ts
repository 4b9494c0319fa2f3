/**
 * The serving certificate: the files given by --tls-cert-file/--tls-private-key-file, or a
 * self-signed one generated at start (as Kubernetes' generic API server does), valid for
 * localhost and the in-cluster service names.
 */
import { readFile } from "node:fs/promises";
import { hostname } from "node:os";

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

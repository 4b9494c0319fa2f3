/**
 * Test certificates: CAs and the client certificates they sign (front proxy, direct clients),
 * generated with the `selfsigned` package the serving certificate already uses.
 */
import { connect } from "node:tls";
import { generate } from "selfsigned";

export interface Pem {
  readonly cert: string;
  readonly key: string;
}

export async function makeCa(commonName: string): Promise<Pem> {
  const pems = await generate([{ name: "commonName", value: commonName }], {
    keySize: 2048,
    algorithm: "sha256",
    extensions: [
      { name: "basicConstraints", cA: true },
      { name: "keyUsage", keyCertSign: true, cRLSign: true, digitalSignature: true },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}

export interface ClientCertOptions {
  readonly organizations?: readonly string[];
  readonly notBeforeDate?: Date;
  readonly notAfterDate?: Date;
  readonly serverOnly?: boolean;
}

/** A client certificate with `commonName` (and O = organizations) signed by `ca`. */
export async function makeClientCert(
  ca: Pem,
  commonName: string,
  options: ClientCertOptions = {},
): Promise<Pem> {
  const pems = await generate(
    [
      { name: "commonName", value: commonName },
      ...(options.organizations ?? []).map((value) => ({ name: "organizationName", value })),
    ],
    {
      keySize: 2048,
      algorithm: "sha256",
      ca,
      ...(options.notBeforeDate ? { notBeforeDate: options.notBeforeDate } : {}),
      ...(options.notAfterDate ? { notAfterDate: options.notAfterDate } : {}),
      extensions: [
        { name: "basicConstraints", cA: false },
        { name: "keyUsage", digitalSignature: true, keyEncipherment: true },
        { name: "extKeyUsage", ...(options.serverOnly ? { serverAuth: true } : { clientAuth: true }) },
      ],
    },
  );
  return { cert: pems.cert, key: pems.private };
}

/** A serving certificate for 127.0.0.1/localhost signed by `ca`. */
export async function makeServingCert(ca: Pem, commonName = "foresight"): Promise<Pem> {
  const pems = await generate([{ name: "commonName", value: commonName }], {
    keySize: 2048,
    algorithm: "sha256",
    ca,
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true },
      { name: "extKeyUsage", serverAuth: true },
      {
        name: "subjectAltName",
        altNames: [
          { type: 2, value: "localhost" },
          { type: 7, ip: "127.0.0.1" },
        ],
      },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}

/** The serial number of the certificate a new TLS connection to `port` is served. */
export function servedSerial(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port, rejectUnauthorized: false }, () => {
      const serial = socket.getPeerX509Certificate()?.serialNumber ?? "";
      socket.end();
      resolve(serial);
    });
    socket.on("error", reject);
  });
}

/**
 * Client-certificate checks of the aggregated API's TLS connections, by hand with node's
 * X509Certificate: the server accepts any client certificate at the handshake (requestCert without
 * rejectUnauthorized, as Go's generic API server does), and each authenticator then asks whether
 * the peer's certificate was issued by *its* CA (requestheader CA or client CA). Node's TLS stack
 * can verify against one CA list only, so the per-CA question is answered here: issuer name and
 * signature, validity dates of both, and the clientAuth extended key usage when the certificate
 * restricts its usage. The leaf must be issued directly by one of the CAs (the front-proxy and
 * kubelet-style client certificates are); intermediates are not followed.
 */
import type { X509Certificate } from "node:crypto";

const CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
const ANY_EXTENDED_KEY_USAGE = "2.5.29.37.0";

function validAt(cert: X509Certificate, nowMs: number): boolean {
  return Date.parse(cert.validFrom) <= nowMs && nowMs <= Date.parse(cert.validTo);
}

/** Why `cert` does not verify against `cas` at `nowMs`, or undefined when it does. */
export function verifyClientCert(
  cert: X509Certificate,
  cas: readonly X509Certificate[],
  nowMs: number,
): string | undefined {
  const issuer = cas.find((ca) => cert.checkIssued(ca) && cert.verify(ca.publicKey));
  if (!issuer) return "the client certificate is not signed by a trusted CA";
  if (!validAt(cert, nowMs)) return "the client certificate is expired or not yet valid";
  if (!validAt(issuer, nowMs)) return "the client certificate's CA is expired or not yet valid";
  const usages = cert.keyUsage as readonly string[] | undefined;
  if (
    usages &&
    usages.length > 0 &&
    !usages.includes(CLIENT_AUTH) &&
    !usages.includes(ANY_EXTENDED_KEY_USAGE)
  )
    return "the client certificate is not for client authentication (extended key usage)";
  return undefined;
}

/** The subject's attributes: `CN` and `O` (all values, in order). */
export function subjectOf(cert: X509Certificate): {
  commonName: string | undefined;
  organizations: string[];
} {
  let commonName: string | undefined;
  const organizations: string[] = [];
  for (const line of cert.subject.split("\n")) {
    const eq = line.indexOf("=");
    if (eq < 0) continue;
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    if (key === "CN" && commonName === undefined) commonName = value;
    else if (key === "O") organizations.push(value);
  }
  return { commonName, organizations };
}

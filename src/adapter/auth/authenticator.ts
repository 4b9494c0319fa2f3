/**
 * Delegated authentication of the aggregated API (reference metrics-api-and-hpa.md §3.2), in the
 * generic API server's order:
 *
 * 1. Front proxy: the TLS client certificate verifies against the requestheader CA and its CN is in
 *    the allowed names → the identity headers (X-Remote-User, -Group, -Extra-*, as the ConfigMap
 *    names them) are trusted. On every other connection they are deleted before anything reads
 *    them, so a client cannot claim an identity by sending them.
 * 2. A client certificate verifying against client-ca-file → user CN, groups O.
 * 3. A bearer token → TokenReview through the reviewer port (in `serve`, the one cached client the
 *    review API shares, src/kube/accessReviewCache.ts); a review that cannot be made, or gets no
 *    answer within the client's deadline, is a 503.
 * 4. Otherwise no user (the caller answers 401; anonymous requests are not allowed).
 */
import type { IncomingMessage } from "node:http";
import type { TLSSocket } from "node:tls";
import type { Clock } from "../../clock.js";
import type { AccessReviewer, Authentication, UserInfo } from "../../k8s/accessReview.js";
import { serviceUnavailable } from "../../k8s/status.js";
import { subjectOf, verifyClientCert } from "./clientCert.js";
import {
  DEFAULT_IDENTITY_HEADERS,
  type DelegatedAuthConfig,
  type RequestHeaderConfig,
} from "./delegatedConfig.js";

export type AuthenticationMethod = "requestheader" | "x509" | "token";

export type AuthnResult =
  | { readonly user: UserInfo; readonly method: AuthenticationMethod }
  | { readonly user: undefined; readonly reason: string };

export type Authenticate = (req: IncomingMessage) => Promise<AuthnResult>;

export interface AuthenticatorOptions {
  /** The ConfigMap's settings as last read. */
  readonly config: () => DelegatedAuthConfig;
  readonly reviewer: AccessReviewer;
  /** Time of the certificates' validity checks. */
  readonly clock: Clock;
}

function peerCertificate(req: IncomingMessage) {
  const socket = req.socket as Partial<TLSSocket>;
  return typeof socket.getPeerX509Certificate === "function" ? socket.getPeerX509Certificate() : undefined;
}

/** Values of `name` as sent, one per header line (not comma-split, as Go's Header.Values). */
function values(req: IncomingMessage, name: string): string[] {
  return req.headersDistinct[name] ?? [];
}

function isIdentityHeader(
  rh: Pick<RequestHeaderConfig, "usernameHeaders" | "groupHeaders" | "uidHeaders" | "extraHeaderPrefixes">,
  name: string,
): boolean {
  return (
    rh.usernameHeaders.includes(name) ||
    rh.groupHeaders.includes(name) ||
    rh.uidHeaders.includes(name) ||
    rh.extraHeaderPrefixes.some((p) => name.startsWith(p))
  );
}

/** Deletes the identity headers (the configured ones and Go's defaults) from the request. */
function stripIdentityHeaders(req: IncomingMessage, rh: RequestHeaderConfig | undefined): void {
  const distinct = req.headersDistinct;
  for (const name of Object.keys(req.headers)) {
    if (
      isIdentityHeader(DEFAULT_IDENTITY_HEADERS, name) ||
      (rh !== undefined && isIdentityHeader(rh, name))
    ) {
      delete req.headers[name];
      delete distinct[name];
    }
  }
}

function unescapeExtraKey(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/** The user the trusted headers name, or undefined when no username header is set. */
function userFromHeaders(req: IncomingMessage, rh: RequestHeaderConfig): UserInfo | undefined {
  const username = rh.usernameHeaders.map((h) => values(req, h).find((v) => v !== "")).find((v) => v);
  if (!username) return undefined;
  const groups = rh.groupHeaders.flatMap((h) => values(req, h));
  const uid = rh.uidHeaders.map((h) => values(req, h).find((v) => v !== "")).find((v) => v);
  const extra: Record<string, string[]> = {};
  for (const name of Object.keys(req.headers)) {
    const prefix = rh.extraHeaderPrefixes.find((p) => name.startsWith(p));
    if (prefix === undefined) continue;
    const key = unescapeExtraKey(name.slice(prefix.length).toLowerCase());
    extra[key] = [...(extra[key] ?? []), ...values(req, name)];
  }
  return {
    username,
    ...(uid ? { uid } : {}),
    groups,
    ...(Object.keys(extra).length > 0 ? { extra } : {}),
  };
}

export function createAuthenticator(options: AuthenticatorOptions): Authenticate {
  return async (req) => {
    const config = options.config();
    const rh = config.requestHeader;
    const cert = peerCertificate(req);
    const now = options.clock.now();
    let certProblem: string | undefined;
    if (rh && cert) {
      const problem = verifyClientCert(cert, rh.cas, now);
      const cn = subjectOf(cert).commonName ?? "";
      if (problem === undefined && (rh.allowedNames.length === 0 || rh.allowedNames.includes(cn))) {
        const user = userFromHeaders(req, rh);
        stripIdentityHeaders(req, rh);
        if (user) return { user, method: "requestheader" };
      } else {
        certProblem =
          problem === undefined
            ? `the client certificate's CN "${cn}" is not an allowed front-proxy name`
            : `front proxy: ${problem}`;
        stripIdentityHeaders(req, rh);
      }
    } else {
      stripIdentityHeaders(req, rh);
    }
    if (cert && config.clientCas.length > 0 && verifyClientCert(cert, config.clientCas, now) === undefined) {
      const subject = subjectOf(cert);
      if (subject.commonName)
        return { user: { username: subject.commonName, groups: subject.organizations }, method: "x509" };
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "");
    if (match) {
      const token = match[1] as string;
      let review: Authentication;
      try {
        review = await options.reviewer.authenticate(token);
      } catch (err) {
        throw serviceUnavailable(
          `cannot check the bearer token: TokenReview failed: ${(err as Error).message}`,
          err,
        );
      }
      if (review.authenticated) return { user: review.user, method: "token" };
      return {
        user: undefined,
        reason: review.error
          ? `the bearer token was refused: ${review.error}`
          : "the bearer token was refused",
      };
    }
    return {
      user: undefined,
      reason: certProblem ?? (cert ? "the client certificate is not trusted" : "no credentials were given"),
    };
  };
}

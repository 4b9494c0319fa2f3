/**
 * Delegated authentication of the aggregated API (reference metrics-api-and-hpa.md §3.2), in the
 * generic API server's order:
 *
 * 1. Front proxy: the TLS client certificate verifies against the requestheader CA and its CN is in
 *    the allowed names → the identity headers (X-Remote-User, -Group, -Extra-*, as the ConfigMap
 *    names them) are trusted. On every other connection they are deleted before anything reads
 *    them, so a client cannot claim an identity by sending them.
 * 2. A client certificate verifying against client-ca-file → user CN, groups O.
 * 3. A bearer token → TokenReview, answers cached 10 s (keyed by a digest: the cache holds no token),
 *    concurrent reviews of one token shared, each given up after its deadline (deadline.ts) as 503.
 * 4. Otherwise no user (the caller answers 401; anonymous requests are not allowed).
 */
import { createHash } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { TLSSocket } from "node:tls";
import type { Clock } from "../../clock.js";
import { serviceUnavailable } from "../../k8s/status.js";
import { TtlCache } from "../../k8s/ttlCache.js";
import { subjectOf, verifyClientCert } from "./clientCert.js";
import { checkReviewTimeout, DEFAULT_REVIEW_TIMEOUT_MS, withDeadline } from "./deadline.js";
import {
  DEFAULT_IDENTITY_HEADERS,
  type DelegatedAuthConfig,
  type RequestHeaderConfig,
} from "./delegatedConfig.js";
import type { Authentication, DelegatingReviewer, UserInfo } from "./reviewer.js";

export type AuthenticationMethod = "requestheader" | "x509" | "token";

export type AuthnResult =
  | { readonly user: UserInfo; readonly method: AuthenticationMethod }
  | { readonly user: undefined; readonly reason: string };

export type Authenticate = (req: IncomingMessage) => Promise<AuthnResult>;

export interface AuthenticatorOptions {
  /** The ConfigMap's settings as last read. */
  readonly config: () => DelegatedAuthConfig;
  readonly reviewer: DelegatingReviewer;
  readonly clock: Clock;
  /** Default 10 s. */
  readonly cacheTtlMs?: number;
  /** How long a TokenReview may take before the request is answered 503; default 10 s. */
  readonly reviewTimeoutMs?: number;
}

export const DEFAULT_AUTH_CACHE_TTL_MS = 10_000;

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
  const tokens = new TtlCache<Authentication>(
    options.cacheTtlMs ?? DEFAULT_AUTH_CACHE_TTL_MS,
    1000,
    options.clock,
  );
  const timeoutMs = checkReviewTimeout(options.reviewTimeoutMs ?? DEFAULT_REVIEW_TIMEOUT_MS);
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
      const key = createHash("sha256").update(token).digest("base64url");
      let review: Authentication;
      try {
        review = await tokens.load(key, () => withDeadline(options.reviewer.reviewToken(token), timeoutMs));
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

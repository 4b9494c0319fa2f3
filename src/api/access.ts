/**
 * Who may use the review API. In a cluster: the bearer token is checked with a
 * TokenReview (authentication.k8s.io/v1), then the permission with a SubjectAccessReview
 * (authorization.k8s.io/v1), as kube-apiserver's delegated authentication and authorization do for
 * aggregated servers; both answers are cached for 10 s so a page refreshing every few seconds costs
 * the API server one review pair per user and permission. Locally: no authentication, but only on
 * a loopback address (anything else is refused at start).
 *
 * Permissions are on the PredictiveScaler resource (foresight.dev): `list` cluster-wide for the
 * list, `get` in the scaler's namespace for one scaler (cluster-wide for config targets), and
 * `create` on the `predictivescalers/backtests` subresource for a what-if backtest.
 */

import { createHash } from "node:crypto";
import { isIP } from "node:net";
import { AuthenticationV1Api, AuthorizationV1Api, type KubeConfig } from "@kubernetes/client-node";
import type { NextFunction, Request, RequestHandler, Response } from "express";
import type { Clock } from "../clock.js";
import { type ApiError, forbidden, serviceUnavailable, statusBody, unauthorized } from "../k8s/status.js";
import { TtlCache } from "../k8s/ttlCache.js";
import { RequestSignals } from "../kube/requestSignals.js";

export interface UserInfo {
  readonly username: string;
  readonly uid?: string;
  readonly groups?: readonly string[];
  readonly extra?: Readonly<Record<string, readonly string[]>>;
}

/** The SubjectAccessReview's resourceAttributes. */
export interface AccessCheck {
  readonly verb: string;
  readonly group: string;
  readonly resource: string;
  readonly subresource?: string;
  /** Absent: cluster-wide. */
  readonly namespace?: string;
  readonly name?: string;
}

export type Authentication =
  | { readonly authenticated: true; readonly user: UserInfo }
  | { readonly authenticated: false; readonly error?: string };

export interface Authorization {
  readonly allowed: boolean;
  readonly reason?: string;
}

/** The port to the API server's review APIs. Throws when the review itself cannot be made. */
export interface AccessReviewer {
  authenticate(token: string): Promise<Authentication>;
  authorize(user: UserInfo, check: AccessCheck): Promise<Authorization>;
}

/** The client-node reviewer also answers SubjectAccessReviews of any attributes (the metrics APIs'). */
export interface ClientNodeAccessReviewer extends AccessReviewer {
  reviewAccess(user: UserInfo, attributes: ReviewAttributes): Promise<Authorization>;
}

/**
 * The reviews through client-node, with the adapter's own credentials (it needs `create` on both).
 * A review the API server has not answered within `timeoutMs` is cancelled (it fails).
 */
export function clientNodeAccessReviewer(kc: KubeConfig, timeoutMs = 10_000): ClientNodeAccessReviewer {
  const signals = new RequestSignals();
  const authn = signals.makeApiClient(kc, AuthenticationV1Api);
  const authz = signals.makeApiClient(kc, AuthorizationV1Api);
  const bounded = async <T>(call: () => Promise<T>): Promise<T> => {
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      return await signals.run(signal, call);
    } catch (err) {
      if (signal.aborted) throw new Error(`no answer from the API server within ${timeoutMs} ms`);
      throw err;
    }
  };
  return {
    async authenticate(token) {
      const review = await bounded(() =>
        authn.createTokenReview({
          body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenReview", spec: { token } },
        }),
      );
      const status = review.status;
      if (status?.authenticated !== true || status.user?.username === undefined)
        return { authenticated: false, ...(status?.error ? { error: status.error } : {}) };
      const u = status.user;
      return {
        authenticated: true,
        user: {
          username: u.username as string,
          ...(u.uid !== undefined ? { uid: u.uid } : {}),
          ...(u.groups !== undefined ? { groups: u.groups } : {}),
          ...(u.extra !== undefined ? { extra: u.extra } : {}),
        },
      };
    },
    authorize: (user, check) =>
      bounded(() =>
        reviewSubjectAccess(authz, user, {
          resourceAttributes: {
            verb: check.verb,
            group: check.group,
            resource: check.resource,
            ...(check.subresource !== undefined ? { subresource: check.subresource } : {}),
            ...(check.namespace !== undefined ? { namespace: check.namespace } : {}),
            ...(check.name !== undefined ? { name: check.name } : {}),
          },
        }),
      ),
    reviewAccess: (user, attributes) => bounded(() => reviewSubjectAccess(authz, user, attributes)),
  };
}

/** What a SubjectAccessReview asks about: a resource, or a non-resource path (discovery). */
export type ReviewAttributes =
  | { readonly resourceAttributes: Readonly<Record<string, string>> }
  | { readonly nonResourceAttributes: Readonly<Record<string, string>> };

/** One SubjectAccessReview for `user` (the review API's and the metrics APIs' authorization). */
export async function reviewSubjectAccess(
  authz: AuthorizationV1Api,
  user: UserInfo,
  attributes: ReviewAttributes,
): Promise<Authorization> {
  const review = await authz.createSubjectAccessReview({
    body: {
      apiVersion: "authorization.k8s.io/v1",
      kind: "SubjectAccessReview",
      spec: {
        user: user.username,
        ...(user.uid !== undefined ? { uid: user.uid } : {}),
        ...(user.groups !== undefined ? { groups: [...user.groups] } : {}),
        ...(user.extra !== undefined
          ? { extra: Object.fromEntries(Object.entries(user.extra).map(([k, v]) => [k, [...v]])) }
          : {}),
        ...("resourceAttributes" in attributes
          ? { resourceAttributes: { ...attributes.resourceAttributes } }
          : { nonResourceAttributes: { ...attributes.nonResourceAttributes } }),
      },
    },
  });
  const status = review.status;
  return {
    allowed: status?.allowed === true && status.denied !== true,
    ...(status?.reason ? { reason: status.reason } : {}),
  };
}

/** How the API is protected. */
export type AccessMode =
  | { readonly mode: "cluster"; readonly reviewer: AccessReviewer; readonly cacheTtlMs?: number }
  /** The address the server listens on; must be loopback. */
  | { readonly mode: "local"; readonly bindAddress: string };

/** True for 127.0.0.0/8, ::1, ::ffff:127.x and "localhost". */
export function isLoopback(address: string): boolean {
  const a = address.replace(/^\[|\]$/g, "").toLowerCase();
  if (a === "localhost" || a === "::1") return true;
  const v4 = a.startsWith("::ffff:") ? a.slice(7) : a;
  return isIP(v4) === 4 && v4.startsWith("127.");
}

/** Throws when local (unauthenticated) mode would listen beyond the machine. */
export function assertLocalBind(bindAddress: string): void {
  if (!isLoopback(bindAddress))
    throw new Error(
      `the review API without authentication listens on loopback only, but the bind address is ${JSON.stringify(bindAddress)}; bind to 127.0.0.1 (or ::1), or run in a cluster so tokens are checked with TokenReview and SubjectAccessReview`,
    );
}

export const DEFAULT_REVIEW_CACHE_TTL_MS = 10_000;

/** Turns a request into the permission it needs, or undefined when authentication alone suffices. */
export type RequiredAccess = (req: Request) => AccessCheck | undefined;

export interface Guard {
  /** A middleware that lets the request through only with `required`'s permission. */
  require(required: RequiredAccess): RequestHandler;
}

function sendError(res: Response, err: ApiError): void {
  res
    .status(err.code)
    .type("application/json")
    .send(JSON.stringify(statusBody(err)));
}

function describe(check: AccessCheck): string {
  const resource = `${check.resource}${check.subresource ? `/${check.subresource}` : ""}${check.group ? `.${check.group}` : ""}`;
  const where =
    check.namespace !== undefined ? ` in the namespace "${check.namespace}"` : " at the cluster scope";
  return `cannot ${check.verb} resource "${resource}"${check.name !== undefined ? ` "${check.name}"` : ""}${where}`;
}

/** The access guard for `mode`; throws for local mode on a non-loopback address. */
export function createGuard(mode: AccessMode, clock: Clock): Guard {
  if (mode.mode === "local") {
    assertLocalBind(mode.bindAddress);
    return {
      require: () => (req, res, next) => {
        // Defence in depth: a server mounted elsewhere by mistake still answers loopback peers only.
        const peer = req.socket.remoteAddress ?? "";
        if (!isLoopback(peer)) {
          sendError(
            res,
            forbidden(
              `the review API runs without authentication and answers loopback clients only, not ${peer}`,
            ),
          );
          return;
        }
        next();
      },
    };
  }
  const ttl = mode.cacheTtlMs ?? DEFAULT_REVIEW_CACHE_TTL_MS;
  const tokens = new TtlCache<Authentication>(ttl, 1000, clock);
  const decisions = new TtlCache<Authorization>(ttl, 5000, clock);
  const reviewer = mode.reviewer;
  return {
    require: (required) => async (req: Request, res: Response, next: NextFunction) => {
      const header = req.get("authorization") ?? "";
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (!match) {
        sendError(res, unauthorized("a bearer token is required (Authorization: Bearer <token>)"));
        return;
      }
      const token = match[1] as string;
      // Keyed by a digest, so the cache holds no usable token.
      const tokenKey = createHash("sha256").update(token).digest("base64url");
      let authn = tokens.get(tokenKey);
      if (authn === undefined) {
        try {
          authn = await reviewer.authenticate(token);
        } catch (err) {
          sendError(
            res,
            serviceUnavailable(
              `cannot check the bearer token: TokenReview failed: ${(err as Error).message}`,
              err,
            ),
          );
          return;
        }
        tokens.set(tokenKey, authn);
      }
      if (!authn.authenticated) {
        sendError(
          res,
          unauthorized(
            authn.error ? `the bearer token was refused: ${authn.error}` : "the bearer token was refused",
          ),
        );
        return;
      }
      const check = required(req);
      if (check === undefined) {
        next();
        return;
      }
      const user = authn.user;
      const key = JSON.stringify([user.username, user.uid, user.groups, user.extra, check]);
      let authz = decisions.get(key);
      if (authz === undefined) {
        try {
          authz = await reviewer.authorize(user, check);
        } catch (err) {
          sendError(
            res,
            serviceUnavailable(
              `cannot check permissions: SubjectAccessReview failed: ${(err as Error).message}`,
              err,
            ),
          );
          return;
        }
        decisions.set(key, authz);
      }
      if (!authz.allowed) {
        const reason = authz.reason ? `: ${authz.reason}` : "";
        sendError(res, forbidden(`User "${user.username}" ${describe(check)}${reason}`));
        return;
      }
      next();
    },
  };
}

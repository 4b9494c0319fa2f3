/**
 * Who may use the review API. In a cluster: the bearer token is checked with a
 * TokenReview (authentication.k8s.io/v1), then the permission with a SubjectAccessReview
 * (authorization.k8s.io/v1), as kube-apiserver's delegated authentication and authorization do for
 * aggregated servers, through the AccessReviewer port (src/k8s/accessReview.ts). `serve` gives the
 * one cached client it shares with the metrics APIs (src/kube/accessReviewCache.ts: answers kept
 * 10 s), so a page refreshing every few seconds costs the API server one review pair per user and
 * permission, and a token the metrics APIs just reviewed is not reviewed again. Locally: no
 * authentication, but only on a loopback address (anything else is refused at start).
 *
 * Permissions are on the PredictiveScaler resource (foresight.dev): `list` cluster-wide for the
 * list, `get` in the scaler's namespace for one scaler (cluster-wide for config targets), and
 * `create` on the `predictivescalers/backtests` subresource for a what-if backtest.
 */

import { isIP } from "node:net";
import type { NextFunction, Request, RequestHandler, Response } from "express";
import type {
  AccessReviewer,
  Authentication,
  Authorization,
  ResourceAttributes,
} from "../k8s/accessReview.js";
import { type ApiError, forbidden, serviceUnavailable, statusBody, unauthorized } from "../k8s/status.js";

/** The permission a route needs: a SubjectAccessReview's resourceAttributes. */
export type AccessCheck = ResourceAttributes;

/** How the API is protected. */
export type AccessMode =
  | { readonly mode: "cluster"; readonly reviewer: AccessReviewer }
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
export function createGuard(mode: AccessMode): Guard {
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
  const reviewer = mode.reviewer;
  return {
    require: (required) => async (req: Request, res: Response, next: NextFunction) => {
      const header = req.get("authorization") ?? "";
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (!match) {
        sendError(res, unauthorized("a bearer token is required (Authorization: Bearer <token>)"));
        return;
      }
      let authn: Authentication;
      try {
        authn = await reviewer.authenticate(match[1] as string);
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
      let authz: Authorization;
      try {
        authz = await reviewer.authorize(user, { kind: "resource", attributes: check });
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
      if (!authz.allowed) {
        const reason = authz.reason ? `: ${authz.reason}` : "";
        sendError(res, forbidden(`User "${user.username}" ${describe(check)}${reason}`));
        return;
      }
      next();
    },
  };
}

/**
 * The auth step in front of the metrics APIs' routing: authentication (authenticator.ts), then
 * delegated authorization with a SubjectAccessReview of the request's attributes
 * (requestAttributes.ts) through the reviewer port (in `serve`, the one cached client the review API
 * shares: answers kept 10 s, concurrent identical reviews shared, src/kube/accessReviewCache.ts).
 * Members of `system:masters` are not reviewed (AlwaysAllowGroups) and the health paths need
 * neither (reference metrics-api-and-hpa.md §3.2). Failures are Kubernetes Status errors: 401
 * without a user, 403 with the reviewer's reason, 503 when a review cannot be made or gets no
 * answer within the client's deadline (default 10 s).
 */
import type { IncomingMessage } from "node:http";
import type { AccessReviewer, Authorization, UserInfo } from "../../k8s/accessReview.js";
import { type ApiError, forbidden, serviceUnavailable, toApiError, unauthorized } from "../../k8s/status.js";
import type { Logger } from "../../telemetry/logger.js";
import type { Authenticate } from "./authenticator.js";
import { type RequestAttributes, requestAttributes } from "./requestAttributes.js";

/** Resolves to the error to answer with, or undefined to let the request through. */
export type AuthStep = (req: IncomingMessage) => Promise<ApiError | undefined>;

export const ALWAYS_ALLOW_GROUPS: readonly string[] = ["system:masters"];
export const ALWAYS_ALLOW_PATHS: readonly string[] = ["/healthz", "/livez", "/readyz"];

export interface AuthGuardOptions {
  readonly authenticate: Authenticate;
  readonly reviewer: AccessReviewer;
  readonly logger: Logger;
}

function isHealthPath(pathname: string): boolean {
  return ALWAYS_ALLOW_PATHS.some((p) => pathname === p || pathname.startsWith(`${p}/`));
}

/** Go's forbidden message: `User "u" cannot get resource "pods/m" in API group "g" in the namespace "ns"`. */
export function forbiddenMessage(user: UserInfo, request: RequestAttributes, reason?: string): string {
  const tail = reason ? `: ${reason}` : "";
  if (request.kind === "nonResource")
    return `User "${user.username}" cannot ${request.attributes.verb} path "${request.attributes.path}"${tail}`;
  const a = request.attributes;
  const resource = a.subresource !== undefined ? `${a.resource}/${a.subresource}` : a.resource;
  const where = a.namespace !== undefined ? ` in the namespace "${a.namespace}"` : " at the cluster scope";
  return `User "${user.username}" cannot ${a.verb} resource "${resource}" in API group "${a.group}"${where}${tail}`;
}

export function createAuthGuard(options: AuthGuardOptions): AuthStep {
  return async (req) => {
    let url: URL;
    try {
      url = new URL(req.url ?? "/", "http://local");
    } catch {
      // Not a path at all: routing answers 400 and serves nothing.
      return undefined;
    }
    if (isHealthPath(url.pathname)) return undefined;
    let authn: Awaited<ReturnType<Authenticate>>;
    try {
      authn = await options.authenticate(req);
    } catch (err) {
      return toApiError(err);
    }
    if (authn.user === undefined) return unauthorized(`Unauthorized: ${authn.reason}`);
    const user = authn.user;
    if (user.groups?.some((g) => ALWAYS_ALLOW_GROUPS.includes(g))) return undefined;
    const request = requestAttributes(req.method ?? "GET", url.pathname, url.searchParams);
    let authorization: Authorization;
    try {
      authorization = await options.reviewer.authorize(user, request);
    } catch (err) {
      options.logger.warn({ err: (err as Error).message }, "SubjectAccessReview failed");
      return serviceUnavailable(
        `cannot check permissions: SubjectAccessReview failed: ${(err as Error).message}`,
        err,
      );
    }
    return authorization.allowed
      ? undefined
      : forbidden(forbiddenMessage(user, request, authorization.reason));
  };
}

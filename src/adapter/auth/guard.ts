/**
 * The auth step in front of the metrics APIs' routing: authentication (authenticator.ts), then
 * delegated authorization with a SubjectAccessReview of the request's attributes
 * (requestAttributes.ts), allow and deny answers each cached 10 s, concurrent identical reviews
 * shared. Members of `system:masters` are not reviewed (AlwaysAllowGroups) and the health paths need
 * neither (reference metrics-api-and-hpa.md §3.2). Failures are Kubernetes Status errors: 401
 * without a user, 403 with the reviewer's reason, 503 when a review cannot be made or gets no
 * answer within its deadline (deadline.ts; default 10 s).
 */
import type { IncomingMessage } from "node:http";
import type { Clock } from "../../clock.js";
import { type ApiError, forbidden, serviceUnavailable, toApiError, unauthorized } from "../../k8s/status.js";
import { TtlCache } from "../../k8s/ttlCache.js";
import type { Logger } from "../../telemetry/logger.js";
import { type Authenticate, DEFAULT_AUTH_CACHE_TTL_MS } from "./authenticator.js";
import { checkReviewTimeout, DEFAULT_REVIEW_TIMEOUT_MS, withDeadline } from "./deadline.js";
import { type RequestAttributes, requestAttributes } from "./requestAttributes.js";
import type { Decision, DelegatingReviewer, UserInfo } from "./reviewer.js";

/** Resolves to the error to answer with, or undefined to let the request through. */
export type AuthStep = (req: IncomingMessage) => Promise<ApiError | undefined>;

export const ALWAYS_ALLOW_GROUPS: readonly string[] = ["system:masters"];
export const ALWAYS_ALLOW_PATHS: readonly string[] = ["/healthz", "/livez", "/readyz"];

export interface AuthGuardOptions {
  readonly authenticate: Authenticate;
  readonly reviewer: DelegatingReviewer;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Default 10 s. */
  readonly cacheTtlMs?: number;
  /** How long a SubjectAccessReview may take before the request is answered 503; default 10 s. */
  readonly reviewTimeoutMs?: number;
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
  const decisions = new TtlCache<Decision>(
    options.cacheTtlMs ?? DEFAULT_AUTH_CACHE_TTL_MS,
    5000,
    options.clock,
  );
  const timeoutMs = checkReviewTimeout(options.reviewTimeoutMs ?? DEFAULT_REVIEW_TIMEOUT_MS);
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
    const key = JSON.stringify([user.username, user.uid, user.groups, user.extra, request]);
    let decision: Decision;
    try {
      decision = await decisions.load(key, () =>
        withDeadline(options.reviewer.reviewAccess(user, request), timeoutMs),
      );
    } catch (err) {
      options.logger.warn({ err: (err as Error).message }, "SubjectAccessReview failed");
      return serviceUnavailable(
        `cannot check permissions: SubjectAccessReview failed: ${(err as Error).message}`,
        err,
      );
    }
    return decision.allowed ? undefined : forbidden(forbiddenMessage(user, request, decision.reason));
  };
}

/**
 * The simulated API's TokenReview (authentication.k8s.io/v1) and SubjectAccessReview
 * (authorization.k8s.io/v1) endpoints. A SIMULATOR feature: there is no RBAC and no user database
 * here, and the facade still checks no credentials on its own requests. The endpoints validate the
 * review as the apiserver does and answer from a ReviewAuthority (`KubeFacadeOptions.reviews`):
 * which user a bearer token is, and whether a subject may do something.
 *
 * Without one, every token is unknown and every access is denied with a reason saying so, so a
 * client that relies on reviews fails loudly instead of passing for the wrong reason. The test
 * harness's table of tokens and rules (test/harness/kubeReviews.ts) is one authority.
 */
import { kubeBadRequest } from "./status.js";

export const TOKEN_REVIEW_PATH = "/apis/authentication.k8s.io/v1/tokenreviews";
export const SUBJECT_ACCESS_REVIEW_PATH = "/apis/authorization.k8s.io/v1/subjectaccessreviews";

export interface SimUser {
  readonly username: string;
  readonly uid?: string;
  readonly groups?: readonly string[];
  readonly extra?: Readonly<Record<string, readonly string[]>>;
}

/** A SubjectAccessReview's spec as received (the fields the simulator reads). */
export interface AccessReviewSpec {
  readonly user?: string;
  readonly uid?: string;
  readonly groups?: readonly string[];
  readonly extra?: Readonly<Record<string, readonly string[]>>;
  readonly resourceAttributes?: Readonly<Record<string, string>>;
  readonly nonResourceAttributes?: Readonly<Record<string, string>>;
}

export interface AccessDecision {
  readonly allowed: boolean;
  readonly denied?: boolean;
  readonly reason?: string;
}

/** Who answers the reviews: asked only with a review that passed validation. */
export interface ReviewAuthority {
  /** The user a bearer token authenticates as; undefined when unknown. */
  authenticate(token: string): SimUser | undefined;
  /** The decision on a (valid) SubjectAccessReview spec. */
  authorize(spec: AccessReviewSpec): AccessDecision;
}

/** The default authority: knows no token, allows nothing. */
export const NO_REVIEW_AUTHORITY: ReviewAuthority = {
  authenticate: () => undefined,
  authorize: () => ({
    allowed: false,
    reason: "the simulator has no RBAC and no access rule was configured",
  }),
};

/** The answer to a POSTed TokenReview body; a malformed review → 400 KubeApiError. */
export function answerTokenReview(authority: ReviewAuthority, body: unknown): Record<string, unknown> {
  const spec = specOf(body, "TokenReview");
  const token = spec.token;
  if (typeof token !== "string" || token === "") throw kubeBadRequest("TokenReview spec.token is required");
  const user = authority.authenticate(token);
  return {
    apiVersion: "authentication.k8s.io/v1",
    kind: "TokenReview",
    metadata: { creationTimestamp: null },
    spec: { token },
    status: user
      ? {
          authenticated: true,
          user: {
            username: user.username,
            ...(user.uid !== undefined ? { uid: user.uid } : {}),
            ...(user.groups !== undefined ? { groups: [...user.groups] } : {}),
            ...(user.extra !== undefined ? { extra: user.extra } : {}),
          },
        }
      : { authenticated: false, error: "token not recognized by the simulator" },
  };
}

/** The answer to a POSTed SubjectAccessReview body; a malformed review → 400 KubeApiError. */
export function answerSubjectAccessReview(
  authority: ReviewAuthority,
  body: unknown,
): Record<string, unknown> {
  const spec = specOf(body, "SubjectAccessReview") as AccessReviewSpec;
  if (!spec.resourceAttributes === !spec.nonResourceAttributes)
    throw kubeBadRequest(
      "SubjectAccessReview spec: exactly one of resourceAttributes and nonResourceAttributes is required",
    );
  if (!spec.user && !(spec.groups && spec.groups.length > 0))
    throw kubeBadRequest("SubjectAccessReview spec: at least one of user or groups must be specified");
  const decision = authority.authorize(spec);
  return {
    apiVersion: "authorization.k8s.io/v1",
    kind: "SubjectAccessReview",
    metadata: { creationTimestamp: null },
    spec,
    status: {
      allowed: decision.allowed,
      ...(decision.denied ? { denied: true } : {}),
      ...(decision.reason !== undefined ? { reason: decision.reason } : {}),
    },
  };
}

function specOf(body: unknown, kind: string): Record<string, unknown> {
  const spec = (body as { spec?: unknown } | null)?.spec;
  if (typeof spec !== "object" || spec === null || Array.isArray(spec))
    throw kubeBadRequest(`${kind} body must be an object with a spec`);
  return spec as Record<string, unknown>;
}

/**
 * The simulated API's TokenReview (authentication.k8s.io/v1) and SubjectAccessReview
 * (authorization.k8s.io/v1) endpoints, answered from a table a test configures: bearer tokens map
 * to users, and a rule function decides every access review. A SIMULATOR feature: there is no RBAC
 * here, and the facade still checks no credentials on its own requests. Every review received is
 * recorded, so tests can assert which attributes a delegating server sent.
 *
 * With nothing configured every token is unknown and every access is denied with a reason saying
 * so, so a test that forgets the table fails loudly instead of passing for the wrong reason.
 */
import { kubeBadRequest as badRequest } from "./status.js";

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

export type AccessRule = (spec: AccessReviewSpec) => AccessDecision;

export interface AccessReviewsOptions {
  /** Bearer token → the user it authenticates as. */
  readonly tokens?: Readonly<Record<string, SimUser>>;
  /** Decides SubjectAccessReviews; default: deny all. */
  readonly rule?: AccessRule;
}

const DENY_ALL: AccessRule = () => ({
  allowed: false,
  reason: "the simulator has no RBAC and no access rule was configured",
});

/** The review table of a facade (`facade.reviews`); tokens and rule may be changed at any time. */
export class AccessReviews {
  readonly tokens: Map<string, SimUser>;
  rule: AccessRule;
  /** Tokens reviewed, in order. */
  readonly tokenReviews: string[] = [];
  /** SubjectAccessReview specs received, in order. */
  readonly accessReviews: AccessReviewSpec[] = [];

  constructor(options: AccessReviewsOptions = {}) {
    this.tokens = new Map(Object.entries(options.tokens ?? {}));
    this.rule = options.rule ?? DENY_ALL;
  }

  /** The answer to a POSTed TokenReview body. */
  tokenReview(body: unknown): Record<string, unknown> {
    const spec = specOf(body, "TokenReview");
    const token = spec.token;
    if (typeof token !== "string" || token === "") throw badRequest("TokenReview spec.token is required");
    this.tokenReviews.push(token);
    const user = this.tokens.get(token);
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
        : { authenticated: false, error: "token not recognized by the simulator's review table" },
    };
  }

  /** The answer to a POSTed SubjectAccessReview body. */
  subjectAccessReview(body: unknown): Record<string, unknown> {
    const spec = specOf(body, "SubjectAccessReview") as AccessReviewSpec;
    if (!spec.resourceAttributes === !spec.nonResourceAttributes)
      throw badRequest(
        "SubjectAccessReview spec: exactly one of resourceAttributes and nonResourceAttributes is required",
      );
    if (!spec.user && !(spec.groups && spec.groups.length > 0))
      throw badRequest("SubjectAccessReview spec: at least one of user or groups must be specified");
    this.accessReviews.push(spec);
    const decision = this.rule(spec);
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
}

function specOf(body: unknown, kind: string): Record<string, unknown> {
  const spec = (body as { spec?: unknown } | null)?.spec;
  if (typeof spec !== "object" || spec === null || Array.isArray(spec))
    throw badRequest(`${kind} body must be an object with a spec`);
  return spec as Record<string, unknown>;
}

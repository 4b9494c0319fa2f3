/**
 * The vocabulary of kube-apiserver's review APIs, which delegated authentication and authorization
 * ask: TokenReview (authentication.k8s.io/v1: who holds this bearer token?) and SubjectAccessReview
 * (authorization.k8s.io/v1: may this user do this?), and the port both the metrics APIs
 * (src/adapter/auth) and the review API (src/api/access.ts) ask them through. Pure types: the
 * client over client-node and the answer cache are in src/kube (accessReviewClient.ts,
 * accessReviewCache.ts), chosen by the composition root.
 */

/** authentication.k8s.io/v1 UserInfo: who a TokenReview says the token's holder is. */
export interface UserInfo {
  readonly username: string;
  readonly uid?: string;
  readonly groups?: readonly string[];
  readonly extra?: Readonly<Record<string, readonly string[]>>;
}

/** A SubjectAccessReview's resourceAttributes. */
export interface ResourceAttributes {
  readonly verb: string;
  readonly group: string;
  readonly version?: string;
  readonly resource: string;
  readonly subresource?: string;
  /** Absent: cluster-wide. */
  readonly namespace?: string;
  readonly name?: string;
}

/** A SubjectAccessReview's nonResourceAttributes: a path that is no resource (discovery, /openapi). */
export interface NonResourceAttributes {
  readonly path: string;
  readonly verb: string;
}

/** What a SubjectAccessReview asks about: a resource, or a non-resource path. */
export type AccessAttributes =
  | { readonly kind: "resource"; readonly attributes: ResourceAttributes }
  | { readonly kind: "nonResource"; readonly attributes: NonResourceAttributes };

/** A TokenReview's answer: the user, or why the token was refused. */
export type Authentication =
  | { readonly authenticated: true; readonly user: UserInfo }
  | { readonly authenticated: false; readonly error?: string };

/** A SubjectAccessReview's answer: allowed, or not (denied or no opinion), with the reason given. */
export interface Authorization {
  readonly allowed: boolean;
  readonly reason?: string;
}

/**
 * The port to the review APIs. Both calls throw when the review itself cannot be made (API server
 * unreachable, the reviewer's own credentials refused, no answer within the deadline), so a caller
 * answers 503 rather than 401/403; a refused token or a denied access is an answer, not a throw.
 */
export interface AccessReviewer {
  /** A TokenReview of `token`. */
  authenticate(token: string): Promise<Authentication>;
  /** A SubjectAccessReview of `user` doing what `attributes` describe. */
  authorize(user: UserInfo, attributes: AccessAttributes): Promise<Authorization>;
}

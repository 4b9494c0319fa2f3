/**
 * A table that answers the simulated API's TokenReviews and SubjectAccessReviews for a test
 * (a ReviewAuthority, src/demo/kube/reviews.ts): bearer tokens map to users, and a rule function
 * decides every access review. Every review it is asked is recorded, so tests can assert which
 * attributes a delegating server sent. One table per facade (`facade.reviews` of kubeFacade.ts).
 *
 * With nothing configured every token is unknown and every access is denied with a reason saying
 * so (the simulator's default), so a test that forgets the table fails loudly instead of passing
 * for the wrong reason.
 */
import {
  type AccessDecision,
  type AccessReviewSpec,
  NO_REVIEW_AUTHORITY,
  type ReviewAuthority,
  type SimUser,
} from "../../src/demo/kube/reviews.js";

export type { AccessDecision, AccessReviewSpec, SimUser };

export type AccessRule = (spec: AccessReviewSpec) => AccessDecision;

export interface AccessReviewsOptions {
  /** Bearer token → the user it authenticates as. */
  readonly tokens?: Readonly<Record<string, SimUser>>;
  /** Decides SubjectAccessReviews; default: deny all. */
  readonly rule?: AccessRule;
}

/** Tokens and rule may be changed at any time. */
export class AccessReviews implements ReviewAuthority {
  readonly tokens: Map<string, SimUser>;
  rule: AccessRule;
  /** Tokens reviewed, in order. */
  readonly tokenReviews: string[] = [];
  /** SubjectAccessReview specs received, in order. */
  readonly accessReviews: AccessReviewSpec[] = [];

  constructor(options: AccessReviewsOptions = {}) {
    this.tokens = new Map(Object.entries(options.tokens ?? {}));
    this.rule = options.rule ?? ((spec) => NO_REVIEW_AUTHORITY.authorize(spec));
  }

  authenticate(token: string): SimUser | undefined {
    this.tokenReviews.push(token);
    return this.tokens.get(token);
  }

  authorize(spec: AccessReviewSpec): AccessDecision {
    this.accessReviews.push(spec);
    return this.rule(spec);
  }
}

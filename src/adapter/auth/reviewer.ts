/**
 * The port to kube-apiserver's review APIs for delegated authentication and authorization:
 * TokenReview (authentication.k8s.io/v1) and SubjectAccessReview (authorization.k8s.io/v1), both
 * through the review API's client (src/api/access.ts), here with resource *or* non-resource
 * attributes (discovery paths). Both need the adapter's
 * ServiceAccount bound to `system:auth-delegator`.
 */
import type { KubeConfig } from "@kubernetes/client-node";
import {
  type Authentication,
  type Authorization,
  clientNodeAccessReviewer,
  type UserInfo,
} from "../../api/access.js";
import type { RequestAttributes } from "./requestAttributes.js";

export type { Authentication, UserInfo };

export type Decision = Authorization;

/** Throws when the review itself cannot be made (API server unreachable, no rights). */
export interface DelegatingReviewer {
  reviewToken(token: string): Promise<Authentication>;
  reviewAccess(user: UserInfo, attributes: RequestAttributes): Promise<Decision>;
}

/** Reviews through client-node; one not answered within `timeoutMs` is cancelled. */
export function clientNodeDelegatingReviewer(kc: KubeConfig, timeoutMs?: number): DelegatingReviewer {
  const reviewer = clientNodeAccessReviewer(kc, timeoutMs);
  return {
    reviewToken: (token) => reviewer.authenticate(token),
    reviewAccess: (user, request) =>
      reviewer.reviewAccess(
        user,
        request.kind === "resource"
          ? { resourceAttributes: { ...request.attributes } }
          : { nonResourceAttributes: { ...request.attributes } },
      ),
  };
}

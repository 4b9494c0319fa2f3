/**
 * The port to kube-apiserver's review APIs for delegated authentication and authorization:
 * TokenReview (authentication.k8s.io/v1) and SubjectAccessReview (authorization.k8s.io/v1), both
 * through the review API's client (src/api/access.ts), here with resource *or* non-resource
 * attributes (discovery paths). Both need the adapter's
 * ServiceAccount bound to `system:auth-delegator`.
 */
import { AuthorizationV1Api, type KubeConfig } from "@kubernetes/client-node";
import {
  type Authentication,
  type Authorization,
  clientNodeAccessReviewer,
  reviewSubjectAccess,
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

export function clientNodeDelegatingReviewer(kc: KubeConfig): DelegatingReviewer {
  const tokens = clientNodeAccessReviewer(kc);
  const authz = kc.makeApiClient(AuthorizationV1Api);
  return {
    reviewToken: (token) => tokens.authenticate(token),
    reviewAccess: (user, request) =>
      reviewSubjectAccess(
        authz,
        user,
        request.kind === "resource"
          ? { resourceAttributes: { ...request.attributes } }
          : { nonResourceAttributes: { ...request.attributes } },
      ),
  };
}

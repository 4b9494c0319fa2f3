/**
 * The port to kube-apiserver's review APIs for delegated authentication and authorization:
 * TokenReview (authentication.k8s.io/v1), reused from the review API's client (src/api/access.ts),
 * and SubjectAccessReview (authorization.k8s.io/v1) with resource *or* non-resource attributes
 * (the review API's client sends resource attributes only). Both need the adapter's
 * ServiceAccount bound to `system:auth-delegator`.
 */
import { AuthorizationV1Api, type KubeConfig } from "@kubernetes/client-node";
import { type Authentication, clientNodeAccessReviewer, type UserInfo } from "../../api/access.js";
import type { RequestAttributes } from "./requestAttributes.js";

export type { Authentication, UserInfo };

export interface Decision {
  readonly allowed: boolean;
  readonly reason?: string;
}

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
    async reviewAccess(user, request) {
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
            ...(request.kind === "resource"
              ? { resourceAttributes: { ...request.attributes } }
              : { nonResourceAttributes: { ...request.attributes } }),
          },
        },
      });
      const status = review.status;
      return {
        allowed: status?.allowed === true && status.denied !== true,
        ...(status?.reason ? { reason: status.reason } : {}),
      };
    },
  };
}

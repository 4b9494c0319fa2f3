/**
 * The review APIs through client-node: TokenReview (authentication.k8s.io/v1) and
 * SubjectAccessReview (authorization.k8s.io/v1, resource or non-resource attributes), sent with
 * Foresight's own credentials (its ServiceAccount needs `system:auth-delegator`). The one
 * implementation of the AccessReviewer port (src/k8s/accessReview.ts); the composition root wraps
 * it in the answer cache (accessReviewCache.ts) and hands it to the metrics APIs and the review API.
 *
 * Each review has a deadline (default 10 s, client-go's webhook request timeout): an API server that
 * never answers must not hold the request, and every caller waiting on the same review, for good.
 * At the deadline the review fails with a ReviewTimeoutError (callers answer 503) and its HTTP request
 * is cancelled (requestSignals.ts), so it is never served late.
 */
import { AuthenticationV1Api, AuthorizationV1Api, type KubeConfig } from "@kubernetes/client-node";
import type {
  AccessAttributes,
  AccessReviewer,
  Authentication,
  Authorization,
  ResourceAttributes,
  UserInfo,
} from "../k8s/accessReview.js";
import { RequestSignals } from "./requestSignals.js";

/** Default deadline of one review, as client-go's 10 s webhook request timeout. */
export const DEFAULT_REVIEW_TIMEOUT_MS = 10_000;

export class ReviewTimeoutError extends Error {
  override readonly name = "ReviewTimeoutError";
}

export interface AccessReviewClientOptions {
  /** Deadline of one review, > 0; default DEFAULT_REVIEW_TIMEOUT_MS. */
  readonly timeoutMs?: number;
}

/** `ms` as people read it: `10 s`, `250 ms`. */
function duration(ms: number): string {
  return ms >= 1000 && ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

function checkTimeout(ms: number): number {
  if (!Number.isFinite(ms) || ms <= 0) throw new RangeError(`review timeout must be > 0 ms, got ${ms}`);
  return ms;
}

/** The SubjectAccessReview's resourceAttributes: the fields that are set, none undefined. */
function resourceAttributes(a: ResourceAttributes): Record<string, string> {
  return {
    verb: a.verb,
    group: a.group,
    ...(a.version !== undefined ? { version: a.version } : {}),
    resource: a.resource,
    ...(a.subresource !== undefined ? { subresource: a.subresource } : {}),
    ...(a.namespace !== undefined ? { namespace: a.namespace } : {}),
    ...(a.name !== undefined ? { name: a.name } : {}),
  };
}

function subjectAccessReviewSpec(user: UserInfo, attributes: AccessAttributes) {
  return {
    user: user.username,
    ...(user.uid !== undefined ? { uid: user.uid } : {}),
    ...(user.groups !== undefined ? { groups: [...user.groups] } : {}),
    ...(user.extra !== undefined
      ? { extra: Object.fromEntries(Object.entries(user.extra).map(([k, v]) => [k, [...v]])) }
      : {}),
    ...(attributes.kind === "resource"
      ? { resourceAttributes: resourceAttributes(attributes.attributes) }
      : {
          nonResourceAttributes: { path: attributes.attributes.path, verb: attributes.attributes.verb },
        }),
  };
}

export function clientNodeAccessReviewer(
  kc: KubeConfig,
  options: AccessReviewClientOptions = {},
): AccessReviewer {
  const timeoutMs = checkTimeout(options.timeoutMs ?? DEFAULT_REVIEW_TIMEOUT_MS);
  const signals = new RequestSignals();
  const authn = signals.makeApiClient(kc, AuthenticationV1Api);
  const authz = signals.makeApiClient(kc, AuthorizationV1Api);
  /**
   * `call`, failed with a ReviewTimeoutError at the deadline whatever the call is doing (sending,
   * or still getting credentials), its request cancelled at the same moment.
   */
  const bounded = <T>(call: () => Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const cancel = new AbortController();
      const timer = setTimeout(() => {
        const timeout = new ReviewTimeoutError(`no answer from the API server within ${duration(timeoutMs)}`);
        reject(timeout);
        cancel.abort(timeout);
      }, timeoutMs);
      signals.run(cancel.signal, call).then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (err: unknown) => {
          clearTimeout(timer);
          reject(err);
        },
      );
    });
  return {
    async authenticate(token): Promise<Authentication> {
      const review = await bounded(() =>
        authn.createTokenReview({
          body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenReview", spec: { token } },
        }),
      );
      const status = review.status;
      if (status?.authenticated !== true || status.user?.username === undefined)
        return { authenticated: false, ...(status?.error ? { error: status.error } : {}) };
      const u = status.user;
      return {
        authenticated: true,
        user: {
          username: u.username as string,
          ...(u.uid !== undefined ? { uid: u.uid } : {}),
          ...(u.groups !== undefined ? { groups: u.groups } : {}),
          ...(u.extra !== undefined ? { extra: u.extra } : {}),
        },
      };
    },
    async authorize(user, attributes): Promise<Authorization> {
      const review = await bounded(() =>
        authz.createSubjectAccessReview({
          body: {
            apiVersion: "authorization.k8s.io/v1",
            kind: "SubjectAccessReview",
            spec: subjectAccessReviewSpec(user, attributes),
          },
        }),
      );
      const status = review.status;
      return {
        allowed: status?.allowed === true && status.denied !== true,
        ...(status?.reason ? { reason: status.reason } : {}),
      };
    },
  };
}

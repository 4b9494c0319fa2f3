/**
 * The one answer cache of the review APIs, in front of the AccessReviewer port: one token cache
 * (TokenReview answers) and one permission cache (SubjectAccessReview answers), both kept
 * REVIEW_CACHE_TTL_MS (10 s, the generic API server's webhook token and authorization cache TTLs),
 * over lru-cache (`ttl`, `fetch()`). The composition root builds one and hands it to the metrics
 * APIs and the review API alike, so a token reviewed for one is not reviewed again for the other
 * within the TTL, and a page refreshing every few seconds costs the API server one review pair per
 * user and permission.
 *
 * - Every answer is kept: a refused token and a denied access as well as an accepted one.
 * - A review that fails (the API server unreachable, or no answer by the client's deadline,
 *   accessReviewClient.ts) is never kept: every caller waiting on it gets the error, the next one
 *   reviews again.
 * - Concurrent callers of one review share it: one token, or one user with the same attributes.
 * - Tokens are keyed by their SHA-256 digest, so the cache holds no usable token. Permissions are
 *   keyed by the user (name, uid, groups, extra) and the attributes, whichever token named the user.
 * - Bounded: the least recently used answers are dropped first.
 */
import { createHash } from "node:crypto";
import { LRUCache } from "lru-cache";
import type { Clock } from "../clock.js";
import type {
  AccessAttributes,
  AccessReviewer,
  Authentication,
  Authorization,
  UserInfo,
} from "../k8s/accessReview.js";

/** How long an answer is reused (it is fresh while its age is at most this). */
export const REVIEW_CACHE_TTL_MS = 10_000;

export interface AccessReviewCacheOptions {
  /** Time of the TTL (Unix ms, never 0): the system clock in production. */
  readonly clock: Clock;
  /** Default REVIEW_CACHE_TTL_MS. */
  readonly ttlMs?: number;
  /** Default 1000. */
  readonly maxTokens?: number;
  /** Default 5000. */
  readonly maxPermissions?: number;
}

interface Permission {
  readonly user: UserInfo;
  readonly attributes: AccessAttributes;
}

function tokenKey(token: string): string {
  return createHash("sha256").update(token).digest("base64url");
}

/** `value` with object keys sorted and undefined properties dropped, for a stable JSON key. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => [k, canonical(v)]),
  );
}

function permissionKey({ user, attributes }: Permission): string {
  return JSON.stringify(canonical([user.username, user.uid, user.groups, user.extra, attributes]));
}

async function answer<V>(pending: Promise<V | undefined>, what: string): Promise<V> {
  const value = await pending;
  if (value === undefined) throw new Error(`access review cache: the ${what} gave no answer`);
  return value;
}

/** `reviewer` behind the one token cache and the one permission cache. */
export function cachedAccessReviewer(
  reviewer: AccessReviewer,
  options: AccessReviewCacheOptions,
): AccessReviewer {
  const ttl = options.ttlMs ?? REVIEW_CACHE_TTL_MS;
  if (!Number.isFinite(ttl) || ttl <= 0) throw new RangeError(`review cache TTL must be > 0 ms, got ${ttl}`);
  const common = {
    ttl,
    // Read the clock on every lookup (the default caches it for 1 ms with a timer).
    ttlResolution: 0,
    perf: { now: () => options.clock.now() },
    // A review whose entry is evicted while in flight still answers the callers waiting on it.
    ignoreFetchAbort: true,
  } as const;
  const tokens = new LRUCache<string, Authentication, string>({
    ...common,
    max: options.maxTokens ?? 1000,
    fetchMethod: (_key, _stale, { context: token }) => reviewer.authenticate(token),
  });
  const permissions = new LRUCache<string, Authorization, Permission>({
    ...common,
    max: options.maxPermissions ?? 5000,
    fetchMethod: (_key, _stale, { context }) => reviewer.authorize(context.user, context.attributes),
  });
  return {
    authenticate: (token) => answer(tokens.fetch(tokenKey(token), { context: token }), "TokenReview"),
    authorize: (user, attributes) => {
      const permission = { user, attributes };
      return answer(
        permissions.fetch(permissionKey(permission), { context: permission }),
        "SubjectAccessReview",
      );
    },
  };
}

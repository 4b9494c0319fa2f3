/**
 * The deadline of one TokenReview or SubjectAccessReview: an API server that never answers must not
 * hold the metrics request (and every caller waiting on the same review) for good. Past the
 * deadline the review is given up with a ReviewTimeoutError, which the guard answers as 503
 * ServiceUnavailable; a late answer is dropped (never cached), a late failure swallowed.
 */

/** Default deadline of one review, as client-go's 10 s webhook request timeout. */
export const DEFAULT_REVIEW_TIMEOUT_MS = 10_000;

export class ReviewTimeoutError extends Error {
  override readonly name = "ReviewTimeoutError";
}

/** `ms` as people read it: `10 s`, `250 ms`. */
function duration(ms: number): string {
  return ms >= 1000 && ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

export function checkReviewTimeout(ms: number): number {
  if (!Number.isFinite(ms) || ms <= 0) throw new RangeError(`review timeout must be > 0 ms, got ${ms}`);
  return ms;
}

/** `review`, or a ReviewTimeoutError once `ms` have passed without an answer. */
export function withDeadline<T>(review: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new ReviewTimeoutError(`no answer from the API server within ${duration(ms)}`)),
      ms,
    );
    review.then(
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
}

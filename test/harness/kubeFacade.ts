/**
 * The simulated Kubernetes API (src/demo/kube) as tests start it: with the harness's FaultInjector
 * plugged into its interception hook (`facade.faults`: injected failures, holds, raw answers, code
 * run before a request, the log of served requests) and a review table answering its TokenReviews
 * and SubjectAccessReviews (`facade.reviews`). Everything else is the demo's facade as is.
 *
 * Tests that need neither may start the facade from src/demo/kube directly.
 */
import {
  type KubeFacade as SimulatedKubeFacade,
  type KubeFacadeOptions as SimulatedKubeFacadeOptions,
  startKubeFacade as startSimulatedKubeFacade,
} from "../../src/demo/kube/server.js";
import { FaultInjector, type FaultInjectorOptions } from "./kubeFaults.js";
import { AccessReviews, type AccessReviewsOptions } from "./kubeReviews.js";

export interface KubeFacadeOptions extends Omit<SimulatedKubeFacadeOptions, "interceptor" | "reviews"> {
  /** The fault injector's options (its request log size). */
  readonly faults?: FaultInjectorOptions;
  /** The review table: tokens and the access rule; default nothing known, all denied. */
  readonly reviews?: AccessReviewsOptions;
}

export interface KubeFacade extends SimulatedKubeFacade {
  /** Inject failures, run code before requests, hold answers, read the log of served requests. */
  readonly faults: FaultInjector;
  /** The TokenReview/SubjectAccessReview table (simulated, no RBAC) and the reviews received. */
  readonly reviews: AccessReviews;
}

export async function startKubeFacade(options: KubeFacadeOptions = {}): Promise<KubeFacade> {
  const { faults: faultOptions, reviews: reviewOptions, ...rest } = options;
  const faults = new FaultInjector(faultOptions);
  const reviews = new AccessReviews(reviewOptions);
  const facade = await startSimulatedKubeFacade({ ...rest, interceptor: faults, reviews });
  return { ...facade, faults, reviews };
}

/**
 * Delegated authentication and authorization of the aggregated API, assembled for `serve`: the
 * ConfigMap watch (delegatedConfig.ts) read with client-node, the TokenReview and
 * SubjectAccessReview client (reviewer.ts), the authenticator and the guard.
 */
import { CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import type { Clock } from "../../clock.js";
import { RequestSignals } from "../../kube/requestSignals.js";
import { kubeStatusCode } from "../../kube/retry.js";
import type { Logger } from "../../telemetry/logger.js";
import { createAuthenticator } from "./authenticator.js";
import { DEFAULT_REVIEW_TIMEOUT_MS } from "./deadline.js";
import {
  AUTH_CONFIGMAP_NAME,
  AUTH_CONFIGMAP_NAMESPACE,
  type ReadAuthConfigMap,
  startDelegatedConfigWatch,
} from "./delegatedConfig.js";
import { type AuthStep, createAuthGuard } from "./guard.js";
import { clientNodeDelegatingReviewer, type DelegatingReviewer } from "./reviewer.js";

export interface DelegatedAuth {
  readonly step: AuthStep;
  stop(): void;
}

export interface DelegatedAuthOptions {
  readonly kubeConfig: KubeConfig;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Re-read interval of the ConfigMap; default 30 s. */
  readonly configIntervalMs?: number;
  /** Default: client-node against `kubeConfig`. */
  readonly reviewer?: DelegatingReviewer;
  /** Default: a GET through client-node's CoreV1Api. */
  readonly readConfigMap?: ReadAuthConfigMap;
  /**
   * Deadline of one TokenReview or SubjectAccessReview; past it the request is answered 503
   * ServiceUnavailable. Default 10 s (DEFAULT_REVIEW_TIMEOUT_MS).
   */
  readonly reviewTimeoutMs?: number;
}

/**
 * Reads the ConfigMap through client-node. A read the API server does not answer within
 * `timeoutMs` is cancelled and fails (logged; the previous settings stay), so a silent API server
 * cannot hold `serve`'s start-up.
 */
/** How long after the review deadline the client cancels the request itself. */
const CANCEL_GRACE_MS = 1000;

export function clientNodeConfigMapReader(kc: KubeConfig, timeoutMs = 10_000): ReadAuthConfigMap {
  const signals = new RequestSignals();
  const core = signals.makeApiClient(kc, CoreV1Api);
  return async () => {
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      const cm = await signals.run(signal, () =>
        core.readNamespacedConfigMap({ namespace: AUTH_CONFIGMAP_NAMESPACE, name: AUTH_CONFIGMAP_NAME }),
      );
      return cm.data ?? {};
    } catch (err) {
      if (kubeStatusCode(err) === 404) return undefined;
      if (signal.aborted) throw new Error(`no answer from the API server within ${timeoutMs} ms`);
      throw err;
    }
  };
}

export async function startDelegatedAuth(options: DelegatedAuthOptions): Promise<DelegatedAuth> {
  // The request is answered 503 at the deadline; the client cancels the review a moment later.
  const reviewer =
    options.reviewer ??
    clientNodeDelegatingReviewer(
      options.kubeConfig,
      (options.reviewTimeoutMs ?? DEFAULT_REVIEW_TIMEOUT_MS) + CANCEL_GRACE_MS,
    );
  const watch = await startDelegatedConfigWatch({
    read: options.readConfigMap ?? clientNodeConfigMapReader(options.kubeConfig),
    logger: options.logger,
    ...(options.configIntervalMs !== undefined ? { intervalMs: options.configIntervalMs } : {}),
  });
  const deadline = options.reviewTimeoutMs !== undefined ? { reviewTimeoutMs: options.reviewTimeoutMs } : {};
  const authenticate = createAuthenticator({
    config: watch.current,
    reviewer,
    clock: options.clock,
    ...deadline,
  });
  return {
    step: createAuthGuard({
      authenticate,
      reviewer,
      clock: options.clock,
      logger: options.logger,
      ...deadline,
    }),
    stop: () => watch.stop(),
  };
}

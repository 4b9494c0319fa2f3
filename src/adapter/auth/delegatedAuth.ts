/**
 * Delegated authentication and authorization of the aggregated API, assembled for `serve` from its
 * ports: the ConfigMap watch (delegatedConfig.ts) over a reader of the ConfigMap, the authenticator
 * and the guard over the TokenReview/SubjectAccessReview reviewer. The composition root
 * (src/cli/serve.ts) gives the client-node implementations (src/kube/authConfigMapReader.ts, and the
 * cached src/kube/accessReviewClient.ts it shares with the review API).
 */
import type { Clock } from "../../clock.js";
import type { AccessReviewer } from "../../k8s/accessReview.js";
import type { Logger } from "../../telemetry/logger.js";
import { createAuthenticator } from "./authenticator.js";
import { type ReadAuthConfigMap, startDelegatedConfigWatch } from "./delegatedConfig.js";
import { type AuthStep, createAuthGuard } from "./guard.js";

export interface DelegatedAuth {
  readonly step: AuthStep;
  stop(): void;
}

export interface DelegatedAuthOptions {
  /**
   * TokenReviews and SubjectAccessReviews: production passes the one cached client it shares with
   * the review API; reviews it cannot make in time throw (answered 503).
   */
  readonly reviewer: AccessReviewer;
  /** Reads ConfigMap kube-system/extension-apiserver-authentication. */
  readonly readConfigMap: ReadAuthConfigMap;
  readonly logger: Logger;
  /** Time of the client certificates' validity checks. */
  readonly clock: Clock;
  /** Re-read interval of the ConfigMap; default 30 s. */
  readonly configIntervalMs?: number;
}

export async function startDelegatedAuth(options: DelegatedAuthOptions): Promise<DelegatedAuth> {
  const { reviewer, logger } = options;
  const watch = await startDelegatedConfigWatch({
    read: options.readConfigMap,
    logger,
    ...(options.configIntervalMs !== undefined ? { intervalMs: options.configIntervalMs } : {}),
  });
  const authenticate = createAuthenticator({ config: watch.current, reviewer, clock: options.clock });
  return {
    step: createAuthGuard({ authenticate, reviewer, logger }),
    stop: () => watch.stop(),
  };
}

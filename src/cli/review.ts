/**
 * Composition of the operator review API and page for `foresight serve` and `foresight demo`: the
 * scalers and their forecasts from the actuator, the config targets from the forecaster, demand
 * history through the metrics source, what-if backtests on the replay, and access control — in a
 * cluster (a service-account token is mounted) every request is checked with TokenReview and
 * SubjectAccessReview (through the reviewer `serve` shares with the metrics APIs, one answer cache
 * for both) and is served on the HTTPS port only, so bearer tokens never cross the pod network in
 * clear; outside one the API is open but only on a loopback address (both ports), and otherwise
 * not served at all.
 */

import type { KubeConfig } from "@kubernetes/client-node";
import type { Router } from "express";
import { demandQuery, type ExternalSources } from "../actuator/demand.js";
import { formatScalerKey, scalerKeyOf } from "../actuator/scalerKey.js";
import { historyStepMs, validatePredictiveScaler } from "../actuator/spec.js";
import type { PredictiveScaler } from "../actuator/types.js";
import { isLoopback } from "../api/access.js";
import { replayBacktestRunner } from "../api/backtestRunner.js";
import { configTargetViews, reviewSourceOf, type SubjectRef, sourceHistory } from "../api/reviewSource.js";
import { createReviewApi, type ReviewApi } from "../api/router.js";
import { webAssetsRouter } from "../api/webAssets.js";
import type { Clock } from "../clock.js";
import type { Config } from "../config/schema.js";
import type { AccessReviewer } from "../k8s/accessReview.js";
import { ClientNodeActuatorCluster } from "../kube/actuatorClient.js";
import type { MetricsSource } from "../metrics/source.js";
import type { Logger } from "../telemetry/logger.js";
import type { Actuation } from "./actuation.js";
import type { Forecasting } from "./forecasting.js";

/** A workload's scale read for the page gives up after this long (the series answers without it). */
const SCALE_READ_TIMEOUT_MS = 5_000;

export interface Review {
  /** `/api/v1/…` and the page at `/`, to mount on the HTTPS (secure) port's app. */
  readonly routers: readonly Router[];
  /**
   * Whether to mount them on the plain-HTTP port too: only without authentication (local mode,
   * loopback). With bearer tokens (cluster mode) they are served over TLS only.
   */
  readonly onPlainHttp: boolean;
  close(): Promise<void>;
}

export interface ReviewDeps {
  readonly config: Config;
  readonly source: MetricsSource;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly version: string;
  readonly bindAddress: string;
  /**
   * TokenReviews and SubjectAccessReviews in a cluster: the cached client `serve` shares with the
   * metrics APIs; undefined without a Kubernetes connection.
   */
  readonly reviewer: AccessReviewer | undefined;
  readonly actuation: Actuation | undefined;
  /** Reads the scalers' workloads' scale (the replicas they run) for the page; none without it. */
  readonly kubeConfig?: KubeConfig;
  readonly forecasting: Forecasting | undefined;
  readonly externalSources?: ExternalSources;
  /** Treat as in-cluster (default: a service-account token is mounted, KUBERNETES_SERVICE_HOST set). */
  readonly inCluster?: boolean;
}

/** The review API and page, or undefined when they may not be served here (said in the log). */
export function startReview(deps: ReviewDeps): Review | undefined {
  const { config, logger, actuation, forecasting } = deps;
  const inCluster = deps.inCluster ?? process.env.KUBERNETES_SERVICE_HOST !== undefined;
  if (!inCluster && !isLoopback(deps.bindAddress)) {
    logger.warn(
      { bindAddress: deps.bindAddress },
      "review API and page off: outside a cluster they are only served on a loopback address (--bind-address 127.0.0.1)",
    );
    return undefined;
  }
  if (inCluster && !deps.reviewer) {
    logger.warn("review API and page off: in a cluster they need the Kubernetes API to check tokens");
    return undefined;
  }
  const scalers = () =>
    (actuation?.scalers() ?? []).flatMap((o) => {
      const checked = validatePredictiveScaler(o);
      return checked.ok ? [checked.value] : [o as unknown as PredictiveScaler];
    });
  const scalerById = (id: string) => scalers().find((s) => formatScalerKey(scalerKeyOf(s.metadata)) === id);
  const targets = configTargetViews(config.forecast.targets);
  const history = sourceHistory({
    source: deps.source,
    clock: deps.clock,
    queryOf: async (subject: SubjectRef) => {
      if (subject.kind === "ForecastTarget") {
        const t = targets.find((x) => x.name === subject.id);
        return t ? { query: t.query, stepSeconds: t.stepSeconds } : undefined;
      }
      const scaler = scalerById(subject.id);
      if (!scaler?.spec?.history) return undefined;
      return {
        query: await demandQuery(scaler, deps.externalSources),
        stepSeconds: historyStepMs(scaler.spec) / 1000,
      };
    },
  });
  const scales = actuation && deps.kubeConfig ? new ClientNodeActuatorCluster(deps.kubeConfig) : undefined;
  const workloadReplicas = async (id: string): Promise<number | undefined> => {
    const scaler = scalerById(id);
    const ref = scaler?.spec?.targetRef;
    if (!scales || !scaler || !ref) return undefined;
    const scale = await scales.getScale(
      {
        apiVersion: ref.apiVersion ?? "apps/v1",
        kind: ref.kind,
        namespace: scaler.metadata.namespace ?? "default",
        name: ref.name,
      },
      { signal: AbortSignal.timeout(SCALE_READ_TIMEOUT_MS) },
    );
    return scale?.currentReplicas;
  };
  const subjectOf = (id: string): SubjectRef =>
    id.includes("/") ? { kind: "PredictiveScaler", id } : { kind: "ForecastTarget", id };
  const reviewer = inCluster ? deps.reviewer : undefined;
  const api: ReviewApi = createReviewApi({
    source: reviewSourceOf({
      scalers,
      targets,
      ...(actuation
        ? {
            scalerStore: actuation.store,
            decisions: actuation.decisions,
            controller: {
              identity: actuation.identity,
              status: () => actuation.shards(),
              of: (id: string) => actuation.shardOf(id),
            },
          }
        : {}),
      ...(forecasting ? { targetStore: forecasting.store } : {}),
      ...(scales ? { workloadReplicas } : {}),
      history,
      clock: deps.clock,
    }),
    runner: replayBacktestRunner({
      history: (id, since) => history(subjectOf(id), since),
      now: () => deps.clock.now(),
      defaults: (id) => {
        const leadTime = scalerById(id)?.spec.leadTime;
        return leadTime ? { leadTime } : {};
      },
    }),
    access: reviewer ? { mode: "cluster", reviewer } : { mode: "local", bindAddress: deps.bindAddress },
    version: deps.version,
    onError: (err, context) =>
      logger.warn({ err: err instanceof Error ? err.message : String(err), context }, "review API"),
  });
  logger.info(
    { inCluster },
    reviewer
      ? "review API on /api/v1 and the page on / of the secure (HTTPS) port, bearer tokens checked with TokenReview and SubjectAccessReview"
      : "review API on /api/v1 and the page on / of both ports, without authentication (loopback only)",
  );
  return {
    routers: [api.router, webAssetsRouter()],
    onPlainHttp: reviewer === undefined,
    close: () => api.close(),
  };
}

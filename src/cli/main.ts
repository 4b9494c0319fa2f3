#!/usr/bin/env -S node --max-semi-space-size=4
/**
 * The `foresight` command line. The shebang caps V8's young generation at 4 MiB per semi-space:
 * under HPA load the default (16 MiB) adds ~30 MiB of RSS for no measurable gain (docs/benchmarks.md).
 */
import { Command, CommanderError, InvalidArgumentError } from "commander";
import { AUTHENTICATION_SETTINGS, type AuthenticationSetting } from "../adapter/auth/mode.js";
import { loadKubeConfig } from "../kube/kubeconfig.js";
import { REPLAY_DEFAULTS } from "../replay/replayBacktest.js";
import { createLogger } from "../telemetry/logger.js";
import { runBacktest } from "./backtest.js";
import { runBenchForecast } from "./benchForecast.js";
import { resourceCatalog } from "./catalog.js";
import { checkConfig } from "./checkConfig.js";
import { notAnAdapterConfig } from "./configKind.js";
import { DEFAULT_TRACE, demoCommands, startDemo } from "./demo.js";
import { loadAndCompile } from "./loadRules.js";
import { installProcessGuards } from "./processGuards.js";
import { serve } from "./serve.js";
import { packageVersion } from "./version.js";

/** A fraction as the percent the backtest's flags take (0.7 → 70). */
function percent(fraction: number): number {
  return Math.round(fraction * 100);
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError("must be a port number (0-65535)");
  return n;
}

/** `serve --shards`: as many as the config schema takes (1…256). */
function shardCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 256)
    throw new InvalidArgumentError("must be a whole number from 1 to 256");
  return n;
}

/** pino's levels: a bad one is refused before anything starts (pino would throw later, mid-start). */
const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

function logLevel(value: string): string {
  if (!(LOG_LEVELS as readonly string[]).includes(value))
    throw new InvalidArgumentError(`must be one of ${LOG_LEVELS.join(", ")}`);
  return value;
}

/**
 * Exit code 1 when a run fell short (printed on stderr, one line each), unless `--report-only`.
 * The report itself went to stdout already.
 */
function reportFailures(command: string, failures: readonly string[], reportOnly: boolean): void {
  if (failures.length === 0) return;
  process.stderr.write(
    `foresight ${command}: ${failures.length} problem${failures.length === 1 ? "" : "s"}${reportOnly ? " (--report-only: exit 0)" : ""}:\n${failures.map((f) => `  ${f}\n`).join("")}`,
  );
  if (!reportOnly) process.exitCode = 1;
}

function authenticationSetting(value: string): AuthenticationSetting {
  if (!(AUTHENTICATION_SETTINGS as readonly string[]).includes(value))
    throw new InvalidArgumentError(`must be one of ${AUTHENTICATION_SETTINGS.join(", ")}`);
  return value as AuthenticationSetting;
}

export function buildProgram(): Command {
  const version = packageVersion();
  const program = new Command("foresight")
    .description("Kubernetes metrics adapter and predictive autoscaler for AI workloads")
    .version(version)
    .showHelpAfterError()
    // Usage errors (an unknown option, a bad value) throw instead of exiting 1: the catch below
    // exits 2 for them, as command-line tools do; commander has already written them on stderr.
    .exitOverride();

  program
    .command("serve")
    .description("serve custom.metrics.k8s.io and external.metrics.k8s.io from Prometheus")
    .requiredOption("--config <file>", "config file (prometheus-adapter rules accepted verbatim)")
    .option(
      "--secure-port <port>",
      "HTTPS port of the metrics APIs and of the review API (/api/v1) and page (/)",
      port,
      6443,
    )
    .option("--bind-address <addr>", "address both listeners bind to", "0.0.0.0")
    .option(
      "--http-port <port>",
      "plain HTTP port for /metrics, /healthz, /livez, /readyz; outside a pod, on a loopback --bind-address, also the review API and page",
      port,
      8080,
    )
    .option(
      "--tls-cert-file <file>",
      "serving certificate (PEM); a self-signed one is generated when omitted",
    )
    .option("--tls-private-key-file <file>", "serving key (PEM); both files are reloaded when they change")
    .option(
      "--keda-port <port>",
      "also serve KEDA's external scaler (gRPC) on this port, for clusters where KEDA owns external.metrics.k8s.io (docs/keda.md); off when omitted",
      port,
    )
    .option("--keda-tls", "serve the KEDA external scaler over TLS with the serving certificate")
    .option(
      "--authentication <mode>",
      "on: callers are authenticated (front proxy, client certificates, TokenReview) and authorized (SubjectAccessReview); off: anyone may read (local use only); auto: on when running in-cluster",
      authenticationSetting,
      "auto",
    )
    .option("--kubeconfig <file>", "kubeconfig; default $KUBECONFIG, in-cluster, then ~/.kube/config")
    .option("--prometheus-url <url>", "overrides prometheus.url from the config file")
    .option(
      "--shards <n>",
      "split the PredictiveScalers into n shards, each led through its own Lease (a replica acts for the shards it holds; 1: one leader for all); overrides actuator.leaderElection.shards (default 16); every replica needs the same n",
      shardCount,
    )
    .option("--log-level <level>", LOG_LEVELS.join(", "), logLevel, "info")
    .action(async (opts) => {
      const notConfig = notAnAdapterConfig(opts.config);
      if (notConfig !== undefined) throw new Error(`${opts.config}: ${notConfig}`);
      const logger = createLogger({ level: opts.logLevel });
      installProcessGuards(logger);
      const kube = loadKubeConfig(opts.kubeconfig);
      const catalog = await resourceCatalog(kube, logger);
      const loaded = await loadAndCompile(opts.config, catalog);
      for (const warning of loaded.warnings) logger.warn(warning);
      const withUrl = opts.prometheusUrl
        ? { ...loaded.config, prometheus: { ...loaded.config.prometheus, url: opts.prometheusUrl } }
        : loaded.config;
      const { actuator } = withUrl;
      const config =
        opts.shards !== undefined
          ? {
              ...withUrl,
              actuator: { ...actuator, leaderElection: { ...actuator.leaderElection, shards: opts.shards } },
            }
          : withUrl;
      const server = await serve({
        config,
        rules: loaded.rules,
        catalog,
        logger,
        version,
        securePort: opts.securePort,
        httpPort: opts.httpPort,
        bindAddress: opts.bindAddress,
        tlsCertFile: opts.tlsCertFile,
        tlsKeyFile: opts.tlsPrivateKeyFile,
        authentication: opts.authentication,
        kube,
        configPath: opts.config,
        ...(opts.kedaPort !== undefined ? { kedaPort: opts.kedaPort, kedaTls: opts.kedaTls === true } : {}),
      });
      const shutdown = (signal: string) => {
        logger.info({ signal }, "shutting down: draining in-flight requests");
        server.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once("SIGTERM", () => shutdown("SIGTERM"));
      process.once("SIGINT", () => shutdown("SIGINT"));
    });

  program
    .command("demo")
    .description(
      "the whole product on a simulated GPU cluster replaying a real trace, with the embedded metrics store: no cluster or Prometheus needed",
    )
    .option("--trace <csv>", "demand trace (timestamp_unix_seconds,value)", DEFAULT_TRACE)
    .option("--speed <n>", "simulated time per real time (default 60; 1 with --prometheus-url)", Number)
    .option(
      "--prometheus-url <url>",
      "read metrics from this Prometheus (have it scrape <review page>/demo/metrics) instead of the embedded store; runs in real time",
    )
    .option(
      "--secure-port <port>",
      "HTTPS port of the metrics APIs (the review API and page answer there too)",
      port,
      6443,
    )
    .option("--http-port <port>", "HTTP port of the review page, API, /metrics and probes", port, 8080)
    .option("--log-level <level>", LOG_LEVELS.join(", "), logLevel, "info")
    .action(async (opts) => {
      const logger = createLogger({ level: opts.logLevel });
      installProcessGuards(logger);
      const speed: number = opts.speed ?? (opts.prometheusUrl ? 1 : 60);
      const demo = await startDemo({
        tracePath: opts.trace,
        speed,
        ...(opts.prometheusUrl ? { prometheusUrl: opts.prometheusUrl } : {}),
        securePort: opts.securePort,
        httpPort: opts.httpPort,
        logger,
        version,
      });
      const lines = [
        "Foresight demo: an LLM-serving Deployment on simulated GPU nodes, demand replaying",
        `${opts.trace} at ${speed}× (simulated time starts now).`,
        "",
        `  metrics APIs    ${demo.metricsUrl}  (custom.metrics.k8s.io, external.metrics.k8s.io)`,
        `  review page     ${demo.pageUrl}`,
        `  cluster         KUBECONFIG=${demo.kubeconfigPath} (a simulated Kubernetes API)`,
        ...(opts.prometheusUrl
          ? [
              `  metrics from    ${opts.prometheusUrl}: have it scrape ${demo.pageUrl}demo/metrics every 15 s`,
              "                  (in real time, and no history there: forecasts are ready after a day)",
            ]
          : [
              `  metrics store   embedded, a week of history backfilled; also at ${demo.pageUrl}demo/metrics`,
            ]),
        "",
        "Try:",
        ...demoCommands(demo).map((c) => `  ${c}`),
        "",
        "Ctrl-C stops.",
      ];
      process.stdout.write(`${lines.join("\n")}\n`);
      const shutdown = () => {
        demo.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once("SIGTERM", shutdown);
      process.once("SIGINT", shutdown);
    });

  program
    .command("check-config")
    .description("validate a config file and show each rule and what it matches")
    .argument("<file>", "config file")
    .option(
      "--prometheus-url <url>",
      "also run discovery against this server (default: prometheus.url of the file)",
    )
    .option("--offline", "only validate; do not contact Prometheus")
    .option("--kubeconfig <file>", "check resource overrides against this cluster's API discovery")
    .action(async (file: string, opts) => {
      const ok = await checkConfig(
        file,
        { prometheusUrl: opts.prometheusUrl, offline: Boolean(opts.offline), kubeconfig: opts.kubeconfig },
        process.stdout,
        process.stderr,
      );
      process.exitCode = ok ? 0 : 1;
    });
  program
    .command("backtest")
    .description(
      "replay a demand trace through the simulated cluster and HPA under each policy, score overload, latency and cost, and place each policy against the reactive frontier",
    )
    .option("--trace <csv>", "demand trace (timestamp_unix_seconds,value)")
    .option("--prometheus-url <url>", "replay a Prometheus query instead of a CSV")
    .option("--query <promql>", "with --prometheus-url: the demand query (one series)")
    .option("--since <duration>", "with --prometheus-url: how much history", REPLAY_DEFAULTS.since)
    .requiredOption(
      "--peak-replicas <n>",
      "replicas that carry the trace's p99 demand at 70% utilization (sizes the pod)",
      Number,
    )
    .requiredOption("--lead-time <duration>", "pod start-up plus warm-up")
    .option(
      "--node-lead-time <duration>",
      "node provisioning delay (default: nodes always available)",
      REPLAY_DEFAULTS.nodeLeadTime,
    )
    .option("--warmup <duration>", "not scored at the start", REPLAY_DEFAULTS.warmup)
    .option(
      "--policies <list>",
      "comma-separated: reactive, oracle, phpa, crane, predictive-metric, predictive-floor, predictive-direct",
      // The CLI's default leaves the predictive policies out: they train models (minutes per week
      // of trace); REPLAY_DEFAULTS.policies (every policy) is what callers in code get.
      "reactive,oracle,phpa,crane",
    )
    .option(
      "--target <percent>",
      "HPA utilization target",
      Number,
      percent(REPLAY_DEFAULTS.targetUtilization),
    )
    .option(
      "--targets <list>",
      "the reactive frontier: HPA targets in percent, or none",
      REPLAY_DEFAULTS.frontierTargets.map(percent).join(","),
    )
    .option(
      "--slo <multiple>",
      "latency SLO: p95 at most this many times the unloaded p95",
      String(REPLAY_DEFAULTS.slo.multiple),
    )
    .option(
      "--queue-model <model>",
      "mmc (one balancer, M/M/c) or mm1 (random balancing)",
      REPLAY_DEFAULTS.slo.model,
    )
    .option("--pods-per-node <n>", "pods that fit on one node", Number, REPLAY_DEFAULTS.podsPerNode)
    .option("--no-neural", "leave the TensorFlow.js model out of the predictive policies (faster)")
    .option("--json <file>", "write the results JSON")
    .option("--plot <file.svg>", "plot demand against ready capacity per policy")
    .option("--frontier-plot <file.svg>", "plot cost against SLO violations: the frontier and every policy")
    .option("--report-only", "exit 0 even when a model failed to load or an output was not written")
    .action(async (opts) => {
      const failures: string[] = [];
      await runBacktest(
        {
          trace: opts.trace,
          prometheusUrl: opts.prometheusUrl,
          query: opts.query,
          since: opts.since,
          peakReplicas: opts.peakReplicas,
          leadTime: opts.leadTime,
          nodeLeadTime: opts.nodeLeadTime,
          warmup: opts.warmup,
          policies: String(opts.policies).split(","),
          target: opts.target,
          targets: opts.targets,
          slo: opts.slo,
          queueModel: opts.queueModel,
          podsPerNode: opts.podsPerNode,
          neural: opts.neural,
          json: opts.json,
          plot: opts.plot,
          frontierPlot: opts.frontierPlot,
        },
        process.stdout,
        failures,
      );
      reportFailures("backtest", failures, Boolean(opts.reportOnly));
    });

  program
    .command("bench")
    .description("benchmarks anyone can rerun to check our claims")
    .command("forecast")
    .description("rolling-origin backtest of every model on CSV traces (timestamp_unix_seconds,value)")
    .requiredOption("--data <paths...>", "CSV files or directories of them")
    .requiredOption("--horizon <duration>", "forecast horizon, e.g. 1h")
    .option("--json <file>", "write the results JSON")
    .option("--no-neural", "leave out the TensorFlow.js model")
    .option(
      "--report-only",
      "exit 0 even when a trace was skipped, a model failed or a stated target is not met",
    )
    .action(async (opts) => {
      const result = await runBenchForecast(
        { data: opts.data, horizon: opts.horizon, json: opts.json, neural: opts.neural },
        process.stdout,
      );
      reportFailures("bench forecast", result.failures, Boolean(opts.reportOnly));
    });
  return program;
}

buildProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : 2);
    process.stderr.write(`foresight: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });

/**
 * The last line of defence of a long-running command (serve, demo): a promise rejection nobody
 * handled is a bug, logged as an error with its stack and counted, and the process carries on (one
 * bad answer from an API server must not take every HPA's metrics down). An uncaught exception
 * leaves state unknown: it is logged as fatal and the process exits 1, so Kubernetes restarts it.
 */
import type { Logger } from "../telemetry/logger.js";

export interface ProcessGuards {
  /** Rejections seen so far (for tests and the log). */
  readonly unhandled: () => number;
  remove(): void;
}

export function installProcessGuards(
  logger: Logger,
  exit: (code: number) => void = process.exit,
): ProcessGuards {
  let unhandled = 0;
  const onRejection = (reason: unknown) => {
    unhandled++;
    logger.error(
      {
        err: reason instanceof Error ? { message: reason.message, stack: reason.stack } : String(reason),
        unhandled,
      },
      "unhandled promise rejection (a bug): carrying on",
    );
  };
  const onException = (err: Error) => {
    logger.fatal({ err: { message: err.message, stack: err.stack } }, "uncaught exception: exiting");
    // The log is written asynchronously: let the line out first (bounded).
    const fallback = setTimeout(() => exit(1), 1000);
    logger.flush(() => {
      clearTimeout(fallback);
      exit(1);
    });
  };
  process.on("unhandledRejection", onRejection);
  process.on("uncaughtException", onException);
  return {
    unhandled: () => unhandled,
    remove() {
      process.off("unhandledRejection", onRejection);
      process.off("uncaughtException", onException);
    },
  };
}

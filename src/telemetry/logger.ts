/** The process logger (pino), made once in cli/ and passed down; nothing logs through a global. */
import { type DestinationStream, type Logger, pino } from "pino";

export type { Logger };

export interface LoggerOptions {
  readonly level?: string;
  /** Where JSON lines go; default stderr so stdout stays free for command output. */
  readonly destination?: number;
  /** Write the lines to this stream instead of `destination` (tests read them back). */
  readonly stream?: DestinationStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env.LOG_LEVEL ?? "info",
      base: { app: "foresight" },
      // `"level":"info"` rather than pino's numbers (30): what log pipelines and people filter on.
      formatters: { level: (label) => ({ level: label }) },
    },
    options.stream ?? pino.destination({ fd: options.destination ?? 2, sync: false }),
  );
}

/** A logger that drops everything, for tests and library callers that pass none. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}

/** Errors of the Kubernetes API, worded for conditions, decisions and logs. */

/**
 * One line for a condition or log: the Kubernetes Status of an API error (client-node's ApiException
 * message is the whole response, headers and date included), else the error's first line.
 */
export function errorText(err: unknown): string {
  if (typeof err === "object" && err !== null && "body" in err) {
    const { code, body } = err as { code?: unknown; body?: unknown };
    let status: unknown = body;
    try {
      // client-node hands the body over as JSON text, sometimes JSON-encoded twice.
      while (typeof status === "string") status = JSON.parse(status);
    } catch {
      status = undefined;
    }
    if (typeof status === "object" && status !== null && "message" in status) {
      const { reason, message } = status as { reason?: unknown; message?: unknown };
      return `HTTP ${String(code ?? "?")}${typeof reason === "string" ? ` ${reason}` : ""}: ${String(message)}`;
    }
  }
  if (err instanceof Error) return err.message.split("\n")[0] ?? err.message;
  return String(err);
}

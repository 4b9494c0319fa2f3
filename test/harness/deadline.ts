/**
 * Runs synchronous code under a deadline that really interrupts it. The test runner's `timeout` only
 * fires once the event loop is free, so a regex stuck backtracking would hang the file instead of
 * failing; node:vm's `timeout` stops the running code from a watchdog thread and throws.
 */
import vm from "node:vm";

export function withinDeadline<T>(ms: number, run: () => T): T {
  return vm.runInNewContext("run()", { run }, { timeout: ms }) as T;
}

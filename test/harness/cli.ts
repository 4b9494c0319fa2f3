/**
 * Runs the `foresight` CLI as a user does (a child process on src/cli/main.ts under tsx), with no
 * kubeconfig and no home directory, so nothing from the machine leaks into a test.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";

const ROOT = new URL("../../", import.meta.url).pathname;

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function foresight(args: readonly string[], timeoutMs = 120_000): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", join(ROOT, "src/cli/main.ts"), ...args],
      { cwd: ROOT, timeout: timeoutMs, env: { ...process.env, KUBECONFIG: "", HOME: "/nonexistent" } },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/**
 * Runs the real `kubectl` against a simulated API server (src/demo/kube) with a generated
 * kubeconfig, its own HOME and discovery cache in a temporary directory, so tests never read or
 * write the user's ~/.kube.
 */
import { execFile } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The kubectl binary: $KUBECTL, else /usr/bin/kubectl. */
export const KUBECTL_BINARY = process.env.KUBECTL ?? "/usr/bin/kubectl";

export interface KubectlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Kubectl {
  readonly kubeconfigPath: string;
  /** Runs kubectl with the generated kubeconfig and cache; never throws for a non-zero exit. */
  run(...args: string[]): Promise<KubectlResult>;
  /** Runs with `-o json` and parses stdout; throws with stderr when kubectl fails. */
  json<T = unknown>(...args: string[]): Promise<T>;
  /** Removes the temporary directory. */
  cleanup(): Promise<void>;
}

/** True when the kubectl binary exists and is executable (tests skip otherwise). */
export function kubectlAvailable(): boolean {
  try {
    accessSync(KUBECTL_BINARY, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export async function kubectlFor(server: { kubeconfig(path?: string): string }): Promise<Kubectl> {
  const dir = await mkdtemp(join(tmpdir(), "foresight-kubectl-"));
  const kubeconfigPath = join(dir, "kubeconfig");
  server.kubeconfig(kubeconfigPath);
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, KUBECONFIG: kubeconfigPath };

  const run = (...args: string[]) =>
    new Promise<KubectlResult>((resolve, reject) => {
      const fullArgs = [
        `--kubeconfig=${kubeconfigPath}`,
        `--cache-dir=${join(dir, "cache")}`,
        "--request-timeout=15s",
        ...args,
      ];
      execFile(KUBECTL_BINARY, fullArgs, { env, timeout: 30_000 }, (error, stdout, stderr) => {
        if (error && typeof error.code !== "number") {
          reject(new Error(`could not run ${KUBECTL_BINARY} ${args.join(" ")}: ${error.message}`));
          return;
        }
        resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
      });
    });

  return {
    kubeconfigPath,
    run,
    async json<T>(...args: string[]): Promise<T> {
      const result = await run(...args, "-o", "json");
      if (result.code !== 0) {
        throw new Error(`kubectl ${args.join(" ")} exited ${result.code}: ${result.stderr.trim()}`);
      }
      return JSON.parse(result.stdout) as T;
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/**
 * Where the Kubernetes connection comes from: `--kubeconfig`, then $KUBECONFIG, then the in-cluster
 * service account, then ~/.kube/config. Returns undefined when none exists, so Foresight can run
 * without a cluster (single-object and external metrics still work; wildcards answer 503).
 */
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";

export interface KubeConfigChoice {
  readonly kubeConfig: KubeConfig;
  /** Where it came from, for the start-up log. */
  readonly source: string;
  /** True for the pod's own service account: the production shape (`--authentication auto`, review access). */
  readonly inCluster: boolean;
}

export function loadKubeConfig(
  explicitPath: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): KubeConfigChoice | undefined {
  const kc = new KubeConfig();
  if (explicitPath) {
    kc.loadFromFile(explicitPath);
    return { kubeConfig: kc, source: explicitPath, inCluster: false };
  }
  if (env.KUBECONFIG) {
    const first = env.KUBECONFIG.split(":").find((p) => p && existsSync(p));
    if (first) {
      kc.loadFromFile(first);
      return { kubeConfig: kc, source: `KUBECONFIG=${first}`, inCluster: false };
    }
  }
  if (env.KUBERNETES_SERVICE_HOST && existsSync("/var/run/secrets/kubernetes.io/serviceaccount/token")) {
    kc.loadFromCluster();
    return { kubeConfig: kc, source: "in-cluster service account", inCluster: true };
  }
  const home = join(env.HOME ?? homedir(), ".kube", "config");
  if (existsSync(home)) {
    kc.loadFromFile(home);
    return { kubeConfig: kc, source: home, inCluster: false };
  }
  return undefined;
}

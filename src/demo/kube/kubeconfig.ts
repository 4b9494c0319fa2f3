/**
 * A kubeconfig pointing at the simulated API. The cluster entry sets `insecure-skip-tls-verify`,
 * because the facade's certificate is self-signed, and because @kubernetes/client-node 1.4 refuses
 * an `http://` server unless that flag is set. The token is a placeholder: the facade checks no
 * credentials; a test can give each client its own token to tell their requests apart (fault rules'
 * `match`).
 */
import { stringify } from "yaml";

export interface KubeconfigOptions {
  readonly server: string;
  /** Names the cluster, user and context. Default "foresight-sim". */
  readonly name?: string;
  /** The context's default namespace. Default "default". */
  readonly namespace?: string;
  /** The bearer token sent. Default a placeholder. */
  readonly token?: string;
}

export function kubeconfigYaml(options: KubeconfigOptions): string {
  const name = options.name ?? "foresight-sim";
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name, cluster: { server: options.server, "insecure-skip-tls-verify": true } }],
    users: [{ name, user: { token: options.token ?? "simulator-checks-no-credentials" } }],
    contexts: [{ name, context: { cluster: name, user: name, namespace: options.namespace ?? "default" } }],
    "current-context": name,
    preferences: {},
  });
}

/**
 * Whether the aggregated API authenticates and authorizes its callers: `--authentication` on, off
 * or auto. Auto is on exactly when Foresight runs in a pod on its in-cluster service account (the
 * production shape, where kube-apiserver's front proxy calls it); elsewhere (a laptop, the demo,
 * tests against the simulated API) it is off, and says so loudly. On needs a Kubernetes connection
 * for TokenReview, SubjectAccessReview and the extension-apiserver-authentication ConfigMap.
 */

export type AuthenticationSetting = "on" | "off" | "auto";

export const AUTHENTICATION_SETTINGS: readonly AuthenticationSetting[] = ["on", "off", "auto"];

export interface AuthenticationDecision {
  readonly on: boolean;
  /** Why, for the start-up log. */
  readonly why: string;
}

/** Throws when `on` is asked for without a Kubernetes connection (`kube` undefined). */
export function resolveAuthentication(
  setting: AuthenticationSetting,
  kube: { readonly inCluster: boolean } | undefined,
): AuthenticationDecision {
  switch (setting) {
    case "on":
      if (kube === undefined)
        throw new Error(
          "--authentication=on needs a Kubernetes connection (TokenReview, SubjectAccessReview and ConfigMap kube-system/extension-apiserver-authentication): give --kubeconfig or run in a pod",
        );
      return { on: true, why: "--authentication=on" };
    case "off":
      return { on: false, why: "--authentication=off" };
    case "auto":
      return kube?.inCluster === true
        ? { on: true, why: "running in-cluster (--authentication=auto)" }
        : {
            on: false,
            why:
              kube === undefined
                ? "no Kubernetes connection (--authentication=auto)"
                : "not running in-cluster (--authentication=auto; give --authentication=on to enforce it)",
          };
  }
}

/** The Warning header every response carries while authentication is off. */
export const AUTH_OFF_WARNING =
  '299 - "authentication and authorization are off: anyone who can reach this port can read every metric"';

/**
 * Informers for the serving path: one list+watch per resource across all namespaces (a Reflector),
 * started the first time a resource is asked for, read from memory afterwards. Their health is what
 * /readyz reports: not ready until every started informer has synced, or while one has been failing
 * for longer than `staleAfterMs` (its cache may be out of date).
 */
import { type KubeConfig, type KubernetesObject, KubernetesObjectApi } from "@kubernetes/client-node";
import type { Clock } from "../clock.js";
import type { GroupResource, ResourceInfo } from "../k8s/groupResource.js";
import type { KubeObject, Lister, ListerFactory } from "../k8s/lister.js";
import type { Logger } from "../telemetry/logger.js";
import { type InformerFailure, type InformerHealth, Reflector } from "./reflector.js";
import { RequestSignals } from "./requestSignals.js";

export interface InformerFactoryOptions {
  readonly kubeConfig: KubeConfig;
  /** Resolves a group-resource to its kind and version (the catalog). */
  readonly resolve: (gr: GroupResource) => ResourceInfo | undefined;
  readonly logger: Logger;
  /** Time of the informers' failure records. */
  readonly clock: Clock;
  /** Counts failures by resource and kind (the self-metric). */
  readonly onFailure?: (resource: string, kind: InformerFailure) => void;
}

export interface InformerReadiness {
  readonly ready: boolean;
  /** One line per informer that is not ready, e.g. "pods: not synced: HTTP 503 …". */
  readonly problems: readonly string[];
}

/**
 * What the serving path keeps of an object: the metadata its listers expose (k8s/lister.ts: name,
 * namespace, labels, uid, resourceVersion), so that 25,000 pods cost their names and labels, not
 * their whole specs and statuses (the informers' memory at 10,000 HPAs, docs/benchmarks.md).
 */
export function servingView(object: KubeObject): KubeObject {
  const { name, namespace, labels, uid, resourceVersion } = object.metadata;
  return {
    metadata: {
      name,
      ...(namespace !== undefined ? { namespace } : {}),
      ...(labels !== undefined ? { labels } : {}),
      ...(uid !== undefined ? { uid } : {}),
      ...(resourceVersion !== undefined ? { resourceVersion } : {}),
    },
  };
}

/** An informer failing this long is taken as stale: /readyz says so. */
const STALE_AFTER_MS = 60_000;

/**
 * Readiness of a set of informers: synced, and none failing for longer than STALE_AFTER_MS. A
 * resource the API server does not serve (LIST 404, e.g. a rule for a CRD not installed) is no
 * reason to take the whole adapter out of its Service: its requests answer 503 on their own.
 */
export function readiness(healths: readonly InformerHealth[], nowMs: number): InformerReadiness {
  const problems: string[] = [];
  for (const h of healths) {
    if (h.notServed) continue;
    const why = h.lastError ? `: ${h.lastError}` : "";
    if (!h.synced) problems.push(`${h.resource}: not synced${why}`);
    else if (h.failingSinceMs !== undefined && nowMs - h.failingSinceMs > STALE_AFTER_MS)
      problems.push(`${h.resource}: failing for ${Math.round((nowMs - h.failingSinceMs) / 1000)} s${why}`);
  }
  return { ready: problems.length === 0, problems };
}

export class InformerFactory implements ListerFactory {
  readonly #opts: InformerFactoryOptions;
  readonly #objects: KubernetesObjectApi;
  readonly #signals = new RequestSignals();
  readonly #running = new Map<string, Reflector>();
  #stopped = false;

  constructor(options: InformerFactoryOptions) {
    this.#opts = options;
    this.#objects = this.#signals.makeApiClient(options.kubeConfig, KubernetesObjectApi);
  }

  listerFor(gr: GroupResource): Lister | undefined {
    const key = `${gr.resource}.${gr.group}`;
    const existing = this.#running.get(key);
    if (existing) return existing;
    if (this.#stopped) return undefined;
    const info = this.#opts.resolve(gr);
    if (!info) return undefined;
    const reflector = this.#start(info, gr.group ? key : gr.resource);
    this.#running.set(key, reflector);
    return reflector;
  }

  /** Start informers ahead of the first request and wait (bounded) for their initial lists. */
  async warm(resources: readonly GroupResource[], timeoutMs: number): Promise<void> {
    const started = resources
      .map((gr) => this.listerFor(gr))
      .filter((l): l is Reflector => l instanceof Reflector);
    await Promise.all(started.map((r) => r.waitForSync(timeoutMs)));
  }

  healths(): InformerHealth[] {
    return [...this.#running.values()].map((r) => r.health());
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all([...this.#running.values()].map((r) => r.stop()));
    this.#running.clear();
  }

  #start(info: ResourceInfo, key: string): Reflector {
    const apiVersion = info.group ? `${info.group}/${info.version}` : info.version;
    const reflector = new Reflector({
      resource: key,
      path: info.group ? `/apis/${apiVersion}/${info.resource}` : `/api/${info.version}/${info.resource}`,
      kubeConfig: this.#opts.kubeConfig,
      list: (signal) =>
        this.#signals.run(signal, () => this.#objects.list<KubernetesObject>(apiVersion, info.kind)),
      logger: this.#opts.logger,
      clock: this.#opts.clock,
      onFailure: (kind) => this.#opts.onFailure?.(key, kind),
      transform: servingView,
    });
    reflector.start();
    return reflector;
  }
}

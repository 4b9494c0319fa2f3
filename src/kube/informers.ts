/**
 * Informers over @kubernetes/client-node: one list+watch per resource across all namespaces,
 * started lazily the first time a resource is asked for, read from memory afterwards. Watch errors
 * restart the informer with backoff (1 s doubling to 30 s), as client-go's reflector does.
 */
import {
  type KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  makeInformer,
} from "@kubernetes/client-node";
import type { ResourceInfo } from "../adapter/naming/types.js";
import type { Logger } from "../telemetry/logger.js";
import type { GroupResource, KubeObject, Lister, ListerFactory } from "./lister.js";

export interface InformerFactoryOptions {
  readonly kubeConfig: KubeConfig;
  /** Resolves a group-resource to its kind and version (the catalog). */
  readonly resolve: (gr: GroupResource) => ResourceInfo | undefined;
  readonly logger: Logger;
}

interface Running {
  readonly lister: Lister;
  stop(): Promise<void>;
}

export class InformerFactory implements ListerFactory {
  readonly #opts: InformerFactoryOptions;
  readonly #objects: KubernetesObjectApi;
  readonly #running = new Map<string, Running>();
  #stopped = false;

  constructor(options: InformerFactoryOptions) {
    this.#opts = options;
    this.#objects = KubernetesObjectApi.makeApiClient(options.kubeConfig);
  }

  listerFor(gr: GroupResource): Lister | undefined {
    const key = `${gr.resource}.${gr.group}`;
    const existing = this.#running.get(key);
    if (existing) return existing.lister;
    if (this.#stopped) return undefined;
    const info = this.#opts.resolve(gr);
    if (!info) return undefined;
    const running = this.#start(info);
    this.#running.set(key, running);
    return running.lister;
  }

  /** Start informers ahead of the first request and wait (bounded) for their initial lists. */
  async warm(resources: readonly GroupResource[], timeoutMs: number): Promise<void> {
    const listers = resources.map((gr) => this.listerFor(gr)).filter((l): l is Lister => l !== undefined);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && !listers.every((l) => l.hasSynced())) {
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  allSynced(): boolean {
    return [...this.#running.values()].every((r) => r.lister.hasSynced());
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all([...this.#running.values()].map((r) => r.stop()));
    this.#running.clear();
  }

  #start(info: ResourceInfo): Running {
    const apiVersion = info.group ? `${info.group}/${info.version}` : info.version;
    const path = info.group
      ? `/apis/${apiVersion}/${info.resource}`
      : `/api/${info.version}/${info.resource}`;
    const informer = makeInformer<KubernetesObject>(this.#opts.kubeConfig, path, () =>
      this.#objects.list<KubernetesObject>(apiVersion, info.kind),
    );
    const log = this.#opts.logger.child({ informer: path });
    let synced = false;
    let stopped = false;
    let backoffMs = 1_000;
    let retry: NodeJS.Timeout | undefined;
    const begin = () => {
      informer.start().then(
        () => {
          synced = true;
          backoffMs = 1_000;
          log.debug("informer synced");
        },
        (err: unknown) => scheduleRestart(err),
      );
    };
    const scheduleRestart = (err: unknown) => {
      if (stopped) return;
      log.warn({ err: errorText(err), retryInMs: backoffMs }, "informer failed; restarting");
      clearTimeout(retry);
      retry = setTimeout(begin, backoffMs);
      retry.unref();
      backoffMs = Math.min(backoffMs * 2, 30_000);
    };
    informer.on("error", scheduleRestart);
    informer.on("connect", () => {
      backoffMs = 1_000;
    });
    begin();
    const lister: Lister = {
      list: (namespace) => informer.list(namespace) as unknown as readonly KubeObject[],
      get: (name, namespace) => informer.get(name, namespace) as unknown as KubeObject | undefined,
      hasSynced: () => synced,
    };
    return {
      lister,
      stop: async () => {
        stopped = true;
        clearTimeout(retry);
        await informer.stop();
      },
    };
  }
}

function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (err && typeof err === "object" && "message" in err)
    return String((err as { message: unknown }).message);
  return String(err);
}

/**
 * Cancellable requests through @kubernetes/client-node 1.4: its HTTP layer (node-fetch) honours an
 * AbortSignal on the request context, but only its generated APIs take per-call options, and
 * KubernetesObjectApi takes none. So the signal travels in an AsyncLocalStorage scope: `run(signal,
 * call)` starts the call inside the scope, and the API clients made by `makeApiClient` carry a
 * middleware that puts the scope's signal on every request they send.
 *
 * Aborting a request that the API server has not yet served means it is never served: a write
 * abandoned by its caller (a timeout, a leader whose term ended) cannot land later. Hand-written: the
 * library offers the hook (middleware) but no way to reach it per call.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import {
  createConfiguration,
  type KubeConfig,
  type Middleware,
  type RequestContext,
  ServerConfiguration,
} from "@kubernetes/client-node";

type ApiConstructor<T> = new (configuration: ReturnType<typeof createConfiguration>) => T;

export class RequestSignals {
  readonly #scope = new AsyncLocalStorage<AbortSignal | undefined>();
  readonly #middleware: Middleware = {
    pre: async (context: RequestContext) => {
      const signal = this.#scope.getStore();
      if (signal) {
        signal.throwIfAborted();
        context.setSignal(signal);
      }
      return context;
    },
    post: async (response) => response,
  };

  /** Runs `call` so that every request it sends through this object's clients obeys `signal`. */
  run<T>(signal: AbortSignal | undefined, call: () => Promise<T>): Promise<T> {
    return signal ? this.#scope.run(signal, call) : call();
  }

  /** kubeConfig.makeApiClient(api), with the signal middleware. */
  makeApiClient<T>(kubeConfig: KubeConfig, api: ApiConstructor<T>): T {
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error("No active cluster!");
    return new api(
      createConfiguration({
        baseServer: new ServerConfiguration(cluster.server, {}),
        authMethods: { default: kubeConfig },
        promiseMiddleware: [this.#middleware],
      }),
    );
  }
}

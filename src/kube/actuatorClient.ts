/**
 * The actuator's Kubernetes port (src/actuator/cluster.ts) over @kubernetes/client-node 1.4:
 * KubernetesObjectApi for objects of any kind (it resolves kinds to resources through discovery),
 * CustomObjectsApi for the /status and /scale subresources. Every write carries the field manager
 * `foresight`; patches are JSON merge patches. A call's signal cancels its requests
 * (src/kube/requestSignals.ts).
 */
import {
  CustomObjectsApi,
  type KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
} from "@kubernetes/client-node";
import {
  type ActuatorCluster,
  type ClusterObject,
  FIELD_MANAGER,
  isRecord,
  type ObjectRef,
  type RequestOptions,
  type ScaleView,
} from "../actuator/cluster.js";
import { RequestSignals } from "./requestSignals.js";

/** KubernetesObjectApi with its discovery lookup (kind → plural resource name) made public. */
class ObjectApi extends KubernetesObjectApi {
  useDefaultNamespaceOf(kubeConfig: KubeConfig): void {
    this.setDefaultNamespace(kubeConfig);
  }

  async plural(apiVersion: string, kind: string): Promise<string> {
    const found = await this.resource(apiVersion, kind);
    if (!found) throw new Error(`the API server does not serve kind ${kind} in ${apiVersion}`);
    return found.name;
  }
}

function statusCode(err: unknown): number | undefined {
  if (!isRecord(err)) return undefined;
  const code = err.code ?? err.statusCode;
  return typeof code === "number" ? code : undefined;
}

function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf("/");
  return slash < 0
    ? { group: "", version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

function header(ref: ObjectRef): KubernetesObject {
  return {
    apiVersion: ref.apiVersion,
    kind: ref.kind,
    metadata: { name: ref.name, ...(ref.namespace !== undefined ? { namespace: ref.namespace } : {}) },
  };
}

const mergePatch = () => setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

export class ClientNodeActuatorCluster implements ActuatorCluster {
  readonly #objects: ObjectApi;
  readonly #custom: CustomObjectsApi;
  readonly #signals = new RequestSignals();

  constructor(kubeConfig: KubeConfig) {
    // KubernetesObjectApi.makeApiClient would build the base class; do what it does for the subclass.
    const objects = this.#signals.makeApiClient(kubeConfig, ObjectApi);
    objects.useDefaultNamespaceOf(kubeConfig);
    this.#objects = objects;
    this.#custom = this.#signals.makeApiClient(kubeConfig, CustomObjectsApi);
  }

  get(ref: ObjectRef, options?: RequestOptions): Promise<ClusterObject | undefined> {
    return this.#signals.run(options?.signal, () => this.#get(ref));
  }

  list(
    apiVersion: string,
    kind: string,
    namespace: string,
    labelSelector?: string,
    options?: RequestOptions,
  ): Promise<ClusterObject[]> {
    return this.#signals.run(options?.signal, () => this.#list(apiVersion, kind, namespace, labelSelector));
  }

  create(object: ClusterObject, options?: RequestOptions): Promise<ClusterObject> {
    return this.#signals.run(options?.signal, () => this.#create(object));
  }

  patch(ref: ObjectRef, patch: Record<string, unknown>, options?: RequestOptions): Promise<ClusterObject> {
    return this.#signals.run(options?.signal, () => this.#patch(ref, patch));
  }

  patchStatus(
    ref: ObjectRef,
    patch: Record<string, unknown>,
    options?: RequestOptions,
  ): Promise<ClusterObject> {
    return this.#signals.run(options?.signal, () => this.#patchStatus(ref, patch));
  }

  delete(ref: ObjectRef, options?: RequestOptions): Promise<void> {
    return this.#signals.run(options?.signal, () => this.#delete(ref));
  }

  getScale(ref: ObjectRef, options?: RequestOptions): Promise<ScaleView | undefined> {
    return this.#signals.run(options?.signal, () => this.#getScale(ref));
  }

  setScale(
    ref: ObjectRef,
    replicas: number,
    resourceVersion?: string,
    options?: RequestOptions,
  ): Promise<void> {
    return this.#signals.run(options?.signal, () => this.#setScale(ref, replicas, resourceVersion));
  }

  async #get(ref: ObjectRef): Promise<ClusterObject | undefined> {
    try {
      return (await this.#objects.read(header(ref) as never)) as unknown as ClusterObject;
    } catch (err) {
      if (statusCode(err) === 404) return undefined;
      throw err;
    }
  }

  async #list(apiVersion: string, kind: string, namespace: string, labelSelector?: string) {
    const list = await this.#objects.list(
      apiVersion,
      kind,
      namespace,
      undefined,
      undefined,
      undefined,
      undefined,
      labelSelector,
    );
    // Lists leave apiVersion and kind off their items.
    return list.items.map((item) => ({ ...item, apiVersion, kind }) as unknown as ClusterObject);
  }

  async #create(object: ClusterObject): Promise<ClusterObject> {
    return (await this.#objects.create(
      object as unknown as KubernetesObject,
      undefined,
      undefined,
      FIELD_MANAGER,
    )) as unknown as ClusterObject;
  }

  async #patch(ref: ObjectRef, patch: Record<string, unknown>): Promise<ClusterObject> {
    const meta = isRecord(patch.metadata) ? patch.metadata : {};
    const body = {
      ...patch,
      apiVersion: ref.apiVersion,
      kind: ref.kind,
      metadata: { ...meta, ...header(ref).metadata },
    };
    return (await this.#objects.patch(
      body as KubernetesObject,
      undefined,
      undefined,
      FIELD_MANAGER,
      undefined,
      PatchStrategy.MergePatch,
    )) as unknown as ClusterObject;
  }

  async #patchStatus(ref: ObjectRef, patch: Record<string, unknown>): Promise<ClusterObject> {
    const { group, version } = splitApiVersion(ref.apiVersion);
    const plural = await this.#objects.plural(ref.apiVersion, ref.kind);
    return (await this.#custom.patchNamespacedCustomObjectStatus(
      {
        group,
        version,
        namespace: ref.namespace ?? "default",
        plural,
        name: ref.name,
        body: patch,
        fieldManager: FIELD_MANAGER,
      },
      mergePatch(),
    )) as ClusterObject;
  }

  async #delete(ref: ObjectRef): Promise<void> {
    try {
      await this.#objects.delete(header(ref));
    } catch (err) {
      if (statusCode(err) !== 404) throw err;
    }
  }

  async #getScale(ref: ObjectRef): Promise<ScaleView | undefined> {
    const { group, version } = splitApiVersion(ref.apiVersion);
    const plural = await this.#objects.plural(ref.apiVersion, ref.kind);
    let scale: unknown;
    try {
      scale = await this.#custom.getNamespacedCustomObjectScale({
        group,
        version,
        namespace: ref.namespace ?? "default",
        plural,
        name: ref.name,
      });
    } catch (err) {
      if (statusCode(err) === 404) return undefined;
      throw err;
    }
    const s = isRecord(scale) ? scale : {};
    const spec = isRecord(s.spec) ? s.spec : {};
    const status = isRecord(s.status) ? s.status : {};
    const meta = isRecord(s.metadata) ? s.metadata : {};
    const replicas = typeof spec.replicas === "number" ? spec.replicas : 0;
    return {
      replicas,
      currentReplicas: typeof status.replicas === "number" ? status.replicas : replicas,
      ...(typeof meta.resourceVersion === "string" ? { resourceVersion: meta.resourceVersion } : {}),
    };
  }

  async #setScale(ref: ObjectRef, replicas: number, resourceVersion?: string): Promise<void> {
    const { group, version } = splitApiVersion(ref.apiVersion);
    const plural = await this.#objects.plural(ref.apiVersion, ref.kind);
    await this.#custom.patchNamespacedCustomObjectScale(
      {
        group,
        version,
        namespace: ref.namespace ?? "default",
        plural,
        name: ref.name,
        body: {
          spec: { replicas },
          ...(resourceVersion !== undefined ? { metadata: { resourceVersion } } : {}),
        },
        fieldManager: FIELD_MANAGER,
      },
      mergePatch(),
    );
  }
}

/**
 * KEDA's external scaler (`externalscaler.ExternalScaler`) over gRPC, on grpc-js with the vendored
 * proto loaded at start: the way in for clusters where KEDA owns the one external.metrics.k8s.io
 * APIService. Each call is answered by service.ts; StreamIsActive pushes the activity at once, then
 * every push interval, until the client cancels (or an answer fails: the stream ends with that
 * status, and KEDA reopens it after its backoff). StreamMetricSpec is left UNIMPLEMENTED, which
 * KEDA reads as "use GetMetricSpec". TLS is optional: the adapter's serving certificate.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  status as GrpcStatus,
  loadPackageDefinition,
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceDefinition,
  type sendUnaryData,
} from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import type { Logger } from "../../telemetry/logger.js";
import { type ExternalMetrics, ScalerService, toCallError } from "./service.js";
import type { ScaledObjectRef } from "./trigger.js";

export interface KedaScalerServerOptions {
  readonly metrics: ExternalMetrics;
  readonly logger: Logger;
  readonly port: number;
  readonly bindAddress: string;
  /** StreamIsActive's interval when the trigger gives no `pushInterval`. */
  readonly pushIntervalMs?: number;
  /** Serve TLS with this certificate (PEM); plaintext without it. */
  readonly tls?: { readonly cert: string; readonly key: string };
}

export interface KedaScalerServer {
  readonly port: number;
  close(): Promise<void>;
}

const DEFAULT_PUSH_INTERVAL_MS = 15_000;
const SHUTDOWN_GRACE_MS = 2_000;

interface GetMetricsRequest {
  readonly scaledObjectRef: ScaledObjectRef | null;
  readonly metricName: string;
}

/** The vendored proto: next to this module under tsx, back in src/ from the compiled dist/. */
export function findScalerProto(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [
    join(here, "proto", "externalscaler.proto"),
    join(here, "..", "..", "..", "src", "adapter", "keda", "proto", "externalscaler.proto"),
  ];
  for (const file of candidates) if (existsSync(file)) return file;
  throw new Error(`KEDA external scaler: externalscaler.proto not found in ${candidates.join(" or ")}`);
}

/** The ExternalScaler service definition from the vendored proto. */
export function loadScalerService(): ServiceDefinition {
  const definition = loadSync(findScalerProto(), { keepCase: true, longs: Number, defaults: true });
  const pkg = loadPackageDefinition(definition) as unknown as {
    externalscaler: { ExternalScaler: { service: ServiceDefinition } };
  };
  return pkg.externalscaler.ExternalScaler.service;
}

export async function startKedaScalerServer(options: KedaScalerServerOptions): Promise<KedaScalerServer> {
  const { logger } = options;
  const service = new ScalerService(options.metrics);
  const defaultInterval = options.pushIntervalMs ?? DEFAULT_PUSH_INTERVAL_MS;
  const streams = new Set<() => void>();

  const fail = (method: string, ref: ScaledObjectRef | null | undefined, err: unknown) => {
    const callError = toCallError(err);
    const fields = {
      method,
      scaledObject: `${ref?.namespace}/${ref?.name}`,
      code: GrpcStatus[callError.code],
    };
    if (callError.code === GrpcStatus.INTERNAL)
      logger.error({ ...fields, err }, "KEDA external scaler call failed");
    else logger.debug({ ...fields, err: callError.message }, "KEDA external scaler call refused");
    return { code: callError.code, details: callError.message };
  };
  const unary =
    <Req, Res>(
      method: string,
      refOf: (req: Req) => ScaledObjectRef | null,
      answer: (req: Req) => Promise<Res>,
    ) =>
    (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
      answer(call.request).then(
        (response) => callback(null, response),
        (err: unknown) => callback(fail(method, refOf(call.request), err)),
      );
    };

  const server = new Server();
  server.addService(loadScalerService(), {
    IsActive: unary<ScaledObjectRef, { result: boolean }>(
      "IsActive",
      (ref) => ref,
      async (ref) => ({ result: await service.isActive(ref) }),
    ),
    GetMetricSpec: unary<ScaledObjectRef, object>(
      "GetMetricSpec",
      (ref) => ref,
      async (ref) => ({ metricSpecs: service.metricSpec(ref) }),
    ),
    GetMetrics: unary<GetMetricsRequest, object>(
      "GetMetrics",
      (req) => req.scaledObjectRef,
      async (req) => ({ metricValues: await service.metrics(req.scaledObjectRef, req.metricName) }),
    ),
    StreamIsActive: (call: ServerWritableStream<ScaledObjectRef, { result: boolean }>) => {
      const ref = call.request;
      let intervalMs: number;
      try {
        intervalMs = service.trigger(ref).pushIntervalMs ?? defaultInterval;
      } catch (err) {
        call.emit("error", fail("StreamIsActive", ref, err));
        return;
      }
      let timer: NodeJS.Timeout | undefined;
      let open = true;
      const stop = () => {
        open = false;
        clearTimeout(timer);
        streams.delete(end);
      };
      const end = () => {
        if (!open) return;
        stop();
        call.end();
      };
      streams.add(end);
      call.on("cancelled", stop);
      call.on("error", stop);
      // One evaluation at a time: the next is scheduled when this one has been written.
      const push = () => {
        service.isActive(ref).then(
          (result) => {
            if (!open) return;
            call.write({ result });
            timer = setTimeout(push, intervalMs);
          },
          (err: unknown) => {
            if (!open) return;
            stop();
            call.emit("error", fail("StreamIsActive", ref, err));
          },
        );
      };
      push();
    },
  });

  const host = options.bindAddress.includes(":") ? `[${options.bindAddress}]` : options.bindAddress;
  const credentials = options.tls
    ? ServerCredentials.createSsl(null, [
        { cert_chain: Buffer.from(options.tls.cert), private_key: Buffer.from(options.tls.key) },
      ])
    : ServerCredentials.createInsecure();
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host}:${options.port}`, credentials, (err, bound) =>
      err ? reject(err) : resolve(bound),
    );
  });
  logger.info({ port, tls: options.tls !== undefined }, "KEDA external scaler serving");

  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const end of [...streams]) end();
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, SHUTDOWN_GRACE_MS);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      }),
  };
}

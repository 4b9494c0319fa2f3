/**
 * A KEDA-side client of the external scaler for tests: grpc-js with the same vendored proto, each
 * call as a promise (a failed call rejects with the ServiceError, whose `code` is the gRPC status),
 * and StreamIsActive as a readable stream the test cancels.
 */
import {
  type ClientReadableStream,
  credentials,
  loadPackageDefinition,
  type ServiceError,
} from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { findScalerProto } from "../../../src/adapter/keda/server.js";

export interface Ref {
  readonly name: string;
  readonly namespace: string;
  readonly scalerMetadata: Record<string, string>;
}

export interface ScalerClient {
  isActive(ref: Ref): Promise<{ result: boolean }>;
  getMetricSpec(
    ref: Ref,
  ): Promise<{ metricSpecs: { metricName: string; targetSize: number; targetSizeFloat: number }[] }>;
  getMetrics(
    ref: Ref,
    metricName: string,
  ): Promise<{ metricValues: { metricName: string; metricValue: number; metricValueFloat: number }[] }>;
  streamIsActive(ref: Ref): ClientReadableStream<{ result: boolean }>;
  streamMetricSpec(ref: Ref): ClientReadableStream<unknown>;
  close(): void;
}

type Unary = (req: unknown, cb: (err: ServiceError | null, res: unknown) => void) => void;

export function scalerClient(port: number): ScalerClient {
  const definition = loadSync(findScalerProto(), { keepCase: true, longs: Number, defaults: true });
  const pkg = loadPackageDefinition(definition) as unknown as {
    externalscaler: {
      ExternalScaler: new (
        address: string,
        creds: ReturnType<typeof credentials.createInsecure>,
      ) => Record<string, Unary> & {
        StreamIsActive(req: unknown): ClientReadableStream<{ result: boolean }>;
        StreamMetricSpec(req: unknown): ClientReadableStream<unknown>;
        close(): void;
      };
    };
  };
  const client = new pkg.externalscaler.ExternalScaler(`127.0.0.1:${port}`, credentials.createInsecure());
  const call = <T>(method: string, req: unknown) =>
    new Promise<T>((resolve, reject) => {
      (client[method] as Unary).call(client, req, (err, res) => (err ? reject(err) : resolve(res as T)));
    });
  return {
    isActive: (ref) => call("IsActive", ref),
    getMetricSpec: (ref) => call("GetMetricSpec", ref),
    getMetrics: (ref, metricName) => call("GetMetrics", { scaledObjectRef: ref, metricName }),
    streamIsActive: (ref) => client.StreamIsActive(ref),
    streamMetricSpec: (ref) => client.StreamMetricSpec(ref),
    close: () => client.close(),
  };
}

/** The first message of a stream, or its error. */
export function firstMessage<T>(stream: ClientReadableStream<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    stream.once("data", resolve);
    stream.once("error", reject);
  });
}

/** The stream's status once it ends (cancelled by the test, or ended by the server). */
export function streamEnd(stream: ClientReadableStream<unknown>): Promise<{ code: number; details: string }> {
  return new Promise((resolve) => {
    stream.on("error", (err: ServiceError) => resolve({ code: err.code, details: err.details }));
    stream.on("status", (s: { code: number; details: string }) => {
      if (s.code === 0) resolve(s);
    });
  });
}

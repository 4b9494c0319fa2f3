/**
 * The delegated-authentication settings kube-apiserver publishes in ConfigMap
 * `kube-system/extension-apiserver-authentication` (reference metrics-api-and-hpa.md §3.2): the
 * front-proxy ("requestheader") CA, allowed client names and identity header names, and the CA of
 * direct client certificates. Parsing is pure; `startDelegatedConfigWatch` re-reads the ConfigMap
 * periodically so a rotated CA is picked up without a restart.
 */
import { X509Certificate } from "node:crypto";
import type { Logger } from "../../telemetry/logger.js";

export const AUTH_CONFIGMAP_NAMESPACE = "kube-system";
export const AUTH_CONFIGMAP_NAME = "extension-apiserver-authentication";

export interface RequestHeaderConfig {
  /** The front proxy's client certificate must be issued by one of these. */
  readonly cas: readonly X509Certificate[];
  /** Its CN must be one of these; empty: any CN the CA signed. */
  readonly allowedNames: readonly string[];
  /** Lower-case header names. */
  readonly usernameHeaders: readonly string[];
  readonly groupHeaders: readonly string[];
  readonly uidHeaders: readonly string[];
  readonly extraHeaderPrefixes: readonly string[];
}

export interface DelegatedAuthConfig {
  /** Absent: no front-proxy authentication (identity headers are never trusted). */
  readonly requestHeader?: RequestHeaderConfig;
  /** CAs of direct client certificates (CN = user, O = groups); empty: none accepted. */
  readonly clientCas: readonly X509Certificate[];
}

/** The Go generic API server's defaults when no ConfigMap names the headers. */
export const DEFAULT_IDENTITY_HEADERS = {
  usernameHeaders: ["x-remote-user"],
  groupHeaders: ["x-remote-group"],
  uidHeaders: [] as string[],
  extraHeaderPrefixes: ["x-remote-extra-"],
};

/** No CAs at all: only bearer tokens authenticate. */
export const NO_DELEGATED_AUTH: DelegatedAuthConfig = { clientCas: [] };

/** Every certificate of a PEM bundle; throws naming `field` when there is none or one is broken. */
export function parsePemBundle(pem: string, field: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new Error(`${field}: no PEM certificate found`);
  return blocks.map((block, i) => {
    try {
      return new X509Certificate(block);
    } catch (err) {
      throw new Error(`${field}: certificate ${i + 1} is not valid: ${(err as Error).message}`);
    }
  });
}

function stringArray(data: Readonly<Record<string, string>>, key: string): string[] | undefined {
  const raw = data[key];
  if (raw === undefined || raw.trim() === "") return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new Error(`${key}: must be a JSON array of strings, got ${JSON.stringify(raw.slice(0, 80))}`);
  }
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string"))
    throw new Error(`${key}: must be a JSON array of strings`);
  return value as string[];
}

const lower = (xs: readonly string[]) => xs.map((x) => x.trim().toLowerCase()).filter((x) => x !== "");

/** The ConfigMap's `data` as settings; throws naming the key that is malformed. */
export function parseDelegatedAuthConfig(data: Readonly<Record<string, string>>): DelegatedAuthConfig {
  const clientCaPem = data["client-ca-file"];
  const clientCas = clientCaPem ? parsePemBundle(clientCaPem, "client-ca-file") : [];
  const requestHeaderCaPem = data["requestheader-client-ca-file"];
  if (!requestHeaderCaPem) return { clientCas };
  const usernameHeaders = lower(
    stringArray(data, "requestheader-username-headers") ?? DEFAULT_IDENTITY_HEADERS.usernameHeaders,
  );
  const groupHeaders = lower(
    stringArray(data, "requestheader-group-headers") ?? DEFAULT_IDENTITY_HEADERS.groupHeaders,
  );
  const uidHeaders = lower(stringArray(data, "requestheader-uid-headers") ?? []);
  const extraHeaderPrefixes = lower(
    stringArray(data, "requestheader-extra-headers-prefix") ?? DEFAULT_IDENTITY_HEADERS.extraHeaderPrefixes,
  );
  return {
    clientCas,
    requestHeader: {
      cas: parsePemBundle(requestHeaderCaPem, "requestheader-client-ca-file"),
      allowedNames: stringArray(data, "requestheader-allowed-names") ?? [],
      usernameHeaders,
      groupHeaders,
      uidHeaders,
      extraHeaderPrefixes,
    },
  };
}

/** Reads the ConfigMap's data; undefined when it does not exist. Throws on other failures. */
export type ReadAuthConfigMap = () => Promise<Readonly<Record<string, string>> | undefined>;

export interface DelegatedConfigWatch {
  /** The settings last read successfully (NO_DELEGATED_AUTH until the first read). */
  current(): DelegatedAuthConfig;
  /** Re-reads now; resolves when done (errors are logged, the previous settings kept). */
  refresh(): Promise<void>;
  stop(): void;
}

export interface DelegatedConfigWatchOptions {
  readonly read: ReadAuthConfigMap;
  readonly logger: Logger;
  /** Default 30 s. */
  readonly intervalMs?: number;
}

/**
 * Reads the ConfigMap now and every `intervalMs`. A periodic re-read rather than an informer: the
 * object changes a few times a year, and a GET every 30 s costs the API server nothing.
 */
export async function startDelegatedConfigWatch(
  options: DelegatedConfigWatchOptions,
): Promise<DelegatedConfigWatch> {
  const { read, logger } = options;
  let config: DelegatedAuthConfig = NO_DELEGATED_AUTH;
  let lastText: string | undefined;
  const where = `ConfigMap ${AUTH_CONFIGMAP_NAMESPACE}/${AUTH_CONFIGMAP_NAME}`;
  const refresh = async () => {
    try {
      const data = await read();
      const text = JSON.stringify(data ?? null);
      if (text === lastText) return;
      if (data === undefined) {
        config = NO_DELEGATED_AUTH;
        logger.warn(
          `${where} not found: front-proxy and client-certificate authentication are off, only bearer tokens (TokenReview) authenticate`,
        );
      } else {
        config = parseDelegatedAuthConfig(data);
        logger.info(
          {
            requestHeader: config.requestHeader !== undefined,
            allowedNames: config.requestHeader?.allowedNames,
            clientCa: config.clientCas.length > 0,
          },
          `read ${where}`,
        );
      }
      lastText = text;
    } catch (err) {
      logger.error({ err: (err as Error).message }, `cannot read ${where}: keeping the previous settings`);
    }
  };
  await refresh();
  const timer = setInterval(() => void refresh(), options.intervalMs ?? 30_000);
  timer.unref();
  return { current: () => config, refresh, stop: () => clearInterval(timer) };
}

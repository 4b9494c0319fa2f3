/**
 * Starts `foresight serve` as a real child process (the CLI, through tsx) and talks to it over
 * HTTPS like kube-apiserver's proxy would. Stopped on test end or process exit; never leaked.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http";
import { Agent, request } from "node:https";
import { join } from "node:path";
import { eventually } from "./eventually.js";
import { freePort } from "./ports.js";

export interface StartAdapterOptions {
  readonly configPath: string;
  readonly prometheusUrl: string;
  readonly kubeconfig?: string;
  readonly extraArgs?: readonly string[];
  /** Run the compiled CLI (dist/) instead of the sources through tsx. */
  readonly compiled?: boolean;
  /** Node.js flags for the adapter process (e.g. --cpu-prof). */
  readonly nodeArgs?: readonly string[];
  /** More environment for the process (e.g. KUBERNETES_SERVICE_HOST to look like a pod). */
  readonly env?: Readonly<Record<string, string>>;
}

export interface TestAdapter {
  readonly url: string;
  readonly httpUrl: string;
  readonly process: ChildProcess;
  /** GET (or `method`) on the secure port; the body parsed as JSON. */
  get(path: string, method?: string): Promise<{ status: number; body: unknown }>;
  /** A kubeconfig pointing at the adapter (insecure-skip-tls-verify), written to `path`. */
  writeKubeconfig(path: string): string;
  logs(): string;
  /**
   * Waits until the logs match: the process writes its log asynchronously, so a line logged while a
   * request was answered may reach the pipe after the answer does.
   */
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
}

const ROOT = new URL("../../", import.meta.url).pathname;

export interface HttpsGetOptions {
  readonly method?: string;
  readonly headers?: OutgoingHttpHeaders;
  /** A client certificate to present. */
  readonly client?: { readonly cert: string; readonly key: string };
  /** Default: a new connection for this request only. */
  readonly agent?: Agent;
}

export interface HttpsAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
}

/** One HTTPS request to a test server, whatever signed its certificate; the body as text. */
export function httpsGet(url: string, options: HttpsGetOptions = {}): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: options.method ?? "GET",
        agent: options.agent ?? false,
        rejectUnauthorized: false,
        headers: options.headers ?? {},
        ...(options.client ? { cert: options.client.cert, key: options.client.key } : {}),
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => {
          text += c;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

export async function startAdapter(options: StartAdapterOptions): Promise<TestAdapter> {
  const securePort = await freePort();
  const httpPort = await freePort();
  const cli = options.compiled
    ? [join(ROOT, "dist/cli/main.js")]
    : ["--import", "tsx", join(ROOT, "src/cli/main.ts")];
  const args = [
    ...(options.nodeArgs ?? []),
    ...cli,
    "serve",
    "--config",
    options.configPath,
    "--secure-port",
    String(securePort),
    "--http-port",
    String(httpPort),
    "--bind-address",
    "127.0.0.1",
    // An empty URL runs on the embedded metrics store.
    ...(options.prometheusUrl ? ["--prometheus-url", options.prometheusUrl] : []),
    ...(options.kubeconfig ? ["--kubeconfig", options.kubeconfig] : []),
    ...(options.extraArgs ?? []),
  ];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: {
      ...process.env,
      KUBECONFIG: "",
      HOME: "/nonexistent",
      LOG_LEVEL: process.env.ADAPTER_LOG_LEVEL ?? "info",
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    output = (output + d.toString()).slice(-200_000);
  });
  const kill = () => child.kill("SIGKILL");
  process.once("exit", kill);
  const agent = new Agent({ keepAlive: true, rejectUnauthorized: false });
  const url = `https://127.0.0.1:${securePort}`;
  const httpUrl = `http://127.0.0.1:${httpPort}`;

  const get = async (path: string, method = "GET") => {
    const res = await httpsGet(`${url}${path}`, { agent, method, headers: { accept: "application/json" } });
    try {
      return { status: res.status, body: JSON.parse(res.text) as unknown };
    } catch {
      throw new Error(`non-JSON answer ${res.status} from ${path}: ${res.text.slice(0, 300)}`);
    }
  };

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`foresight serve exited with ${child.exitCode}:\n${output}`);
    try {
      const res = await fetch(`${httpUrl}/healthz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      kill();
      throw new Error(`foresight serve did not become healthy in 30 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  return {
    url,
    httpUrl,
    process: child,
    get,
    writeKubeconfig(path) {
      const text = [
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        "- name: foresight",
        "  cluster:",
        `    server: ${url}`,
        "    insecure-skip-tls-verify: true",
        "contexts:",
        "- name: foresight",
        "  context: {cluster: foresight, user: anonymous}",
        "current-context: foresight",
        "users:",
        "- name: anonymous",
        "  user: {token: foresight-test}",
        "",
      ].join("\n");
      writeFileSync(path, text, { mode: 0o600 });
      return path;
    },
    logs: () => output,
    waitForLog: (pattern, timeoutMs = 10_000) =>
      eventually(`a log line matching ${pattern}`, () => (pattern.test(output) ? output : undefined), {
        timeoutMs,
      }).catch((err: unknown) => {
        throw new Error(`${(err as Error).message}; the log ends:\n${output.slice(-2000)}`);
      }),
    async stop() {
      process.off("exit", kill);
      agent.destroy();
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      const timer = setTimeout(kill, 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

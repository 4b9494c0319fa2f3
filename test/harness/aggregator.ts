/**
 * A stand-in for kube-apiserver's aggregation layer in tests: one plain-HTTP server in front of
 * the simulated Kubernetes API (src/demo/kube) that sends the API groups it is told about to the
 * adapter over HTTPS (as an APIService would) and everything else to the simulated API, and lists
 * those groups in `/apis` beside the simulated API's own. `kubectl top` needs both halves from one
 * server: metrics.k8s.io from the adapter, pods and nodes from the core API.
 *
 * Not an aggregator: no authentication is proxied (the adapter runs with authentication off), no
 * aggregated discovery, no availability checks.
 */

import { writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, request, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { httpsGet } from "./adapter.js";

export interface TestAggregatorOptions {
  /** The simulated API, e.g. http://127.0.0.1:41234. */
  readonly kubeUrl: string;
  /** The adapter's secure port, e.g. https://127.0.0.1:6443. */
  readonly adapterUrl: string;
  /** Groups the adapter serves, e.g. ["metrics.k8s.io"]. */
  readonly groups: readonly string[];
}

export interface TestAggregator {
  readonly url: string;
  /** Requests sent to the adapter so far (method, path with query, Accept header). */
  readonly proxied: readonly { readonly path: string; readonly accept: string }[];
  /** The kubeconfig YAML for this server; also written to `path` (mode 0600) when given. */
  kubeconfig(path?: string): string;
  close(): Promise<void>;
}

export async function startAggregator(options: TestAggregatorOptions): Promise<TestAggregator> {
  const proxied: { path: string; accept: string }[] = [];
  const toAdapter = (path: string) =>
    options.groups.some((g) => path === `/apis/${g}` || path.startsWith(`/apis/${g}/`));

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://local");
    const answer =
      url.pathname === "/apis"
        ? groupList(options, res)
        : toAdapter(url.pathname)
          ? adapterAnswer(options, req, res, proxied)
          : Promise.resolve(forward(options.kubeUrl, req, res));
    answer.catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
      res.end(`aggregator: ${(err as Error).message}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    proxied,
    kubeconfig(path) {
      const text = [
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        "- name: aggregated",
        `  cluster: {server: "${url}"}`,
        "contexts:",
        "- name: aggregated",
        "  context: {cluster: aggregated, user: tester, namespace: default}",
        "current-context: aggregated",
        "users:",
        "- name: tester",
        "  user: {token: aggregated-test}",
        "",
      ].join("\n");
      if (path) writeFileSync(path, text, { mode: 0o600 });
      return text;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The simulated API's APIGroupList with the adapter's groups appended. */
async function groupList(options: TestAggregatorOptions, res: ServerResponse): Promise<void> {
  const kube = (await (
    await fetch(`${options.kubeUrl}/apis`, { headers: { accept: "application/json" } })
  ).json()) as {
    groups: { name: string }[];
  };
  const adapter = JSON.parse((await httpsGet(`${options.adapterUrl}/apis`)).text) as {
    groups: { name: string }[];
  };
  const groups = [...kube.groups, ...adapter.groups.filter((g) => options.groups.includes(g.name))];
  const body = JSON.stringify({ kind: "APIGroupList", apiVersion: "v1", groups });
  res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

async function adapterAnswer(
  options: TestAggregatorOptions,
  req: IncomingMessage,
  res: ServerResponse,
  proxied: { path: string; accept: string }[],
): Promise<void> {
  const accept = String(req.headers.accept ?? "");
  proxied.push({ path: req.url ?? "/", accept });
  const answer = await httpsGet(`${options.adapterUrl}${req.url ?? "/"}`, {
    method: req.method ?? "GET",
    headers: { accept },
  });
  res.writeHead(answer.status, {
    "content-type": String(answer.headers["content-type"] ?? "application/json"),
    "content-length": Buffer.byteLength(answer.text),
  });
  res.end(answer.text);
}

/** Streams the request to `base` and the answer back (watches included). */
function forward(base: string, req: IncomingMessage, res: ServerResponse): void {
  const target = new URL(req.url ?? "/", base);
  const upstream = request(
    target,
    { method: req.method, headers: { ...req.headers, host: target.host } },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on("error", (err) => {
    if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
    res.end(`aggregator: ${err.message}`);
  });
  req.pipe(upstream);
}

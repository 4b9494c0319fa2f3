import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type KubeFacade, startKubeFacade } from "../../../src/demo/kube/server.js";

interface WatchLine {
  type: string;
  object: {
    kind?: string;
    apiVersion?: string;
    code?: number;
    reason?: string;
    message?: string;
    metadata: { name?: string; resourceVersion: string; annotations?: Record<string, string> };
  };
}

interface OpenWatch {
  readonly status: number;
  readonly headers: Headers;
  /** The next event, or undefined when the server ended the stream. Fails after `ms`. */
  next(ms?: number): Promise<WatchLine | undefined>;
  close(): void;
}

async function openWatch(url: string): Promise<OpenWatch> {
  const abort = new AbortController();
  const res = await fetch(url, { signal: abort.signal });
  const reader = res.body?.getReader();
  assert.ok(reader, "watch response has a body");
  const decoder = new TextDecoder();
  let buffered = "";
  let done = false;
  const next = async (ms = 2000): Promise<WatchLine | undefined> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const newline = buffered.indexOf("\n");
      if (newline !== -1) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        return JSON.parse(line) as WatchLine;
      }
      if (done) return undefined;
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`no watch event within ${ms} ms`);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), remaining);
      });
      const chunk = await Promise.race([reader.read(), timeout]);
      clearTimeout(timer);
      if (chunk === "timeout") throw new Error(`no watch event within ${ms} ms`);
      if (chunk.done) done = true;
      else buffered += decoder.decode(chunk.value, { stream: true });
    }
  };
  return { status: res.status, headers: res.headers, next, close: () => abort.abort() };
}

function summary(line: WatchLine | undefined): string {
  return line ? `${line.type} ${line.object.metadata.name ?? ""}`.trim() : "END";
}

describe("watch over HTTP", () => {
  let facade: KubeFacade;
  const PODS = "/api/v1/namespaces/w/pods";
  before(async () => {
    facade = await startKubeFacade({ bookmarkIntervalSeconds: 0.05, storeOptions: { historySize: 3 } });
    facade.store.addNamespace("w");
  });
  after(() => facade.close());

  it("streams current objects, then ADDED / MODIFIED / DELETED in order, as chunked JSON lines", async () => {
    facade.store.addPod({ namespace: "w", name: "existing" });
    const watch = await openWatch(`${facade.url}${PODS}?watch=true`);
    try {
      assert.equal(watch.status, 200);
      assert.equal(watch.headers.get("content-type"), "application/json");
      assert.equal(watch.headers.get("transfer-encoding"), "chunked");
      const initial = await watch.next();
      assert.equal(summary(initial), "ADDED existing");
      assert.equal(initial?.object.kind, "Pod");
      assert.equal(initial?.object.apiVersion, "v1");

      facade.store.addPod({ namespace: "w", name: "p" });
      facade.store.patch("pods", "p", "w", { metadata: { labels: { x: "1" } } });
      facade.store.delete("pods", "p", "w");
      facade.store.delete("pods", "existing", "w");
      const seen = [await watch.next(), await watch.next(), await watch.next(), await watch.next()];
      assert.deepEqual(seen.map(summary), ["ADDED p", "MODIFIED p", "DELETED p", "DELETED existing"]);
      const versions = seen.map((e) => Number(e?.object.metadata.resourceVersion));
      assert.deepEqual(
        versions,
        [...versions].sort((a, b) => a - b),
      );
    } finally {
      watch.close();
    }
  });

  it("replays the changes after a resourceVersion (watch=1 works too)", async () => {
    const from = facade.store.resourceVersion();
    facade.store.addPod({ namespace: "w", name: "r1" });
    facade.store.addPod({ namespace: "w", name: "r2" });
    const watch = await openWatch(`${facade.url}${PODS}?watch=1&resourceVersion=${from}`);
    try {
      assert.deepEqual([summary(await watch.next()), summary(await watch.next())], ["ADDED r1", "ADDED r2"]);
    } finally {
      watch.close();
      facade.store.delete("pods", "r1", "w");
      facade.store.delete("pods", "r2", "w");
    }
  });

  it("reports a resourceVersion older than the history as an ERROR event with 410 Expired, then ends", async () => {
    for (const name of ["e1", "e2", "e3", "e4"]) facade.store.addPod({ namespace: "w", name });
    for (const name of ["e1", "e2", "e3", "e4"]) facade.store.delete("pods", name, "w");
    const watch = await openWatch(`${facade.url}${PODS}?watch=true&resourceVersion=1`);
    assert.equal(watch.status, 200);
    const error = await watch.next();
    assert.equal(error?.type, "ERROR");
    assert.equal(error?.object.kind, "Status");
    assert.equal(error?.object.code, 410);
    assert.equal(error?.object.reason, "Expired");
    assert.match(error?.object.message ?? "", /^too old resource version: 1 \(\d+\)$/);
    assert.equal(await watch.next(), undefined);
  });

  it("sends BOOKMARK events only when allowed", async () => {
    const quiet = await openWatch(
      `${facade.url}${PODS}?watch=true&resourceVersion=${facade.store.resourceVersion()}`,
    );
    const chatty = await openWatch(
      `${facade.url}${PODS}?watch=true&allowWatchBookmarks=true&resourceVersion=${facade.store.resourceVersion()}`,
    );
    try {
      const bookmark = await chatty.next();
      assert.equal(bookmark?.type, "BOOKMARK");
      assert.deepEqual(bookmark?.object, {
        kind: "Pod",
        apiVersion: "v1",
        metadata: { resourceVersion: facade.store.resourceVersion() },
      });
      await new Promise((resolve) => setTimeout(resolve, 150));
      facade.store.addPod({ namespace: "w", name: "b" });
      assert.equal(summary(await quiet.next()), "ADDED b");
    } finally {
      quiet.close();
      chatty.close();
      facade.store.delete("pods", "b", "w");
    }
  });

  it("applies label and field selectors, turning transitions into ADDED / DELETED", async () => {
    facade.store.addPod({ namespace: "w", name: "s", labels: { app: "db" } });
    const watch = await openWatch(
      `${facade.url}${PODS}?watch=true&labelSelector=app%3Dweb&fieldSelector=metadata.name%3Ds`,
    );
    try {
      facade.store.addPod({ namespace: "w", name: "other", labels: { app: "web" } });
      facade.store.patch("pods", "s", "w", { metadata: { labels: { app: "web" } } });
      facade.store.patch("pods", "s", "w", { metadata: { labels: { app: "db" } } });
      facade.store.delete("pods", "s", "w");
      facade.store.delete("pods", "other", "w");
      facade.store.addPod({ namespace: "w", name: "s", labels: { app: "web" } });
      const seen = [await watch.next(), await watch.next(), await watch.next()];
      assert.deepEqual(seen.map(summary), ["ADDED s", "DELETED s", "ADDED s"]);
    } finally {
      watch.close();
      facade.store.delete("pods", "s", "w");
    }
  });

  it("ends the stream after timeoutSeconds", async () => {
    const started = Date.now();
    const watch = await openWatch(
      `${facade.url}${PODS}?watch=true&timeoutSeconds=1&resourceVersion=${facade.store.resourceVersion()}`,
    );
    assert.equal(await watch.next(3000), undefined);
    assert.ok(Date.now() - started >= 900);
  });

  it("with sendInitialEvents, marks the end of the initial state with an annotated BOOKMARK", async () => {
    facade.store.addPod({ namespace: "w", name: "i" });
    const watch = await openWatch(
      `${facade.url}${PODS}?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true`,
    );
    try {
      assert.equal(summary(await watch.next()), "ADDED i");
      const marker = await watch.next();
      assert.equal(marker?.type, "BOOKMARK");
      assert.equal(marker?.object.metadata.annotations?.["k8s.io/initial-events-end"], "true");
    } finally {
      watch.close();
      facade.store.delete("pods", "i", "w");
    }
  });

  it("answers a bad selector with a 400 Status instead of a stream", async () => {
    const res = await fetch(`${facade.url}${PODS}?watch=true&fieldSelector=spec.nope%3D1`);
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { reason: string }).reason, "BadRequest");
  });

  it("close() ends open watches", async () => {
    const own = await startKubeFacade();
    const watch = await openWatch(
      `${own.url}/api/v1/namespaces?watch=true&resourceVersion=${own.store.resourceVersion()}`,
    );
    await own.close();
    assert.equal(await watch.next(), undefined);
  });
});

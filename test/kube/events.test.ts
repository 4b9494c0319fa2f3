import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CoreV1Api, type CoreV1Event, KubeConfig } from "@kubernetes/client-node";
import { pino } from "pino";
import { type KubeFacade, startKubeFacade } from "../../src/demo/kube/server.js";
import {
  clientNodeEventSink,
  type EventInput,
  EventRecorder,
  type EventSink,
  rfc3339Seconds,
} from "../../src/kube/events.js";

class ManualClock {
  constructor(public ms: number) {}
  now(): number {
    return this.ms;
  }
}

const START = Date.UTC(2025, 0, 2, 3, 4, 5, 678);

function scaled(name: string, message: string): EventInput {
  return {
    regarding: { apiVersion: "apps/v1", kind: "Deployment", name, namespace: "ev", uid: `uid-${name}` },
    type: "Normal",
    reason: "SetFloor",
    message,
    action: "Scale",
  };
}

/** A logger whose lines are collected. */
function collectingLogger(): { logger: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: "debug" }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { logger, lines };
}

describe("EventRecorder on the simulated API", () => {
  let facade: KubeFacade;
  let core: CoreV1Api;
  let sink: EventSink;

  before(async () => {
    facade = await startKubeFacade();
    facade.store.addNamespace("ev");
    const kc = new KubeConfig();
    kc.loadFromString(facade.kubeconfig());
    core = kc.makeApiClient(CoreV1Api);
    sink = clientNodeEventSink(kc);
  });
  after(() => facade.close());

  async function eventsFor(name: string): Promise<CoreV1Event[]> {
    const list = await core.listNamespacedEvent({ namespace: "ev" });
    return list.items
      .filter((e) => e.involvedObject.name === name)
      .sort((a, b) => (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""));
  }

  it("creates an Event with the fields kube-apiserver expects", async () => {
    const clock = new ManualClock(START);
    const recorder = new EventRecorder({ sink, component: "foresight", host: "pod-1", clock });
    await recorder.record(scaled("web", "floor 2 -> 3: forecast 41.5 (q0.9, 10m, ets)"));
    const events = await eventsFor("web");
    assert.equal(events.length, 1);
    const ev = events[0];
    assert.ok(ev);
    assert.match(ev.metadata.name ?? "", /^web\.[0-9a-f]{16}$/);
    assert.equal(ev.metadata.namespace, "ev");
    assert.deepEqual(
      { ...ev.involvedObject },
      { apiVersion: "apps/v1", kind: "Deployment", name: "web", namespace: "ev", uid: "uid-web" },
    );
    assert.equal(ev.reason, "SetFloor");
    assert.equal(ev.message, "floor 2 -> 3: forecast 41.5 (q0.9, 10m, ets)");
    assert.equal(ev.type, "Normal");
    assert.equal(ev.action, "Scale");
    assert.equal(ev.count, 1);
    assert.deepEqual({ ...ev.source }, { component: "foresight", host: "pod-1" });
    assert.equal(ev.reportingComponent, "foresight");
    assert.equal(ev.reportingInstance, "pod-1");
    assert.equal(ev.firstTimestamp?.toISOString(), "2025-01-02T03:04:05.000Z");
    assert.equal(ev.lastTimestamp?.toISOString(), "2025-01-02T03:04:05.000Z");
    assert.equal(ev.eventTime ?? null, null);
  });

  it("counts an identical event within the window on the existing one", async () => {
    const clock = new ManualClock(START);
    const recorder = new EventRecorder({ sink, component: "foresight", host: "pod-1", clock });
    await recorder.record(scaled("api", "same"));
    clock.ms += 60_000;
    await recorder.record(scaled("api", "same"));
    const events = await eventsFor("api");
    assert.equal(events.length, 1);
    assert.equal(events[0]?.count, 2);
    assert.equal(events[0]?.firstTimestamp?.getTime(), Math.floor(START / 1000) * 1000);
    assert.equal(events[0]?.lastTimestamp?.getTime(), Math.floor((START + 60_000) / 1000) * 1000);
  });

  it("counts identical events recorded concurrently on one object", async () => {
    const recorder = new EventRecorder({ sink, component: "foresight", clock: new ManualClock(START) });
    await Promise.all([1, 2, 3].map(() => recorder.record(scaled("burst", "same"))));
    const events = await eventsFor("burst");
    assert.equal(events.length, 1);
    assert.equal(events[0]?.count, 3);
  });

  it("creates a new event for a different message, or after the window", async () => {
    const clock = new ManualClock(START);
    const recorder = new EventRecorder({
      sink,
      component: "foresight",
      clock,
      aggregateWindowMs: 5 * 60_000,
    });
    await recorder.record(scaled("db", "first"));
    await recorder.record(scaled("db", "second"));
    assert.equal((await eventsFor("db")).length, 2);
    clock.ms += 5 * 60_000 + 1;
    await recorder.record(scaled("db", "first"));
    const events = await eventsFor("db");
    assert.equal(events.length, 3);
    assert.deepEqual(
      events.map((e) => e.count),
      [1, 1, 1],
    );
  });

  it("creates anew when the event to count on is gone", async () => {
    const clock = new ManualClock(START);
    const recorder = new EventRecorder({ sink, component: "foresight", clock });
    await recorder.record(scaled("cache", "same"));
    const [first] = await eventsFor("cache");
    assert.ok(first?.metadata.name);
    await core.deleteNamespacedEvent({ namespace: "ev", name: first.metadata.name });
    await recorder.record(scaled("cache", "same"));
    const events = await eventsFor("cache");
    assert.equal(events.length, 1);
    assert.notEqual(events[0]?.metadata.name, first.metadata.name);
    assert.equal(events[0]?.count, 1);
  });

  it("truncates a long message to 1024 characters", async () => {
    const recorder = new EventRecorder({ sink, component: "foresight", clock: new ManualClock(START) });
    await recorder.record(scaled("long", "x".repeat(5000)));
    const [ev] = await eventsFor("long");
    assert.equal(ev?.message?.length, 1024);
  });

  it("logs, and does not throw, when the API refuses", async () => {
    const { logger, lines } = collectingLogger();
    const recorder = new EventRecorder({
      sink,
      component: "foresight",
      clock: new ManualClock(START),
      logger,
    });
    const missing = {
      ...scaled("web", "m"),
      regarding: { ...scaled("web", "m").regarding, namespace: "nope" },
    };
    await recorder.record(missing);
    assert.equal(lines.length, 1);
    assert.equal(lines[0]?.msg, "recording a Kubernetes event failed");
    assert.equal(lines[0]?.regarding, "Deployment/nope/web");
  });
});

describe("EventRecorder with a fake sink", () => {
  it("logs a failing sink instead of throwing", async () => {
    const { logger, lines } = collectingLogger();
    const sink: EventSink = {
      create: () => Promise.reject(new Error("connection refused")),
      patch: () => Promise.reject(new Error("unused")),
    };
    const recorder = new EventRecorder({
      sink,
      component: "foresight",
      clock: new ManualClock(START),
      logger,
    });
    await recorder.record(scaled("web", "m"));
    assert.equal(lines.length, 1);
    assert.match(JSON.stringify(lines[0]?.err), /connection refused/);
  });

  it("logs a count patch failing other than 404, and the next duplicate creates anew", async () => {
    const created: object[] = [];
    let patches = 0;
    const sink: EventSink = {
      create: async (_ns, event) => {
        created.push(event);
      },
      patch: async () => {
        patches += 1;
        throw Object.assign(new Error("conflict"), { code: 500 });
      },
    };
    const { logger, lines } = collectingLogger();
    const recorder = new EventRecorder({
      sink,
      component: "foresight",
      clock: new ManualClock(START),
      logger,
    });
    await recorder.record(scaled("web", "m"));
    await recorder.record(scaled("web", "m"));
    assert.equal(patches, 1);
    assert.equal(created.length, 1);
    assert.equal(lines.length, 1);
    await recorder.record(scaled("web", "m"));
    assert.equal(created.length, 2);
  });

  it("refuses bad input by logging, naming the field", async () => {
    const { logger, lines } = collectingLogger();
    const created: object[] = [];
    const sink: EventSink = {
      create: async (_ns, e) => {
        created.push(e);
      },
      patch: async () => {},
    };
    const recorder = new EventRecorder({
      sink,
      component: "foresight",
      clock: new ManualClock(START),
      logger,
    });
    await recorder.record({ ...scaled("web", "m"), reason: "not camel" });
    await recorder.record({ ...scaled("web", "m"), type: "Error" as "Warning" });
    assert.equal(created.length, 0);
    assert.match(String(lines[0]?.msg), /reason must be CamelCase/);
    assert.match(String(lines[1]?.msg), /type must be Normal or Warning/);
  });

  it("formats Kubernetes times to the second", () => {
    assert.equal(rfc3339Seconds(START), "2025-01-02T03:04:05Z");
  });
});

/**
 * Writes samples into a test Prometheus through its remote-write receiver (start it with
 * `--web.enable-remote-write-receiver`): a hand-encoded protobuf WriteRequest in a literal-only
 * snappy block. Unlike the OpenMetrics backfill (backfill.ts), this can write Prometheus' staleness
 * markers, whose special NaN bit pattern text formats cannot express; the samples land in the head
 * at once, without a restart.
 *
 * The head refuses samples more than an hour older than its newest one and, per series, samples
 * out of time order, so `remoteWrite` sends everything in time-ordered slices of `sliceMs`.
 */
import type { TestPrometheus } from "./prometheus.js";

/** A staleness marker (Prometheus' value.StaleNaN, bits 0x7ff0000000000002). */
export const STALE = Symbol("stale");

export interface RemoteWriteSeries {
  /** Including `__name__`. */
  readonly labels: Readonly<Record<string, string>>;
  /** [unix ms, value or STALE], ascending. */
  readonly samples: ReadonlyArray<readonly [number, number | typeof STALE]>;
}

export interface RemoteWriteOptions {
  /** Time slice per request (ms); default 10 minutes. */
  readonly sliceMs?: number;
}

/** Sends `series` to `prom`'s /api/v1/write in time slices; throws with Prometheus' answer on a refusal. */
export async function remoteWrite(
  prom: Pick<TestPrometheus, "url">,
  series: readonly RemoteWriteSeries[],
  options: RemoteWriteOptions = {},
): Promise<void> {
  const sliceMs = options.sliceMs ?? 10 * 60_000;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const s of series) {
    const first = s.samples[0];
    const last = s.samples[s.samples.length - 1];
    if (first) min = Math.min(min, first[0]);
    if (last) max = Math.max(max, last[0]);
  }
  if (!Number.isFinite(min)) return;
  const cursor = series.map(() => 0);
  for (let from = min; from <= max; from += sliceMs) {
    const to = from + sliceMs;
    const slice: RemoteWriteSeries[] = [];
    series.forEach((s, i) => {
      const start = cursor[i] as number;
      let end = start;
      while (end < s.samples.length && (s.samples[end] as readonly [number, unknown])[0] < to) end++;
      cursor[i] = end;
      if (end > start) slice.push({ labels: s.labels, samples: s.samples.slice(start, end) });
    });
    if (slice.length === 0) continue;
    const res = await fetch(`${prom.url}/api/v1/write`, {
      method: "POST",
      headers: {
        "Content-Encoding": "snappy",
        "Content-Type": "application/x-protobuf",
        "X-Prometheus-Remote-Write-Version": "0.1.0",
      },
      body: snappyLiteral(encodeWriteRequest(slice)),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`remote write refused (${res.status}): ${text}`);
  }
}

/** The protobuf encoding of prometheus.WriteRequest{timeseries}. */
export function encodeWriteRequest(series: readonly RemoteWriteSeries[]): Uint8Array {
  const out = new ByteWriter();
  for (const s of series) {
    const ts = new ByteWriter();
    const names = Object.keys(s.labels).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const name of names) {
      const label = new ByteWriter();
      label.bytesField(1, utf8(name));
      label.bytesField(2, utf8(s.labels[name] as string));
      ts.bytesField(1, label.finish());
    }
    for (const [t, v] of s.samples) {
      const sample = new ByteWriter();
      sample.tag(1, 1);
      if (v === STALE) sample.raw(float64Bits(0x7ff00000, 0x00000002));
      else sample.raw(float64(v));
      sample.tag(2, 0);
      sample.varint(BigInt(t));
      ts.bytesField(2, sample.finish());
    }
    out.bytesField(1, ts.finish());
  }
  return out.finish();
}

/** A snappy block holding `data` as literals only (valid snappy, no compression). */
export function snappyLiteral(data: Uint8Array): Uint8Array {
  const out = new ByteWriter();
  out.varint(BigInt(data.length));
  const CHUNK = 65_536;
  for (let at = 0; at < data.length; at += CHUNK) {
    const part = data.subarray(at, Math.min(data.length, at + CHUNK));
    const n = part.length - 1;
    if (n < 60) out.raw(Uint8Array.of(n << 2));
    else if (n < 0x100) out.raw(Uint8Array.of(60 << 2, n));
    else out.raw(Uint8Array.of(61 << 2, n & 0xff, n >> 8));
    out.raw(part);
  }
  return out.finish();
}

const encoder = new TextEncoder();

function utf8(s: string): Uint8Array {
  return encoder.encode(s);
}

function float64(v: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setFloat64(0, v, true);
  return b;
}

/** Eight little-endian bytes of the double with these high and low 32 bits (NaN payloads kept). */
function float64Bits(hi: number, lo: number): Uint8Array {
  const b = new Uint8Array(8);
  const view = new DataView(b.buffer);
  view.setUint32(0, lo, true);
  view.setUint32(4, hi, true);
  return b;
}

class ByteWriter {
  readonly #parts: Uint8Array[] = [];
  #length = 0;

  raw(bytes: Uint8Array): void {
    this.#parts.push(bytes);
    this.#length += bytes.length;
  }

  varint(value: bigint): void {
    const bytes: number[] = [];
    let v = BigInt.asUintN(64, value);
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v > 0n) byte |= 0x80;
      bytes.push(byte);
    } while (v > 0n);
    this.raw(Uint8Array.from(bytes));
  }

  tag(field: number, wireType: number): void {
    this.varint(BigInt((field << 3) | wireType));
  }

  bytesField(field: number, bytes: Uint8Array): void {
    this.tag(field, 2);
    this.varint(BigInt(bytes.length));
    this.raw(bytes);
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.#length);
    let at = 0;
    for (const p of this.#parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

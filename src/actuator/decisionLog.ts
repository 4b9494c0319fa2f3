/**
 * The actuator's decision log: one entry per decision (applied or not) for each PredictiveScaler,
 * newest first, paged with opaque cursors. The review API reads it; the controller appends to it.
 *
 * MemoryDecisionLog keeps a bounded ring per scaler. Every entry gets a sequence number from one
 * counter that only grows, and a cursor is the sequence of the last entry a page returned, so a
 * cursor stays valid while new entries are appended (they are newer than anything it points
 * past). FileDecisionLog adds persistence as JSON lines: one line per append (serialised writes),
 * reloaded at start, compacted through a temporary file and a rename once the file holds more than
 * twice the retained entries. Hand-written: an append-only JSON-lines file with a ring in front is
 * smaller than any embedded database, and nothing else needs one.
 */
import { appendFile, readFile, rename, unlink, writeFile } from "node:fs/promises";
import { z } from "zod";

export interface DecisionEntry {
  /** When decided (clock ms). */
  readonly atMs: number;
  /** "namespace/name" of the PredictiveScaler. */
  readonly scaler: string;
  /** ForecastOnly | Metric | Floor | Direct. */
  readonly mode: string;
  /**
   * E.g. Recommend, SetFloor, RestoreFloor, Scale, ServeMetric, SetCapacityBuffer,
   * RemoveCapacityBuffer, SetPlaceholders, CreateProvisioningRequest, Fallback, Refused.
   */
  readonly action: string;
  /** False in ForecastOnly or when refused/failed. */
  readonly applied: boolean;
  readonly from?: number;
  readonly to?: number;
  /** The planner's reason text etc. */
  readonly reason: string;
  readonly forecast?: {
    readonly value: number;
    readonly quantile: number;
    readonly horizon: string;
    readonly model?: string;
  };
  readonly error?: string;
}

export interface DecisionPage {
  readonly items: DecisionEntry[];
  /** Opaque cursor for the next (older) page; absent on the last page. */
  readonly next?: string;
  /** Entries retained for the scaler. */
  readonly total: number;
}

export interface DecisionPageOptions {
  /** Default 50; larger than 500 reads as 500. */
  readonly limit?: number;
  /** The `next` of a previous page. */
  readonly cursor?: string;
}

export interface DecisionLog {
  append(entry: DecisionEntry): void;
  /** Newest first. */
  list(scaler: string, options?: DecisionPageOptions): DecisionPage;
  scalers(): string[];
  /** Drop a scaler's entries (when the scaler is deleted, after a grace period decided by the caller). */
  forget(scaler: string): void;
}

export const DEFAULT_DECISIONS_PER_SCALER = 1000;
export const DEFAULT_PAGE_LIMIT = 50;
export const MAX_PAGE_LIMIT = 500;

export interface MemoryDecisionLogOptions {
  /** Entries kept per scaler; the oldest go first. Default 1000. */
  readonly capacityPerScaler?: number;
}

/** An entry with its sequence number. */
export interface SequencedEntry {
  readonly seq: number;
  readonly entry: DecisionEntry;
}

const forecastSchema = z.object({
  value: z.number(),
  quantile: z.number(),
  horizon: z.string(),
  model: z.string().optional(),
});

const entrySchema = z.object({
  atMs: z.number().refine(Number.isFinite, "must be a finite number"),
  scaler: z.string().min(1),
  mode: z.string(),
  action: z.string().min(1),
  applied: z.boolean(),
  from: z.number().optional(),
  to: z.number().optional(),
  reason: z.string(),
  forecast: forecastSchema.optional(),
  error: z.string().optional(),
});

function checkEntry(entry: DecisionEntry): DecisionEntry {
  const parsed = entrySchema.safeParse(entry);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join(".") || "entry";
    throw new TypeError(`decision entry field ${where}: ${issue?.message ?? "invalid"}`);
  }
  // A copy, so a caller changing its object later does not change the log.
  return structuredClone(entry);
}

/** The fixed-size ring of one scaler's entries, oldest first in logical order. */
class Ring {
  readonly #slots: (SequencedEntry | undefined)[];
  #start = 0;
  #size = 0;

  constructor(capacity: number) {
    this.#slots = new Array<SequencedEntry | undefined>(capacity);
  }

  get size(): number {
    return this.#size;
  }

  push(item: SequencedEntry): void {
    const capacity = this.#slots.length;
    if (this.#size < capacity) {
      this.#slots[(this.#start + this.#size) % capacity] = item;
      this.#size += 1;
    } else {
      this.#slots[this.#start] = item;
      this.#start = (this.#start + 1) % capacity;
    }
  }

  /** The i-th oldest entry. */
  at(i: number): SequencedEntry {
    const item = this.#slots[(this.#start + i) % this.#slots.length];
    if (item === undefined || i < 0 || i >= this.#size) throw new RangeError(`ring index ${i} out of range`);
    return item;
  }

  /** How many retained entries have a sequence below `seq` (binary search: sequences only grow). */
  countBelow(seq: number): number {
    let lo = 0;
    let hi = this.#size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.at(mid).seq < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

function parseCursor(cursor: string): number {
  const seq = /^\d{1,15}$/.test(cursor) ? Number(cursor) : Number.NaN;
  if (!Number.isSafeInteger(seq)) {
    throw new RangeError(
      `decision log cursor ${JSON.stringify(cursor)} is malformed; pass the "next" value of a previous page`,
    );
  }
  return seq;
}

function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE_LIMIT;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RangeError(`decision log limit must be a positive integer, got ${limit}`);
  }
  return Math.min(limit, MAX_PAGE_LIMIT);
}

/** The decision log in memory: a bounded ring per scaler. */
export class MemoryDecisionLog implements DecisionLog {
  readonly #capacity: number;
  readonly #rings = new Map<string, Ring>();
  #nextSeq = 1;

  constructor(options: MemoryDecisionLogOptions = {}) {
    const capacity = options.capacityPerScaler ?? DEFAULT_DECISIONS_PER_SCALER;
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`capacityPerScaler must be a positive integer, got ${options.capacityPerScaler}`);
    }
    this.#capacity = capacity;
  }

  append(entry: DecisionEntry): void {
    this.appendSequenced(entry);
  }

  /**
   * Newest first. A cursor is the sequence of the last entry of the previous page; the page holds
   * the retained entries older than it. A cursor older than everything the ring still holds (the
   * client fell behind) gives the oldest remaining entries rather than an error.
   */
  list(scaler: string, options: DecisionPageOptions = {}): DecisionPage {
    const limit = pageLimit(options.limit);
    const ring = this.#rings.get(scaler);
    const total = ring?.size ?? 0;
    let end = total;
    if (options.cursor !== undefined) {
      const seq = parseCursor(options.cursor);
      if (ring !== undefined && total > 0) {
        end = seq < ring.at(0).seq ? Math.min(limit, total) : ring.countBelow(seq);
      }
    }
    if (ring === undefined || end === 0) return { items: [], total };
    const start = Math.max(0, end - limit);
    const items: DecisionEntry[] = [];
    for (let i = end - 1; i >= start; i--) items.push(ring.at(i).entry);
    return start > 0 ? { items, next: String(ring.at(start).seq), total } : { items, total };
  }

  scalers(): string[] {
    return [...this.#rings.keys()].sort();
  }

  forget(scaler: string): void {
    this.#rings.delete(scaler);
  }

  /** Appends and returns the sequence given. */
  protected appendSequenced(entry: DecisionEntry): SequencedEntry {
    const item = { seq: this.#nextSeq, entry: checkEntry(entry) };
    this.restoreSequenced(item);
    return item;
  }

  /** Puts back an entry read from storage, keeping its sequence (which must be above all so far). */
  protected restoreSequenced(item: SequencedEntry): void {
    if (!Number.isSafeInteger(item.seq) || item.seq < this.#nextSeq) {
      throw new RangeError(`decision sequence ${item.seq} is not above the last one (${this.#nextSeq - 1})`);
    }
    let ring = this.#rings.get(item.entry.scaler);
    if (ring === undefined) {
      ring = new Ring(this.#capacity);
      this.#rings.set(item.entry.scaler, ring);
    }
    ring.push(item);
    this.#nextSeq = item.seq + 1;
  }

  /** Raises the next sequence past `seq` (a forget read from storage still used a number). */
  protected skipSequence(seq: number): void {
    if (seq >= this.#nextSeq) this.#nextSeq = seq + 1;
  }

  protected nextSequence(): number {
    return this.#nextSeq;
  }

  /** Every retained entry, in sequence order. */
  protected retained(): SequencedEntry[] {
    const all: SequencedEntry[] = [];
    for (const ring of this.#rings.values()) {
      for (let i = 0; i < ring.size; i++) all.push(ring.at(i));
    }
    return all.sort((a, b) => a.seq - b.seq);
  }

  protected retainedCount(): number {
    let n = 0;
    for (const ring of this.#rings.values()) n += ring.size;
    return n;
  }
}

export interface FileDecisionLogOptions extends MemoryDecisionLogOptions {
  /** The JSON-lines file. */
  readonly path: string;
  /** Where failed writes and compactions go; they never throw into append(). Default: ignored. */
  readonly onError?: (error: unknown) => void;
}

export interface LoadResult {
  /** Entries read (some may since have dropped out of the rings). */
  readonly loaded: number;
  /** Lines that were not a valid record (e.g. a last line cut short by a crash). */
  readonly skipped: number;
}

const lineSchema = z.union([
  z.object({ seq: z.number().int().positive(), entry: entrySchema }),
  z.object({ seq: z.number().int().positive(), forget: z.string().min(1) }),
]);

/** The decision log persisted as JSON lines: `{"seq":N,"entry":{…}}` or `{"seq":N,"forget":"ns/name"}`. */
export class FileDecisionLog extends MemoryDecisionLog {
  readonly #path: string;
  readonly #onError: (error: unknown) => void;
  #pending: string[] = [];
  #writing: Promise<void> = Promise.resolve();
  #drainScheduled = false;
  #linesInFile = 0;
  #used = false;

  constructor(options: FileDecisionLogOptions) {
    super(options);
    if (options.path === "") throw new TypeError("FileDecisionLog path must not be empty");
    this.#path = options.path;
    this.#onError = options.onError ?? (() => {});
  }

  /**
   * Reads the file (a missing file is an empty log). Call once, before any append. Malformed lines
   * are skipped and counted; when there were any, the file is rewritten clean so later appends do
   * not join a cut-short last line.
   */
  async load(): Promise<LoadResult> {
    if (this.#used) throw new Error(`FileDecisionLog ${this.#path}: load() must come first and only once`);
    this.#used = true;
    let text: string;
    try {
      text = await readFile(this.#path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return { loaded: 0, skipped: 0 };
      throw error;
    }
    let loaded = 0;
    let skipped = 0;
    const lines = text.split("\n");
    if (lines[lines.length - 1] === "") lines.pop();
    for (const line of lines) {
      const record = parseLine(line);
      if (record === undefined || record.seq < this.nextSequence()) {
        skipped += 1;
      } else if ("forget" in record) {
        super.forget(record.forget);
        this.skipSequence(record.seq);
      } else {
        this.restoreSequenced({ seq: record.seq, entry: record.entry as DecisionEntry });
        loaded += 1;
      }
    }
    this.#linesInFile = lines.length;
    if (skipped > 0 || this.#shouldCompact()) this.#schedule(true);
    await this.flush();
    return { loaded, skipped };
  }

  override append(entry: DecisionEntry): void {
    this.#used = true;
    const item = this.appendSequenced(entry);
    this.#enqueue(JSON.stringify({ seq: item.seq, entry: item.entry }));
  }

  override forget(scaler: string): void {
    this.#used = true;
    const seq = this.nextSequence();
    super.forget(scaler);
    this.skipSequence(seq);
    this.#enqueue(JSON.stringify({ seq, forget: scaler }));
  }

  /** Waits for every write (and compaction) started so far. */
  async flush(): Promise<void> {
    let current: Promise<void>;
    do {
      current = this.#writing;
      await current;
    } while (current !== this.#writing);
  }

  #enqueue(line: string): void {
    this.#pending.push(`${line}\n`);
    this.#schedule(false);
  }

  #schedule(forceCompact: boolean): void {
    if (this.#drainScheduled && !forceCompact) return;
    this.#drainScheduled = true;
    this.#writing = this.#writing.then(() => this.#drain(forceCompact));
  }

  async #drain(forceCompact: boolean): Promise<void> {
    this.#drainScheduled = false;
    if (forceCompact || this.#shouldCompact()) {
      await this.#compact();
      return;
    }
    const lines = this.#pending.splice(0);
    if (lines.length === 0) return;
    try {
      await appendFile(this.#path, lines.join(""), "utf8");
      this.#linesInFile += lines.length;
    } catch (error) {
      this.#onError(error);
      return;
    }
    if (this.#shouldCompact()) await this.#compact();
  }

  #shouldCompact(): boolean {
    return this.#linesInFile + this.#pending.length > 2 * Math.max(1, this.retainedCount());
  }

  /** Rewrites the file as the retained entries (which include everything pending) via temp + rename. */
  async #compact(): Promise<void> {
    const snapshot = this.retained();
    const dropped = this.#pending.splice(0);
    const temp = `${this.#path}.tmp-${process.pid}`;
    try {
      await writeFile(temp, snapshot.map((item) => `${JSON.stringify(item)}\n`).join(""), "utf8");
      await rename(temp, this.#path);
      this.#linesInFile = snapshot.length;
    } catch (error) {
      this.#onError(error);
      await unlink(temp).catch(() => {});
      // Not written: put the lines back in front of any newer ones and append them instead.
      this.#pending.unshift(...dropped);
      if (this.#pending.length > 0) {
        this.#drainScheduled = true;
        this.#writing = this.#writing.then(() => this.#appendOnly());
      }
    }
  }

  /** An append without the compaction check (after a failed compaction, so it does not loop). */
  async #appendOnly(): Promise<void> {
    this.#drainScheduled = false;
    const lines = this.#pending.splice(0);
    if (lines.length === 0) return;
    try {
      await appendFile(this.#path, lines.join(""), "utf8");
      this.#linesInFile += lines.length;
    } catch (error) {
      this.#onError(error);
    }
  }
}

function parseLine(line: string): z.infer<typeof lineSchema> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  const parsed = lineSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

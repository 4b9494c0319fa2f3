/**
 * The replicas a scaler's workload had over time, as the review API saw them: each series request
 * reads the workload's scale (status.replicas: the pods that exist, what the HPA and the floor
 * produced) and keeps a sample, so the page can draw the replicas that ran beside those applied and
 * recommended. Samples are kept from the server's start and only when asked; a change is always
 * kept, an unchanged value at most once a minute; the oldest go past `perSubject`.
 */

export type ReplicaSample = readonly [number, number];

export class ReplicaSamples {
  readonly #bySubject = new Map<string, ReplicaSample[]>();
  readonly #perSubject: number;
  readonly #minGapMs: number;

  constructor(options: { perSubject?: number; minGapMs?: number } = {}) {
    this.#perSubject = options.perSubject ?? 5000;
    this.#minGapMs = options.minGapMs ?? 60_000;
  }

  record(subject: string, atMs: number, replicas: number): void {
    if (!Number.isFinite(replicas)) return;
    const kept = this.#bySubject.get(subject) ?? [];
    const last = kept[kept.length - 1];
    if (last !== undefined && (atMs < last[0] || (last[1] === replicas && atMs - last[0] < this.#minGapMs)))
      return;
    kept.push([atMs, replicas]);
    if (kept.length > this.#perSubject) kept.splice(0, kept.length - this.#perSubject);
    this.#bySubject.set(subject, kept);
  }

  since(subject: string, sinceMs: number): ReplicaSample[] {
    return (this.#bySubject.get(subject) ?? []).filter(([t]) => t >= sinceMs);
  }
}

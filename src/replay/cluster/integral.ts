/**
 * A running time-integral of a piecewise-constant count (pods, nodes), updated only when the count
 * changes, so accumulating pod-seconds costs nothing on steps where nothing changes.
 */
export class Integral {
  private total = 0;
  private level = 0;
  private since: number;

  constructor(startMs: number) {
    this.since = startMs;
  }

  /** The count from `nowMs` on. */
  set(level: number, nowMs: number): void {
    this.total += (this.level * (nowMs - this.since)) / 1000;
    this.since = nowMs;
    this.level = level;
  }

  get current(): number {
    return this.level;
  }

  /** Count × seconds from the start to `nowMs`. */
  secondsAt(nowMs: number): number {
    return this.total + (this.level * (nowMs - this.since)) / 1000;
  }
}

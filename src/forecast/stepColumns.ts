/**
 * The finished steps of one series as two growable Float64Arrays (times, values): 16 bytes a step,
 * where an array of [time, value] tuples takes about 70. The history cache keeps 14 days of 5-minute
 * steps for every target (4,032 steps), so at thousands of targets this is most of the forecaster's
 * memory. Steps are appended at the end, trimmed at either end; the dropped front is reclaimed when
 * the arrays fill up. Hand-written: a deque of number pairs over typed arrays is a few lines, and
 * no well-kept library offers one.
 */
import type { Point } from "./stepMeans.js";

export class StepColumns {
  #times = new Float64Array(0);
  #values = new Float64Array(0);
  #start = 0;
  #end = 0;

  get length(): number {
    return this.#end - this.#start;
  }

  /** Time of the last step, if any. */
  lastTime(): number | undefined {
    return this.#end > this.#start ? this.#times[this.#end - 1] : undefined;
  }

  push(time: number, value: number): void {
    if (this.#end === this.#times.length) this.#makeRoom();
    this.#times[this.#end] = time;
    this.#values[this.#end] = value;
    this.#end++;
  }

  /** Drop the steps at the end whose time is `time` or later. */
  dropFrom(time: number): void {
    while (this.#end > this.#start && (this.#times[this.#end - 1] as number) >= time) this.#end--;
  }

  /** Drop the steps at the start whose time is before `time`. */
  dropBefore(time: number): void {
    while (this.#start < this.#end && (this.#times[this.#start] as number) < time) this.#start++;
  }

  /** The steps, oldest first, as fresh [time, value] pairs. */
  toPoints(): Point[] {
    const points: Point[] = new Array(this.length);
    for (let i = this.#start; i < this.#end; i++)
      points[i - this.#start] = [this.#times[i] as number, this.#values[i] as number];
    return points;
  }

  /** Reclaim the dropped front when it is a quarter of the arrays or more, else grow by half. */
  #makeRoom(): void {
    const length = this.length;
    const capacity = this.#times.length;
    if (this.#start > 0 && this.#start >= capacity / 4) {
      this.#times.copyWithin(0, this.#start, this.#end);
      this.#values.copyWithin(0, this.#start, this.#end);
    } else {
      const times = new Float64Array(Math.max(16, Math.ceil(capacity * 1.5)));
      const values = new Float64Array(times.length);
      times.set(this.#times.subarray(this.#start, this.#end));
      values.set(this.#values.subarray(this.#start, this.#end));
      this.#times = times;
      this.#values = values;
    }
    this.#start = 0;
    this.#end = length;
  }
}

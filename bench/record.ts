/**
 * What every benchmark shares: a line describing the machine, writing its section into
 * docs/benchmarks.md between its own markers (`<!-- bench:<name>:start -->` … `end -->`), leaving
 * the other benchmarks' sections as they are, and exiting 1 when a target its section states is missed.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";

const ROOT = new URL("../", import.meta.url).pathname;
const HEADER =
  "# Benchmarks\n\nEach benchmark writes its own section here; rerun with the npm script named in it. `npm run bench:adapter` needs\nDebian's `prometheus` and, for a load generator that does not take a core of its own, `wrk` (`apt-get install wrk`;\nwithout it, autocannon is used and the table says so).\n";

/** `Intel(R) Xeon(R) …, 2 cores, 24 GiB; Node.js v20.20.2`, plus any extra parts. */
export function machineLine(...extra: string[]): string {
  const cpu = `${cpus()[0]?.model ?? "unknown CPU"}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`;
  return [cpu, `Node.js ${process.version}`, ...extra].join("; ");
}

/** Replace (or append) the section of benchmark `name` in docs/benchmarks.md. */
export function recordSection(name: string, section: string): void {
  const file = join(ROOT, "docs/benchmarks.md");
  const start = `<!-- bench:${name}:start -->`;
  const end = `<!-- bench:${name}:end -->`;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    text = HEADER;
  }
  const block = `${start}\n${section}\n${end}`;
  const at = text.indexOf(start);
  const stop = text.indexOf(end);
  text =
    at >= 0 && stop > at
      ? text.slice(0, at) + block + text.slice(stop + end.length)
      : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, text);
}

/**
 * When any of `missed` is set (a stated target not met, an input left out): list them on stderr and
 * make the process exit 1, after the section has been written (so the figures are kept either way).
 */
export function exitOnMissed(name: string, missed: readonly (string | false | undefined)[]): void {
  const lines = missed.filter((m): m is string => typeof m === "string" && m !== "");
  if (lines.length === 0) return;
  process.stderr.write(`bench:${name} fell short:\n${lines.map((l) => `  ${l}\n`).join("")}`);
  process.exitCode = 1;
}

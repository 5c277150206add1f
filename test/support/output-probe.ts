/**
 * A child process for the bounded-output test: runs a program that writes `bytes` bytes of log
 * lines on stderr (as a builder under `nix build --print-build-logs` does) through run(), and
 * prints what it kept and its own peak memory (VmHWM) as JSON.
 */
import { readFileSync } from "node:fs";
import { run } from "../../src/process/run.js";

const [bytes, shape] = process.argv.slice(2);
const source = shape === "one-line" ? "head -c BYTES /dev/zero | tr '\\0' x" : "yes 'building: compiling some/source/file.c with a long enough line' | head -c BYTES";
let lines = 0;
let last = "";
const result = await run(["sh", "-c", `{ ${source.replace("BYTES", String(bytes))}; echo; echo 'error: builder failed'; } >&2; exit 1`], {
  onStderrLine: (line) => {
    lines++;
    last = line;
  },
});
const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"))?.[1];
process.stdout.write(JSON.stringify({ exitCode: result.exitCode, stderrBytes: result.stderr.length, stderrEnd: result.stderr.slice(-200), lines, last, peakKiB: Number(hwm) }));

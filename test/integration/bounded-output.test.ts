import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../support/runner-harness.js";

const LOG_BYTES = 600 * 1024 * 1024;
let dir: string;
let probe: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "bounded-output-"));
  probe = join(dir, "probe.mjs");
  await build({ entryPoints: [join(repoRoot, "test", "support", "output-probe.ts")], bundle: true, platform: "node", format: "esm", outfile: probe, logLevel: "error" });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface ProbeResult {
  exitCode: number;
  stderrBytes: number;
  stderrEnd: string;
  lines: number;
  last: string;
  peakKiB: number;
}

function runProbe(shape: "lines" | "one-line"): ProbeResult {
  return JSON.parse(execFileSync(process.execPath, [probe, String(LOG_BYTES), shape], { encoding: "utf8", maxBuffer: 1 << 20 })) as ProbeResult;
}

// Before the tail was bounded, a log over ~512 MiB crashed with ERR_STRING_TOO_LONG, and 200 MB cost 459 MiB.
describe("a 600 MiB log through run()", () => {
  it.each(["lines", "one-line"] as const)("keeps a bounded tail with the failure at its end, in bounded memory (%s)", (shape) => {
    const r = runProbe(shape);
    expect(r.exitCode).toBe(1);
    expect(r.stderrBytes).toBeLessThanOrEqual(16 * 1024 * 1024 + 100);
    expect(r.stderrEnd).toMatch(/error: builder failed\n$/);
    expect(r.last).toBe("error: builder failed");
    if (shape === "lines") expect(r.lines).toBeGreaterThan(9_000_000);
    else expect(r.lines).toBe(2);
    console.log(`${shape}: peak RSS ${Math.round(r.peakKiB / 1024)} MiB for a ${LOG_BYTES / 1048576} MiB log`);
    // Measured here: ~195 MiB whatever the size past ~100 MiB (Node alone is ~40 MiB; the rest is garbage not yet collected).
    expect(r.peakKiB).toBeLessThan(256 * 1024);
  });
});

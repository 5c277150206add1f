import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, expect, it } from "vitest";
import { processesGone } from "../support/processes.js";
import { repoRoot } from "../support/runner-harness.js";

let dir: string;
let probe: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "step-end-"));
  probe = join(dir, "probe.mjs");
  await build({ entryPoints: [join(repoRoot, "test", "support", "crash-probe.ts")], bundle: true, platform: "node", format: "esm", outfile: probe, logLevel: "error" });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("a crash (an error nothing caught) still stops the step's programs and removes its private files, exit 1", async () => {
  const marker = `${700 + Math.floor(Math.random() * 200)}.${process.pid}`;
  let out = "";
  let status = 0;
  try {
    out = execFileSync(process.execPath, [probe, marker], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (error) {
    const e = error as { status: number; stdout: string };
    status = e.status;
    out = e.stdout;
  }
  const [privateDir, ended] = out.trim().split("\n");
  expect(status).toBe(1);
  expect(ended).toBe("ended 1: a bug nothing caught");
  expect(privateDir).toMatch(/nix-fleet-private-/);
  expect(existsSync(privateDir as string)).toBe(false);
  expect(await processesGone({ argv: `sleep ${marker}` })).toEqual([]);
});

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { readBuildMatrixOptions } from "../../src/actions/build-matrix/options.js";
import { runBuildMatrix } from "../../src/actions/build-matrix/run.js";
import { Inputs } from "../../src/runner/inputs.js";
import { startHttpCache, type HttpCache } from "../support/http-cache.js";
import { makeFleet, testNixConfig } from "../support/nix.js";
import { RecordingRuntime } from "../support/recording-runtime.js";
import { describeWithTools } from "../support/tools.js";

/**
 * Nix 2.8's SQLite race (REFERENCE.md): on a runner whose ~/.cache/nix has never seen an http(s)
 * cache, builds started side by side each register the cache, and one fails a healthy host with
 * "executing SQLite statement ... constraint failed". Here as it happens on a fresh runner: an
 * empty XDG_CACHE_HOME each time, an HTTP cache as substituter, derivations never built before
 * (so every build asks the cache), four hosts four at a time; repeated, since it is a race.
 */

const ATTEMPTS = 6;
const made: string[] = [];
let saved: { config?: string; cache?: string };
let cache: HttpCache;

beforeAll(async () => {
  saved = { config: process.env.NIX_CONFIG, cache: process.env.XDG_CACHE_HOME };
  process.env.NIX_CONFIG = testNixConfig;
  cache = await startHttpCache();
});
afterAll(async () => {
  process.env.NIX_CONFIG = saved.config;
  if (saved.cache === undefined) delete process.env.XDG_CACHE_HOME;
  else process.env.XDG_CACHE_HOME = saved.cache;
  await cache?.stop();
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function temp(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Four hosts whose derivations no store has seen: the nonce changes every build. */
function freshFleet(nonce: string): string {
  const f = makeFleet({
    "flake.nix": (s) => s.replace("mgmt = ./hosts/mgmt.nix;", "mgmt = ./hosts/mgmt.nix;\n        edge = ./hosts/mgmt.nix;"),
    "lib/default.nix": (s) => s.replace("mkdir -p $out/bin", `# ${nonce}\n      mkdir -p $out/bin`).replace("mkdir -p $out/etc", `# ${nonce}\n          mkdir -p $out/etc`),
  });
  made.push(f.root);
  return f.root;
}

// Nix 2.8 only, on purpose: the race was measured on Nix 2.8 (REFERENCE.md: about half the runs
// without the toolkit's one serial query per cache), so there this test fails if that query is
// lost. Nobody measured a race on 2.26; a pass under it would say nothing about the workaround.
describeWithTools(["nix"], "parallel builds on a runner whose Nix has never seen the HTTP cache", () => {
  it(`builds every healthy host, ${ATTEMPTS} times over, with max-parallel 4`, async () => {
    const failures: string[] = [];
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      process.env.XDG_CACHE_HOME = temp("xdg-cache-");
      const flake = freshFleet(`race-${process.pid}-${Date.now()}-${attempt}`);
      const runtime = new RecordingRuntime();
      const values: Record<string, string> = { flake, mode: "all", caches: cache.url, "max-parallel": "4" };
      const options = readBuildMatrixOptions(new Inputs((name) => values[name]), { RUNNER_TEMP: temp("runner-temp-") }, flake);
      options.cacheCheck = { timeoutMs: 2000, retries: 1, concurrency: 8 };
      const report = await runBuildMatrix(options, { runtime });
      expect(report.hosts.map((h) => h.host)).toEqual(["db", "edge", "mgmt", "web"]);
      for (const h of report.hosts) if (h.status !== "built") failures.push(`attempt ${attempt + 1}: ${h.host} ${h.status}: ${h.error ?? ""}`);
    }
    expect(failures).toEqual([]);
    // The builds did ask the cache (else the race could not have happened).
    expect(cache.requests.some((r) => r.path.endsWith(".narinfo"))).toBe(true);
  });
});

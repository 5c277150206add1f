// Asking caches in parallel: how much faster is the cache check with bounded concurrency and
// keep-alive than one question at a time? Two loopback caches that answer after a delay (a
// distant cache, say), 60 hosts each, concurrency 1 against the default 16. Prints medians, the
// ratio, and the connections each run opened.
//   node bench/cache-presence.mjs [delay-ms] [hosts]
import { build } from "esbuild";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const delayMs = Number(process.argv[2] ?? 15);
const hostCount = Number(process.argv[3] ?? 60);

// The TypeScript sources, bundled for this run (nothing is written into the repository).
const work = mkdtempSync(join(tmpdir(), "bench-presence-"));
const entry = join(work, "entry.ts");
writeFileSync(entry, `export { CachePresence } from "${join(root, "src/cache/presence.ts")}";\nexport { startHttpCache } from "${join(root, "test/support/http-cache.ts")}";\n`);
await build({ entryPoints: [entry], bundle: true, platform: "node", format: "esm", outfile: join(work, "bench.mjs"), logLevel: "warning", absWorkingDir: root });
const { CachePresence, startHttpCache } = await import(join(work, "bench.mjs"));

const caches = [await startHttpCache(), await startHttpCache()];
for (const cache of caches) cache.faults.push({ match: ".narinfo", delayMs });
const paths = Array.from({ length: hostCount }, (_, i) => `/nix/store/${String(i).padStart(32, "a").replace(/[eotu]/g, "a")}-nixos-system-h${i}`);

async function timed(concurrency) {
  const times = [];
  let connections = 0;
  for (let run = 0; run < 3; run++) {
    const before = caches.reduce((n, c) => n + c.connections(), 0);
    const checker = new CachePresence({ concurrency, retries: 0 });
    const t0 = process.hrtime.bigint();
    await checker.check(caches.map((c) => c.url), paths);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    checker.close();
    connections = caches.reduce((n, c) => n + c.connections(), 0) - before;
  }
  times.sort((a, b) => a - b);
  return { ms: times[1], connections };
}

const serial = await timed(1);
const parallel = await timed(16);
console.log(`${hostCount} hosts x ${caches.length} caches, ${delayMs} ms per answer`);
console.log(`one at a time   ${serial.ms.toFixed(0)} ms  ${serial.connections} connections`);
console.log(`16 in flight    ${parallel.ms.toFixed(0)} ms  ${parallel.connections} connections  ratio ${(serial.ms / parallel.ms).toFixed(1)}x faster`);
for (const c of caches) await c.stop();
rmSync(work, { recursive: true, force: true });

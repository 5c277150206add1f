// How fast does each committed bundle start? Runs every action's main (with an input that fails
// validation at once, so only loading and input parsing are timed) and post, and the CLI's --help,
// against a bare `node -e 0`, and prints medians and ratios.
//   node bench/startup.mjs [runs]
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const runs = Number(process.argv[2] ?? 9);
const temp = mkdtempSync(join(tmpdir(), "bench-startup-"));
for (const f of ["output", "state", "env", "path", "summary"]) writeFileSync(join(temp, f), "");
const env = {
  PATH: process.env.PATH,
  GITHUB_OUTPUT: join(temp, "output"),
  GITHUB_STATE: join(temp, "state"),
  GITHUB_ENV: join(temp, "env"),
  GITHUB_PATH: join(temp, "path"),
  GITHUB_STEP_SUMMARY: join(temp, "summary"),
  RUNNER_TEMP: temp,
  GITHUB_WORKSPACE: temp,
  // A boolean every action reads early; "maybe" fails validation before any work.
  "INPUT_KEEP-GOING": "maybe",
  "INPUT_FAIL-ON-FINDINGS": "maybe",
  "INPUT_SKIP-CACHED": "maybe",
};

function median(argv) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    spawnSync(argv[0], argv.slice(1), { env, stdio: "ignore", cwd: temp });
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const base = median([process.execPath, "-e", "0"]);
console.log(`node -e 0                         ${base.toFixed(0)} ms`);
const bundles = [];
for (const name of readdirSync(join(root, "actions")).sort()) {
  for (const step of ["main", "post"]) {
    const file = join(root, "actions", name, "dist", `${step}.js`);
    if (existsSync(file)) bundles.push([`${name} ${step}`, [process.execPath, file]]);
  }
}
bundles.push(["gate main", [process.execPath, join(root, "dist", "gate", "main.js")]]);
bundles.push(["nix-fleet --help", [process.execPath, join(root, "dist", "nix-fleet.js"), "--help"]]);
for (const [label, argv] of bundles) {
  const t = median(argv);
  console.log(`${label.padEnd(34)}${t.toFixed(0)} ms  ratio ${(t / base).toFixed(2)}`);
}
rmSync(temp, { recursive: true, force: true });

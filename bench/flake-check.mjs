// How much does flake-check cost on top of a bare `nix flake check`? Runs both on copies of the
// example fleet (good, and with two broken hosts) and prints medians and the ratio.
//   node bench/flake-check.mjs [runs]
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const runs = Number(process.argv[2] ?? 7);
const env = {
  ...process.env,
  NIX_CONFIG: [process.env.NIX_CONFIG ?? "", "extra-experimental-features = nix-command flakes", "substituters =", "flake-registry ="].join("\n"),
};

function fleet(broken) {
  const dir = mkdtempSync(join(tmpdir(), "bench-fleet-"));
  cpSync(join(root, "examples", "fleet"), dir, { recursive: true });
  if (broken) {
    const edit = (f, a, b) => writeFileSync(join(dir, f), readFileSync(join(dir, f), "utf8").replace(a, b));
    edit("hosts/db.nix", "port = 5432;", "port = 80;");
    edit("hosts/web.nix", '"acme" ]', "acmeClient ]");
  }
  return dir;
}

function median(argv) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    spawnSync(argv[0], argv.slice(1), { env, stdio: "ignore" });
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

for (const broken of [false, true]) {
  const dir = fleet(broken);
  const bare = median(["nix", "flake", "check", "--keep-going", "--show-trace", dir]);
  const ours = median([process.execPath, join(root, "dist", "nix-fleet.js"), "check", "--flake", dir]);
  console.log(
    `${broken ? "two broken hosts" : "good fleet      "}  nix flake check ${bare.toFixed(0)} ms  nix-fleet check ${ours.toFixed(0)} ms  ratio ${(ours / bare).toFixed(2)}`,
  );
  rmSync(dir, { recursive: true, force: true });
}

// What does one broken host cost? Generated fleets (examples/fleet's lib, cheap hosts) of 100 and
// 500 hosts, clean and with one broken host: a throw (what NixOS option errors and assertions are:
// builtins.tryEval catches it inside the one evaluation) and an error tryEval cannot catch (a value
// of the wrong type for a builtin: the whole evaluation fails and the host must be isolated), the
// latter with the broken host in the middle of the sorted names and last (the worst case: the
// failed call got furthest). Runs the bundled CLI's `plan` and `check --no-build` on each and
// prints median times side by side, the ratio to the clean fleet, and the `nix` processes started
// (counted by a `nix` wrapper first on PATH). The variants run in turn within each round, so that
// the load of a shared machine falls on all of them alike. `work` gives each host that much
// evaluation to do (a fold over a list of that length in its toplevel's attributes), standing in
// for the module system's cost per host; 0 (the default) leaves the fixed cost of each Nix
// process as most of what is measured.
//   node bench/broken-host.mjs [runs] [sizes, e.g. 100,500] [work, e.g. 20000]
import { spawnSync } from "node:child_process";
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const runs = Number(process.argv[2] ?? 3);
const sizes = (process.argv[3] ?? "100,500").split(",").map(Number);
const work = Number(process.argv[4] ?? 0);
const cli = join(root, "dist", "nix-fleet.js");
const scratch = mkdtempSync(join(tmpdir(), "bench-broken-"));

// Every nix process the CLI starts goes through this wrapper, which counts it.
const realNix = spawnSync("sh", ["-c", "command -v nix"], { encoding: "utf8" }).stdout.trim();
if (!realNix) throw new Error("nix is not on PATH");
const wrapperDir = join(scratch, "bin");
const counter = join(scratch, "nix-calls");
mkdirSync(wrapperDir);
writeFileSync(join(wrapperDir, "nix"), `#!/bin/sh\necho x >> "${counter}"\nexec "${realNix}" "$@"\n`);
chmodSync(join(wrapperDir, "nix"), 0o755);

const env = {
  ...process.env,
  PATH: `${wrapperDir}:${process.env.PATH}`,
  NIX_CONFIG: [process.env.NIX_CONFIG ?? "", "sandbox = false", "build-users-group =", "substituters =", "flake-registry ="].join("\n"),
};

const busy = work ? ` (toString (builtins.foldl' (a: b: a + b) 0 (builtins.genList (i: i) ${work})))` : "";
const HOST = `{ name, ... }:\n{\n  networking.hostName = name;\n  services = [ "sshd"${busy} ];\n  assertions = [ ];\n}\n`;
const BROKEN = {
  throw: HOST.replace('[ "sshd"', '[ "sshd" (throw "broken on purpose")'),
  uncatchable: HOST.replace('[ "sshd"', '[ "sshd" 22'),
};

/** A fleet of `size` hosts host-000..; `broken` replaces one host's module. */
function fleet(size, broken) {
  const dir = mkdtempSync(join(scratch, "fleet-"));
  cpSync(join(root, "examples", "fleet", "lib"), join(dir, "lib"), { recursive: true });
  mkdirSync(join(dir, "hosts"));
  writeFileSync(join(dir, "hosts", "node.nix"), HOST);
  const name = (i) => `host-${String(i).padStart(3, "0")}`;
  let override = "";
  if (broken) {
    writeFileSync(join(dir, "hosts", "broken.nix"), BROKEN[broken.kind]);
    const at = broken.position === "last" ? size - 1 : Math.floor(size / 2);
    override = ` // { "${name(at)}" = ./hosts/broken.nix; }`;
  }
  writeFileSync(
    join(dir, "flake.nix"),
    `{
  outputs = { self }:
    let
      lib = import ./lib { };
      system = "x86_64-linux";
      pad = i: let s = toString i; in if i < 10 then "00\${s}" else if i < 100 then "0\${s}" else s;
      hosts = builtins.listToAttrs (builtins.genList (i: { name = "host-\${pad i}"; value = ./hosts/node.nix; }) ${size})${override};
    in
    {
      nixosConfigurations = builtins.mapAttrs (name: file: lib.mkHost { inherit name system; module = file; }) hosts;
      checks.\${system}.hostnames-unique = lib.checkUniqueHostnames { inherit system; configurations = self.nixosConfigurations; };
    };
}
`,
  );
  return dir;
}

function once(command, dir) {
  writeFileSync(counter, "");
  const args = command === "plan" ? ["plan", "--flake", dir] : ["check", "--flake", dir, "--no-build"];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [cli, ...args], { env, encoding: "utf8" });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0 && r.status !== 1) throw new Error(`${command} ${dir} exited ${r.status}: ${r.stderr.slice(-2000)}`);
  return { ms, calls: readFileSync(counter, "utf8").split("\n").filter(Boolean).length, status: r.status };
}

/** Each variant's median over `runs` rounds, the variants taking turns within a round. */
function medians(command, dirs) {
  const all = dirs.map(() => []);
  for (let round = 0; round < runs; round++) for (const [i, dir] of dirs.entries()) all[i].push(once(command, dir));
  return all.map((results) => results.sort((a, b) => a.ms - b.ms)[Math.floor(results.length / 2)]);
}

const variants = [
  ["clean", undefined],
  ["throw (middle)", { kind: "throw", position: "middle" }],
  ["uncatchable (middle)", { kind: "uncatchable", position: "middle" }],
  ["uncatchable (last)", { kind: "uncatchable", position: "last" }],
];

console.log(`median of ${runs} rounds, ${work ? `${work} steps of evaluation per host` : "cheap hosts"}; nix processes counted per run (including nix --version and flake metadata)`);
for (const size of sizes) {
  const dirs = variants.map(([, broken]) => fleet(size, broken));
  // Warm: the first evaluation of a fleet copies it into the store.
  for (const dir of dirs) once("plan", dir);
  for (const command of ["plan", "check"]) {
    const results = medians(command, dirs);
    const clean = results[0];
    console.log(`\n${command}, ${size} hosts`);
    for (const [i, [label]] of variants.entries()) {
      const r = results[i];
      const ratio = i === 0 ? "" : `  ${(r.ms / clean.ms).toFixed(2)}x clean`;
      console.log(`  ${label.padEnd(22)} ${(r.ms / 1000).toFixed(2).padStart(6)} s  ${String(r.calls).padStart(3)} nix processes  exit ${r.status}${ratio}`);
    }
  }
}
rmSync(scratch, { recursive: true, force: true });

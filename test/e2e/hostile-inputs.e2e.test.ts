import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { breakages, makeFleet, testNixConfig } from "../support/nix.js";
import { repoRoot, runAction, type Flavour, type HarnessResult } from "../support/runner-harness.js";
import { describeEachNix } from "../support/nix-versions.js";
import { describeWithTools } from "../support/tools.js";

const cleanup: string[] = [];
afterAll(() => cleanup.forEach((d) => rmSync(d, { recursive: true, force: true })));

const flavours = ["github", "forgejo"] as const;

/**
 * A PATH on which `nix` and `git` are the real programs behind a wrapper that records each call
 * (its arguments, one line per call): to prove which commands ran, or that none did.
 */
function recordingPath(): { path: string; calls: () => string[] } {
  const dir = mkdtempSync(join(tmpdir(), "recorded-tools-"));
  cleanup.push(dir);
  const log = join(dir, "calls");
  writeFileSync(log, "");
  for (const tool of ["nix", "git"]) {
    const real = execFileSync("sh", ["-c", `command -v ${tool}`], { encoding: "utf8" }).trim();
    writeFileSync(join(dir, tool), `#!/bin/sh\necho "${tool} $*" >> '${log}'\nexec '${real}' "$@"\n`);
    chmodSync(join(dir, tool), 0o755);
  }
  return { path: `${dir}:${process.env.PATH}`, calls: () => readFileSync(log, "utf8").split("\n").filter(Boolean) };
}

/** Every place a runner keeps what a step wrote, besides the masked log. */
function everythingWritten(r: HarnessResult): string {
  const report = r.outputs.report && existsSync(r.outputs.report) ? readFileSync(r.outputs.report, "utf8") : "";
  const files = Object.values(r.files).map((f) => readFileSync(f, "utf8"));
  return [r.rawLog.split("\n").filter((l) => !l.startsWith("::add-mask::")).join("\n"), report, ...files, r.post?.rawLog ?? ""].join("\n");
}

// Under each Nix: most refusals come before Nix runs, but a flag Nix does not know is recognised
// from Nix's own words, which differ between versions.
describeEachNix("extra-args that would make the check not check", () => {
  let broken: { root: string; flake: string };
  beforeAll(() => {
    broken = makeFleet({ ...breakages.dbAssertion, ...breakages.webUndefined }, { git: true, subdir: "infra" });
    cleanup.push(broken.root);
  });

  it.each(flavours.flatMap((f) => ["--help", "--version", "-h", "--dry-run", "--no-build"].map((a) => [f, a] as const)))(
    "%s: a fleet with two broken hosts and extra-args %s is refused, naming the input, and nothing runs",
    async (flavour: Flavour, arg) => {
      const tools = recordingPath();
      const r = await runAction({ action: "actions/flake-check", flavour, workspace: broken.root, inputs: { flake: "infra", "extra-args": arg }, env: { NIX_CONFIG: testNixConfig, PATH: tools.path } });
      cleanup.push(r.runnerTemp);
      expect(r.exitCode, r.log).toBe(1);
      expect(r.outputs.result).toBe("failure");
      expect(r.log).toContain(`flake-check failed with: Invalid input 'extra-args': '${arg}' `);
      expect(r.log).not.toContain("all hosts good");
      expect(tools.calls()).toEqual([]);
    },
  );

  it.each(flavours)("%s: a flag Nix does not know fails naming extra-args, not as a flake that did not evaluate", async (flavour: Flavour) => {
    const r = await runAction({ action: "actions/flake-check", flavour, workspace: broken.root, inputs: { flake: "infra", "extra-args": "--impure --no-such-flag" }, env: { NIX_CONFIG: testNixConfig } });
    cleanup.push(r.runnerTemp);
    expect(r.exitCode).toBe(1);
    expect(r.outputs.result).toBe("failure");
    expect(r.log).toContain("flake-check failed with: Invalid input 'extra-args': Nix does not know the flag '--no-such-flag' (Nix said: unrecognised flag '--no-such-flag').");
    expect(r.log).not.toContain("the flake did not evaluate");
  });

  it("a flag short of its value is refused, instead of taking the flake reference for it and checking another flake", async () => {
    const r = await runAction({ action: "actions/flake-check", flavour: "github", workspace: broken.root, inputs: { flake: "infra", "extra-args": "--override-input nixpkgs" }, env: { NIX_CONFIG: testNixConfig } });
    cleanup.push(r.runnerTemp);
    expect(r.exitCode).toBe(1);
    expect(r.log).toContain("Invalid input 'extra-args': '--override-input' needs 2 values after it.");
  });

  it("the CLI: extra-args asking for help are refused, and --help as an option's value is no request for the usage", () => {
    const cli = (args: string[]) => spawnSync(process.execPath, [join(repoRoot, "dist", "nix-fleet.js"), ...args], { cwd: broken.flake, encoding: "utf8", env: { ...process.env, NIX_CONFIG: testNixConfig } });
    const refused = cli(["check", "--flake", ".", "--extra-args=--help"]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain("Invalid option --extra-args: '--help' prints Nix's help and exits without checking anything.");
    const asValue = cli(["check", "--flake", ".", "--extra-args", "--help"]);
    expect(asValue.status).toBe(2);
    expect(asValue.stdout).not.toContain("nix-fleet check [--flake PATH]");
    expect(cli(["check", "--help"]).status).toBe(0);
    const unknown = cli(["check", "--flake", ".", "--extra-args=--no-such-flag"]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("nix-fleet check: Invalid option --extra-args: Nix does not know the flag '--no-such-flag'");
  });
}, { tools: ["git"] });

// Nix 2.8 only: the flake reference is refused before Nix or git runs (the tests check no call),
// so no Nix version changes what they show.
describeWithTools(["nix", "git"], "credentials in the flake reference", () => {
  const token = "glpat-FleetT0kenInTheUrl9";
  const flakes = [`git+https://deploy:${token}@127.0.0.1:9/fleet/infra.git`, `https://${token}@127.0.0.1:9/fleet.tar.gz`, `git+https://127.0.0.1:9/fleet.git?ref=main&access_token=${token}`];
  const actions = [
    ["actions/flake-check", {}],
    ["actions/build-matrix", { mode: "all" }],
  ] as const;

  it.each(flavours.flatMap((f) => actions.flatMap(([a, extra]) => flakes.map((flake) => [f, a, flake, extra] as const))))(
    "%s %s: %s is masked at once and refused with the fix; no nix or git runs",
    async (flavour: Flavour, action, flake, extra) => {
      const workspace = mkdtempSync(join(tmpdir(), "ws-"));
      cleanup.push(workspace);
      const tools = recordingPath();
      const r = await runAction({ action, flavour, workspace, inputs: { flake, ...extra }, env: { NIX_CONFIG: testNixConfig, PATH: tools.path } });
      cleanup.push(r.runnerTemp);
      expect(r.exitCode).toBe(1);
      expect(r.log).toContain("Invalid input 'flake': '");
      expect(r.log).toContain("' has credentials in it. Expected the URL without them, and the token in nix-config instead: 'access-tokens = <host>=<token>'");
      // Masked before the first line of anything else.
      const lines = r.rawLog.split("\n");
      const firstOther = lines.findIndex((l) => !l.startsWith("::add-mask::"));
      expect(lines.slice(0, firstOther)).toContain(`::add-mask::${token}`);
      expect(everythingWritten(r)).not.toContain(token);
      expect(tools.calls()).toEqual([]);
    },
  );

  it("the CLI refuses it too (exit 2), printing the token nowhere", () => {
    const tools = recordingPath();
    for (const flake of flakes) {
      const r = spawnSync(process.execPath, [join(repoRoot, "dist", "nix-fleet.js"), "check", "--flake", flake], { encoding: "utf8", env: { ...process.env, NIX_CONFIG: testNixConfig, PATH: tools.path } });
      expect(r.status).toBe(2);
      expect(r.stderr).toContain("Invalid option --flake: '");
      expect(r.stdout + r.stderr).not.toContain(token);
      const plan = spawnSync(process.execPath, [join(repoRoot, "dist", "nix-fleet.js"), "plan", "--flake", flake, "--json"], { encoding: "utf8", env: { ...process.env, NIX_CONFIG: testNixConfig, PATH: tools.path } });
      expect(plan.status).toBe(2);
      expect(plan.stdout + plan.stderr).not.toContain(token);
    }
    expect(tools.calls()).toEqual([]);
  });
});

// Under each Nix: the hosts a flake has come from its evaluation.
describeEachNix("caches, push-to and hosts checked before anything is built", () => {
  let fleet: { root: string; flake: string };
  beforeAll(() => {
    fleet = makeFleet({}, { git: true });
    cleanup.push(fleet.root);
  });

  it.each(flavours)("%s: a cache entry with a space in it (a second substituter, a nix.conf setting) is refused before anything runs", async (flavour: Flavour) => {
    const tools = recordingPath();
    const evil = `evil:${"A".repeat(43)}=`;
    const r = await runAction({ action: "actions/build-matrix", flavour, workspace: fleet.root, inputs: { caches: `http://127.0.0.1:1 extra-trusted-public-keys = ${evil}` }, env: { NIX_CONFIG: testNixConfig, PATH: tools.path } });
    cleanup.push(r.runnerTemp);
    expect(r.exitCode).toBe(1);
    expect(r.log).toContain("build-matrix failed with: Invalid input 'caches': 'http://127.0.0.1:1 extra-trusted-public-keys = ");
    expect(r.log).toContain("has whitespace in it, which Nix would read as more than one substituter, none of them checked.");
    expect(tools.calls()).toEqual([]);
  });

  it.each(flavours)("%s: push-to ssh-ng://-oProxyCommand=... is refused when inputs are read, before any host is built", async (flavour: Flavour) => {
    const tools = recordingPath();
    const dir = mkdtempSync(join(tmpdir(), "proxy-"));
    cleanup.push(dir);
    const marker = join(dir, "ran");
    writeFileSync(join(dir, "proxy"), `#!/bin/sh\ntouch '${marker}'\n`, { mode: 0o755 });
    for (const [pushTo, problem] of [
      [`ssh-ng://-oProxyCommand=${dir}/proxy`, "names a host starting with '-', which ssh would take for an option."],
      [`ssh-ng://nix@-oProxyCommand=${dir}/proxy`, "names a host starting with '-', which ssh would take for an option."],
      [`ssh-ng://host${"\t"}-oProxyCommand=${dir}/proxy`, "has whitespace in it."],
    ]) {
      const r = await runAction({ action: "actions/build-matrix", flavour, workspace: fleet.root, inputs: { mode: "all", "push-to": pushTo as string }, env: { NIX_CONFIG: testNixConfig, PATH: tools.path } });
      cleanup.push(r.runnerTemp);
      expect(r.exitCode).toBe(1);
      expect(r.log).toContain(`build-matrix failed with: Invalid input 'push-to': '${pushTo}' ${problem}`);
    }
    expect(tools.calls()).toEqual([]);
    expect(existsSync(marker)).toBe(false);
  });

  it.each(flavours)("%s: hosts the flake lacks fail naming the known hosts, and nothing is built", async (flavour: Flavour) => {
    const cases: Record<string, string>[] = [{ mode: "all", hosts: "web, wbe" }, { mode: "plan", hosts: "wbe" }, { mode: "build", host: "wbe" }];
    for (const inputs of cases) {
      const tools = recordingPath();
      const r = await runAction({ action: "actions/build-matrix", flavour, workspace: fleet.root, inputs, env: { NIX_CONFIG: testNixConfig, PATH: tools.path } });
      cleanup.push(r.runnerTemp);
      expect(r.exitCode).toBe(1);
      const name = inputs.mode === "build" ? "host" : "hosts";
      expect(r.log).toContain(`build-matrix failed with: Invalid input '${name}': 'wbe' is not a host of the flake (nixosConfigurations). Expected names of nixosConfigurations: the flake's hosts are db, mgmt, web.`);
      expect(tools.calls().filter((c) => /^nix (build|copy)/.test(c))).toEqual([]);
      expect(r.outputs.results).toBeUndefined();
      expect(r.outputs.matrix).toBeUndefined();
    }
  });

  it("the CLI: an unknown --host or --hosts is bad usage (exit 2) naming the known hosts, and nothing is built", () => {
    const tools = recordingPath();
    const cli = (args: string[]) => spawnSync(process.execPath, [join(repoRoot, "dist", "nix-fleet.js"), ...args], { cwd: fleet.root, encoding: "utf8", env: { ...process.env, NIX_CONFIG: testNixConfig, PATH: tools.path } });
    const one = cli(["build", "--host", "wbe", "--flake", "."]);
    expect(one.status).toBe(2);
    expect(one.stderr).toContain("Invalid option --host: 'wbe' is not a host of the flake (nixosConfigurations). Expected names of nixosConfigurations: the flake's hosts are db, mgmt, web.");
    const all = cli(["build", "--all", "--hosts", "web,wbe,dbb", "--flake", "."]);
    expect(all.status).toBe(2);
    expect(all.stderr).toContain("Invalid option --hosts: 'wbe', 'dbb' are not hosts of the flake");
    expect(tools.calls().filter((c) => /^nix (build|copy)/.test(c))).toEqual([]);
  });
}, { tools: ["git"] });

import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { afterAll, beforeAll, expect, it } from "vitest";
import { breakages, makeFleet, testNixConfig } from "../support/nix.js";
import { runAction, type Flavour, type HarnessResult } from "../support/runner-harness.js";
import { describeEachNix } from "../support/nix-versions.js";

const cleanup: string[] = [];
afterAll(() => {
  for (const dir of cleanup) rmSync(dir, { recursive: true, force: true });
});

describeEachNix("flake-check bundle, run as a runner runs it", (nix) => {
  // db's throw: Nix 2.8 places it at the function (checkAssertions, 28:21), 2.26 at the throw (32:10).
  const [throwLine, throwColumn] = nix.version === "2.8" ? [28, 21] : [32, 10];
  // The workspace is a git repository with the fleet in infra/: annotations must name infra/... paths.
  let broken: { root: string; flake: string };
  let good: { root: string; flake: string };
  const results = new Map<Flavour, HarnessResult>();

  beforeAll(async () => {
    broken = makeFleet({ ...breakages.dbAssertion, ...breakages.webUndefined }, { git: true, subdir: "infra" });
    good = makeFleet({}, { git: true, subdir: "infra" });
    cleanup.push(broken.root, good.root);
    for (const flavour of ["github", "forgejo"] as const) {
      const result = await runAction({ action: "actions/flake-check", flavour, workspace: broken.root, inputs: { flake: "infra" }, env: { NIX_CONFIG: testNixConfig } });
      cleanup.push(result.runnerTemp);
      results.set(flavour, result);
    }
  });

  it.each(["github", "forgejo"] as const)("%s: fails, naming both broken hosts, with the outputs of the contract", (flavour) => {
    const r = results.get(flavour) as HarnessResult;
    expect(r.exitCode).toBe(1);
    expect(r.outputs.result).toBe("failure");
    expect(JSON.parse(r.outputs["broken-hosts"] ?? "")).toEqual(["db", "web"]);
    expect(r.log).toContain("flake-check failed with: 2 of 3 hosts are broken: db, web");
    const report = JSON.parse(readFileSync(r.outputs.report ?? "", "utf8"));
    expect(report.hosts.map((h: { host: string; status: string }) => `${h.host}:${h.status}`)).toEqual(["db:broken", "mgmt:ok", "web:broken"]);
  });

  it("github: annotates each error at its repository-relative file:line and writes the step summary", () => {
    const r = results.get("github") as HarnessResult;
    expect(r.log).toMatch(/^::error title=host web is broken,file=infra\/hosts\/web\.nix,line=4,col=24::undefined variable 'acmeClient'$/m);
    expect(r.log).toMatch(
      new RegExp(`^::error title=host db is broken,file=infra/lib/default\\.nix,line=${throwLine},col=${throwColumn}::Failed assertions:%0A- postgresql must not listen on a privileged port$`, "m"),
    );
    expect(r.summary).toContain("| web | ❌ broken | undefined variable 'acmeClient' | infra/hosts/web.nix:4:24 |");
    expect(r.summary).toContain("| mgmt | ✅ ok |  |  |");
  });

  it("forgejo: the log itself carries every fact, with no workflow commands it would not render", () => {
    const r = results.get("forgejo") as HarnessResult;
    expect(r.log).not.toMatch(/^::(error|warning|notice)/m);
    expect(r.log).toContain("error: infra/hosts/web.nix:4:24: host web is broken: undefined variable 'acmeClient'");
    expect(r.log).toContain(`error: infra/lib/default.nix:${throwLine}:${throwColumn}: host db is broken: Failed assertions:`);
    expect(r.log).toMatch(/^web\s+❌ broken\s+undefined variable 'acmeClient'\s+infra\/hosts\/web\.nix:4:24$/m);
    expect(r.log).toMatch(/^mgmt\s+✅ ok$/m);
    expect(r.summary).toBe("");
  });

  it.each(["github", "forgejo"] as const)("%s: a good fleet passes and reports every host good", async (flavour) => {
    const r = await runAction({ action: "actions/flake-check", flavour, workspace: good.root, inputs: { flake: "./infra" }, env: { NIX_CONFIG: testNixConfig } });
    cleanup.push(r.runnerTemp);
    expect(r.exitCode).toBe(0);
    expect(r.outputs).toMatchObject({ result: "success", "broken-hosts": "[]" });
    expect(r.log).toMatch(/3 hosts checked in [\d.]+ s with nix \(Nix\) [\d.]+: 3 good, 0 broken\./);
    expect(existsSync(r.outputs.report ?? "")).toBe(true);
  });

  it("masks access tokens given in nix-config before anything runs", async () => {
    const token = "ghp_nixfleetTESTtoken123";
    const r = await runAction({ action: "actions/flake-check", flavour: "github", workspace: good.root, inputs: { flake: "infra", "nix-config": `access-tokens = github.com=${token}` }, env: { NIX_CONFIG: testNixConfig } });
    cleanup.push(r.runnerTemp);
    expect(r.exitCode).toBe(0);
    expect(r.rawLog.split("\n")[0]).toBe(`::add-mask::${token}`);
    expect(r.rawLog.split(token).length - 1).toBe(1);
    expect(readFileSync(r.outputs.report ?? "", "utf8")).not.toContain(token);
  });

  it("a flake's error text cannot run workflow commands (here: masking the host names)", async () => {
    const hostile = makeFleet(
      { "hosts/web.nix": (s: string) => s.replace("{ assertion = true; message = \"web needs TLS certificates\"; }", '{ assertion = false; message = "\\n  ::add-mask::web\\n::add-mask::broken"; }') },
      { git: true, subdir: "infra" },
    );
    cleanup.push(hostile.root);
    for (const flavour of ["github", "forgejo"] as const) {
      const r = await runAction({ action: "actions/flake-check", flavour, workspace: hostile.root, inputs: { flake: "infra" }, env: { NIX_CONFIG: testNixConfig } });
      cleanup.push(r.runnerTemp);
      expect(JSON.parse(r.outputs["broken-hosts"] ?? "")).toEqual(["web"]);
      expect(r.log).toContain("1 of 3 hosts are broken: web");
      expect(r.log).not.toContain("***");
    }
  });

  it("forgejo: a hostile message in the final failure line runs no command either", async () => {
    const edits = { "flake.nix": (s: string) => s.replace(/nixosConfigurations = builtins\.mapAttrs[^\n]*;/, 'nixosConfigurations = throw "all bad\\n::add-mask::mgmt\\n::add-mask::flake";') };
    const hostile = makeFleet(edits, { git: true, subdir: "infra" });
    cleanup.push(hostile.root);
    const r = await runAction({ action: "actions/flake-check", flavour: "forgejo", workspace: hostile.root, inputs: { flake: "infra" }, env: { NIX_CONFIG: testNixConfig } });
    cleanup.push(r.runnerTemp);
    expect(r.exitCode).toBe(1);
    expect(r.log).toContain("error: flake-check failed with: the flake did not evaluate: all bad");
    expect(r.log).not.toContain("***");
  });

  it("a bad input fails before anything runs, naming the input and the expected form", async () => {
    const r = await runAction({ action: "actions/flake-check", flavour: "github", workspace: good.root, inputs: { flake: "infra", "keep-going": "yes" }, env: { NIX_CONFIG: testNixConfig } });
    cleanup.push(r.runnerTemp);
    expect(r.exitCode).toBe(1);
    expect(r.log).toContain("::error::flake-check failed with: Invalid input 'keep-going': 'yes' is not a boolean. Expected true or false.");
    // The contract's result, and nothing else: no check ran.
    expect(r.outputs).toEqual({ result: "failure" });
    expect(r.log).not.toContain("Checking flake");
  });

  it("without nix on PATH, fails with the fix", async () => {
    const emptyPath = mkdtempSync(`${tmpdir()}/empty-path-`);
    cleanup.push(emptyPath);
    const r = await runAction({ action: "actions/flake-check", flavour: "forgejo", workspace: good.root, inputs: { flake: "infra" }, env: { NIX_CONFIG: testNixConfig, PATH: emptyPath } });
    cleanup.push(r.runnerTemp);
    expect(r.exitCode).toBe(1);
    expect(r.log).toContain("flake-check failed with: Nix was not found (looked for 'nix' on PATH). Install Nix on the runner first");
    expect(r.outputs).toEqual({ result: "failure" });
  });
}, { tools: ["git"] });

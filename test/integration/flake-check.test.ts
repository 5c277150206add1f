import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { readFlakeCheckOptions, type FlakeCheckOptions } from "../../src/actions/flake-check/options.js";
import { failureMessage, runFlakeCheck } from "../../src/actions/flake-check/run.js";
import { Nix, NixNotFoundError } from "../../src/nix/nix.js";
import { Inputs, InputError } from "../../src/runner/inputs.js";
import { breakages, makeFleet, testNixConfig, useTestNixConfig, type FleetEdits } from "../support/nix.js";
import { RecordingRuntime } from "../support/recording-runtime.js";
import { tempDirs } from "../support/temp-dirs.js";
import { describeEachNix } from "../support/nix-versions.js";

useTestNixConfig();
const { temp, made } = tempDirs();

function fleet(edits: FleetEdits = {}, git = false) {
  const f = makeFleet(edits, { git });
  made.push(f.root);
  return f;
}

function options(flakeDir: string, given: Record<string, string> = {}): FlakeCheckOptions {
  const inputs = new Inputs((name) => ({ flake: flakeDir, ...given })[name]);
  const reportDir = temp("report-");
  return readFlakeCheckOptions(inputs, { GITHUB_WORKSPACE: flakeDir, RUNNER_TEMP: reportDir }, flakeDir);
}

async function check(flakeDir: string, given: Record<string, string> = {}) {
  const runtime = new RecordingRuntime();
  const opts = options(flakeDir, given);
  const report = await runFlakeCheck(opts, { runtime });
  return { report, runtime, reportFile: JSON.parse(readFileSync(runtime.outputs.report ?? "", "utf8")) };
}

describeEachNix("flake-check against real Nix", (nixUnderTest) => {
  it("passes a good fleet and reports every host good", async () => {
    const { report, runtime, reportFile } = await check(fleet().flake);
    expect(report.result).toBe("success");
    expect(report.hosts.map((h) => [h.host, h.status])).toEqual([["db", "ok"], ["mgmt", "ok"], ["web", "ok"]]);
    expect(runtime.outputs).toMatchObject({ result: "success", "broken-hosts": "[]" });
    expect(runtime.annotations).toEqual([]);
    expect(reportFile).toEqual(report);
  });

  it("names a host failing an assertion; the check it breaks is reported apart", async () => {
    const { report, runtime } = await check(fleet(breakages.dbAssertion).flake);
    expect(report.result).toBe("failure");
    expect(report.brokenHosts).toEqual(["db"]);
    expect(report.hosts.find((h) => h.host === "db")?.errors[0]?.message).toContain("postgresql must not listen on a privileged port");
    expect(report.hosts.filter((h) => h.status === "ok").map((h) => h.host)).toEqual(["mgmt", "web"]);
    expect(report.outputs.map((o) => o.output)).toEqual(["checks.x86_64-linux.hostnames-unique"]);
    expect(JSON.parse(runtime.outputs["broken-hosts"] ?? "")).toEqual(["db"]);
  });

  it("names both broken hosts when they break in different files, each at its file:line", async () => {
    const { report, runtime } = await check(fleet({ ...breakages.dbAssertion, ...breakages.webUndefined }).flake);
    expect(report.brokenHosts).toEqual(["db", "web"]);
    const web = report.hosts.find((h) => h.host === "web")?.errors[0];
    expect(web).toEqual({ message: "undefined variable 'acmeClient'", file: "hosts/web.nix", line: 4, column: 24 });
    // A plain throw has no position of its own: it is placed at the innermost frame in the repository.
    expect(report.hosts.find((h) => h.host === "db")?.errors[0]?.file).toBe("lib/default.nix");
    // Nix 2.8's innermost frame is the function (checkAssertions, line 28); 2.26 adds one for the throw itself (line 32).
    const throwLine = nixUnderTest.version === "2.8" ? 28 : 32;
    expect(runtime.annotations.filter((a) => a.title?.startsWith("host ")).map((a) => [a.title, a.file, a.line])).toEqual([
      ["host db is broken", "lib/default.nix", throwLine],
      ["host web is broken", "hosts/web.nix", 4],
    ]);
  });

  it("reports a syntax error in flake.nix as the flake's error, at its line", async () => {
    const { report } = await check(fleet(breakages.flakeSyntax).flake);
    expect(report.result).toBe("failure");
    expect(report.brokenHosts).toEqual([]);
    expect(report.outputs).toEqual([
      // 2.26 adds what the parser expected: "syntax error, unexpected '{', expecting INHERIT".
      { output: "flake", errors: [{ message: expect.stringMatching(/^syntax error, unexpected '\{'/), file: "flake.nix", line: 7, column: 16 }] },
    ]);
  });

  it("names a failing checks derivation by its attribute and shows its build log", async () => {
    const { report } = await check(fleet(breakages.failingCheck).flake);
    expect(report.result).toBe("failure");
    expect(report.brokenHosts).toEqual([]);
    expect(report.outputs.map((o) => o.output)).toEqual(["checks.x86_64-linux.hostnames-unique"]);
    expect(report.outputs[0]?.errors[0]?.message).toContain("duplicate host names");
  });

  it("names a check that fails through a failing input, and the input with its log", async () => {
    const { report } = await check(fleet(breakages.failingDependency).flake);
    expect(report.result).toBe("failure");
    expect(report.outputs.map((o) => o.output).sort()).toEqual(["build of broken-input", "checks.x86_64-linux.dependency-fails"]);
    expect(report.outputs.find((o) => o.output === "build of broken-input")?.errors[0]?.message).toContain("> input is broken");
  });

  it("checks another system's checks with all-systems: true; without it only Nix before 2.16 does", async () => {
    const otherSystem = {
      "flake.nix": (s: string) =>
        s.replace("checks.${system}.hostnames-unique", 'checks.aarch64-linux.broken = throw "the aarch64 check is broken";\n      checks.${system}.hostnames-unique'),
    };
    const all = await check(fleet(otherSystem).flake, { "all-systems": "true" });
    expect(all.report.outputs).toMatchObject([{ output: "checks.aarch64-linux.broken", errors: [{ message: "the aarch64 check is broken", file: "flake.nix" }] }]);
    const current = await check(fleet(otherSystem).flake);
    expect(all.report.omittedSystems).toEqual([]);
    if (nixUnderTest.version === "2.8") {
      // 2.8 has no --all-systems: it evaluates every system's checks (building only its own).
      expect(current.report.outputs.map((o) => o.output)).toEqual(["checks.aarch64-linux.broken"]);
      expect(current.report.omittedSystems).toEqual([]);
    } else {
      // 2.16+ skips other systems' checks unless told: "The check omitted these incompatible systems".
      // Not a failure, but not a silent pass either: the report and a warning say what was not checked.
      expect(current.report.result).toBe("success");
      expect(current.report.omittedSystems).toEqual(["aarch64-linux"]);
      expect(current.runtime.annotations).toEqual([
        { level: "warning", title: "systems not checked", message: expect.stringContaining("the outputs for aarch64-linux") },
      ]);
    }
  });

  it("does not build checks with build-checks: false", async () => {
    const { report } = await check(fleet(breakages.failingCheck).flake, { "build-checks": "false" });
    expect(report.result).toBe("success");
  });

  it("maps positions to repository-relative paths when the flake is a subdirectory of a git repository", async () => {
    const f = makeFleet(breakages.webUndefined, { git: true, subdir: "infra/fleet" });
    made.push(f.root);
    const runtime = new RecordingRuntime();
    const opts = options(f.flake);
    opts.workspace = f.root;
    const report = await runFlakeCheck(opts, { runtime });
    expect(report.hosts.find((h) => h.host === "web")?.errors[0]).toMatchObject({ file: "infra/fleet/hosts/web.nix", line: 4 });
  });

  it("explains a file that exists but that git does not track", async () => {
    const f = makeFleet({}, { git: true });
    made.push(f.root);
    writeFileSync(join(f.root, "hosts", "extra.nix"), "{ name, ... }: { networking.hostName = name; }\n");
    writeFileSync(join(f.root, "flake.nix"), readFileSync(join(f.root, "flake.nix"), "utf8").replace("mgmt = ./hosts/mgmt.nix;", "mgmt = ./hosts/mgmt.nix;\n        extra = ./hosts/extra.nix;"));
    const { report } = await check(f.flake);
    expect(report.result).toBe("failure");
    const messages = [...report.hosts.flatMap((h) => h.errors), ...report.outputs.flatMap((o) => o.errors)].map((e) => e.message).join("\n");
    expect(messages).toContain("hosts/extra.nix exists in the work tree but git does not track it");
  });

  it("fails a flake without nixosConfigurations instead of passing zero hosts", async () => {
    // A flake that nix flake check passes: nothing in it at all.
    const { report } = await check(fleet({ "flake.nix": "{ outputs = { self }: { }; }\n" }).flake);
    expect(report.result).toBe("failure");
    expect(report.outputs.map((o) => o.output)).toEqual(["hosts"]);
    expect(failureMessage(report)).toMatch(/^could not list the hosts: .*nixosConfigurations/);
  });

  it("when nixosConfigurations as a whole fails, says so instead of naming hosts", async () => {
    const edits = {
      "flake.nix": (s: string) =>
        s.replace(/nixosConfigurations = builtins\.mapAttrs[^\n]*;/, 'nixosConfigurations = if hosts ? web then throw "fleet inventory is incomplete" else { };'),
    };
    const { report } = await check(fleet(edits).flake);
    expect(report.result).toBe("failure");
    expect(report.hosts).toEqual([]);
    expect(report.outputs[0]).toMatchObject({ output: "flake", errors: [{ message: "fleet inventory is incomplete", file: "flake.nix" }] });
  });

  it("with keep-going off, the check stops at its first error but the one evaluation still names every broken host", async () => {
    const { report } = await check(fleet({ ...breakages.dbAssertion, ...breakages.webUndefined }).flake, { "keep-going": "false" });
    expect(report.result).toBe("failure");
    expect(report.brokenHosts).toEqual(["db", "web"]);
    expect(report.hosts.find((h) => h.host === "mgmt")?.status).toBe("ok");
  });

  it("refuses a path that is not a flake before running anything", () => {
    const dir = temp("not-a-flake-");
    writeFileSync(join(dir, "default.nix"), "{ }");
    expect(() => options(dir)).toThrow(InputError);
    expect(() => options(dir)).toThrow(/Invalid input 'flake': '.*' is not a flake: .* has no flake\.nix\. Expected the path of a directory holding flake\.nix\./);
    expect(() => options(join(dir, "missing"))).toThrow(/is not a directory/);
    expect(() => options(`${dir}#web`)).toThrow(/has a '#' fragment/);
  });

  it("says clearly when nix is not installed", async () => {
    const empty = temp("no-nix-");
    await expect(Nix.create({ env: { PATH: empty } })).rejects.toThrow(NixNotFoundError);
    await expect(Nix.create({ env: { PATH: empty } })).rejects.toThrow(/Nix was not found \(looked for 'nix' on PATH\)/);
  });

  it("keeps the caller's NIX_CONFIG and adds to it", async () => {
    const nix = await Nix.create({ extraConfig: "max-jobs = 3", env: { ...process.env, NIX_CONFIG: `${testNixConfig}\nconnect-timeout = 17` } });
    const shown = await nix.exec(["show-config", "--json"]);
    const config = JSON.parse(shown.stdout) as Record<string, { value: unknown }>;
    expect(config["max-jobs"]?.value).toBe(3);
    expect(config["connect-timeout"]?.value).toBe(17); // the caller's, kept
    // The flakes feature was added: this flake command runs although the caller enabled nothing.
    expect((await nix.exec(["flake", "metadata", "--json", fleet().flake])).exitCode).toBe(0);
  });

  it("builds with build --json on any version: drv and out paths that exist", async () => {
    const f = fleet();
    const nix = await Nix.create();
    const [web] = await nix.build([`${f.flake}#nixosConfigurations.web.config.system.build.toplevel`]);
    expect(web?.drvPath).toMatch(/^\/nix\/store\/[a-z0-9]{32}-nixos-system-web\.drv$/);
    expect(readFileSync(nixUnderTest.hostPath(`${web?.outputs.out}/etc/hostname`), "utf8")).toBe("web\n");
    const failing = fleet({ "lib/default.nix": (s: string) => s.replace('echo "$hostName" > $out/etc/hostname', "exit 7") });
    await expect(nix.build([`${failing.flake}#nixosConfigurations.db.config.system.build.toplevel`])).rejects.toThrow(/builder for '.*nixos-system-db\.drv' failed with exit code 7/);
  });
});

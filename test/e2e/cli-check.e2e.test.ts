import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { breakages, makeFleet, testNixConfig } from "../support/nix.js";
import { repoRoot } from "../support/runner-harness.js";
import { describeEachNix } from "../support/nix-versions.js";

const cli = join(repoRoot, "dist", "nix-fleet.js");
const made: string[] = [];
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

function nixFleet(args: string[], cwd = repoRoot, env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: "utf8", env: { ...process.env, NIX_CONFIG: testNixConfig, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describeEachNix("nix-fleet check (the committed CLI bundle)", () => {
  it("checks the bundled example fleet: every host good, exit 0", () => {
    const r = nixFleet(["check", "--flake", "examples/fleet"]);
    expect(r.stderr).toMatch(/3 hosts checked in [\d.]+ s with .*: 3 good, 0 broken\./);
    expect(r.code).toBe(0);
  });

  it("prints the JSON report on stdout and the readable report on stderr; exit 1 naming the broken hosts", () => {
    const f = makeFleet({ ...breakages.dbAssertion, ...breakages.webUndefined });
    made.push(f.root);
    const r = nixFleet(["check", "--flake", ".", "--json"], f.root);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.brokenHosts).toEqual(["db", "web"]);
    expect(r.stderr).toContain("error: hosts/web.nix:4:24: host web is broken: undefined variable 'acmeClient'");
    expect(r.stderr).toContain("nix-fleet check failed: 2 of 3 hosts are broken: db, web");
    // The raw Nix output is folded away unless --verbose.
    expect(r.stderr).not.toContain("error (ignored)");
    expect(nixFleet(["check", "--flake", ".", "--verbose"], f.root).stderr).toContain("error (ignored)");
  });

  it("leaves nothing behind in the temp dir, and writes the report only where --report says", () => {
    const tmp = mkdtempSync(join(tmpdir(), "cli-tmp-"));
    made.push(tmp);
    expect(nixFleet(["check", "--flake", "examples/fleet"], repoRoot, { TMPDIR: tmp }).code).toBe(0);
    expect(readdirSync(tmp)).toEqual([]);
    const report = join(tmp, "out", "check.json");
    expect(nixFleet(["check", "--flake", "examples/fleet", "--report", report], repoRoot, { TMPDIR: tmp }).code).toBe(0);
    expect(JSON.parse(readFileSync(report, "utf8")).result).toBe("success");
    expect(readdirSync(tmp)).toEqual(["out"]);
  });

  it("refuses a --report that exists or lies in .git before anything runs, for check, plan and build", () => {
    const tmp = mkdtempSync(join(tmpdir(), "cli-report-"));
    made.push(tmp);
    const existing = join(tmp, "flake.nix");
    writeFileSync(existing, "keep me\n");
    const commands = [["check"], ["plan"], ["build", "--all"]];
    for (const command of commands) {
      for (const report of [existing, join(repoRoot, ".git", "r.json")]) {
        const r = nixFleet([...command, "--flake", "examples/fleet", "--report", report]);
        expect(r.stderr, `${command.join(" ")} ${report}`).toMatch(/Invalid option --report: .*(already exists|inside a \.git directory)/);
        expect(r.code).toBe(2);
      }
    }
    expect(readFileSync(existing, "utf8")).toBe("keep me\n");
  });

  it.each([
    [["check", "--bogus"], /Unknown option '--bogus'/],
    [["check", "--flake", "/nonexistent/fleet"], /Invalid option --flake: '\/nonexistent\/fleet' is not a directory/],
    [["deploy-everything"], /unknown command 'deploy-everything'/],
  ])("bad usage %j exits 2 with a clear message", (args, message) => {
    const r = nixFleet(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it("--help lists the commands", () => {
    const r = nixFleet(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("nix-fleet check [--flake PATH]");
  });
});

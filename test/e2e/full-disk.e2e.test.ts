import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ReportWriteError, writeStepReport } from "../../src/runner/report-file.js";
import { errorKind } from "../../src/runner/user-error.js";
import { filesLeft, fullTmpfs } from "../support/full-disk.js";
import { makeFleet, testNixConfig } from "../support/nix.js";
import { repoRoot, runAction, type Flavour } from "../support/runner-harness.js";
import { Cleanup, scanRepo } from "../support/secret-scan.js";
import { describeWithTools } from "../support/tools.js";

/**
 * A full RUNNER_TEMP used to give a bare ENOSPC, leave a zero-byte report, and make the gate say
 * "flake-check did not run" when only flake-check's report could not be written.
 */
const temps: string[] = [];
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

describe("a report written to a full disk", () => {
  it("fails saying the temp directory is full, as a setup problem, and leaves no file or directory behind", async () => {
    const disk = fullTmpfs();
    const saved = process.env.RUNNER_TEMP;
    process.env.RUNNER_TEMP = disk.dir;
    try {
      const error = await writeStepReport(join(disk.dir, "nix-fleet"), "flake-check", { result: "success", hosts: ["x".repeat(100_000)] }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ReportWriteError);
      expect((error as Error).message).toMatch(
        new RegExp(`^The flake-check report could not be written to ${disk.dir}/nix-fleet/flake-check-\\w+/flake-check-report.json: the temp directory ${disk.dir} \\(RUNNER_TEMP\\) is full \\(ENOSPC\\)\\. Fix: free space`),
      );
      expect(errorKind(error)).toBe("setup");
      expect(filesLeft(disk.dir)).toEqual([]);
      expect(spawnSync("find", [disk.dir, "-mindepth", "2"], { encoding: "utf8" }).stdout).toBe("");
    } finally {
      if (saved === undefined) delete process.env.RUNNER_TEMP;
      else process.env.RUNNER_TEMP = saved;
      disk.unmount();
    }
  });
});

// Nix 2.8 only: what is under test is the toolkit writing its reports to a full RUNNER_TEMP,
// which no Nix version changes (Nix itself writes nothing there).
describeWithTools(["nix", "git", "gitleaks"], "the gate with a full RUNNER_TEMP", () => {
  it.each(["github", "forgejo"] as const)("%s: names the stage whose report could not be written, and leaves no zero-byte report", async (flavour: Flavour) => {
    const workspace = makeFleet({}, { git: true }).root;
    temps.push(workspace);
    const disk = fullTmpfs();
    try {
      const result = await runAction({
        action: ".",
        flavour,
        workspace,
        eventName: "workflow_dispatch",
        inputs: { "build-checks": "false" },
        env: { NIX_CONFIG: testNixConfig, RUNNER_TEMP: disk.dir },
      });
      temps.push(result.runnerTemp);
      expect(result.exitCode).toBe(1);
      expect(result.outputs.result).toBe("failure");
      // The report's plain text stands in the log on both runners (GitHub's summary escapes it).
      const text = result.log;
      expect(text).toMatch(/flake-check ran, but its report is missing: The flake-check report could not be written to .*: the temp directory .* \(RUNNER_TEMP\) is full \(ENOSPC\)/);
      expect(text).toContain("flake-check's report could not be written, so which hosts evaluate is unknown");
      expect(result.log).not.toContain("flake-check did not run");
      expect(result.log).toMatch(/gate failed with: The gate report could not be written to .*is full \(ENOSPC\)\. Fix: /);
      expect(filesLeft(disk.dir)).toEqual([]);
    } finally {
      disk.unmount();
    }
  });
});

describeWithTools(["nix"], "nix-fleet with a full disk", () => {
  it("exits 3 (a setup problem) with the fix, and --json says errorKind setup", () => {
    const disk = fullTmpfs();
    try {
      const report = join(disk.dir, "check.json");
      const r = spawnSync(process.execPath, [join(repoRoot, "dist", "nix-fleet.js"), "check", "--flake", "examples/fleet", "--no-build", "--report", report, "--json"], {
        cwd: repoRoot,
        encoding: "utf8",
        env: { ...process.env, NIX_CONFIG: testNixConfig },
      });
      expect(r.status, r.stderr).toBe(3);
      expect(r.stderr).toMatch(new RegExp(`nix-fleet check: The flake-check report could not be written to ${report}: the disk holding ${disk.dir} is full \\(ENOSPC\\)\\. Fix: free space`));
      expect(JSON.parse(r.stdout)).toMatchObject({ result: "failure", errorKind: "setup" });
      expect(filesLeft(disk.dir)).toEqual([]);
    } finally {
      disk.unmount();
    }
  });
});

describeWithTools(["git", "gitleaks"], "secret-scan with a full disk under its sarif path", () => {
  const cleanup = new Cleanup();
  afterAll(() => cleanup.run());

  it("fails naming the SARIF file, and takes back the JSON report it had written: neither is left", async () => {
    const r = cleanup.repo();
    r.commit("root", { "README.md": "x\n" });
    const out = join(r.dir, "out");
    mkdirSync(out);
    const disk = fullTmpfs(out);
    try {
      const result = await scanRepo(cleanup, r, { eventName: "workflow_dispatch", inputs: { sarif: "out/scan.sarif" } });
      expect(result.exitCode, result.log).toBe(1);
      expect(result.log).toMatch(new RegExp(`The secret-scan report could not be written to ${out}/scan.sarif: the disk holding ${out} is full \\(ENOSPC\\)\\. Fix: free space`));
      expect(filesLeft(out)).toEqual([]);
      // The report had been written first, into the step's own directory: gone again, and no
      // output points at it.
      const reports = join(result.runnerTemp, "nix-fleet");
      expect(existsSync(reports) ? readdirSync(reports).filter((n) => n.startsWith("secret-scan-")) : []).toEqual([]);
      expect(result.outputs.report).toBeUndefined();
    } finally {
      disk.unmount();
    }
  });
});

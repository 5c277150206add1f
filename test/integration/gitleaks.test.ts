import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { Gitleaks, GitleaksError } from "../../src/scan/gitleaks.js";
import { TestRepo } from "../support/git-repo.js";
import { describeWithTools } from "../support/tools.js";

const cleanup: string[] = [];
afterAll(() => {
  for (const dir of cleanup) rmSync(dir, { recursive: true, force: true });
});

describeWithTools(["git", "gitleaks"], "the real gitleaks, bounded in time", () => {
  it("stops gitleaks at the timeout and fails the scan saying so, without its argv", async () => {
    const repo = TestRepo.init("timeout-");
    cleanup.push(repo.dir);
    repo.commit("root", { "README.md": "x\n" });
    const scratch = mkdtempSync(join(tmpdir(), "timeout-scratch-"));
    cleanup.push(scratch);
    const gitleaks = await Gitleaks.create(execFileSync("sh", ["-c", "command -v gitleaks"], { encoding: "utf8" }).trim());
    const scan = gitleaks.scan({ source: repo.dir, logOpts: "--all", reportPath: join(scratch, "report.json"), timeoutMs: 1 });
    await expect(scan).rejects.toBeInstanceOf(GitleaksError);
    const message = await scan.catch((e: Error) => e.message);
    expect(message).toMatch(/^gitleaks (detect|git) did not finish within 0.001 s \(gitleaks-timeout\) and was stopped/);
    expect(message).not.toContain("--report-path");
    // The same scan with time to spare succeeds: the bound, not the repository, stopped it.
    await expect(gitleaks.scan({ source: repo.dir, logOpts: "--all", reportPath: join(scratch, "again.json"), timeoutMs: 60_000 })).resolves.toMatchObject({ findings: [] });
  });
});

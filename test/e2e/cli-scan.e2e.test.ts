import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { plantedSecret, secretLine, TestRepo } from "../support/git-repo.js";
import { echoingGitRemote } from "../support/git-http.js";
import { repoRoot } from "../support/runner-harness.js";
import { describeWithTools } from "../support/tools.js";

const cleanup: string[] = [];
afterEach(() => {
  for (const dir of cleanup.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Reports go to a directory the test removes; the CLI's own scratch directory it removes itself. */
function cli(cwd: string, ...args: string[]) {
  const out = mkdtempSync(join(tmpdir(), "scan-out-"));
  cleanup.push(out);
  const files = args.includes("--report") || args.includes("--no-files") ? [] : ["--report", join(out, "report.json"), "--sarif", join(out, "scan.sarif")];
  const argv = args.filter((a) => a !== "--no-files");
  const r = spawnSync(process.execPath, [join(repoRoot, "dist", "nix-fleet.js"), "scan", ...files, ...argv], { cwd, encoding: "utf8", env: { ...process.env, TMPDIR: out } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, tmp: out };
}

describeWithTools(["git", "gitleaks"], "nix-fleet scan", () => {
  it("scans what is not pushed upstream, prints the same report, and never the secret", async () => {
    const upstream = TestRepo.init("upstream-", { bare: true });
    const repo = TestRepo.init("laptop-");
    const out = mkdtempSync(join(tmpdir(), "scan-out-"));
    cleanup.push(upstream.dir, repo.dir, out);
    const old = plantedSecret();
    const fresh = plantedSecret();
    repo.commit("root", { "README.md": "x\n" });
    repo.commit("old leak", { "old.env": secretLine(old) });
    repo.git("remote", "add", "origin", upstream.dir);
    repo.git("push", "-q", "-u", "origin", "main");
    const leak = repo.commit("new leak", { "hosts/web.env": `A=1\n${secretLine(fresh)}` });
    repo.commit("remove it", { "hosts/web.env": null });

    const report = join(out, "report.json");
    const sarif = join(out, "scan.sarif");
    const auto = cli(repo.dir, "--report", report, "--sarif", sarif, "--json");
    expect(auto.status).toBe(1);
    expect(auto.stderr).toMatch(/secret-scan: 1 secret found/);
    expect(auto.stderr).toMatch(new RegExp(`github-pat\\s+hosts/web.env:2\\s+${leak.slice(0, 12)}`));
    expect(auto.stderr).toMatch(/error: hosts\/web\.env:2:\d+: secret found: github-pat: /);
    expect(auto.stderr).toContain("nix-fleet scan failed: 1 secret found in 2 commits");
    expect(JSON.parse(auto.stdout)).toMatchObject({ commits: 2, findings: [{ file: "hosts/web.env", line: 2, commit: leak }] });
    expect(JSON.parse(readFileSync(sarif, "utf8")).runs[0].results).toHaveLength(1);

    const all = cli(repo.dir, "--range", "all");
    expect(all.status).toBe(1);
    expect(all.stderr).toMatch(/secret-scan: 2 secrets found/);

    // Without --report the reports live in the scratch directory: gone afterwards, and never named.
    const unsaved = cli(repo.dir, "--range", "all", "--no-files", "--json");
    expect(unsaved.status).toBe(1);
    expect(readdirSync(unsaved.tmp)).toEqual([]);
    expect(unsaved.stdout + unsaved.stderr).not.toContain(unsaved.tmp);

    repo.git("push", "-q", "origin", "main");
    const clean = cli(repo.dir);
    expect(clean.status).toBe(0);
    expect(clean.stderr).toContain("No commits to scan (not yet pushed upstream).");

    const bad = cli(repo.dir, "--range", "HEAD --all");
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("Invalid option --range: 'HEAD --all' is not a range.");

    // The reports of the first run are there now: never replaced, and refused before any scan.
    const before = readFileSync(report, "utf8");
    for (const args of [["--report", report], ["--sarif", sarif, "--report", join(out, "other.json")], ["--report", join(repo.dir, ".git", "r.json")]]) {
      const refused = cli(repo.dir, ...args);
      expect(refused.status, args.join(" ")).toBe(2);
      expect(refused.stderr, args.join(" ")).toMatch(/Invalid option --(report|sarif): .*(already exists|inside a \.git directory)/);
      expect(refused.stderr).not.toContain("Scanning");
    }
    expect(readFileSync(report, "utf8")).toBe(before);

    for (const r of [auto, all, clean]) {
      for (const secret of [old, fresh]) expect(r.stdout + r.stderr).not.toContain(secret);
    }
    for (const secret of [old, fresh]) {
      expect(readFileSync(report, "utf8")).not.toContain(secret);
      expect(readFileSync(sarif, "utf8")).not.toContain(secret);
    }
  });

  it("never prints a credential that a tool's error quotes: the failure message is masked too", async () => {
    const repo = TestRepo.init("laptop-");
    cleanup.push(repo.dir);
    repo.commit("root", { "README.md": "x\n" });
    const server = await echoingGitRemote();
    try {
      const token = `tok${plantedSecret()}`;
      const url = `${server.url.replace("http://", `http://ci:${token}@`)}/x.git#main`;
      const child = spawn(process.execPath, [join(repoRoot, "dist", "nix-fleet.js"), "scan", "--range", "unpublished", "--published-ref", url, "--json"], { cwd: repo.dir });
      let said = "";
      child.stdout.on("data", (d: Buffer) => (said += d.toString()));
      child.stderr.on("data", (d: Buffer) => (said += d.toString()));
      const status = await new Promise<number | null>((done) => child.on("close", done));
      expect(status).toBe(1);
      expect(said).toContain("remote error: you sent Basic ***");
      expect(said).not.toContain(Buffer.from(`ci:${token}`).toString("base64"));
      expect(said).not.toContain(token);
    } finally {
      await server.close();
    }
  });
});

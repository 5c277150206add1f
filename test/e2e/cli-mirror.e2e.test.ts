import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { plantedSecret, secretLine, TestRepo } from "../support/git-repo.js";
import { mirrorTip } from "../support/mirror.js";
import { repoRoot } from "../support/runner-harness.js";
import { describeWithTools } from "../support/tools.js";

const cleanup: string[] = [];
afterEach(() => {
  for (const dir of cleanup.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function cli(cwd: string, args: string[], env: Record<string, string> = {}) {
  const tmp = mkdtempSync(join(tmpdir(), "mirror-cli-"));
  cleanup.push(tmp);
  // Outside a runner, as on a laptop: no GITHUB_* or CI variables from the test's own environment.
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(GITHUB_|FORGEJO_|CI$)/.test(k)));
  const r = spawnSync(process.execPath, [join(repoRoot, "dist", "nix-fleet.js"), "mirror", ...args], { cwd, encoding: "utf8", env: { ...base, TMPDIR: tmp, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, tmp };
}

describeWithTools(["git", "gitleaks"], "nix-fleet mirror", () => {
  it("publishes HEAD of the current branch, prints the report and --json, and refuses a leak with exit 1", async () => {
    const repo = TestRepo.init("laptop-");
    const bare = TestRepo.init("mirror-", { bare: true });
    cleanup.push(repo.dir, bare.dir);
    repo.commit("root", { "README.md": "x\n" });
    const head = repo.commit("green", { "a.txt": "a\n" });

    const ok = cli(repo.dir, ["--remote", bare.dir, "--json"]);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stderr).toContain("mirror: published 2 commits to main");
    expect(JSON.parse(ok.stdout)).toMatchObject({ result: "published", branch: "main", sha: head, published: head, commits: 2 });
    expect(mirrorTip(bare)).toBe(head);
    // The CLI's private directory went with it.
    expect(readdirSync(ok.tmp)).toEqual([]);

    const again = cli(repo.dir, ["--remote", bare.dir]);
    expect(again.status).toBe(0);
    expect(again.stderr).toContain("mirror: nothing to publish (the mirror's main is already at");

    const secret = plantedSecret();
    repo.commit("red", { "x.env": secretLine(secret) });
    repo.commit("green again", { "x.env": null });
    const refused = cli(repo.dir, ["--remote", `file://${bare.dir}`]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain("nix-fleet mirror failed: refused to publish");
    expect(refused.stderr + refused.stdout).not.toContain(secret);
    expect(mirrorTip(bare)).toBe(head);
  });

  it("takes the token from MIRROR_TOKEN only, and exits 2 on bad usage", async () => {
    const repo = TestRepo.init("laptop-");
    cleanup.push(repo.dir);
    repo.commit("root", { "README.md": "x\n" });
    const noToken = cli(repo.dir, ["--remote", "https://forge.example/fleet/infra.git"]);
    expect(noToken.status).toBe(2);
    expect(noToken.stderr).toContain("Invalid environment variable MIRROR_TOKEN: it is required");
    const keyFile = join(repo.dir, "..", `${repo.dir.split("/").pop()}-nokey`);
    const missing = cli(repo.dir, ["--remote", "git@github.com:fleet/infra.git", "--ssh-key-file", keyFile]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("option --ssh-key-file: cannot read");
    writeFileSync(join(repo.dir, "not-a-key"), "hello\n");
    const bad = cli(repo.dir, ["--remote", "git@github.com:fleet/infra.git", "--ssh-key-file", "not-a-key"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("Invalid option --ssh-key-file: it is not a usable private key");
    const token = `tok-${plantedSecret()}`;
    const masked = cli(repo.dir, ["--remote", `https://u:${token}@forge.example/x.git`], { MIRROR_TOKEN: token });
    expect(masked.status).toBe(2);
    expect(masked.stderr).not.toContain(token);
  });
});

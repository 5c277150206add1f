import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { ZERO_SHA } from "../../src/git/git.js";
import { plantedSecret, secretLine, TestRepo } from "../support/git-repo.js";
import { breakages, testNixConfig } from "../support/nix.js";
import { repoRoot, runAction, type Flavour } from "../support/runner-harness.js";
import { describeWithTools } from "../support/tools.js";

const cleanup: string[] = [];
afterAll(() => cleanup.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A repository whose first push is the example fleet, with `edits` and `extra` files in a second commit. */
function fleetRepo(edits: Record<string, (s: string) => string>, extra: Record<string, string> = {}) {
  const repo = TestRepo.init("gate-");
  cleanup.push(repo.dir);
  cpSync(join(repoRoot, "examples", "fleet"), repo.dir, { recursive: true });
  const first = repo.commit("fleet", {});
  const files: Record<string, string> = { ...extra };
  for (const [file, edit] of Object.entries(edits)) files[file] = edit(readFileSync(join(repo.dir, file), "utf8"));
  const second = repo.commit("change", files);
  return { repo, event: { before: first, after: second, ref: "refs/heads/main", created: false, forced: false, commits: [{ id: second }] } };
}

function cacheDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "gate-cache-"));
  cleanup.push(dir);
  return dir;
}

describeWithTools(["nix", "git", "gitleaks"], "the gate (root action.yml), one job", () => {
  it.each(["github", "forgejo"] as const)("%s: a broken host and a leaked secret fail the gate; the good hosts are still built and pushed", async (flavour: Flavour) => {
    const secret = plantedSecret();
    const { repo, event } = fleetRepo(breakages.dbAssertion, { "secrets.env": secretLine(secret) });
    const cache = cacheDir();
    const r = await runAction({ action: ".", flavour, workspace: repo.dir, eventName: "push", event, sha: event.after, inputs: { "push-to": `file://${cache}` }, env: { NIX_CONFIG: testNixConfig } });
    cleanup.push(r.runnerTemp);
    expect(r.exitCode).toBe(1);
    expect(r.outputs.result).toBe("failure");
    expect(JSON.parse(r.outputs["broken-hosts"] ?? "")).toEqual(["db"]);
    expect(r.outputs.findings).toBe("1");
    expect(Object.keys(JSON.parse(r.outputs.results ?? "{}")).sort()).toEqual(["mgmt", "web"]);
    expect(Object.values(JSON.parse(r.outputs.results ?? "{}")).map((x) => (x as { status: string }).status)).toEqual(["pushed", "pushed"]);
    expect(readdirSync(cache).filter((f) => f.endsWith(".narinfo")).length).toBeGreaterThanOrEqual(3);
    expect(r.log).toMatch(/gate failed with: flake-check failed: 1 of 3 hosts are broken: db; .*secret-scan failed: 1 secret found in 1 commits .*: secrets\.env:1$/m);
    const report = JSON.parse(readFileSync(r.outputs.report ?? "", "utf8"));
    expect(report.stages.map((s: { stage: string; status: string }) => `${s.stage}:${s.status}`)).toEqual(["flake-check:failure", "secret-scan:failure", "build-matrix:success"]);
    for (const stage of report.stages) expect(existsSync(stage.report)).toBe(true);
    expect(r.rawLog).not.toContain(secret);
    expect(r.post?.exitCode).toBe(0);
  });

  it("a clean push passes every stage", async () => {
    const { repo, event } = fleetRepo({ "hosts/web.nix": (s) => s.replace('"acme"', '"acme" "prometheus"') });
    const r = await runAction({ action: ".", flavour: "github", workspace: repo.dir, eventName: "push", event, sha: event.after, inputs: { "push-to": `file://${cacheDir()}` }, env: { NIX_CONFIG: testNixConfig } });
    cleanup.push(r.runnerTemp);
    expect(r.log).not.toContain("failed with");
    expect(r.exitCode).toBe(0);
    expect(r.outputs).toMatchObject({ result: "success", "broken-hosts": "[]", findings: "0" });
    expect(r.summary).toContain("| build-matrix | ✅ success |");
  });

  it("reads every stage's inputs before any stage runs", async () => {
    const { repo, event } = fleetRepo({});
    const r = await runAction({ action: ".", flavour: "github", workspace: repo.dir, eventName: "push", event: { ...event, before: ZERO_SHA }, inputs: { "max-parallel": "0" }, env: { NIX_CONFIG: testNixConfig } });
    cleanup.push(r.runnerTemp);
    expect(r.exitCode).toBe(1);
    expect(r.log).toContain("gate failed with: Invalid input 'max-parallel': 0 is out of range. Expected a whole number from 1 to 64.");
    expect(r.log).not.toContain("── flake-check ──");
  });
});

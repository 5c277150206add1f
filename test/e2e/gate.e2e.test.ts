import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { ZERO_SHA } from "../../src/git/git.js";
import { plantedSecret, secretLine, TestRepo } from "../support/git-repo.js";
import { echoingGitRemote } from "../support/git-http.js";
import { breakages, testNixConfig } from "../support/nix.js";
import { repoRoot, runAction, type Flavour } from "../support/runner-harness.js";
import { describeEachNix } from "../support/nix-versions.js";

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

describeEachNix("the gate (root action.yml), one job", () => {
  it.each(["github", "forgejo"] as const)("%s: a broken host and a leaked secret fail the gate; the good hosts are still built, but not pushed", async (flavour: Flavour) => {
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
    expect(Object.values(JSON.parse(r.outputs.results ?? "{}")).map((x) => (x as { status: string }).status)).toEqual(["built", "built"]);
    // The secret may be in those closures: nothing reaches the cache.
    expect(readdirSync(cache).filter((f) => f.endsWith(".narinfo"))).toEqual([]);
    expect(r.log).toContain("secret-scan found secrets or could not run: hosts are built but not pushed.");
    expect(r.log).toMatch(/gate failed with: flake-check failed: 1 of 3 hosts are broken: db; .*secret-scan failed: 1 secret found in 1 commits .*: secrets\.env:1$/m);
    const report = JSON.parse(readFileSync(r.outputs.report ?? "", "utf8"));
    expect(report.stages.map((s: { stage: string; status: string }) => `${s.stage}:${s.status}`)).toEqual(["flake-check:failure", "secret-scan:failure", "build-matrix:success"]);
    expect(report.stages[2].message).toBe("built, not pushed: secret-scan found secrets or could not run");
    for (const stage of report.stages) expect(existsSync(stage.report)).toBe(true);
    expect(r.rawLog).not.toContain(secret);
    expect(r.post?.exitCode).toBe(0);
  });

  it("a clean push passes every stage and pushes every host", async () => {
    const { repo, event } = fleetRepo({ "hosts/web.nix": (s) => s.replace('"acme"', '"acme" "prometheus"') });
    const cache = cacheDir();
    const r = await runAction({ action: ".", flavour: "github", workspace: repo.dir, eventName: "push", event, sha: event.after, inputs: { "push-to": `file://${cache}` }, env: { NIX_CONFIG: testNixConfig } });
    cleanup.push(r.runnerTemp);
    expect(r.log).not.toContain("failed with");
    expect(r.exitCode).toBe(0);
    // build-matrix plans from the evaluation flake-check made: every host evaluated once.
    expect(r.log).toContain("Planning 3 hosts from flake-check's evaluation (no new evaluation): 0 failed.");
    expect(r.outputs).toMatchObject({ result: "success", "broken-hosts": "[]", findings: "0" });
    expect(Object.values(JSON.parse(r.outputs.results ?? "{}")).map((x) => (x as { status: string }).status)).toEqual(["pushed", "pushed", "pushed"]);
    expect(readdirSync(cache).filter((f) => f.endsWith(".narinfo")).length).toBeGreaterThanOrEqual(4);
    expect(r.summary).toContain("| build-matrix | ✅ success |");
  });

  it("a stage that cannot run does not stop the others; a host asked for that the flake lacks fails the build naming the known hosts, before anything is built", async () => {
    // Not a git repository: secret-scan cannot run at all.
    const dir = mkdtempSync(join(tmpdir(), "gate-nogit-"));
    cleanup.push(dir);
    cpSync(join(repoRoot, "examples", "fleet"), dir, { recursive: true });
    const r = await runAction({ action: ".", flavour: "github", workspace: dir, eventName: "workflow_dispatch", event: {}, inputs: { hosts: "web, wbe" }, env: { NIX_CONFIG: testNixConfig } });
    cleanup.push(r.runnerTemp);
    expect(r.exitCode).toBe(1);
    const report = JSON.parse(readFileSync(r.outputs.report ?? "", "utf8"));
    expect(report.stages.map((s: { stage: string; status: string }) => `${s.stage}:${s.status}`)).toEqual(["flake-check:success", "secret-scan:failure", "build-matrix:failure"]);
    expect(report.stages[1].message).toContain("is not a git work tree");
    // Every failure's kind stands beside its message; a stage that passed has none.
    expect(report.stages[0].errorKind).toBeUndefined();
    expect(["setup", "failure"]).toContain(report.stages[1].errorKind);
    expect(report.stages[2].errorKind).toBe("input");
    expect(report.stages[2].message).toBe(
      "Invalid input 'hosts': 'wbe' is not a host of the flake (nixosConfigurations). Expected names of nixosConfigurations: the flake's hosts are db, mgmt, web.",
    );
    expect(r.outputs.results).toBeUndefined();
  });

  it("a flake that does not evaluate skips the build, saying why", async () => {
    const { repo, event } = fleetRepo(breakages.flakeSyntax);
    const r = await runAction({ action: ".", flavour: "forgejo", workspace: repo.dir, eventName: "push", event, sha: event.after, env: { NIX_CONFIG: testNixConfig } });
    cleanup.push(r.runnerTemp);
    expect(r.exitCode).toBe(1);
    expect(r.log).toMatch(/^build-matrix\s+⏭️ skipped\s+no host could be listed$/m);
    expect(r.log).toContain("error: gate failed with: flake-check failed: the flake did not evaluate: syntax error");
  });

  it("reads every stage's inputs before any stage runs", async () => {
    const { repo, event } = fleetRepo({});
    const r = await runAction({ action: ".", flavour: "github", workspace: repo.dir, eventName: "push", event: { ...event, before: ZERO_SHA }, inputs: { "max-parallel": "0" }, env: { NIX_CONFIG: testNixConfig } });
    cleanup.push(r.runnerTemp);
    expect(r.exitCode).toBe(1);
    expect(r.log).toContain("gate failed with: Invalid input 'max-parallel': 0 is out of range. Expected a whole number from 1 to 64.");
    expect(r.log).not.toContain("── flake-check ──");
  });

  it("never writes a credential that a stage's error quotes into the gate's report or summary", async () => {
    const repo = TestRepo.init("gate-");
    cleanup.push(repo.dir);
    // No host to list: flake-check fails at once and nothing is built; the scan is what matters.
    const sha = repo.commit("fleet", { "flake.nix": "{ outputs = _: { }; }\n" });
    const server = await echoingGitRemote();
    try {
      const token = `tok${plantedSecret()}`;
      const basic = Buffer.from(`ci:${token}`).toString("base64");
      const publishedRef = `${server.url.replace("http://", `http://ci:${token}@`)}/x.git#main`;
      const r = await runAction({ action: ".", flavour: "github", workspace: repo.dir, eventName: "push", event: { before: ZERO_SHA, after: sha, ref: "refs/heads/main" }, sha, inputs: { range: "unpublished", "published-ref": publishedRef }, env: { NIX_CONFIG: testNixConfig } });
      cleanup.push(r.runnerTemp);
      expect(r.exitCode).toBe(1);
      const report = readFileSync(r.outputs.report ?? "", "utf8");
      expect(JSON.parse(report).stages[1]).toMatchObject({ stage: "secret-scan", status: "failure", message: expect.stringContaining("remote error: you sent Basic ***") });
      for (const [where, text] of [["report", report], ["summary", r.summary]] as const) {
        expect(text, where).not.toContain(basic);
        expect(text, where).not.toContain(token);
      }
    } finally {
      await server.close();
    }
  });
}, { tools: ["git", "gitleaks"] });

describeEachNix("hostile host names", () => {
  it.each(["github", "forgejo"] as const)("%s: a host name carrying a workflow command is an error, shown escaped, and runs nothing; nothing is built, even a host asked for", async (flavour: Flavour) => {
    const { repo, event } = fleetRepo({ "flake.nix": (s) => s.replace("mgmt = ./hosts/mgmt.nix;", 'mgmt = ./hosts/mgmt.nix;\n        "evil\\n::add-mask::built" = ./hosts/mgmt.nix;') });
    const r = await runAction({ action: ".", flavour, workspace: repo.dir, eventName: "push", event, sha: event.after, inputs: { hosts: "web" }, env: { NIX_CONFIG: testNixConfig } });
    cleanup.push(r.runnerTemp);
    expect(r.exitCode).toBe(1);
    expect(r.outputs.results).toBeUndefined();
    expect(r.log).toContain('nixosConfigurations has names that are not host names (letters, digits, \'_\', \'.\', \'-\'): "evil\\n::add-mask::built"');
    expect(r.log).not.toContain("***");
    expect(r.log).toContain("build-matrix skipped: no host could be listed");
    expect(r.log).toContain("flake-check failed: could not list the hosts: nixosConfigurations has names that are not host names");
  });
}, { tools: ["git", "gitleaks"] });

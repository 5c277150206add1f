import { execFileSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { ZERO_SHA } from "../../src/git/git.js";
import { plantedSecret, secretLine, TestRepo } from "../support/git-repo.js";
import type { HarnessResult } from "../support/runner-harness.js";
import { Cleanup, expectNoLeak, found, scanRepo, scanReport as report, type Scan } from "../support/secret-scan.js";
import { describeWithTools } from "../support/tools.js";

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

function repo(): TestRepo {
  return cleanup.repo("scan-");
}

function scan(r: TestRepo, o: Scan = {}): Promise<HarnessResult> {
  return scanRepo(cleanup, r, o);
}

/** root → add (secret on line 2 of deploy.env) → remove → docs. */
function leakedAndRemoved(r: TestRepo, secret: string) {
  const root = r.commit("root", { "README.md": "fleet\n" });
  const added = r.commit("add deploy env", { "deploy.env": `HOST=web\n${secretLine(secret)}` });
  const removed = r.commit("oops, remove it", { "deploy.env": null });
  const docs = r.commit("docs", { "README.md": "fleet, documented\n" });
  return { root, added, removed, docs };
}

describeWithTools(["git", "gitleaks"], "secret-scan action", () => {
  it.each(["github", "forgejo"] as const)("finds a secret added and removed inside a push, at file, line and commit (%s)", async (flavour) => {
    const r = repo();
    const secret = plantedSecret();
    const c = leakedAndRemoved(r, secret);
    const result = await scan(r, { flavour, event: { before: c.root, after: c.docs, ref: "refs/heads/main" } });

    expect(result.exitCode).toBe(1);
    expect(result.log).toContain("secret-scan failed with: 1 secret found in 3 commits");
    expect(result.outputs).toMatchObject({ findings: "1", commits: "3", range: `${c.root}..${c.docs}` });
    expect(found(result)).toEqual([`deploy.env:2@${c.added}`]);
    const sarif = JSON.parse(readFileSync(result.outputs.sarif as string, "utf8"));
    expect(sarif.runs[0].results[0].locations[0].physicalLocation).toMatchObject({ artifactLocation: { uri: "deploy.env" }, region: { startLine: 2 } });
    if (flavour === "github") {
      expect(result.log).toMatch(new RegExp(`::error title=secret found%3A github-pat,file=deploy.env,line=2,.*commit ${c.added.slice(0, 12)} \\(2026-01-01T00:00:02Z\\)`));
      expect(result.summary).toContain(`| github-pat | deploy.env:2 | ${c.added.slice(0, 12)} | 2026-01-01T00:00:02Z |`);
    } else {
      // Forgejo: no annotations and no summary page; the log says it all.
      expect(result.log).not.toContain("::error title=");
      expect(result.log).toContain(`error: deploy.env:2:`);
      expect(result.log).toMatch(/github-pat\s+deploy\.env:2\s+\w{12}\s+2026-01-01T00:00:02Z/);
    }
    expectNoLeak(result, [secret]);
  });

  it("leaves history before the push alone under auto, and finds it under all and unpublished", async () => {
    const r = repo();
    const secret = plantedSecret();
    const c = leakedAndRemoved(r, secret);
    r.git("update-ref", "refs/remotes/mirror/main", c.root);
    r.git("update-ref", "refs/remotes/mirror/later", c.removed);
    const next = r.commit("more", { "hosts/web.nix": "{ }\n" });
    const event = { before: c.docs, after: next, ref: "refs/heads/main" };

    const auto = await scan(r, { event });
    expect(auto.exitCode).toBe(0);
    expect(auto.outputs).toMatchObject({ findings: "0", commits: "1", range: `${c.docs}..${next}` });
    expect(auto.log).toContain("secret-scan: no secrets found");

    const all = await scan(r, { event, inputs: { range: "all" } });
    expect(all.exitCode).toBe(1);
    expect(all.outputs).toMatchObject({ findings: "1", commits: "5", range: "--all" });

    const unpublished = await scan(r, { event, inputs: { range: "unpublished", "published-ref": "refs/remotes/mirror/main" } });
    expect(unpublished.outputs).toMatchObject({ findings: "1", commits: "4", range: `${c.root}..${next}` });
    expect(found(unpublished)).toEqual([`deploy.env:2@${c.added}`]);

    const published = await scan(r, { event, inputs: { range: "unpublished", "published-ref": "mirror/later" } });
    expect(published.outputs).toMatchObject({ findings: "0", commits: "2" });

    const explicit = await scan(r, { event, inputs: { range: `${c.root}..${c.removed}` } });
    expect(explicit.outputs).toMatchObject({ findings: "1", commits: "2", range: `${c.root}..${c.removed}` });
    for (const result of [auto, all, unpublished, published, explicit]) expectNoLeak(result, [secret]);
  });

  it("fetches the published branch from a mirror URL for unpublished", async () => {
    const r = repo();
    const secret = plantedSecret();
    const c = leakedAndRemoved(r, secret);
    const mirror = TestRepo.init("mirror-", { bare: true });
    cleanup.push(() => mirror.remove());
    r.git("push", "-q", mirror.dir, `${c.root}:refs/heads/main`);

    const before = await scan(r, { inputs: { range: "unpublished", "published-ref": `file://${mirror.dir}#main` } });
    expect(before.outputs).toMatchObject({ findings: "1", commits: "3", range: `${c.root}..${c.docs}` });

    r.git("push", "-q", mirror.dir, `${c.docs}:refs/heads/main`);
    const after = await scan(r, { inputs: { range: "unpublished", "published-ref": `file://${mirror.dir}#main` } });
    expect(after.outputs).toMatchObject({ findings: "0", commits: "0" });

    // A mirror without the branch has published nothing yet.
    const empty = await scan(r, { inputs: { range: "unpublished", "published-ref": `file://${mirror.dir}#other` } });
    expect(empty.outputs).toMatchObject({ findings: "1", commits: "4", range: c.docs });
    expect(empty.log).toContain("has no branch other yet");
    // The fetch left no ref behind that a later new-branch scan would take as scanned.
    expect(r.git("for-each-ref", "--format=%(refname)")).toBe("refs/heads/main");
  });

  it("scans only the new commits of a new branch, and a root commit", async () => {
    const r = repo();
    const old = plantedSecret();
    const fresh = plantedSecret();
    const c = leakedAndRemoved(r, old);
    r.git("checkout", "-q", "-b", "feature");
    const f1 = r.commit("feature work", { "keys/new.env": secretLine(fresh) });
    const f2 = r.commit("more feature work", { "keys/other.txt": "nothing\n" });
    r.git("update-ref", "refs/remotes/origin/feature", f2);

    const branch = await scan(r, { event: { before: ZERO_SHA, after: f2, ref: "refs/heads/feature", created: true } });
    expect(branch.outputs).toMatchObject({ findings: "1", commits: "2", range: `${c.docs}..${f2}` });
    expect(found(branch)).toEqual([`keys/new.env:1@${f1}`]);

    const root = repo();
    const rootSecret = plantedSecret();
    const first = root.commit("initial import", { "secrets/root.env": secretLine(rootSecret) });
    const rootScan = await scan(root, { event: { before: ZERO_SHA, after: first, ref: "refs/heads/main", created: true } });
    expect(rootScan.outputs).toMatchObject({ findings: "1", commits: "1", range: first });
    expect(found(rootScan)).toEqual([`secrets/root.env:1@${first}`]);
    expectNoLeak(branch, [old, fresh]);
    expectNoLeak(rootScan, [rootSecret]);
  });

  it("scans a force push as the new tip minus what the old tip reached, or more when the old tip is gone", async () => {
    const r = repo();
    const old = plantedSecret();
    const fresh = plantedSecret();
    const base = r.commit("root", { "README.md": "x\n" });
    const leak = r.commit("leak", { "a.env": secretLine(old) });
    const gone = r.commit("old tip", { "b.txt": "b\n" });
    r.git("reset", "-q", "--hard", leak);
    const rewritten = r.commit("rewritten tip", { "c.env": secretLine(fresh) });
    const event = { before: gone, after: rewritten, ref: "refs/heads/main", forced: true };

    // Forgejo sends no `forced`: the history tells.
    const forced = await scan(r, { event: { ...event, forced: undefined }, flavour: "forgejo" });
    expect(forced.outputs).toMatchObject({ findings: "1", commits: "1", range: `${gone}..${rewritten}` });
    expect(forced.log).toContain("Scanning 1 commits (force push to main)");
    expect(found(forced)).toEqual([`c.env:1@${rewritten}`]);

    // A runner's fresh clone never saw the old tip: scan what no other ref reaches (here: everything).
    const missing = await scan(r, { event: { ...event, before: "1234567890123456789012345678901234567890" } });
    expect(missing.log).toContain("is not in this clone: scanning every commit of the push that no other ref reaches");
    expect(missing.outputs).toMatchObject({ findings: "2", commits: "3", range: rewritten });
    expect(found(missing).sort()).toEqual([`a.env:1@${leak}`, `c.env:1@${rewritten}`].sort());
    expect(base).toBeTruthy();
    expectNoLeak(forced, [old, fresh]);
    expectNoLeak(missing, [old, fresh]);
  });

  it("scans a pull request's commits, including those a merge brings in", async () => {
    const r = repo();
    const side = plantedSecret();
    const c = leakedAndRemoved(r, plantedSecret());
    r.git("checkout", "-q", "-b", "topic");
    const s1 = r.commit("side work", { "side.env": secretLine(side) });
    r.git("checkout", "-q", "main");
    const m1 = r.commit("main work", { "main.txt": "m\n" });
    r.git("merge", "-q", "--no-ff", "-m", "merge topic", "topic");
    const merge = r.head();

    const push = await scan(r, { event: { before: m1, after: merge, ref: "refs/heads/main" } });
    // The merge has no diff of its own and gitleaks runs with --no-merges: it is not counted.
    expect(push.outputs).toMatchObject({ findings: "1", commits: "1", range: `${m1}..${merge}` });
    expect(push.log).toContain("gitleaks scanned 1 commits (1 expected).");
    expect(found(push)).toEqual([`side.env:1@${s1}`]);

    const pr = await scan(r, { eventName: "pull_request", event: { pull_request: { base: { sha: c.docs }, head: { sha: s1 } } }, flavour: "forgejo" });
    expect(pr.outputs).toMatchObject({ findings: "1", commits: "1", range: `${c.docs}..${s1}` });
    expectNoLeak(push, [side]);
    expectNoLeak(pr, [side]);
  });

  it("deepens a shallow clone to the whole range, and fails with the fix when it cannot", async () => {
    const origin = repo();
    const secret = plantedSecret();
    const c = leakedAndRemoved(origin, secret);
    const clone = new TestRepo(`${origin.dir}-clone`);
    cleanup.push(() => clone.remove());
    execFileSync("git", ["clone", "-q", "--depth=1", `file://${origin.dir}`, clone.dir], { stdio: "pipe" });
    expect(clone.git("rev-parse", "--is-shallow-repository")).toBe("true");
    const event = { before: c.root, after: c.docs, ref: "refs/heads/main" };

    const deepened = await scan(clone, { event });
    expect(deepened.log).toContain("Shallow clone: fetching 50 more commits of history from origin.");
    expect(deepened.outputs).toMatchObject({ findings: "1", commits: "3" });
    expect(found(deepened)).toEqual([`deploy.env:2@${c.added}`]);

    // Ranges back to the roots fetch the whole history.
    const whole = new TestRepo(`${origin.dir}-whole`);
    cleanup.push(() => whole.remove());
    execFileSync("git", ["clone", "-q", "--depth=1", `file://${origin.dir}`, whole.dir], { stdio: "pipe" });
    const unpublished = await scan(whole, { eventName: "workflow_dispatch", inputs: { range: "unpublished", "published-ref": `file://${origin.dir}#gh-pages` } });
    expect(unpublished.log).toContain("Shallow clone: fetching the whole history from origin.");
    expect(unpublished.outputs).toMatchObject({ findings: "1", commits: "4", range: c.docs });
    expect(whole.git("rev-parse", "--is-shallow-repository")).toBe("false");

    const cut = new TestRepo(`${origin.dir}-cut`);
    cleanup.push(() => cut.remove());
    execFileSync("git", ["clone", "-q", "--depth=1", `file://${origin.dir}`, cut.dir], { stdio: "pipe" });
    cut.git("remote", "set-url", "origin", `file://${origin.dir}-nowhere`);
    const failed = await scan(cut, { event });
    expect(failed.exitCode).toBe(1);
    // git's own reason is part of the message.
    expect(failed.log).toMatch(/secret-scan failed with: this clone is shallow, lacks part of the history .* failed \(fatal: .*-nowhere.*\)\. .*`fetch-depth: 0`/);
    expect(failed.outputs.findings).toBeUndefined();
  });

  it("honours .gitleaksignore, a baseline, and a custom config", async () => {
    const r = repo();
    const ignored = plantedSecret();
    const kept = plantedSecret();
    const root = r.commit("root", { "README.md": "x\n" });
    const c1 = r.commit("two leaks", { "one.env": secretLine(ignored), "two.env": secretLine(kept) });
    const event = { before: root, after: c1, ref: "refs/heads/main" };

    const plain = await scan(r, { event, inputs: { "fail-on-findings": "false" } });
    expect(plain.exitCode).toBe(0);
    expect(plain.outputs.findings).toBe("2");
    const fingerprint = report(plain).findings.find((f) => f.file === "one.env")?.fingerprint as string;
    expect(fingerprint).toBe(`${c1}:one.env:github-pat:1`);

    writeFileSync(join(r.dir, ".gitleaksignore"), `${fingerprint}\n`);
    const withIgnore = await scan(r, { event });
    expect(found(withIgnore)).toEqual([`two.env:1@${c1}`]);

    // The baseline is a redacted report of a previous scan (gitleaks compares redacted findings
    // when it redacts): both findings in it are accepted.
    rmSync(join(r.dir, ".gitleaksignore"));
    const baseline = join(r.dir, "..", `${r.dir.split("/").pop()}-baseline.json`);
    cleanup.push(() => rmSync(baseline, { force: true }));
    execFileSync("gitleaks", ["detect", "--redact", "--no-banner", `--source=${r.dir}`, `--report-path=${baseline}`, "--exit-code=0"], { stdio: "pipe" });
    const withBaseline = await scan(r, { event, inputs: { baseline } });
    expect(withBaseline.exitCode).toBe(0);
    expect(withBaseline.outputs.findings).toBe("0");

    const config = join(r.dir, "..", `${r.dir.split("/").pop()}-gitleaks.toml`);
    cleanup.push(() => rmSync(config, { force: true }));
    writeFileSync(config, ['[extend]', 'useDefault = true', '', '[[rules]]', 'id = "fleet-host-key"', 'description = "Fleet host key"', 'regex = \'FLEETKEY-[0-9a-f]{32}\'', ''].join("\n"));
    const hostKey = `FLEETKEY-${"0123456789abcdef".repeat(2)}`;
    const c2 = r.commit("host key", { "hosts/key.txt": `${hostKey}\n` });
    const custom = await scan(r, { event: { before: c1, after: c2, ref: "refs/heads/main" }, inputs: { config } });
    expect(report(custom).findings.map((f) => `${f.rule}@${f.path}:${f.line}`)).toEqual(["fleet-host-key@hosts/key.txt:1"]);
    const defaults = await scan(r, { event: { before: c1, after: c2, ref: "refs/heads/main" } });
    expect(defaults.outputs.findings).toBe("0");
    for (const result of [plain, withIgnore, withBaseline, custom]) expectNoLeak(result, [ignored, kept, hostKey]);
  });

  it("reports a gitleaks error as an error, never as no findings", async () => {
    const r = repo();
    const root = r.commit("root", { "README.md": "x\n" });
    const next = r.commit("next", { "a.txt": "a\n" });
    const config = join(r.dir, "..", `${r.dir.split("/").pop()}-broken.toml`);
    cleanup.push(() => rmSync(config, { force: true }));
    writeFileSync(config, "[[rules]\nid = \n");
    const result = await scan(r, { event: { before: root, after: next, ref: "refs/heads/main" }, inputs: { config } });
    expect(result.exitCode).toBe(1);
    expect(result.log).toMatch(/secret-scan failed with: gitleaks detect failed with exit code 1:/);
    // gitleaks' own words reach the log and summary without colour codes and without the argv
    // (scratch paths, --log-opts) that means nothing to the reader.
    for (const text of [result.rawLog, result.summary]) {
      expect(text).not.toContain("\x1b");
      expect(text).not.toMatch(/--report-path|--log-opts/);
    }
    expect(result.log).toMatch(/secret-scan failed with: gitleaks detect failed with exit code 1:%0A\S+ FTL unable to load gitleaks config/);
    expect(result.outputs.findings).toBeUndefined();
    expect(result.log).not.toContain("no secrets found");
  });

  it.each([
    [{ range: "main --all" }, /Invalid input 'range': 'main --all' is not a range/],
    [{ range: "-n1..HEAD" }, /Invalid input 'range': '-n1' in '-n1..HEAD' is not a usable revision/],
    [{ range: "unpublished" }, /Invalid input 'published-ref': it is required with range 'unpublished'/],
    [{ "gitleaks-version": "latest" }, /Invalid input 'gitleaks-version': 'latest' is not a release version/],
    [{ config: "missing.toml" }, /Invalid input 'config': 'missing.toml' is not a file/],
    [{ "gitleaks-timeout": "0" }, /Invalid input 'gitleaks-timeout': 0 is out of range\. Expected a whole number from 1 to 1440\./],
  ])("refuses bad inputs before doing anything: %j", async (inputs, message) => {
    const r = repo();
    r.commit("root", { "README.md": "x\n" });
    const result = await scan(r, { inputs, eventName: "workflow_dispatch" });
    expect(result.exitCode).toBe(1);
    expect(result.log).toMatch(message);
    expect(result.log).not.toContain("Using gitleaks");
  });
});

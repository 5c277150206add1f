import { execFileSync } from "node:child_process";
import { afterEach, expect, it } from "vitest";
import { ZERO_SHA } from "../../src/git/git.js";
import { plantedSecret, secretLine, TestRepo } from "../support/git-repo.js";
import { Cleanup, expectNoLeak, found, scanRepo } from "../support/secret-scan.js";
import { describeWithTools } from "../support/tools.js";

/** Histories a runner's checkout really has: shallow, single-branch, many refs. */
const cleanup = new Cleanup();
afterEach(() => cleanup.run());

/** A clone of `origin` as actions/checkout makes it by default: depth 1, one branch. */
function shallowClone(origin: TestRepo, branch = "main"): TestRepo {
  const clone = new TestRepo(`${origin.dir}-clone`);
  cleanup.push(() => clone.remove());
  execFileSync("git", ["clone", "-q", "--depth=1", "--single-branch", "--branch", branch, `file://${origin.dir}`, clone.dir], { stdio: "pipe" });
  return clone;
}

describeWithTools(["git", "gitleaks"], "secret-scan on the clones runners have", () => {
  it("scans a pull request whose head is on another branch of a depth-1 single-branch clone", async () => {
    const origin = cleanup.repo("origin-");
    const secret = plantedSecret();
    origin.commit("root", { "README.md": "x\n" });
    const base = origin.commit("main work", { "main.txt": "m\n" });
    origin.git("checkout", "-q", "-b", "topic");
    const leak = origin.commit("leak", { "a.env": secretLine(secret) });
    const head = origin.commit("more", { "b.txt": "b\n" });
    origin.git("checkout", "-q", "main");
    const clone = shallowClone(origin);
    expect(() => clone.git("cat-file", "-e", head)).toThrow();

    const result = await scanRepo(cleanup, clone, { eventName: "pull_request", event: { pull_request: { base: { sha: base }, head: { sha: head } } } });
    expect(result.log).toContain(`Fetching ${head} from origin.`);
    expect(result.outputs).toMatchObject({ findings: "1", commits: "2", range: `${base}..${head}` });
    expect(found(result)).toEqual([`a.env:1@${leak}`]);
    expectNoLeak(result, [secret]);
  });

  it("fetches the old tip of a force push that the origin still has but the clone does not", async () => {
    const origin = cleanup.repo("origin-");
    const secret = plantedSecret();
    const root = origin.commit("root", { "README.md": "x\n" });
    const old = origin.commit("old tip", { "old.txt": "o\n" });
    origin.git("update-ref", "refs/keep/old", old);
    origin.git("reset", "-q", "--hard", root);
    const fresh = origin.commit("rewritten", { "c.env": secretLine(secret) });
    const clone = new TestRepo(`${origin.dir}-clone`);
    cleanup.push(() => clone.remove());
    execFileSync("git", ["clone", "-q", `file://${origin.dir}`, clone.dir], { stdio: "pipe" });

    const result = await scanRepo(cleanup, clone, { event: { before: old, after: fresh, ref: "refs/heads/main" }, flavour: "forgejo" });
    expect(result.log).toContain(`Fetching ${old} from origin.`);
    expect(result.outputs).toMatchObject({ findings: "1", commits: "1", range: `${old}..${fresh}` });
    expect(result.log).toContain("Scanning 1 commits (force push to main)");
    expectNoLeak(result, [secret]);
  });

  it("scans a new branch's whole history in a shallow single-branch clone, which has no other refs", async () => {
    const origin = cleanup.repo("origin-");
    const secret = plantedSecret();
    origin.commit("root", { "README.md": "x\n" });
    const leak = origin.commit("old leak", { "old.env": secretLine(secret) });
    origin.git("checkout", "-q", "-b", "feature");
    const tip = origin.commit("feature", { "f.txt": "f\n" });
    const clone = shallowClone(origin, "feature");

    const result = await scanRepo(cleanup, clone, { event: { before: ZERO_SHA, after: tip, ref: "refs/heads/feature", created: true } });
    expect(result.log).toContain("Shallow clone: fetching");
    expect(result.outputs).toMatchObject({ findings: "1", commits: "3", range: tip });
    expect(found(result)).toEqual([`old.env:1@${leak}`]);
    expectNoLeak(result, [secret]);
  });

  it("scans nothing for a tag on scanned commits or a deleted branch", async () => {
    const r = cleanup.repo();
    r.commit("root", { "README.md": "x\n" });
    const tip = r.commit("next", { "a.txt": "a\n" });
    r.git("tag", "-a", "-m", "release", "v1");
    const tagObject = r.head("v1^{tag}");

    const tag = await scanRepo(cleanup, r, { event: { before: ZERO_SHA, after: tagObject, ref: "refs/tags/v1", created: true } });
    expect(tag.outputs).toMatchObject({ findings: "0", commits: "0", range: "" });
    expect(tag.log).toContain("No commits to scan (push created v1: every commit is on another ref already).");

    const deleted = await scanRepo(cleanup, r, { event: { before: tip, after: ZERO_SHA, ref: "refs/heads/old", deleted: true } });
    expect(deleted.outputs).toMatchObject({ findings: "0", commits: "0", range: "" });
    expect(deleted.log).toContain("No commits to scan (push deleted old).");
  });

  it("scans a new branch among thousands of tags, with a short range", async () => {
    const r = cleanup.repo();
    // 3,500 tags on as many commits: every sha on one command line would pass Linux's 128 KiB
    // limit for a single argument.
    const count = 3500;
    const stream = [];
    for (let i = 1; i <= count; i++) {
      stream.push(`commit refs/heads/main\nmark :${i}\ncommitter Fleet <ops@fleet.test> ${1767225600 + i} +0000\ndata ${String(i).length}\n${i}\n`);
      if (i > 1) stream.push(`from :${i - 1}\n`);
      stream.push(`M 644 inline n.txt\ndata ${String(i).length}\n${i}\n\n`);
    }
    for (let i = 1; i <= count; i++) stream.push(`reset refs/tags/t${i}\nfrom :${i}\n\n`);
    execFileSync("git", ["fast-import", "--quiet"], { cwd: r.dir, input: stream.join("") });
    r.git("reset", "-q", "--hard", "main");
    const main = r.head();
    r.git("checkout", "-q", "-b", "feature");
    const secret = plantedSecret();
    const leak = r.commit("feature", { "k.env": secretLine(secret) });

    const result = await scanRepo(cleanup, r, { event: { before: ZERO_SHA, after: leak, ref: "refs/heads/feature", created: true } });
    expect(result.exitCode).toBe(1);
    expect(result.outputs).toMatchObject({ findings: "1", commits: "1", range: `${main}..${leak}` });
    expectNoLeak(result, [secret]);
  });
});

import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { readMirrorOptions } from "../../src/actions/mirror/options.js";
import { runMirror } from "../../src/actions/mirror/run.js";
import { Inputs } from "../../src/runner/inputs.js";
import { UserError } from "../../src/runner/user-error.js";
import { plantedSecret, secretLine, TestRepo } from "../support/git-repo.js";
import { cloneOf, gitleaksDoing, mirrorTip } from "../support/mirror.js";
import { RecordingRuntime } from "../support/recording-runtime.js";
import { Cleanup } from "../support/secret-scan.js";
import { describeWithTools } from "../support/tools.js";

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

function tempRoot(): string {
  const dir = mkdtempSync(join(tmpdir(), "mirror-temp-"));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** runMirror over a clone with inputs as a workflow gives them; the runtime records everything. */
async function mirror(clone: TestRepo, inputs: Record<string, string>, env: Record<string, string> = {}) {
  const runtime = new RecordingRuntime();
  const options = readMirrorOptions(new Inputs((n) => inputs[n]), { GITHUB_REF: "refs/heads/main", GITHUB_ACTIONS: "true", ...env }, clone.dir);
  const root = tempRoot();
  const report = await runMirror(options, { runtime }, { tempRoot: root });
  // The private directory is gone once the step is over, however it ended.
  expect(readdirSync(root)).toEqual([]);
  return { report, runtime };
}

function origin(): TestRepo {
  const r = cleanup.repo("mirror-origin-");
  r.commit("root", { "README.md": "fleet\n" });
  return r;
}

function bareMirror(): TestRepo {
  return cleanup.repo("mirror-bare-", { bare: true });
}

describeWithTools(["git", "gitleaks"], "mirror to a bare repository over file://", () => {
  it("publishes exactly sha to an empty mirror, not a commit made after it, and skips the second run", async () => {
    const o = origin();
    const gated = o.commit("green", { "hosts/web.nix": "{ }\n" });
    o.commit("landed after the gate", { "late.txt": "late\n" });
    const clone = cloneOf(o);
    cleanup.push(() => clone.remove());
    const m = bareMirror();

    const { report, runtime } = await mirror(clone, { remote: `file://${m.dir}`, sha: gated });
    expect(report).toMatchObject({ result: "published", previous: undefined, published: gated, commits: 2, range: gated });
    expect(report.scan).toMatchObject({ scanned: true, commits: 2, findings: [] });
    expect(mirrorTip(m)).toBe(gated);
    expect(m.git("for-each-ref", "--format=%(refname)")).toBe("refs/heads/main");
    expect(runtime.outputs).toEqual({ published: gated, previous: "", commits: "2", skipped: "" });

    const again = await mirror(clone, { remote: `file://${m.dir}`, sha: gated });
    expect(again.report.result).toBe("skipped");
    expect(again.runtime.outputs).toEqual({ published: "", previous: gated, commits: "0", skipped: `the mirror's main is already at ${gated.slice(0, 12)}` });
  });

  it("publishes only what the mirror lacks, and scans only that", async () => {
    const o = origin();
    const first = o.commit("first", { "a.txt": "a\n" });
    const m = bareMirror();
    o.git("push", "-q", m.dir, `${first}:refs/heads/main`);
    const second = o.commit("second", { "b.txt": "b\n" });
    const third = o.commit("third", { "c.txt": "c\n" });
    const { report } = await mirror(o, { remote: m.dir, sha: third });
    expect(report).toMatchObject({ result: "published", previous: first, published: third, commits: 2, range: `${first}..${third}` });
    expect(mirrorTip(m)).toBe(third);
    expect(second).not.toBe(third);
  });

  it("refuses a leak that a later commit removed, and leaves the mirror as it was", async () => {
    const o = origin();
    const m = bareMirror();
    const published = o.head();
    o.git("push", "-q", m.dir, "HEAD:refs/heads/main");
    const secret = plantedSecret();
    const leak = o.commit("red: add env", { "deploy.env": secretLine(secret) });
    const green = o.commit("green: remove env", { "deploy.env": null });

    const { report, runtime } = await mirror(o, { remote: m.dir, sha: green });
    expect(report.result).toBe("refused");
    expect(report.scan).toMatchObject({ scanned: true, commits: 2 });
    expect(report.scan.scanned && report.scan.findings.map((f) => `${f.file}:${f.line}@${f.commit}`)).toEqual([`deploy.env:1@${leak}`]);
    expect(mirrorTip(m)).toBe(published);
    expect(runtime.log).not.toContain(secret);
    expect(runtime.log).toContain("deploy.env:1");
    expect(runtime.annotations).toEqual([expect.objectContaining({ level: "error", file: "deploy.env", line: 1 })]);
    expect(JSON.stringify(runtime.annotations)).not.toContain(secret);
  });

  it("refuses a leak anywhere in the history of an empty mirror", async () => {
    const o = cleanup.repo("mirror-origin-");
    const secret = plantedSecret();
    o.commit("root with a key", { "old.env": secretLine(secret) });
    o.commit("removed", { "old.env": null });
    const tip = o.commit("green", { "x.txt": "x\n" });
    const m = bareMirror();
    const { report } = await mirror(o, { remote: m.dir, sha: tip });
    expect(report).toMatchObject({ result: "refused", commits: 3 });
    expect(mirrorTip(m)).toBeUndefined();
  });

  it("makes a depth-1 clone whole instead of failing with 'shallow update not allowed'", async () => {
    const o = origin();
    const m = bareMirror();
    const first = o.commit("first", { "a.txt": "a\n" });
    o.git("push", "-q", m.dir, `${first}:refs/heads/main`);
    o.commit("second", { "b.txt": "b\n" });
    const tip = o.commit("third", { "c.txt": "c\n" });
    const clone = cloneOf(o, { depth: 1 });
    cleanup.push(() => clone.remove());
    expect(clone.git("rev-parse", "--is-shallow-repository")).toBe("true");

    const { report, runtime } = await mirror(clone, { remote: `file://${m.dir}`, sha: tip, "require-scan": "false" });
    expect(runtime.log).toContain("Shallow clone: fetching the whole history from origin.");
    expect(report).toMatchObject({ result: "published", commits: 2, scan: { scanned: false, why: "require-scan is false" } });
    expect(mirrorTip(m)).toBe(tip);
  });

  it("fails with the fix when a shallow clone cannot be made whole", async () => {
    const o = origin();
    o.commit("second", { "b.txt": "b\n" });
    const clone = cloneOf(o, { depth: 1 });
    cleanup.push(() => clone.remove());
    clone.git("remote", "set-url", "origin", "/nonexistent/origin.git");
    const m = bareMirror();
    const error = await mirror(clone, { remote: m.dir, sha: clone.head() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).fix).toContain("fetch-depth: 0");
    expect(mirrorTip(m)).toBeUndefined();
  });

  it("refuses to overwrite a mirror that moved after it was read: the lease holds, the mirror keeps the other push", async () => {
    const o = origin();
    const m = bareMirror();
    const base = o.head();
    o.git("push", "-q", m.dir, `${base}:refs/heads/main`);
    // Someone else's commit, already in the mirror's object store, pushed while our scan runs.
    const other = o.commit("someone else's", { "other.txt": "o\n" });
    o.git("push", "-q", m.dir, `${other}:refs/heads/elsewhere`);
    o.git("reset", "-q", "--hard", base);
    const ours = o.commit("ours", { "ours.txt": "x\n" });
    const racing = gitleaksDoing(tempRoot(), `git --git-dir='${m.dir}' update-ref refs/heads/main ${other}`);

    const error = await mirror(o, { remote: m.dir, sha: ours, "gitleaks-path": racing }).catch((e: unknown) => e);
    expect(String(error)).toContain("moved after it was read");
    expect(String(error)).toContain(`it was at ${base}`);
    expect(mirrorTip(m)).toBe(other);
  });

  it("with force false, refuses a mirror whose branch has commits sha lacks", async () => {
    const o = origin();
    const m = bareMirror();
    const base = o.head();
    const diverged = o.commit("only on the mirror", { "m.txt": "m\n" });
    o.git("push", "-q", m.dir, `${diverged}:refs/heads/main`);
    o.git("reset", "-q", "--hard", base);
    const ours = o.commit("ours", { "ours.txt": "x\n" });
    const error = await mirror(o, { remote: m.dir, sha: ours, force: "false" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).fix).toContain("force: true");
    expect(mirrorTip(m)).toBe(diverged);

    const forced = await mirror(o, { remote: m.dir, sha: ours });
    expect(forced.report).toMatchObject({ result: "published", previous: diverged, published: ours });
  });

  it("skips a mirror that is already ahead of sha instead of rewinding it", async () => {
    const o = origin();
    const old = o.commit("older", { "a.txt": "a\n" });
    const newer = o.commit("newer", { "b.txt": "b\n" });
    const m = bareMirror();
    o.git("push", "-q", m.dir, `${newer}:refs/heads/main`);
    const { report } = await mirror(o, { remote: m.dir, sha: old });
    expect(report.result).toBe("skipped");
    expect(report.skipped).toContain("already contains");
    expect(mirrorTip(m)).toBe(newer);
    // Not even a tag to add makes it rewind the branch.
    o.git("tag", "v-old", old);
    const withTags = await mirror(o, { remote: m.dir, sha: old, tags: "true" });
    expect(withTags.report.result).toBe("skipped");
    expect(mirrorTip(m)).toBe(newer);
  });

  it("publishes tags on published commits with the branch, and no others", async () => {
    const o = origin();
    o.git("tag", "v0.1");
    const tip = o.commit("release", { "r.txt": "r\n" });
    o.git("tag", "-a", "-m", "release 1", "v1");
    o.commit("later", { "l.txt": "l\n" });
    o.git("tag", "v2-unreleased");
    const m = bareMirror();
    const { report } = await mirror(o, { remote: m.dir, sha: tip, tags: "true" });
    expect(report.tags.sort()).toEqual(["refs/tags/v0.1", "refs/tags/v1"]);
    expect(m.git("for-each-ref", "--format=%(refname)").split("\n").sort()).toEqual(["refs/heads/main", "refs/tags/v0.1", "refs/tags/v1"]);
    expect(m.git("rev-parse", "v1")).toBe(o.git("rev-parse", "v1"));
  });

  it("never writes the credentials into the clone's .git/config", async () => {
    const o = origin();
    const m = bareMirror();
    await mirror(o, { remote: m.dir, sha: o.head() });
    const config = readFileSync(join(o.dir, ".git", "config"), "utf8");
    expect(config).not.toMatch(/extraheader|sshCommand/i);
    expect(existsSync(join(o.dir, ".git", "FETCH_HEAD")) ? readFileSync(join(o.dir, ".git", "FETCH_HEAD"), "utf8") : "").not.toContain("x-access-token");
  });
});

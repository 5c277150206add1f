import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { CLEANUP_STATE, PRIVATE_DIR_PREFIX } from "../../src/runner/private-dir.js";
import { gitHttpServer, type GitHttpServer } from "../support/git-http.js";
import { plantedSecret, secretLine, TestRepo } from "../support/git-repo.js";
import { cloneOf, gitAt, gitleaksDoing, mirrorTip, useGitShell } from "../support/mirror.js";
import { runAction, type Flavour } from "../support/runner-harness.js";
import { Cleanup, expectNoLeak } from "../support/secret-scan.js";
import { keyDir, makeKeyPair, type KeyPair } from "../support/ssh-client.js";
import { startTestHost, stopAll, type TestHost } from "../support/test-host.js";
import { describeWithTools } from "../support/tools.js";

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

async function mirrorStep(flavour: Flavour, clone: TestRepo, sha: string, inputs: Record<string, string>, env: Record<string, string> = {}) {
  const result = await runAction({ action: "actions/mirror", flavour, workspace: clone.dir, sha, ref: "refs/heads/main", eventName: "push", inputs, env });
  cleanup.push(() => rmSync(result.runnerTemp, { recursive: true, force: true }));
  // Nothing private outlives the step: main removed it, and post found nothing to undo.
  expect(readdirSync(result.runnerTemp).filter((n) => n.startsWith(PRIVATE_DIR_PREFIX))).toEqual([]);
  expect(result.post?.exitCode).toBe(0);
  return result;
}

/**
 * A credential the step was given: in the raw log only inside the `::add-mask::` command that
 * masks it (which the runner consumes), and nowhere else: log, summary, outputs, state, files.
 */
function expectCredentialNowhere(result: Awaited<ReturnType<typeof mirrorStep>>, secrets: string[]): void {
  for (const secret of secrets) {
    const lines = result.rawLog.split("\n").filter((l) => l.includes(secret));
    for (const line of lines) expect(line.startsWith("::add-mask::"), `a raw log line holding the credential: ${line.slice(0, 12)}...`).toBe(true);
  }
  expectNoLeak({ ...result, rawLog: result.log }, secrets);
}

function fleetRepo(): TestRepo {
  const r = cleanup.repo("mirror-e2e-");
  r.commit("root", { "README.md": "fleet\n" });
  return r;
}

describeWithTools(["git", "gitleaks"], "the mirror action, as a runner runs its bundle", () => {
  let server: GitHttpServer;
  let projects: string;
  const token = `e2e-${plantedSecret()}`;
  beforeAll(async () => {
    projects = mkdtempSync(join(tmpdir(), "mirror-e2e-http-"));
    server = await gitHttpServer(projects, "x-access-token", token);
  });
  afterAll(async () => {
    await server.close();
    rmSync(projects, { recursive: true, force: true });
  });

  describe.each(["github", "forgejo"] as const)("%s", (flavour) => {
    it("publishes the gated commit of a depth-1 checkout over https with a token, reports it, and leaks the token nowhere", async () => {
      const origin = fleetRepo();
      const gated = origin.commit("green", { "hosts/web.nix": "{ }\n" });
      const clone = cloneOf(origin, { depth: 1 });
      cleanup.push(() => clone.remove());
      origin.commit("after the gate", { "late.txt": "x\n" });
      const repoDir = join(projects, `${flavour}.git`);
      gitAt(repoDir, "init", "-q", "--bare", "-b", "main");
      cleanup.push(() => rmSync(repoDir, { recursive: true, force: true }));

      const result = await mirrorStep(flavour, clone, gated, { remote: `${server.url}/${flavour}.git`, token });
      expect(result.exitCode, result.log).toBe(0);
      expect(result.outputs).toEqual({ published: gated, previous: "", commits: "2", skipped: "" });
      expect(gitAt(repoDir, "rev-parse", "refs/heads/main")).toBe(gated);
      // The report names mirror, branch, previous and new tip, and the count, in the log (Forgejo) and summary (GitHub).
      expect(result.log).toContain("mirror: published 2 commits to main");
      expect(result.log).toContain(`${server.url}/${flavour}.git`);
      expect(result.log).toContain(gated.slice(0, 12));
      if (flavour === "github") expect(result.summary).toContain("| Mirror | Branch | Previous tip | New tip | Commits published |");
      else expect(result.summary).toBe("");
      expectCredentialNowhere(result, [token, Buffer.from(`x-access-token:${token}`).toString("base64")]);
      expect(readFileSync(join(clone.dir, ".git", "config"), "utf8")).not.toContain(token);

      const again = await mirrorStep(flavour, clone, gated, { remote: `${server.url}/${flavour}.git`, token });
      expect(again.exitCode, again.log).toBe(0);
      expect(again.outputs.skipped).toBe(`the mirror's main is already at ${gated.slice(0, 12)}`);
    });

    it("refuses a leak a later commit removed, fails the step naming the place, and leaves the mirror as it was", async () => {
      const origin = fleetRepo();
      const bare = cleanup.repo("mirror-e2e-bare-", { bare: true });
      origin.git("push", "-q", bare.dir, "HEAD:refs/heads/main");
      const before = mirrorTip(bare);
      const secret = plantedSecret();
      const leak = origin.commit("red", { "secrets.env": secretLine(secret) });
      const green = origin.commit("green", { "secrets.env": null });

      const result = await mirrorStep(flavour, origin, green, { remote: `file://${bare.dir}` });
      expect(result.exitCode).toBe(1);
      expect(result.log).toContain(`mirror failed with: refused to publish ${green.slice(0, 12)}`);
      expect(result.log).toContain(`secrets.env:1 in ${leak.slice(0, 12)}`);
      expect(result.outputs).toMatchObject({ published: "", commits: "0", skipped: "" });
      expect(mirrorTip(bare)).toBe(before);
      expectNoLeak(result, [secret]);
    });

    it("post removes the private directory when main was killed midway (here: while gitleaks ran)", async () => {
      const origin = fleetRepo();
      const bare = cleanup.repo("mirror-e2e-bare-", { bare: true });
      const tools = mkdtempSync(join(tmpdir(), "mirror-e2e-tools-"));
      cleanup.push(() => rmSync(tools, { recursive: true, force: true }));
      // The step's node process is gitleaks' parent: SIGKILL leaves it no chance to clean up.
      const killer = gitleaksDoing(tools, "kill -KILL $PPID; exit 0");
      // mirrorStep checks that no private directory is left once post has run.
      const result = await mirrorStep(flavour, origin, origin.head(), { remote: `file://${bare.dir}`, "gitleaks-path": killer });
      expect(result.exitCode).toBe(137);
      // One record per private directory the step had open: mirror opens one.
      const [record] = JSON.parse(result.state[CLEANUP_STATE] ?? "[]") as { dir?: string }[];
      expect(record?.dir).toContain(join(result.runnerTemp, PRIVATE_DIR_PREFIX));
      expect(existsSync(record?.dir as string)).toBe(false);
      expect(mirrorTip(bare)).toBeUndefined();
    });

    it("fails a bad input before doing anything, naming it", async () => {
      const origin = fleetRepo();
      const result = await mirrorStep(flavour, origin, origin.head(), { remote: `https://user:${token}@github.com/fleet/infra.git` });
      expect(result.exitCode).toBe(1);
      expect(result.log).toContain("mirror failed with: Invalid input 'remote'");
      expectCredentialNowhere(result, [token]);
      expect(result.state).toEqual({});
    });
  });
});

describeWithTools(["git", "gitleaks", "ip", "unshare", "nsenter", "sshd", "ssh", "ssh-keygen"], "the mirror action over ssh, as a runner runs its bundle", () => {
  const keys = keyDir();
  let host: TestHost;
  let deployKey: KeyPair;
  beforeAll(async () => {
    deployKey = await makeKeyPair(keys.dir, "deploy");
    host = await startTestHost({ name: "gh", users: ["mirror"], authorizedKeys: { mirror: [deployKey.publicKey] }, ownNix: false });
    useGitShell(host.dir, "mirror");
  });
  afterAll(async () => {
    await stopAll([host]);
    keys.remove();
  });

  it.each(["github", "forgejo"] as const)("%s: pushes with the deploy key, and the key is in no log, output, state or file afterwards", async (flavour) => {
    const repoInHost = `/home/mirror/${flavour}.git`;
    expect((await host.exec(["git", "init", "-q", "--bare", "-b", "main", repoInHost], { user: "mirror" })).exitCode).toBe(0);
    const origin = fleetRepo();
    const gated = origin.commit("green", { "a.txt": "a\n" });
    const key = readFileSync(deployKey.privateKeyPath, "utf8");
    const result = await mirrorStep(flavour, origin, gated, { remote: `ssh://mirror@${host.address}${repoInHost}`, "ssh-key": key, "known-hosts": host.knownHostsLine });
    expect(result.exitCode, result.log).toBe(0);
    expect(result.outputs).toMatchObject({ published: gated, commits: "2" });
    expect(gitAt(join(host.dir, "home", "mirror", `${flavour}.git`), "rev-parse", "refs/heads/main")).toBe(gated);
    const keyLines = key.split("\n").filter((l) => l.length > 40);
    expect(keyLines.length).toBeGreaterThan(0);
    expectCredentialNowhere(result, keyLines);
    expect(readFileSync(join(origin.dir, ".git", "config"), "utf8")).not.toMatch(/sshCommand|mirror-ssh-key/);
  });
});

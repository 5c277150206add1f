import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { readMirrorOptions } from "../../src/actions/mirror/options.js";
import { MirrorCredentials } from "../../src/git/credentials.js";
import { Git } from "../../src/git/git.js";
import { parseMirrorRemote } from "../../src/git/mirror-remote.js";
import { PrivateDir } from "../../src/runner/private-dir.js";
import { runMirror } from "../../src/actions/mirror/run.js";
import { Inputs } from "../../src/runner/inputs.js";
import { UserError } from "../../src/runner/user-error.js";
import { gitHttpServer, type GitHttpServer } from "../support/git-http.js";
import { TestRepo } from "../support/git-repo.js";
import { gitAt, useGitShell, watchCommandLines } from "../support/mirror.js";
import { RecordingRuntime } from "../support/recording-runtime.js";
import { Cleanup } from "../support/secret-scan.js";
import { keyDir, makeKeyPair, type KeyPair } from "../support/ssh-client.js";
import { startTestHost, stopAll, type TestHost } from "../support/test-host.js";
import { describeWithTools } from "../support/tools.js";

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

async function mirror(clone: TestRepo, inputs: Record<string, string>) {
  const runtime = new RecordingRuntime();
  const root = mkdtempSync(join(tmpdir(), "mirror-temp-"));
  cleanup.push(() => rmSync(root, { recursive: true, force: true }));
  try {
    const options = readMirrorOptions(new Inputs((n) => inputs[n], (s) => runtime.setSecret(s)), { GITHUB_REF: "refs/heads/main", GITHUB_ACTIONS: "true" }, clone.dir);
    const { result: report, seen } = await watchCommandLines(() => runMirror(options, { runtime }, { tempRoot: root }));
    return { report, runtime, seen };
  } finally {
    // The key and known_hosts are gone with the private directory, whatever happened.
    expect(readdirSync(root)).toEqual([]);
  }
}

function history(): TestRepo {
  const r = cleanup.repo("mirror-origin-");
  r.commit("root", { "README.md": "fleet\n" });
  r.commit("green", { "hosts/web.nix": "{ }\n" });
  return r;
}

describeWithTools(["git", "gitleaks"], "mirror over smart HTTP with basic auth (git http-backend)", () => {
  let server: GitHttpServer;
  let projects: string;
  const token = `mirror-token-${Math.random().toString(36).slice(2)}`;
  beforeAll(async () => {
    projects = mkdtempSync(join(tmpdir(), "mirror-http-"));
    server = await gitHttpServer(projects, "x-access-token", token);
  });
  afterAll(async () => {
    await server.close();
    rmSync(projects, { recursive: true, force: true });
  });

  it("pushes with the token as a header only: not in argv, .git/config or the log", async () => {
    const name = "published";
    const repoDir = join(projects, `${name}.git`);
    gitAt(repoDir, "init", "-q", "--bare", "-b", "main");
    cleanup.push(() => rmSync(repoDir, { recursive: true, force: true }));
    const r = history();
    const { report, runtime, seen } = await mirror(r, { remote: `${server.url}/${name}.git`, token, sha: r.head() });

    expect(report).toMatchObject({ result: "published", published: r.head(), commits: 2 });
    expect(gitAt(repoDir, "rev-parse", "refs/heads/main")).toBe(r.head());
    const header = `Basic ${Buffer.from(`x-access-token:${token}`).toString("base64")}`;
    expect(server.authorizations).toContain(header);
    expect(runtime.secrets).toEqual(expect.arrayContaining([token, Buffer.from(`x-access-token:${token}`).toString("base64")]));
    expect([...seen].some((line) => line.includes("git") && line.includes("push"))).toBe(true);
    for (const line of seen) expect(line.includes(token) || line.includes(header.slice(6)), `argv of a process: ${line}`).toBe(false);
    expect(readFileSync(join(r.dir, ".git", "config"), "utf8")).not.toContain(token);
    expect(runtime.log).not.toContain(token);
  });

  it("gives the token to requests for the mirror's URL only, never another remote of the same git", async () => {
    for (const name of ["mine", "other"]) gitAt(join(projects, `${name}.git`), "init", "-q", "--bare", "-b", "main");
    cleanup.push(() => ["mine", "other"].forEach((n) => rmSync(join(projects, `${n}.git`), { recursive: true, force: true })));
    const dir = await PrivateDir.create(new RecordingRuntime(), mkdtempSync(join(tmpdir(), "mirror-temp-")));
    cleanup.push(() => rmSync(dirname(dir.path), { recursive: true, force: true }));
    const remote = parseMirrorRemote(`${server.url}/mine.git`);
    if ("error" in remote) throw new Error(remote.error);
    const credentials = await MirrorCredentials.configure(remote, { token }, dir);
    const git = new Git(projects).withEnv(credentials.env);
    const seen = server.authorizations.length;
    expect((await git.exec(["ls-remote", `${server.url}/other.git`])).exitCode).not.toBe(0);
    // The request reached the server (so the check below is about something), without the token.
    expect(server.authorizations.length).toBeGreaterThan(seen);
    expect(server.authorizations.slice(seen).every((a) => a === undefined)).toBe(true);
    expect((await git.exec(["ls-remote", `${server.url}/mine.git`])).exitCode).toBe(0);
    expect(server.authorizations.slice(seen)).toContain(`Basic ${Buffer.from(`x-access-token:${token}`).toString("base64")}`);
    await dir.close();
  });

  it("refuses a wrong token with the fix, and pushes nothing", async () => {
    const r = history();
    const repoDir = join(projects, "wrong.git");
    gitAt(repoDir, "init", "-q", "--bare", "-b", "main");
    cleanup.push(() => rmSync(repoDir, { recursive: true, force: true }));
    const error = await mirror(r, { remote: `${server.url}/wrong.git`, token: "not-the-token", sha: r.head() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).problem).toContain("refused the token");
    expect(gitAt(repoDir, "for-each-ref")).toBe("");
  });
});

describeWithTools(["git", "gitleaks", "ip", "unshare", "nsenter", "sshd", "ssh", "ssh-keygen"], "mirror over ssh to a test host (git-shell, pinned host key)", () => {
  const keys = keyDir();
  let host: TestHost;
  let deployKey: KeyPair;
  let stranger: KeyPair;
  const repoInHost = "/home/forge/mirror.git";
  let repoOutside: string;

  beforeAll(async () => {
    [deployKey, stranger] = await Promise.all([makeKeyPair(keys.dir, "deploy"), makeKeyPair(keys.dir, "stranger")]);
    host = await startTestHost({ name: "forge", users: ["forge"], authorizedKeys: { forge: [deployKey.publicKey] }, ownNix: false });
    useGitShell(host.dir, "forge");
    repoOutside = join(host.dir, "home", "forge", "mirror.git");
  });
  afterAll(async () => {
    await stopAll([host]);
    keys.remove();
  });
  afterEach(async () => {
    rmSync(repoOutside, { recursive: true, force: true });
  });

  const initMirror = async () => {
    const made = await host.exec(["git", "init", "-q", "--bare", "-b", "main", repoInHost], { user: "forge" });
    expect(made.exitCode, made.stderr).toBe(0);
  };
  const key = () => readFileSync(deployKey.privateKeyPath, "utf8");

  it("pushes over ssh as the git-shell user, checking the pinned host key", async () => {
    await initMirror();
    const r = history();
    const { report, seen } = await mirror(r, { remote: `forge@${host.address}:${repoInHost}`, "ssh-key": key(), "known-hosts": host.knownHostsLine, sha: r.head() });
    expect(report).toMatchObject({ result: "published", published: r.head(), commits: 2 });
    expect(gitAt(repoOutside, "rev-parse", "refs/heads/main")).toBe(r.head());
    const sshLines = [...seen].filter((l) => l.startsWith("ssh "));
    expect(sshLines.length).toBeGreaterThan(0);
    for (const line of sshLines) expect(line).toContain("StrictHostKeyChecking=yes");
    for (const line of seen) expect(line).not.toContain("PRIVATE KEY");
    // git-shell really is the login shell: an ordinary command is refused.
    const shell = await host.exec(["getent", "passwd", "forge"]);
    expect(shell.stdout.trim()).toMatch(/:\/usr\/bin\/git-shell$/);

    const again = await mirror(r, { remote: `ssh://forge@${host.address}${repoInHost}`, "ssh-key": key(), "known-hosts": host.hostKeyPublic, sha: r.head() });
    expect(again.report.result).toBe("skipped");
  });

  it("refuses a host whose key known-hosts does not hold, and one whose key changed", async () => {
    await initMirror();
    const r = history();
    const unknown = await mirror(r, { remote: `forge@${host.address}:${repoInHost}`, "ssh-key": key(), "known-hosts": `other.host ${stranger.publicKey}`, sha: r.head() }).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(UserError);
    expect((unknown as UserError).problem).toContain("not in known-hosts");

    const changed = await mirror(r, { remote: `forge@${host.address}:${repoInHost}`, "ssh-key": key(), "known-hosts": `${host.address} ${stranger.publicKey}`, sha: r.head() }).catch((e: unknown) => e);
    expect(changed).toBeInstanceOf(UserError);
    expect((changed as UserError).problem).toContain("not the one known-hosts pins");
    expect(gitAt(repoOutside, "for-each-ref")).toBe("");
  });

  it("refuses a key the mirror does not know, with the fix", async () => {
    await initMirror();
    const r = history();
    const error = await mirror(r, { remote: `forge@${host.address}:${repoInHost}`, "ssh-key": readFileSync(stranger.privateKeyPath, "utf8"), "known-hosts": host.knownHostsLine, sha: r.head() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).fix).toContain("deploy key");
    expect(existsSync(repoOutside)).toBe(true);
    expect(gitAt(repoOutside, "for-each-ref")).toBe("");
  });
});

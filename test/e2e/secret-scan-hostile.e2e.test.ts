import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { plantedSecret, secretLine } from "../support/git-repo.js";
import { gitHttpServer } from "../support/git-http.js";
import { Cleanup, commandsRun, expectNoLeak, found, scanRepo, scanReport } from "../support/secret-scan.js";
import { describeWithTools } from "../support/tools.js";
import { runAction } from "../support/runner-harness.js";
import { CLEANUP_STATE, PRIVATE_DIR_PREFIX } from "../../src/runner/private-dir.js";

/** What a repository, a pull request or a user's input may throw at the scan. */
const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const tempDir = (prefix: string) => cleanup.tempDir(prefix);

/** A port nothing listens on (bound, read, released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * A stand-in for gitleaks' failure modes only (the real gitleaks runs every other test): answers
 * `version` like 8.16, then does what `body` says with $report set to --report-path's value.
 */
function fakeGitleaks(body: string, version = "v8.16.0"): string {
  const dir = tempDir("fake-gitleaks-");
  const path = join(dir, "gitleaks");
  writeFileSync(
    path,
    `#!/bin/sh
if [ "$1" = version ]; then echo ${version}; exit 0; fi
for arg in "$@"; do case "$arg" in --report-path=*) report="\${arg#--report-path=}";; esac; done
${body}
`,
  );
  chmodSync(path, 0o755);
  return path;
}

const FINDING = JSON.stringify([{ RuleID: "github-pat", Description: "d", File: "a.env", StartLine: 1, Commit: "c", Fingerprint: "c:a.env:github-pat:1" }]);

describeWithTools(["git", "gitleaks"], "secret-scan against a hostile repository", () => {
  it.each(["*.env -diff", "*.env binary", "*.env diff=hide"])("finds a secret whatever .gitattributes says (%s)", async (attributes) => {
    const r = cleanup.repo();
    const secret = plantedSecret();
    const root = r.commit("root", { "README.md": "x\n", ".gitattributes": `${attributes}\n` });
    r.git("config", "diff.hide.textconv", "true");
    const leak = r.commit("deploy env", { "deploy.env": `HOST=web\n${secretLine(secret)}` });
    const result = await scanRepo(cleanup, r, { event: { before: root, after: leak, ref: "refs/heads/main" } });
    expect(result.exitCode).toBe(1);
    expect(found(result)).toEqual([`deploy.env:2@${leak}`]);
    expectNoLeak(result, [secret]);
  });

  it.each(["github", "forgejo"] as const)("runs no workflow command a config's regex or a file name carries (%s)", async (flavour) => {
    // A regex gitleaks cannot compile: its panic prints the regex, newline and all.
    const r = cleanup.repo();
    const root = r.commit("root", { "README.md": "x\n" });
    const config = r.commit("config", { ".gitleaks.toml": '[[rules]]\nid = "x"\nregex = "(\\n::add-mask::INJECTED\\n  ::warning::INJECTED"\n' });
    const panic = await scanRepo(cleanup, r, { flavour, event: { before: root, after: config, ref: "refs/heads/main" } });
    expect(panic.exitCode).toBe(1);
    expect(panic.rawLog).toContain("::add-mask::INJECTED");
    expect(panic.log).toMatch(/secret-scan failed with: .*gitleaks detect .*failed with exit code 2/);

    // A file name with a newline reaches annotations, the report and the failure message.
    const secret = plantedSecret();
    const named = r.commit("named", { ".gitleaks.toml": null, "n\n::add-mask::INJECTED\n::warning::INJECTED.env": secretLine(secret) });
    const file = await scanRepo(cleanup, r, { flavour, event: { before: config, after: named, ref: "refs/heads/main" } });
    expect(file.exitCode).toBe(1);
    expect(scanReport(file).findings.map((f) => f.file)).toEqual(["n\n::add-mask::INJECTED\n::warning::INJECTED.env"]);

    for (const result of [panic, file]) {
      // Our own ::error:: carries the text escaped inside one command; none may be the payload's.
      expect(commandsRun(result.rawLog).filter((c) => /^::(add-mask|warning)::INJECTED/.test(c))).toEqual([]);
      expect(result.log).toContain("INJECTED");
      expect(result.log).not.toContain("***");
    }
    expectNoLeak(file, [secret]);
  });

  it("takes a pull request's gitleaks config and ignore files from its base, and says so", async () => {
    const r = cleanup.repo();
    const secret = plantedSecret();
    const base = r.commit("root", { "README.md": "x\n", ".gitleaks.toml": '[extend]\nuseDefault = true\n' });
    r.git("checkout", "-q", "-b", "topic");
    const leak = r.commit("leak", { "a.env": secretLine(secret) });
    // The pull request switches its own scan off every way it can.
    const head = r.commit("hide it", {
      ".gitleaks.toml": "[allowlist]\npaths = ['''.*''']\n",
      ".gitleaksignore": `${leak}:a.env:github-pat:1\n`,
      "ci/gitleaks.toml": "[allowlist]\npaths = ['''.*''']\n",
    });
    const event = { pull_request: { base: { sha: base }, head: { sha: head } } };
    const result = await scanRepo(cleanup, r, { eventName: "pull_request", event, flavour: "forgejo" });
    expect(result.exitCode).toBe(1);
    expect(found(result)).toEqual([`a.env:1@${leak}`]);
    expect(result.log).toContain("this pull request changes .gitleaks.toml, .gitleaksignore: the scan uses the base commit's version instead");
    expect(scanReport(result)).toMatchObject({ trustedBase: base, untrustedChanges: [".gitleaks.toml", ".gitleaksignore"] });
    expect(result.log).toContain(`gitleaks' config and ignore files come from the base commit ${base.slice(0, 12)}`);

    // A config input naming a file the pull request adds is not used either.
    const withInput = await scanRepo(cleanup, r, { eventName: "pull_request", event, inputs: { config: "ci/gitleaks.toml" } });
    expect(found(withInput)).toEqual([`a.env:1@${leak}`]);
    expect(withInput.log).toContain("ci/gitleaks.toml (input 'config') is not in the pull request's base commit: scanning without it.");

    // On a push the repository's own files count (a push is by someone who may change them).
    const push = await scanRepo(cleanup, r, { event: { before: base, after: head, ref: "refs/heads/topic" } });
    expect(push.exitCode).toBe(0);
    for (const x of [result, withInput, push]) expectNoLeak(x, [secret]);
  });

  it("never prints published-ref's credentials, with or without #<branch>, nor puts them on git's command line", async () => {
    const r = cleanup.repo();
    r.commit("root", { "README.md": "x\n" });
    const port = await closedPort();
    const trace = join(tempDir("git-trace-"), "trace");
    const token = `TOKEN${plantedSecret().slice(4, 20)}`;
    const url = `https://ci:${token}@127.0.0.1:${port}/x.git`;

    const unreachable = await scanRepo(cleanup, r, {
      eventName: "workflow_dispatch",
      inputs: { range: "unpublished", "published-ref": `${url}#main` },
      env: { GIT_TRACE: trace },
    });
    expect(unreachable.exitCode).toBe(1);
    expect(unreachable.log).toMatch(/secret-scan failed with: .*ls-remote --end-of-options https:\/\/127\.0\.0\.1:\d+\/x\.git refs\/heads\/main/);
    expect(unreachable.log).not.toContain(token);
    // What git ran, argv by argv: the URL, never the token.
    expect(readFileSync(trace, "utf8")).toContain(`https://127.0.0.1:${port}/x.git`);
    expect(readFileSync(trace, "utf8")).not.toContain(token);

    for (const value of [url, `ssh://git:${token}@127.0.0.1:${port}/x.git`]) {
      const noBranch = await scanRepo(cleanup, r, { eventName: "workflow_dispatch", inputs: { range: "unpublished", "published-ref": value } });
      expect(noBranch.exitCode).toBe(1);
      expect(noBranch.log).toContain("is a git URL without a branch: it needs #<branch>");
      expect(noBranch.log).not.toContain(token);
      expect(noBranch.log).not.toContain("Using gitleaks");
    }
  });

  it("reads the published branch from an https-style remote behind basic auth, the credentials sent as a header", async () => {
    const r = cleanup.repo();
    const secret = plantedSecret();
    const root = r.commit("root", { "README.md": "x\n" });
    const leak = r.commit("leak", { "a.env": secretLine(secret) });
    const tip = r.commit("more", { "b.txt": "b\n" });
    const project = tempDir("git-http-");
    execFileSync("git", ["init", "-q", "--bare", join(project, "mirror.git")], { stdio: "pipe" });
    r.git("push", "-q", join(project, "mirror.git"), `${root}:refs/heads/main`);
    const token = `TOKEN${plantedSecret().slice(4, 20)}`;
    const server = await gitHttpServer(project, "ops", token);
    cleanup.push(() => void server.close());
    const trace = join(tempDir("git-trace-"), "trace");

    const result = await scanRepo(cleanup, r, {
      eventName: "workflow_dispatch",
      inputs: { range: "unpublished", "published-ref": `${server.url.replace("://", `://ops:${token}@`)}/mirror.git#main` },
      env: { GIT_TRACE: trace },
    });
    expect(result.outputs).toMatchObject({ findings: "1", commits: "2", range: `${root}..${tip}` });
    expect(found(result)).toEqual([`a.env:1@${leak}`]);
    expect(server.authorizations.length).toBeGreaterThan(0);
    expect(server.authorizations.every((a) => a === `Basic ${Buffer.from(`ops:${token}`).toString("base64")}`)).toBe(true);
    expect(readFileSync(trace, "utf8")).not.toContain(token);
    expect(result.log).not.toContain(token);
    expect(result.rawLog.split("\n").filter((l) => l.includes(token) && !l.startsWith("::add-mask::"))).toEqual([]);

    const refused = await scanRepo(cleanup, r, {
      eventName: "workflow_dispatch",
      inputs: { range: "unpublished", "published-ref": `${server.url.replace("://", "://ops:wrong-password@")}/mirror.git#main` },
    });
    expect(refused.exitCode).toBe(1);
    // Refused: no credential helper, no prompt; the step fails at once.
    expect(refused.log).toMatch(/secret-scan failed with: .*ls-remote .*(terminal prompts disabled|Authentication failed)/s);
    // The token is in rawLog once, in its own ::add-mask:: line; `log` (what a reader sees) was checked above.
    expectNoLeak(result, [secret]);
  });

  it.each([
    ["an unknown flag (126)", "exit 126", /failed with exit code 126/],
    ["exit 0 with findings", `printf '%s' '${FINDING}' > "$report"; exit 0`, /exited with 0 but its report lists 1 findings/],
    ["a panic (2) without a report", "echo 'panic: boom' >&2; exit 2", /failed with exit code 2/],
    ["leaks reported, none listed", `printf '[]' > "$report"; exit 42`, /reported leaks but its report lists none/],
    ["leaks without a report", "exit 42", /exited with 42 but wrote no report/],
    ["a signal", "kill -9 $$", /was stopped by SIGKILL/],
  ])("fails, never reports no findings, when gitleaks ends with %s", async (_what, body, message) => {
    const r = cleanup.repo();
    const root = r.commit("root", { "README.md": "x\n" });
    const next = r.commit("next", { "a.txt": "a\n" });
    const result = await scanRepo(cleanup, r, { event: { before: root, after: next, ref: "refs/heads/main" }, inputs: { "gitleaks-path": fakeGitleaks(body) } });
    expect(result.exitCode).toBe(1);
    expect(result.log).toMatch(message);
    expect(result.log).not.toContain("no secrets found");
    expect(result.outputs.findings).toBeUndefined();
  });

  it("leaves the post step its private directory to remove when main is killed mid-scan", async () => {
    const r = cleanup.repo();
    r.commit("root", { "README.md": "x\n" });
    // gitleaks hangs; once it runs, the runner kills main (SIGKILL: no handler can run) and then runs post.
    const marker = join(tempDir("marker-"), "started");
    const hang = fakeGitleaks(`[ -d "$(dirname "$report")" ] && touch ${marker}; exec sleep 8`);
    const result = await runAction({ action: "actions/secret-scan", flavour: "github", workspace: r.dir, eventName: "workflow_dispatch", inputs: { "gitleaks-path": hang }, stop: { signal: "SIGKILL", when: () => existsSync(marker) } });
    cleanup.push(() => rmSync(result.runnerTemp, { recursive: true, force: true }));
    expect(result.exitCode).toBe(137);
    // One record per private directory the step had open: secret-scan opens one.
    const [recorded] = JSON.parse(result.state[CLEANUP_STATE] as string) as { dir: string }[];
    expect(recorded!.dir.startsWith(join(result.runnerTemp, "nix-fleet", PRIVATE_DIR_PREFIX))).toBe(true);
    // gitleaks was running, its report due inside the private directory, when main died; post removed it.
    expect(existsSync(marker)).toBe(true);
    expect(result.post?.exitCode).toBe(0);
    expect(existsSync(recorded!.dir)).toBe(false);
  });

  it("refuses gitleaks before 8", async () => {
    const r = cleanup.repo();
    r.commit("root", { "README.md": "x\n" });
    const result = await scanRepo(cleanup, r, { eventName: "workflow_dispatch", inputs: { "gitleaks-path": fakeGitleaks("exit 0", "v7.6.1") } });
    expect(result.exitCode).toBe(1);
    expect(result.log).toMatch(/is gitleaks 7\.6\.1: version 8 or newer is needed/);
  });

  it("checks the event before downloading gitleaks", async () => {
    const r = cleanup.repo();
    r.commit("root", { "README.md": "x\n" });
    const port = await closedPort();
    const toolCache = tempDir("tool-cache-");
    const result = await scanRepo(cleanup, r, {
      event: { before: "a".repeat(40), ref: "refs/heads/main" },
      inputs: { "gitleaks-version": "8.16.1", "gitleaks-download-url": `http://127.0.0.1:${port}` },
      env: { RUNNER_TOOL_CACHE: toolCache },
    });
    expect(result.exitCode).toBe(1);
    expect(result.log).toContain("the push event has no 'after' commit");
    expect(result.log).not.toContain("Downloading gitleaks");
  });

  it("writes each scan's reports to a directory of its own, so two scans in one job keep both", async () => {
    const r = cleanup.repo();
    const root = r.commit("root", { "README.md": "x\n" });
    const next = r.commit("next", { "a.env": secretLine(plantedSecret()) });
    const runnerTemp = tempDir("runner-temp-shared-");
    const event = { before: root, after: next, ref: "refs/heads/main" };
    const first = await scanRepo(cleanup, r, { event, inputs: { "fail-on-findings": "false" }, env: { RUNNER_TEMP: runnerTemp } });
    const second = await scanRepo(cleanup, r, { event: { before: root, after: root, ref: "refs/heads/main" }, env: { RUNNER_TEMP: runnerTemp } });
    expect(first.outputs.report).not.toBe(second.outputs.report);
    expect(first.outputs.sarif).not.toBe(second.outputs.sarif);
    expect(first.outputs.report?.startsWith(join(runnerTemp, "nix-fleet", "secret-scan-"))).toBe(true);
    expect(scanReport(first).findings).toHaveLength(1);
    expect(scanReport(second).findings).toHaveLength(0);
    expect(existsSync(first.outputs.sarif as string)).toBe(true);
  });
});

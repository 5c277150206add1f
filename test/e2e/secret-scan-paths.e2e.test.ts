import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { join, relative } from "node:path";
import { afterEach, expect, it } from "vitest";
import { PRIVATE_DIR_PREFIX } from "../../src/runner/private-dir.js";
import { runAction, type Flavour } from "../support/runner-harness.js";
import { Cleanup, scanRepo } from "../support/secret-scan.js";
import { describeWithTools } from "../support/tools.js";

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const tempDir = (prefix: string) => cleanup.tempDir(prefix);

/** Each way a `sarif` value could reach a file the action must not touch; `target` is that file. */
function hostileSarif(workspace: string): { name: string; value: string; target: string }[] {
  // Outside every root: a file of the test's own, never a real system file.
  const outside = tempDir("outside-");
  const victim = join(outside, "x");
  writeFileSync(victim, "not yours\n");
  const link = join(workspace, "reports");
  symlinkSync(outside, link);
  return [
    { name: "an existing file of the repository", value: "flake.nix", target: join(workspace, "flake.nix") },
    { name: "a file inside .git", value: ".git/HEAD", target: join(workspace, ".git", "HEAD") },
    { name: "a new file inside .git", value: ".git/new.sarif", target: join(workspace, ".git", "new.sarif") },
    { name: "a path that climbs out", value: `${relative(workspace, outside)}/x`, target: victim },
    { name: "a new file through a symlink pointing out", value: "reports/new.sarif", target: join(outside, "new.sarif") },
    { name: "an existing file through a symlink pointing out", value: "reports/x", target: victim },
  ];
}

function snapshot(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, "utf8") : undefined;
}

describeWithTools(["git", "gitleaks"], "paths the actions write", () => {
  it.each(["github", "forgejo"] as const)("secret-scan refuses every sarif path outside the workspace and RUNNER_TEMP, in .git, or existing (%s)", async (flavour: Flavour) => {
    const r = cleanup.repo();
    r.commit("root", { "flake.nix": "{ outputs = _: { }; }\n" });
    for (const c of hostileSarif(r.dir)) {
      const before = snapshot(c.target);
      const result = await scanRepo(cleanup, r, { eventName: "workflow_dispatch", flavour, inputs: { sarif: c.value } });
      expect(result.exitCode, c.name).toBe(1);
      expect(result.log, c.name).toMatch(/Invalid input 'sarif': .*Expected the path of a new file inside the workspace \(.*\) or RUNNER_TEMP \(.*\), outside \.git\./);
      // Refused before anything ran: no scan, no outputs, the target as it was.
      expect(result.log, c.name).not.toContain("Scanning");
      expect(result.outputs.findings, c.name).toBeUndefined();
      expect(snapshot(c.target), c.name).toBe(before);
    }
  });

  it("secret-scan writes a new sarif file in the workspace, once", async () => {
    const r = cleanup.repo();
    r.commit("root", { "README.md": "x\n" });
    const first = await scanRepo(cleanup, r, { eventName: "workflow_dispatch", inputs: { sarif: "out/scan.sarif" } });
    expect(first.exitCode, first.log).toBe(0);
    expect(first.outputs.sarif).toBe(join(r.dir, "out", "scan.sarif"));
    expect(JSON.parse(readFileSync(join(r.dir, "out", "scan.sarif"), "utf8")).version).toBe("2.1.0");
    // The scratch dir is gone, and post found nothing left to do.
    expect(readdirSync(join(first.runnerTemp, "nix-fleet")).filter((n) => n.startsWith(PRIVATE_DIR_PREFIX))).toEqual([]);
    expect(first.post?.exitCode).toBe(0);
    const again = await scanRepo(cleanup, r, { eventName: "workflow_dispatch", inputs: { sarif: "out/scan.sarif" } });
    expect(again.exitCode).toBe(1);
    expect(again.log).toMatch(/Invalid input 'sarif': 'out\/scan.sarif' already exists/);
  });

  it.each(["github", "forgejo"] as const)("the gate refuses a hostile sarif path before any stage runs (%s)", async (flavour: Flavour) => {
    const r = cleanup.repo();
    r.commit("root", { "flake.nix": "{ outputs = _: { }; }\n" });
    for (const c of hostileSarif(r.dir)) {
      const before = snapshot(c.target);
      const result = await runAction({ action: ".", flavour, workspace: r.dir, eventName: "workflow_dispatch", event: {}, inputs: { sarif: c.value } });
      cleanup.push(() => rmSync(result.runnerTemp, { recursive: true, force: true }));
      expect(result.exitCode, c.name).toBe(1);
      expect(result.log, c.name).toMatch(/Invalid input 'sarif': /);
      expect(result.log, c.name).not.toContain("── flake-check ──");
      expect(snapshot(c.target), c.name).toBe(before);
    }
  });

  it("on a pull request, refuses a gitleaks-path inside the checkout, even through a symlink from outside", async () => {
    const r = cleanup.repo();
    const base = r.commit("root", { "README.md": "x\n" });
    // The pull request brings its own "gitleaks" (left out of the commits: scanning a 10 MB
    // binary would only cost time).
    mkdirSync(join(r.dir, "tools"));
    writeFileSync(join(r.dir, ".git", "info", "exclude"), "tools/gitleaks\n");
    const own = join(r.dir, "tools", "gitleaks");
    copyFileSync(execFileSync("sh", ["-c", "command -v gitleaks"], { encoding: "utf8" }).trim(), own);
    const head = r.commit("tools", { "tools/README": "x\n" });
    const outside = tempDir("outside-");
    symlinkSync(own, join(outside, "gitleaks"));
    const event = { pull_request: { base: { sha: base }, head: { sha: head } } };
    for (const eventName of ["pull_request", "pull_request_target"]) {
      for (const path of ["tools/gitleaks", join(outside, "gitleaks")]) {
        const result = await scanRepo(cleanup, r, { eventName, event, inputs: { "gitleaks-path": path } });
        expect(result.exitCode).toBe(1);
        expect(result.log).toMatch(new RegExp(`Invalid input 'gitleaks-path': .* is inside the checkout, which on ${eventName} is the pull request's own`));
        expect(result.log).toContain("Expected a gitleaks installed on the runner outside the workspace, or gitleaks-path empty");
        expect(result.log).not.toContain("Scanning");
      }
    }
    // On a push the checkout is the repository's own: the same path is used.
    const push = await scanRepo(cleanup, r, { eventName: "push", event: { before: base, after: head, ref: "refs/heads/main" }, inputs: { "gitleaks-path": "tools/gitleaks" } });
    expect(push.exitCode, push.log).toBe(0);
    expect(push.log).toContain(`from gitleaks-path ${own}`);
  });

  it("on a pull request, never runs a gitleaks that PATH finds inside the checkout (or on a relative PATH entry)", async () => {
    const r = cleanup.repo();
    const base = r.commit("root", { "README.md": "x\n" });
    const outside = tempDir("outside-");
    const ran = join(outside, "ran");
    mkdirSync(join(r.dir, "bin"));
    // The pull request's own "gitleaks": it would pass every leak and run what it likes.
    writeFileSync(join(r.dir, "bin", "gitleaks"), `#!/bin/sh\necho "$0" >> '${ran}'\necho v8.16.0\n`, { mode: 0o755 });
    writeFileSync(join(r.dir, ".git", "info", "exclude"), "bin/\n");
    const head = r.commit("change", { "src.txt": "x\n" });
    const real = execFileSync("sh", ["-c", "command -v gitleaks"], { encoding: "utf8" }).trim();
    const event = { pull_request: { base: { sha: base }, head: { sha: head } } };
    for (const entry of [join(r.dir, "bin"), "bin"]) {
      const result = await scanRepo(cleanup, r, { eventName: "pull_request", event, env: { PATH: `${entry}:${process.env.PATH}` } });
      expect(result.exitCode, result.log).toBe(0);
      expect(result.log).toContain(`from PATH (${real})`);
      expect(existsSync(ran) ? readFileSync(ran, "utf8") : "nothing").toBe("nothing");
    }
    // On a push the checkout is the repository's own: PATH is taken as it is.
    const push = await scanRepo(cleanup, r, { eventName: "push", event: { before: base, after: head, ref: "refs/heads/main" }, env: { PATH: `${join(r.dir, "bin")}:${process.env.PATH}` } });
    expect(push.log).toContain(`PATH (${join(r.dir, "bin", "gitleaks")})`);
  });
});

import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TestRepo } from "./git-repo.js";

/** A bare repository as a mirror: its branch's tip, or undefined when it has none. */
export function mirrorTip(mirror: TestRepo, branch = "main"): string | undefined {
  try {
    return mirror.git("rev-parse", "--verify", "--quiet", `refs/heads/${branch}`);
  } catch {
    return undefined;
  }
}

/** A clone of `origin` as actions/checkout makes it: depth 1 unless told otherwise, one branch. */
export function cloneOf(origin: TestRepo, o: { depth?: number } = {}): TestRepo {
  const dir = mkdtempSync(join(tmpdir(), "mirror-clone-"));
  const depth = o.depth === undefined ? [] : [`--depth=${o.depth}`];
  execFileSync("git", ["clone", "-q", ...depth, "--single-branch", "--branch", "main", `file://${origin.dir}`, dir], { stdio: "pipe" });
  return new TestRepo(dir);
}

/**
 * A gitleaks that first runs `before` (a shell snippet), then the real gitleaks: a push to the
 * mirror by someone else while the scan runs, which is exactly when a real race happens.
 */
export function gitleaksDoing(dir: string, before: string): string {
  const path = join(dir, "gitleaks-racing");
  writeFileSync(path, `#!/bin/sh\nif [ "$1" = detect ] || [ "$1" = git ]; then ${before}; fi\nexec gitleaks "$@"\n`);
  chmodSync(path, 0o755);
  return path;
}

/** Command lines of every process now running (what `ps` shows), for checking a secret is in none. */
export function commandLines(): string[] {
  const out: string[] = [];
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      out.push(readFileSync(join("/proc", pid, "cmdline"), "latin1").split("\0").join(" "));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Samples `commandLines()` every few milliseconds while `work` runs. */
export async function watchCommandLines<T>(work: () => Promise<T>): Promise<{ result: T; seen: Set<string> }> {
  const seen = new Set<string>();
  let running = true;
  const sampler = (async () => {
    while (running) {
      for (const line of commandLines()) seen.add(line);
      await new Promise((r) => setTimeout(r, 3));
    }
  })();
  try {
    const result = await work();
    return { result, seen };
  } finally {
    running = false;
    await sampler;
  }
}

/** Makes a test host's user log in to git-shell, as a forge's git user does (only git's own commands). */
export function useGitShell(hostDir: string, user: string): void {
  const passwd = join(hostDir, "etc", "passwd");
  const text = readFileSync(passwd, "utf8").replace(new RegExp(`^(${user}:[^\\n]*:)/bin/bash$`, "m"), "$1/usr/bin/git-shell");
  // Rewritten in place: the host sees this file through a bind mount of this very inode.
  writeFileSync(passwd, text);
}

/** git on a repository another user owns (the test host's), as root may read it. */
export function gitAt(gitDir: string, ...args: string[]): string {
  return execFileSync("git", ["-c", "safe.directory=*", `--git-dir=${gitDir}`, ...args], { encoding: "utf8", stdio: "pipe" }).trim();
}

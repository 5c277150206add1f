import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
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

import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

const IDENTITY = ["-c", "user.name=Fleet Operator", "-c", "user.email=ops@fleet.test", "-c", "commit.gpgsign=false"];

/** A real git repository in a temp dir, for tests that need history. */
export class TestRepo {
  private tick = 0;

  constructor(readonly dir: string) {}

  static init(prefix = "repo-", options: { bare?: boolean } = {}): TestRepo {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    execFileSync("git", ["init", "-q", "-b", "main", ...(options.bare ? ["--bare"] : []), dir], { stdio: "pipe" });
    return new TestRepo(dir);
  }

  git(...args: string[]): string {
    // Fixed, increasing dates keep shas distinct and runs readable.
    const date = `2026-01-01T00:${String(Math.floor(this.tick / 60)).padStart(2, "0")}:${String(this.tick % 60).padStart(2, "0")}Z`;
    return execFileSync("git", [...IDENTITY, ...args], {
      cwd: this.dir,
      encoding: "utf8",
      stdio: "pipe",
      env: { ...process.env, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date },
    }).trim();
  }

  /** Writes files (null deletes), commits them all, returns the new commit's sha. */
  commit(message: string, files: Record<string, string | null>): string {
    this.tick++;
    for (const [file, content] of Object.entries(files)) {
      const path = join(this.dir, file);
      if (content === null) rmSync(path, { force: true });
      else {
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, content);
      }
    }
    this.git("add", "-A");
    this.git("commit", "-q", "--allow-empty", "-m", message);
    return this.head();
  }

  head(rev = "HEAD"): string {
    return this.git("rev-parse", rev);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * A fresh GitHub token-shaped secret that gitleaks' default rules find (rule github-pat), random
 * per test run so that finding it anywhere in the output can only mean it leaked.
 */
export function plantedSecret(): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  const bytes = randomBytes(36);
  return `ghp_${[...bytes].map((b) => alphabet[b % alphabet.length]).join("")}`;
}

/** A file line holding a secret, as a leaked env file would. */
export function secretLine(secret: string): string {
  return `GITHUB_TOKEN=${secret}\n`;
}

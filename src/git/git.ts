import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { CommandError, CommandNotFoundError, run, runChecked, tail, type RunOptions, type RunResult } from "../process/run.js";

/** git, reached through one exec function. */
export class Git {
  constructor(
    readonly cwd: string,
    private readonly binary = "git",
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  exec(args: string[], options: Omit<RunOptions, "cwd" | "env"> = {}): Promise<RunResult> {
    return run([this.binary, ...args], { ...options, cwd: this.cwd, env: this.env });
  }

  async checked(args: string[], options: Omit<RunOptions, "cwd" | "env"> = {}): Promise<string> {
    return (await runChecked([this.binary, ...args], { ...options, cwd: this.cwd, env: this.env })).stdout;
  }

  /** The same git with more environment (credentials for one remote, GIT_DIR, ...). */
  withEnv(extra: Record<string, string>): this {
    const Self = this.constructor as new (cwd: string, binary: string, env: NodeJS.ProcessEnv) => this;
    return new Self(this.cwd, this.binary, { ...this.env, ...extra });
  }

  /** The top of the work tree that holds cwd, or undefined outside one (or without git). */
  async tryToplevel(): Promise<string | undefined> {
    try {
      const result = await this.exec(["rev-parse", "--show-toplevel"]);
      return result.exitCode === 0 ? result.stdout.trim() : undefined;
    } catch (error) {
      if (error instanceof CommandNotFoundError) return undefined;
      throw error;
    }
  }
}

/** The 40 zeros a push event carries as `before` for a new branch (and as `after` for a deleted one). */
export const ZERO_SHA = "0000000000000000000000000000000000000000";

export interface GitRef {
  name: string;
  sha: string;
}

/** History questions and fetches a secret scan needs, over the same one exec function. */
export class GitHistory extends Git {
  /** The commit a revision names, or undefined when this clone does not have it. */
  async tryCommit(rev: string): Promise<string | undefined> {
    const result = await this.exec(["rev-parse", "--verify", "--quiet", "--end-of-options", `${rev}^{commit}`]);
    return result.exitCode === 0 ? result.stdout.trim() : undefined;
  }

  async isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    const result = await this.exec(["merge-base", "--is-ancestor", ancestor, descendant]);
    if (result.exitCode > 1) throw new CommandError(result.command, result.exitCode, result.stderr);
    return result.exitCode === 0;
  }

  async isShallow(): Promise<boolean> {
    return (await this.checked(["rev-parse", "--is-shallow-repository"])).trim() === "true";
  }

  /** The commits whose parents a shallow clone cut off (empty when it is complete). */
  async shallowBoundary(): Promise<Set<string>> {
    const result = await this.exec(["rev-parse", "--git-path", "shallow"]);
    if (result.exitCode !== 0) return new Set();
    try {
      const text = await readFile(resolve(this.cwd, result.stdout.trim()), "utf8");
      return new Set(text.split("\n").map((l) => l.trim()).filter(Boolean));
    } catch {
      return new Set();
    }
  }

  /**
   * Commits reachable from `include` but from none of `exclude`; `all` lists every ref's history.
   * The revisions go through stdin: thousands of refs would not fit on a command line.
   */
  async revList(include: string[] | "all", exclude: string[] = [], options: { noMerges?: boolean } = {}): Promise<string[]> {
    if (include !== "all" && !include.length) return [];
    const flags = options.noMerges ? ["--no-merges"] : [];
    if (include === "all") return lines(await this.checked(["rev-list", ...flags, "--all", "--"]));
    return lines(await this.checked(["rev-list", ...flags, "--stdin", "--"], { input: revisions(include, exclude) }));
  }

  /**
   * The commits just outside `tip --not exclude`: excluding these few leaves out exactly what
   * excluding every one of `exclude` does.
   */
  async boundary(tip: string, exclude: string[]): Promise<{ commits: string[]; boundary: string[] }> {
    const out = lines(await this.checked(["rev-list", "--boundary", "--stdin", "--"], { input: revisions([tip], exclude) }));
    return { commits: out.filter((l) => !l.startsWith("-")), boundary: out.filter((l) => l.startsWith("-")).map((l) => l.slice(1)) };
  }

  /** A file's content at a commit, or undefined when the commit has no such file. */
  async tryShow(commit: string, path: string): Promise<string | undefined> {
    const result = await this.exec(["cat-file", "blob", `${commit}:${path}`]);
    return result.exitCode === 0 ? result.stdout : undefined;
  }

  async gitDir(): Promise<string> {
    return (await this.checked(["rev-parse", "--absolute-git-dir"])).trim();
  }

  async refs(): Promise<GitRef[]> {
    const out = await this.checked(["for-each-ref", "--format=%(objectname) %(refname)"]);
    return out
      .split("\n")
      .filter(Boolean)
      .map((line) => {
        const at = line.indexOf(" ");
        return { sha: line.slice(0, at), name: line.slice(at + 1) };
      })
      .filter((r) => /^[0-9a-f]{40,64}$/.test(r.sha));
  }

  async remotes(): Promise<string[]> {
    return (await this.checked(["remote"])).split("\n").filter(Boolean);
  }

  /**
   * Fetches without tags: `fetch <options> --end-of-options <remote> <refspecs>`. Undefined when it worked,
   * else why not (the tail of git's stderr).
   */
  async fetchOrWhy(remote: string, options: string[], refspecs: string[] = []): Promise<string | undefined> {
    const result = await this.exec(["fetch", "--quiet", "--no-tags", ...options, "--end-of-options", remote, ...refspecs]);
    return result.exitCode === 0 ? undefined : tail(result.stderr, 5) || `git fetch exited with code ${result.exitCode}`;
  }

  /** Fetches refspecs from a remote or URL; throws with git's reason. */
  async fetchRefspecs(remote: string, refspecs: string[]): Promise<void> {
    await this.checked(["fetch", "--quiet", "--no-tags", "--end-of-options", remote, ...refspecs]);
  }

  /** Every ref of a remote matching the patterns (`refs/tags/*`), peeled `^{}` lines left out. */
  async lsRemoteRefs(remote: string, patterns: string[]): Promise<GitRef[]> {
    const out = await this.checked(["ls-remote", "--end-of-options", remote, ...patterns]);
    return lines(out)
      .map((line) => {
        const [sha = "", name = ""] = line.split("\t");
        return { sha, name };
      })
      .filter((r) => !r.name.endsWith("^{}"));
  }

  /** Tags whose commit `commit` reaches, with the sha each tag ref holds (a tag object for annotated ones). */
  async tagsReachableFrom(commit: string): Promise<GitRef[]> {
    const out = await this.checked(["for-each-ref", `--merged=${commit}`, "--format=%(objectname) %(refname)", "refs/tags"]);
    return lines(out).map((line) => {
      const at = line.indexOf(" ");
      return { sha: line.slice(0, at), name: line.slice(at + 1) };
    });
  }

  /** The sha a remote's ref points at, or undefined when the remote has no such ref. */
  async lsRemote(remote: string, ref: string): Promise<string | undefined> {
    const out = await this.checked(["ls-remote", "--end-of-options", remote, ref]);
    const line = out.split("\n").find((l) => l.endsWith(`\t${ref}`));
    return line?.split("\t")[0];
  }
}

function lines(text: string): string[] {
  return text.split("\n").filter(Boolean);
}

/** rev-list's stdin: one revision per line, `^` for excluded ones (git before 2.42 takes no `--not` there). */
function revisions(include: string[], exclude: string[]): string {
  return [...include, ...exclude.map((x) => `^${x}`)].map((r) => `${r}\n`).join("");
}

import { CommandError } from "../process/run.js";
import type { Git } from "./git.js";

export interface ExactPush {
  /** The mirror, free of credentials (they travel in the Git's environment). */
  url: string;
  /** The commit to publish, a full sha. */
  sha: string;
  branch: string;
  /**
   * `force: true`: the tip read from the mirror (undefined: the branch did not exist), which the
   * push may replace and nothing else. Absent: fast-forward only.
   */
  lease?: { expected: string | undefined };
  /** Tag refs (`refs/tags/v1`) to publish with the branch, each as this clone has it. */
  tags?: string[];
}

/** The mirror moved after it was read: the lease refused, nothing was changed. */
export class StaleMirrorError extends Error {}

/** The mirror's branch has commits `sha` lacks and the push may not overwrite them (force: false). */
export class NotFastForwardError extends Error {}

/**
 * `git push` of exactly `<sha>:refs/heads/<branch>` (and the given tags), never `--mirror`,
 * `--prune`, `--all` or a configured refspec: a commit that landed after the gate cannot ride
 * along. With several refs the push is atomic, so the branch and its tags land together or not at all.
 */
export async function pushExact(git: Git, p: ExactPush): Promise<void> {
  const branchRef = `refs/heads/${p.branch}`;
  const tags = p.tags ?? [];
  const args = [
    "push",
    "--porcelain",
    // A user's push.followTags or push.recurseSubmodules must not add to what is published.
    "--no-follow-tags",
    "--no-recurse-submodules",
    ...(tags.length ? ["--atomic"] : []),
    ...(p.lease ? [`--force-with-lease=${branchRef}:${p.lease.expected ?? ""}`] : []),
    "--end-of-options",
    p.url,
    `${p.sha}:${branchRef}`,
    ...tags.map((t) => `${t}:${t}`),
  ];
  const result = await git.exec(args);
  if (result.exitCode === 0) return;
  const said = `${result.stdout}\n${result.stderr}`;
  if (/\(stale info\)/.test(said)) {
    throw new StaleMirrorError(
      `the mirror's ${p.branch} moved after it was read (it was at ${p.lease?.expected ?? "nothing: the branch did not exist"}): someone else pushed to it meanwhile. The lease refused the push and the mirror was not changed; run the mirror job again to publish on top of what is there now.`,
    );
  }
  if (/\((non-fast-forward|fetch first)\)/.test(said)) {
    throw new NotFastForwardError(`the mirror's ${p.branch} has commits that ${p.sha} does not contain, and force is false: nothing was pushed.`);
  }
  throw new CommandError(result.command, result.exitCode, `${result.stderr}\n${result.stdout}`);
}

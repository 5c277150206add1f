import type { GitHistory } from "../git/git.js";
import { remoteAccess } from "../git/remote-url.js";
import { otherRefs, type PublishedRef, type RangePlan, type ResolvedRange } from "./range.js";

export interface RangeLog {
  info(message: string): void;
  warning(message: string): void;
}

const FIX = "Check out the whole history (actions/checkout with `fetch-depth: 0`) so the range can be scanned.";

/** Deepening steps before giving up and fetching everything. */
const DEEPEN_STEPS = [50, 200, 1000];

/**
 * Turns a plan into commits of this clone. A shallow clone is deepened until it holds the whole
 * range, or the scan fails with the fix: it never scans less than the plan asks for.
 */
/** A commit the scan needs besides the range (a pull request's base), fetched when the clone lacks it. */
export async function requireCommit(rev: string, label: string, git: GitHistory, log: RangeLog): Promise<string> {
  return new History(git, log).commit(rev, label);
}

export async function resolveRange(plan: RangePlan, git: GitHistory, log: RangeLog): Promise<ResolvedRange> {
  const history = new History(git, log);
  switch (plan.kind) {
    case "nothing":
      return { include: [], exclude: [], why: plan.why };
    case "all":
      await history.complete("the whole history");
      return { include: "all", exclude: [], why: plan.why };
    case "local": {
      const head = await history.commit("HEAD", "HEAD");
      const upstream = await git.tryCommit("HEAD@{upstream}");
      if (!upstream) {
        await history.complete("the whole history");
        return { include: [head], exclude: [], why: "no upstream branch: the whole history of HEAD" };
      }
      return history.between(upstream, head, plan.why);
    }
    case "between": {
      const to = await history.commit(plan.to, plan.to);
      const from = await history.findOrDeepen(plan.from, to);
      if (from) {
        // Forgejo's push payload has no `forced`: say so when the old tip is not in the new history.
        const forced = plan.push !== undefined && !plan.push.forced && !(await git.isAncestor(from, to));
        return history.between(from, to, forced ? `force ${plan.why}` : plan.why);
      }
      if (plan.push) {
        // A force push left `before` behind, and the remote no longer has it either.
        log.warning(`the commit before the push (${plan.from}) is not in this clone: scanning every commit of the push that no other ref reaches.`);
        return history.newBranch(to, plan.push.branch, `${plan.why} (previous commit unknown)`);
      }
      throw new Error(`'${plan.from}' is not a commit of this clone, even after fetching${history.fetchFailure()}. ${FIX}`);
    }
    case "new-branch": {
      const tip = await history.commit(plan.tip, plan.tip);
      return history.newBranch(tip, plan.branch, plan.why);
    }
    case "unpublished": {
      const tip = await history.commit(plan.tip, plan.tip);
      await history.complete("the history a mirror push would publish");
      const published = await publishedCommit(plan.published, git, log);
      return { include: [tip], exclude: published ? [published] : [], why: published ? plan.why : `${plan.why}: nothing published yet` };
    }
  }
}

async function publishedCommit(published: PublishedRef, git: GitHistory, log: RangeLog): Promise<string | undefined> {
  if (published.kind === "local") {
    const sha = await git.tryCommit(published.ref);
    if (!sha) {
      throw new Error(`published-ref '${published.ref}' is not a ref of this clone. Expected a fetched ref (such as refs/remotes/mirror/main) or <git-url>#<branch>.`);
    }
    return sha;
  }
  const ref = `refs/heads/${published.branch}`;
  const access = remoteAccess(published.url);
  const remote = git.withEnv(access.env);
  const sha = await remote.lsRemote(access.url, ref);
  if (!sha) {
    log.info(`The published repository has no branch ${published.branch} yet: every commit is unpublished.`);
    return undefined;
  }
  if (!(await git.tryCommit(sha))) await remote.fetchRefspecs(access.url, [ref]);
  const fetched = await git.tryCommit(sha);
  if (!fetched) throw new Error(`fetched ${ref} from the published repository, but commit ${sha} is still missing.`);
  return fetched;
}

class History {
  private shallow: boolean | undefined;
  private remote: string | undefined | null = null;
  private lastFetchFailure: string | undefined;

  constructor(
    private readonly git: GitHistory,
    private readonly log: RangeLog,
  ) {}

  private async isShallow(): Promise<boolean> {
    if (this.shallow === undefined || this.shallow) this.shallow = await this.git.isShallow();
    return this.shallow;
  }

  private async remoteName(): Promise<string | undefined> {
    if (this.remote === null) {
      const remotes = await this.git.remotes();
      this.remote = remotes.includes("origin") ? "origin" : remotes[0];
    }
    return this.remote;
  }

  /** A revision that must exist (the tip being scanned). */
  async commit(rev: string, label: string): Promise<string> {
    const sha = (await this.git.tryCommit(rev)) ?? (await this.fetchSha(rev));
    if (!sha) throw new Error(`${label} is not a commit of this clone${this.fetchFailure()}. ${FIX}`);
    return sha;
  }

  /** Why the last fetch failed, as a clause for an error message (empty when none did). */
  fetchFailure(): string {
    return this.lastFetchFailure ? ` (fetching it failed: ${this.lastFetchFailure})` : "";
  }

  /** A commit the clone lacks (another branch's PR head, a force-pushed old tip), by sha. */
  private async fetchSha(rev: string): Promise<string | undefined> {
    if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(rev)) return undefined;
    const remote = await this.remoteName();
    if (!remote) return undefined;
    this.log.info(`Fetching ${rev} from ${remote}.`);
    this.lastFetchFailure = await this.git.fetchOrWhy(remote, (await this.isShallow()) ? ["--depth=1"] : [], [rev]);
    if (this.lastFetchFailure) return undefined;
    this.shallow = undefined;
    return this.git.tryCommit(rev);
  }

  /** One more step of history from the remote; false when there is no more to get. */
  private async deepen(step: number, what: string): Promise<boolean> {
    if (!(await this.isShallow())) return false;
    const remote = await this.remoteName();
    if (!remote) throw new Error(`this clone is shallow, lacks part of ${what}, and has no remote to fetch it from. ${FIX}`);
    const depth = DEEPEN_STEPS[step];
    this.log.info(depth ? `Shallow clone: fetching ${depth} more commits of history from ${remote}.` : `Shallow clone: fetching the whole history from ${remote}.`);
    const failure = await this.git.fetchOrWhy(remote, depth ? [`--deepen=${depth}`] : ["--unshallow"]);
    if (failure) throw new Error(`this clone is shallow, lacks part of ${what}, and fetching more history from '${remote}' failed (${failure}). ${FIX}`);
    this.shallow = undefined;
    return true;
  }

  /** Makes the clone complete (unshallow): for ranges that reach back to the roots. */
  async complete(what: string): Promise<void> {
    if (await this.isShallow()) await this.deepen(DEEPEN_STEPS.length, what);
  }

  /** The commit `rev` names, deepening a shallow clone until it appears; undefined when it never does. */
  async findOrDeepen(rev: string, tip: string): Promise<string | undefined> {
    for (let step = 0; ; step++) {
      const sha = await this.git.tryCommit(rev);
      if (sha) return sha;
      if (!(await this.isShallow())) return this.fetchSha(rev);
      await this.deepen(step, `the history between ${rev} and ${tip}`);
    }
  }

  /** Makes sure no commit of the range is a shallow boundary (whose parents are missing). */
  private async ensureWhole(include: string[], exclude: string[], what: string): Promise<void> {
    for (let step = 0; await this.isShallow(); step++) {
      const boundary = await this.git.shallowBoundary();
      const commits = await this.git.revList(include, exclude);
      if (!commits.some((c) => boundary.has(c))) return;
      await this.deepen(step, what);
    }
  }

  async between(from: string, to: string, why: string): Promise<ResolvedRange> {
    await this.ensureWhole([to], [from], `${from}..${to}`);
    return { include: [to], exclude: [from], why };
  }

  async newBranch(tip: string, branch: string, why: string): Promise<ResolvedRange> {
    const others = [...new Set(otherRefs(await this.git.refs(), branch).map((r) => r.sha))];
    await this.ensureWhole([tip], others, `the commits of ${branch}`);
    // The few commits at the edge stand for every other ref: the same set of commits, and a
    // range (and --log-opts argument) that stays short with thousands of tags.
    const { commits, boundary } = await this.git.boundary(tip, others);
    if (!commits.length) return { include: [], exclude: [], why: `${why}: every commit is on another ref already` };
    return { include: [tip], exclude: boundary, why };
  }
}

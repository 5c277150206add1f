import { ZERO_SHA, type GitRef } from "../git/git.js";
import { displayUrl, hasQueryCredentials, looksLikeGitUrl } from "../git/remote-url.js";

/** The `range` input: `auto` (from the event), `all`, `unpublished`, or `A..B`. */
export type RangeInput = { kind: "auto" } | { kind: "all" } | { kind: "unpublished" } | { kind: "between"; from: string; to: string };

/** Where the already-public commits are: a ref in this clone, or a branch of another repository. */
export type PublishedRef = { kind: "local"; ref: string } | { kind: "remote"; url: string; branch: string };

/**
 * What to scan, decided from the input and the event before asking git anything. Revisions are
 * still names or shas that the clone may lack; resolveRange makes them commits.
 */
export type RangePlan =
  /** Every commit of every ref: scheduled and manual runs, `all`. */
  | { kind: "all"; why: string }
  /**
   * Commits reachable from `to` but not from `from`: a push, a force push, a pull request, `A..B`.
   * `push`: the branch a push moved, and whether the event said it was forced (Forgejo never does).
   */
  | { kind: "between"; from: string; to: string; why: string; push?: { branch: string; forced: boolean } }
  /** A new branch: its commits that no other ref reaches (those were scanned when they were pushed). */
  | { kind: "new-branch"; tip: string; branch: string; why: string }
  /** What a mirror push of `tip` would make public. */
  | { kind: "unpublished"; tip: string; published: PublishedRef; why: string }
  /** In a terminal: what is not yet pushed upstream, or everything without an upstream. */
  | { kind: "local"; why: string }
  /** A deleted branch: no commits. */
  | { kind: "nothing"; why: string };

/** A revision as a user may write it, safe to pass to git and inside gitleaks' `--log-opts`. */
export function isSafeRevision(rev: string): boolean {
  // --log-opts is split on single spaces without quoting, and a leading '-' would be an option.
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  return rev.length > 0 && !rev.startsWith("-") && !/[\s\x00-\x1f\x7f]/.test(rev) && !rev.includes("..");
}

/** Parses the `range` input; returns an error text ending in the expected form when it is bad. */
export function parseRangeInput(value: string): RangeInput | { error: string } {
  const expected = "Expected auto, all, unpublished, or A..B with two revisions (no spaces, not starting with '-')";
  if (value === "auto" || value === "all" || value === "unpublished") return { kind: value };
  const parts = value.split("..");
  if (parts.length !== 2 || value.includes("...")) return { error: `'${value}' is not a range. ${expected}.` };
  const [from = "", to = ""] = parts;
  for (const rev of [from, to]) {
    if (!isSafeRevision(rev)) return { error: `'${rev || "(empty)"}' in '${value}' is not a usable revision. ${expected}.` };
  }
  return { kind: "between", from, to };
}

/** Parses `published-ref`: `<git-url>#<branch>`, or a ref of this clone. */
export function parsePublishedRef(value: string): PublishedRef | { error: string } {
  const expected = "Expected a ref of this clone (such as refs/remotes/mirror/main) or <git-url>#<branch>";
  const hash = value.lastIndexOf("#");
  if (hash >= 0) {
    const url = value.slice(0, hash);
    const branch = value.slice(hash + 1).replace(/^refs\/heads\//, "");
    if (!url || url.startsWith("-") || /\s/.test(url)) return { error: `'${displayUrl(url) || "(empty)"}' is not a git URL. ${expected}.` };
    if (hasQueryCredentials(url)) {
      return { error: `'${displayUrl(url)}' has a credential in its query, which would reach git's command line and messages. ${expected}, with the token in the URL's userinfo instead (https://user:token@host/..., sent as a header, never on the command line).` };
    }
    if (!isSafeRevision(branch) || /[~^:?*[\\]/.test(branch) || branch.endsWith("/") || branch.endsWith(".lock")) {
      return { error: `'${branch || "(empty)"}' is not a branch name. ${expected}.` };
    }
    return { kind: "remote", url, branch };
  }
  if (looksLikeGitUrl(value)) return { error: `'${displayUrl(value)}' is a git URL without a branch: it needs #<branch>. ${expected}.` };
  if (!isSafeRevision(value)) return { error: `'${value}' is not a usable ref. ${expected}.` };
  return { kind: "local", ref: value };
}

interface PushPayload {
  before?: string;
  after?: string;
  ref?: string;
  created?: boolean;
  deleted?: boolean;
  forced?: boolean;
}

interface PullRequestPayload {
  pull_request?: { base?: { sha?: string }; head?: { sha?: string } };
}

const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

function shortRef(ref: string | undefined): string {
  return (ref ?? "").replace(/^refs\/(heads|tags)\//, "");
}

/** The plan for `auto`: what the event that started the run has added. */
export function planFromEvent(eventName: string, event: unknown): RangePlan {
  const payload = (event ?? {}) as PushPayload & PullRequestPayload;
  if (eventName === "push") {
    const { before, after } = payload;
    const branch = shortRef(payload.ref);
    if (payload.deleted || after === ZERO_SHA) return { kind: "nothing", why: `push deleted ${branch || "a ref"}` };
    if (!after || !SHA.test(after)) throw new Error(`the push event has no 'after' commit (got '${after ?? ""}'). Expected a push payload with before and after.`);
    if (payload.created || !before || before === ZERO_SHA || !SHA.test(before)) {
      return { kind: "new-branch", tip: after, branch, why: `push created ${branch}` };
    }
    const forced = payload.forced === true;
    return { kind: "between", from: before, to: after, why: `${forced ? "force push" : "push"} to ${branch}`, push: { branch, forced } };
  }
  if (eventName === "pull_request" || eventName === "pull_request_target") {
    const base = payload.pull_request?.base?.sha;
    const head = payload.pull_request?.head?.sha;
    if (!base || !head || !SHA.test(base) || !SHA.test(head)) {
      throw new Error(`the ${eventName} event has no base and head commits. Expected pull_request.base.sha and pull_request.head.sha.`);
    }
    return { kind: "between", from: base, to: head, why: "pull request" };
  }
  if (!eventName) return { kind: "local", why: "not yet pushed upstream" };
  return { kind: "all", why: eventName === "workflow_dispatch" || eventName === "schedule" ? `${eventName}: the whole history` : `${eventName} event: the whole history` };
}

export function planRange(input: RangeInput, eventName: string, event: unknown, published: PublishedRef | undefined, tip = "HEAD"): RangePlan {
  switch (input.kind) {
    case "auto":
      return planFromEvent(eventName, event);
    case "all":
      return { kind: "all", why: "range all" };
    case "between":
      return { kind: "between", from: input.from, to: input.to, why: `range ${input.from}..${input.to}` };
    case "unpublished":
      if (!published) throw new Error("range unpublished needs published-ref");
      return { kind: "unpublished", tip, published, why: "not yet published" };
  }
}

/**
 * The refs other than the pushed branch itself (its local and remote-tracking names), whose
 * history counts as already scanned when a new branch is pushed.
 */
export function otherRefs(refs: GitRef[], branch: string): GitRef[] {
  return refs.filter((r) => {
    if (r.name === "HEAD" || r.name.endsWith("/HEAD")) return false;
    if (r.name.startsWith("refs/nix-fleet/")) return false;
    if (!branch) return true;
    if (r.name === `refs/heads/${branch}` || r.name === `refs/tags/${branch}`) return false;
    const remote = /^refs\/remotes\/[^/]+\/(.+)$/.exec(r.name);
    return !(remote && remote[1] === branch);
  });
}

/** A range resolved to commits of this clone. */
export interface ResolvedRange {
  /** Tips to scan back from, or every ref. Empty: nothing to scan. */
  include: string[] | "all";
  /** Commits whose history is left out. */
  exclude: string[];
  /** Why this range: the event or input, in words. */
  why: string;
}

/** The scanned range in git's own notation: `A..B`, `B ^X ^Y`, `B`, or `--all`. */
export function rangeSpec(range: ResolvedRange): string {
  if (range.include === "all") return "--all";
  if (!range.include.length) return "";
  if (range.include.length === 1 && range.exclude.length === 1) return `${range.exclude[0]}..${range.include[0]}`;
  return [...range.include, ...range.exclude.map((x) => `^${x}`)].join(" ");
}

/**
 * gitleaks' `--log-opts`: replaces its defaults and is split on single spaces, so every token is
 * a validated sha or one of our own flags. `--no-merges`: `git log -p` shows no diff for a merge
 * anyway, and gitleaks 8.16 credits the next commit's diff to a merge listed before it.
 */
export function logOpts(range: ResolvedRange): string {
  if (range.include === "all") return [...DIFF_AS_TEXT, "--full-history", "--all"].join(" ");
  for (const rev of [...range.include, ...range.exclude]) {
    if (!SHA.test(rev)) throw new Error(`internal: '${rev}' is not a resolved commit`);
  }
  return [...DIFF_AS_TEXT, ...range.include, ...(range.exclude.length ? ["--not", ...range.exclude] : [])].join(" ");
}

/**
 * The repository's .gitattributes must not hide content from the scan: `-diff`, `binary` or a
 * textconv driver turn a file's diff into "Binary files differ", which gitleaks skips.
 */
const DIFF_AS_TEXT = ["--no-merges", "--text", "--no-textconv", "--no-ext-diff"];

import { existsSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { MirrorCredentials } from "../../git/credentials.js";
import { GitHistory } from "../../git/git.js";
import { mirrorError } from "../../git/mirror-errors.js";
import { NotFastForwardError, pushExact } from "../../git/push.js";
import { PrivateDir } from "../../runner/private-dir.js";
import type { Runtime } from "../../runner/runtime.js";
import type { ToolCache } from "../../runner/tool-cache.js";
import { UserError } from "../../runner/user-error.js";
import { describeRules, FLEET_CONFIG, FLEET_CONFIG_NAME, rulesSource } from "../../scan/fleet-config.js";
import { stripAnsi } from "../../scan/gitleaks.js";
import { locateGitleaks } from "../../scan/install.js";
import { logOpts, rangeSpec, type RangePlan } from "../../scan/range.js";
import { resolveRange, type RangeLog } from "../../scan/resolve-range.js";
import type { MirrorOptions } from "./options.js";
import { renderMirrorReport, type MirrorReport } from "./report.js";

export interface MirrorDeps {
  runtime: Runtime;
  /** The runner's tool cache; without it (the CLI) gitleaks must be installed already. */
  toolCache?: ToolCache;
}

export interface MirrorPaths {
  /** Where the step's private directory (key, known_hosts, gitleaks' report) is made: RUNNER_TEMP. */
  tempRoot: string;
}

const FULL_HISTORY_FIX = "Check the repository out with its whole history (actions/checkout with `fetch-depth: 0`).";

/** Talking to the mirror: a failure whose cause is the setup becomes a UserError with the fix. */
async function atMirror<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    throw mirrorError(error);
  }
}

/**
 * Publishes exactly the gated commit to the mirror's branch: reads the mirror's tip, scans every
 * commit the mirror lacks (secret-scan's own `unpublished` range and gitleaks), pushes
 * `<sha>:refs/heads/<branch>` with a lease on the tip it read, and reads the mirror back.
 */
export async function runMirror(options: MirrorOptions, deps: MirrorDeps, paths: MirrorPaths): Promise<MirrorReport> {
  const { runtime } = deps;
  for (const secret of options.secrets) runtime.setSecret(secret);
  const started = Date.now();
  const log: RangeLog = { info: (m) => runtime.info(m), warning: (m) => runtime.warning(m) };
  const { branch, remote } = options;
  const branchRef = `refs/heads/${branch}`;

  const root = await new GitHistory(options.workspace).tryToplevel();
  if (!root) throw new UserError(`${options.workspace} is not a git work tree.`, "Check the repository out (actions/checkout) before the mirror step.", "git");
  // The clone's own remote (origin) is reached without the mirror's credentials, and the
  // mirror only with them: `repo` for the one, `mirror` for the other.
  const repo = new GitHistory(root);
  const sha = await gatedCommit(repo, options.sha, log);

  const dir = await PrivateDir.create(runtime, paths.tempRoot);
  try {
    const credentials = await MirrorCredentials.configure(remote, options.credentials, dir);
    const mirror = repo.withEnv(credentials.env);
    runtime.info(`Reading ${branch} of the mirror ${remote.url}.`);
    const previous = await atMirror(mirror.lsRemote(remote.url, branchRef));
    runtime.info(previous ? `The mirror's ${branch} is at ${previous}.` : `The mirror has no branch ${branch} yet.`);
    const tags = options.tags ? await tagsToPublish(repo, mirror, remote.url, sha) : [];

    const base = { mirror: remote.url, branch, sha, previous, tags, seconds: 0 };
    const finish = (report: MirrorReport): MirrorReport => {
      report.seconds = Math.round((Date.now() - started) / 100) / 10;
      runtime.report(renderMirrorReport(report));
      runtime.setOutput("published", report.published ?? "");
      runtime.setOutput("previous", report.previous ?? "");
      runtime.setOutput("commits", String(report.result === "published" ? report.commits : 0));
      runtime.setOutput("skipped", report.skipped ?? "");
      return report;
    };
    const skip = (why: string) => finish({ ...base, result: "skipped", skipped: why, commits: 0, range: "", scan: { scanned: false, why: "nothing to publish" } });
    if (previous === sha && !tags.length) return skip(`the mirror's ${branch} is already at ${sha.slice(0, 12)}`);

    await completeHistory(repo, log);
    const plan: RangePlan = { kind: "unpublished", tip: sha, published: { kind: "remote", url: remote.url, branch }, why: `what publishing ${sha.slice(0, 12)} to ${branch} makes public` };
    const range = await atMirror(resolveRange(plan, mirror, log));
    const previousHere = previous ? await repo.tryCommit(previous) : undefined;
    // Never rewound (a later commit was published first): not even to add tags.
    if (previousHere && previous !== sha && (await repo.isAncestor(sha, previousHere))) {
      return skip(`the mirror's ${branch} is at ${previousHere.slice(0, 12)}, which already contains ${sha.slice(0, 12)}`);
    }
    if (previousHere && !options.force && !(await repo.isAncestor(previousHere, sha))) {
      throw notFastForward(branch, sha, previousHere);
    }
    const spec = rangeSpec(range);
    const commits = range.include === "all" || range.include.length ? (await repo.revList(range.include, range.exclude)).length : 0;
    runtime.info(commits ? `Publishing ${sha.slice(0, 12)} adds ${commits} commits to the mirror: ${spec}` : `Publishing adds no commits to the mirror.`);

    let scan: MirrorReport["scan"] = { scanned: false, why: options.requireScan ? "no commits to scan" : "require-scan is false" };
    if (options.requireScan && commits) {
      const { gitleaks, source } = await locateGitleaks(options.gitleaks, { toolCache: deps.toolCache, log, scratch: dir.path });
      // The same rules secret-scan applies: the config input, GITLEAKS_CONFIG(_TOML), the
      // repository's .gitleaks.toml, else the fleet defaults (public keys allowed).
      const rules = rulesSource(options.config, root, process.env, existsSync);
      const config = rules.kind === "fleet-defaults" ? await dir.writeSecret(FLEET_CONFIG_NAME, FLEET_CONFIG) : options.config;
      runtime.info(`Scanning them with ${gitleaks.name} from ${source}; rules: ${describeRules(rules)}.`);
      const result = await runtime.group("gitleaks output", () =>
        gitleaks.scan({
          source: root,
          logOpts: logOpts(range),
          config,
          // Redacted, and inside the private directory, removed when the step ends.
          reportPath: join(dir.path, "gitleaks-report.json"),
          timeoutMs: options.gitleaksTimeoutMinutes * 60_000,
          onStderrLine: (line) => runtime.untrusted(stripAnsi(line)),
        }),
      );
      scan = { scanned: true, gitleaks: gitleaks.name, commits: (await repo.revList(range.include, range.exclude, { noMerges: true })).length, findings: result.findings };
      if (result.findings.length) {
        for (const f of result.findings) {
          runtime.annotate({
            level: "error",
            title: `secret found: ${f.rule}`,
            message: `${f.description || f.rule} in commit ${f.commit.slice(0, 12)} (${f.date}), which publishing ${sha.slice(0, 12)} would make public; the secret is redacted. Fingerprint for .gitleaksignore: ${f.fingerprint}`,
            file: workspacePath(options.workspace, root, f.file),
            line: f.line || undefined,
          });
        }
        return finish({ ...base, result: "refused", commits, range: spec, scan });
      }
    }

    runtime.info(`Pushing ${sha} to ${branchRef}${tags.length ? ` with ${tags.length} tags` : ""}${options.force ? `, leased on ${previous ?? "the branch not existing"}` : ", fast-forward only"}.`);
    try {
      await pushExact(mirror, { url: remote.url, sha, branch, lease: options.force ? { expected: previous } : undefined, tags });
    } catch (error) {
      if (error instanceof NotFastForwardError) throw notFastForward(branch, sha, previous);
      throw mirrorError(error);
    }
    // Read back: the mirror's branch must be the gated commit itself, whatever a hook or the forge did.
    const after = await atMirror(mirror.lsRemote(remote.url, branchRef));
    if (after !== sha) throw new Error(`after the push the mirror's ${branch} is at ${after ?? "nothing"}, not ${sha}: check the mirror's push rules and hooks.`);
    return finish({ ...base, result: "published", published: after, commits, range: spec, scan });
  } finally {
    await dir.close();
  }
}

/** A file of the repository as the forge places annotations: relative to the workspace. */
function workspacePath(workspace: string, root: string, file: string): string {
  const rel = relative(workspace, join(root, file));
  return rel.startsWith("..") ? file : rel.split(sep).join("/");
}

function notFastForward(branch: string, sha: string, previous: string | undefined): UserError {
  return new UserError(
    `The mirror's ${branch} (${previous?.slice(0, 12)}) has commits that ${sha.slice(0, 12)} does not contain, and force is false: nothing was pushed.`,
    "Set force: true to replace the mirror's branch (with a lease on the tip read), or bring the mirror's commits into this repository first.",
    "git",
  );
}

/** The commit to publish, fetched from origin by sha when the clone does not have it. */
async function gatedCommit(repo: GitHistory, rev: string, log: RangeLog): Promise<string> {
  const here = await repo.tryCommit(rev);
  if (here) return here;
  const remotes = await repo.remotes();
  const origin = remotes.includes("origin") ? "origin" : remotes[0];
  if (origin && /^[0-9a-f]{40}([0-9a-f]{24})?$/.test(rev)) {
    log.info(`Fetching ${rev} from ${origin}.`);
    const failure = await repo.fetchOrWhy(origin, [], [rev]);
    const fetched = failure ? undefined : await repo.tryCommit(rev);
    if (fetched) return fetched;
  }
  throw new UserError(`'${rev}' is not a commit of this clone${origin ? ` nor of ${origin}` : ""}.`, "Check out the commit to publish (actions/checkout of github.sha), or set sha to a commit of this repository.", "git");
}

/**
 * A shallow clone (actions/checkout's default depth 1) is made whole from origin, since the
 * scan needs every commit the mirror lacks and the mirror refuses a shallow push ("shallow update
 * not allowed"); if that fails, the step says how to check out the whole history.
 */
async function completeHistory(repo: GitHistory, log: RangeLog): Promise<void> {
  if (!(await repo.isShallow())) return;
  const remotes = await repo.remotes();
  const origin = remotes.includes("origin") ? "origin" : remotes[0];
  if (!origin) throw new UserError("This clone is shallow and has no remote to fetch the rest of its history from.", FULL_HISTORY_FIX, "git");
  log.info(`Shallow clone: fetching the whole history from ${origin}.`);
  const failure = await repo.fetchOrWhy(origin, ["--unshallow"]);
  if (failure) throw new UserError(`This clone is shallow, and fetching its whole history from '${origin}' failed (${failure}).`, FULL_HISTORY_FIX, "git");
}

/** Tags on commits being published (reachable from sha) that the mirror lacks or holds differently. */
async function tagsToPublish(repo: GitHistory, mirror: GitHistory, url: string, sha: string): Promise<string[]> {
  const local = await repo.tagsReachableFrom(sha);
  if (!local.length) return [];
  const remote = new Map((await atMirror(mirror.lsRemoteRefs(url, ["refs/tags/*"]))).map((r) => [r.name, r.sha]));
  return local.filter((t) => remote.get(t.name) !== t.sha).map((t) => t.name);
}

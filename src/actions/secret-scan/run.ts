import { existsSync } from "node:fs";
import { PrivateDir } from "../../runner/private-dir.js";
import { newStepDir } from "../../runner/report-file.js";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, relative, sep } from "node:path";
import { GitHistory } from "../../git/git.js";
import { Report } from "../../runner/report.js";
import type { Runtime } from "../../runner/runtime.js";
import type { ToolCache } from "../../runner/tool-cache.js";
import { toSarif, type Finding } from "../../scan/findings.js";
import { locateGitleaks } from "../../scan/install.js";
import { logOpts, planRange, rangeSpec } from "../../scan/range.js";
import { requireCommit, resolveRange, type RangeLog } from "../../scan/resolve-range.js";
import type { SecretScanOptions } from "./options.js";

export interface SecretScanDeps {
  runtime: Runtime;
  /** The runner's tool cache; without it (the CLI) gitleaks must be installed already. */
  toolCache?: ToolCache;
}

export interface ReportedFinding extends Finding {
  /** The file relative to the workspace: where the forge puts the annotation. */
  path: string;
}

export interface SecretScanReport {
  result: "clean" | "findings";
  /** What was scanned, in git's notation (`A..B`, `B ^X`, `--all`), empty when nothing was. */
  range: string;
  /** Why this range: the event or the input. */
  why: string;
  /** Commits gitleaks reads (merges have no diff of their own and are left out). */
  commits: number;
  /** gitleaks' own count, when it printed one. */
  commitsScanned?: number;
  findings: ReportedFinding[];
  gitleaks: { name: string; version: string; command: string; source: string };
  config?: string;
  baseline?: string;
  gitleaksIgnore: boolean;
  /** A pull request: the base commit whose config and ignore files were used instead of its own. */
  trustedBase?: string;
  /** Files the pull request changes whose changes were not used. */
  untrustedChanges?: string[];
  seconds: number;
}

// gitleaks 8.16 colours its log even into a pipe.
// eslint-disable-next-line no-control-regex -- matching terminal escape codes is the point
const ANSI = /\x1b\[[0-9;]*m/g;

/**
 * Scans the commits that matter with gitleaks and reports every finding at its file and line,
 * the secret redacted everywhere: log, summary, outputs, JSON report and SARIF.
 */
export async function runSecretScan(options: SecretScanOptions, deps: SecretScanDeps): Promise<SecretScanReport> {
  const { runtime } = deps;
  for (const secret of options.secrets) runtime.setSecret(secret);
  const started = Date.now();
  const log: RangeLog = { info: (m) => runtime.info(m), warning: (m) => runtime.warning(m) };

  // A bad event or range fails here, before anything is downloaded.
  const plan = planRange(options.range, options.eventName, options.event, options.published);
  const git = new GitHistory(options.workspace);
  const root = await git.tryToplevel();
  if (!root) throw new Error(`${options.workspace} is not a git work tree. Check the repository out (actions/checkout) before scanning it.`);
  const repo = new GitHistory(root);

  const range = await resolveRange(plan, repo, log);
  const spec = rangeSpec(range);
  const commits = (await repo.revList(range.include, range.exclude, { noMerges: true })).length;
  runtime.info(commits ? `Scanning ${commits} commits (${range.why}): ${spec}` : `No commits to scan (${range.why}).`);

  const { gitleaks, source } = await locateGitleaks(options, { toolCache: deps.toolCache, log });
  runtime.info(`Using ${gitleaks.name} from ${source}.`);

  // gitleaks' own report is redacted, yet it lives only in a private (0700) directory removed right after.
  const scratch = await PrivateDir.create(runtime, options.tempDir);
  let findings: Finding[] = [];
  let commitsScanned: number | undefined;
  let trust: Trusted;
  try {
    trust = await trustedFiles(options, repo, root, join(scratch.path, "trusted"), log);
    if (commits) {
      const scan = await runtime.group("gitleaks output", () =>
        gitleaks.scan({
          source: trust.source,
          gitDir: trust.gitDir,
          logOpts: logOpts(range),
          config: trust.config,
          baseline: trust.baseline,
          reportPath: join(scratch.path, "report.json"),
          // The repository controls what gitleaks prints (a config's regex, file names).
          onStderrLine: (line) => runtime.untrusted(line.replace(ANSI, "")),
        }),
      );
      findings = scan.findings;
      commitsScanned = scan.commitsScanned;
      if (commitsScanned !== undefined) runtime.info(`gitleaks scanned ${commitsScanned} commits (${commits} expected).`);
    }
  } finally {
    await scratch.close();
  }

  const workspacePath = (f: Finding) => {
    const rel = relative(options.workspace, join(root, f.file));
    return rel.startsWith("..") ? f.file : rel.split(sep).join("/");
  };
  const report: SecretScanReport = {
    result: findings.length ? "findings" : "clean",
    range: spec,
    why: range.why,
    commits,
    ...(commitsScanned === undefined ? {} : { commitsScanned }),
    findings: findings.map((f) => ({ ...f, path: workspacePath(f) })),
    gitleaks: { name: gitleaks.name, version: gitleaks.version.text, command: gitleaks.version.command, source },
    config: options.config,
    baseline: options.baseline,
    gitleaksIgnore: trust.ignoreFile,
    ...(trust.base ? { trustedBase: trust.base, untrustedChanges: trust.changed } : {}),
    seconds: Math.round((Date.now() - started) / 100) / 10,
  };

  for (const f of report.findings) {
    runtime.annotate({
      level: "error",
      title: `secret found: ${f.rule}`,
      message: `${f.description || f.rule} in commit ${f.commit.slice(0, 12)} (${f.date}); the secret is redacted. Fingerprint for .gitleaksignore: ${f.fingerprint}`,
      file: f.path,
      line: f.line || undefined,
      column: f.column || undefined,
    });
  }
  runtime.report(renderReport(report));
  // Reports are meant to be uploaded, so not private; a fresh directory per step, so that two
  // scans in one job (or the gate and a scan) never overwrite each other's.
  const reportDir = options.reportPath && options.sarifPath ? undefined : await newStepDir(options.tempDir, "secret-scan");
  const reportPath = options.reportPath ?? join(reportDir as string, "secret-scan-report.json");
  const sarifPath = options.sarifPath ?? join(reportDir as string, "secret-scan.sarif");
  await writeJson(reportPath, report);
  await writeJson(sarifPath, toSarif(findings, gitleaks.version.text, workspacePath));
  runtime.setOutput("findings", String(findings.length));
  runtime.setOutput("range", spec);
  runtime.setOutput("commits", String(commits));
  runtime.setOutput("report", reportPath);
  runtime.setOutput("sarif", sarifPath);
  return report;
}

/** Where gitleaks takes its config and ignore files from, and what was left out. */
interface Trusted {
  source: string;
  gitDir?: string;
  config?: string;
  baseline?: string;
  ignoreFile: boolean;
  base?: string;
  changed?: string[];
}

const PULL_REQUEST_EVENTS = new Set(["pull_request", "pull_request_target"]);

/**
 * A pull request may change .gitleaks.toml, .gitleaksignore, or the files `config` and
 * `baseline` name, and so switch its own scan off: for pull requests gitleaks gets the base
 * commit's versions instead, in a directory of their own (with GIT_DIR pointing at the clone).
 */
async function trustedFiles(options: SecretScanOptions, repo: GitHistory, root: string, dir: string, log: RangeLog): Promise<Trusted> {
  if (!PULL_REQUEST_EVENTS.has(options.eventName)) {
    return { source: root, config: options.config, baseline: options.baseline, ignoreFile: existsSync(join(root, ".gitleaksignore")) };
  }
  const baseSha = (options.event as { pull_request?: { base?: { sha?: unknown } } }).pull_request?.base?.sha;
  if (typeof baseSha !== "string" || !/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(baseSha)) {
    throw new Error(`the ${options.eventName} event has no base commit. Expected pull_request.base.sha.`);
  }
  const base = await requireCommit(baseSha, "the pull request's base commit", repo, log);
  await mkdir(dir, { recursive: true });
  const changed: string[] = [];
  /** The base's version of a repository file, written into `dir`; undefined when the base has none. */
  const fromBase = async (rel: string, name: string): Promise<string | undefined> => {
    const content = await repo.tryShow(base, rel);
    const current = await readFile(join(root, rel), "utf8").catch(() => undefined);
    if (current !== content) changed.push(rel);
    if (content === undefined) return undefined;
    await writeFile(join(dir, name), content);
    return join(dir, name);
  };
  const inRepo = (path: string | undefined): string | undefined => {
    if (!path) return undefined;
    const rel = relative(root, path);
    return rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel.split(sep).join("/") : undefined;
  };
  await fromBase(".gitleaks.toml", ".gitleaks.toml");
  const ignoreFile = (await fromBase(".gitleaksignore", ".gitleaksignore")) !== undefined;
  const pick = async (path: string | undefined, name: string): Promise<string | undefined> => {
    const rel = inRepo(path);
    if (!rel) return path;
    const trusted = await fromBase(rel, `${name}-${basename(rel)}`);
    if (!trusted) log.warning(`${rel} (input '${name}') is not in the pull request's base commit: scanning without it.`);
    return trusted;
  };
  const config = await pick(options.config, "config");
  const baseline = await pick(options.baseline, "baseline");
  if (changed.length) {
    log.warning(`this pull request changes ${changed.join(", ")}: the scan uses the base commit's version instead, so that a pull request cannot switch its own scan off.`);
  }
  return { source: dir, gitDir: await repo.gitDir(), config, baseline, ignoreFile, base, changed };
}

async function writeJson(path: string, data: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, JSON.stringify(data, null, 2) + "\n");
}

export function renderReport(report: SecretScanReport): Report {
  const n = report.findings.length;
  const r = new Report(n ? `secret-scan: ${n} ${n === 1 ? "secret" : "secrets"} found` : "secret-scan: no secrets found");
  const what = report.commits ? `${report.commits} commits (${report.why}): \`${report.range}\`` : `no commits (${report.why})`;
  r.paragraph(`Scanned ${what} with ${report.gitleaks.name} in ${report.seconds} s.`);
  if (report.trustedBase) {
    const changed = report.untrustedChanges?.length ? ` This pull request's changes to ${report.untrustedChanges.join(", ")} were not used.` : "";
    r.paragraph(`Pull request: gitleaks' config and ignore files come from the base commit ${report.trustedBase.slice(0, 12)}.${changed}`);
  }
  if (n) {
    r.table(
      ["Rule", "Location", "Commit", "Author date"],
      report.findings.map((f) => [f.rule, `${f.path}:${f.line}`, f.commit.slice(0, 12), f.date]),
    );
    r.paragraph(
      "Secrets are redacted here and in every report. Rotate each secret: it stays in the history of the commit that added it. " +
        "A false positive is accepted by adding its fingerprint to .gitleaksignore:",
    );
    r.code("Fingerprints", report.findings.map((f) => f.fingerprint).join("\n"));
  }
  return r;
}

/** The message a failed step ends with. */
export function failureMessage(report: SecretScanReport): string {
  const files = [...new Set(report.findings.map((f) => `${f.path}:${f.line}`))];
  const n = report.findings.length;
  return `${n} ${n === 1 ? "secret" : "secrets"} found in ${report.commits} commits (${report.range}): ${files.slice(0, 10).join(", ")}${files.length > 10 ? ", ..." : ""}`;
}

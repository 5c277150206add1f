import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { GitHistory } from "../../git/git.js";
import { Report } from "../../runner/report.js";
import type { Runtime } from "../../runner/runtime.js";
import type { ToolCache } from "../../runner/tool-cache.js";
import { toSarif, type Finding } from "../../scan/findings.js";
import { locateGitleaks } from "../../scan/install.js";
import { logOpts, planRange, rangeSpec } from "../../scan/range.js";
import { resolveRange } from "../../scan/resolve-range.js";
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
  commits: number;
  findings: ReportedFinding[];
  gitleaks: { name: string; version: string; command: string; source: string };
  config?: string;
  baseline?: string;
  gitleaksIgnore: boolean;
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

  const git = new GitHistory(options.workspace);
  const root = await git.tryToplevel();
  if (!root) throw new Error(`${options.workspace} is not a git work tree. Check the repository out (actions/checkout) before scanning it.`);
  const repo = new GitHistory(root);

  const { gitleaks, source } = await locateGitleaks(options, { toolCache: deps.toolCache, log: (m) => runtime.info(m) });
  runtime.info(`Using ${gitleaks.name} from ${source}.`);

  const plan = planRange(options.range, options.eventName, options.event, options.published);
  const range = await resolveRange(plan, repo, { info: (m) => runtime.info(m), warning: (m) => runtime.warning(m) });
  const spec = rangeSpec(range);
  const commits = range.include === "all" || range.include.length ? (await repo.revList(range.include, range.exclude)).length : 0;
  runtime.info(commits ? `Scanning ${commits} commits (${range.why}): ${spec}` : `No commits to scan (${range.why}).`);

  let findings: Finding[] = [];
  if (commits) {
    // gitleaks' own report is redacted, yet it lives only in a private directory removed right after.
    await mkdir(options.tempDir, { recursive: true });
    const scratch = await mkdtemp(join(options.tempDir, "gitleaks-"));
    await chmod(scratch, 0o700);
    try {
      const scan = await runtime.group("gitleaks output", () =>
        gitleaks.scan({
          source: root,
          logOpts: logOpts(range),
          config: options.config,
          baseline: options.baseline,
          reportPath: join(scratch, "report.json"),
          onStderrLine: (line) => runtime.info(line.replace(ANSI, "")),
        }),
      );
      findings = scan.findings;
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
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
    findings: findings.map((f) => ({ ...f, path: workspacePath(f) })),
    gitleaks: { name: gitleaks.name, version: gitleaks.version.text, command: gitleaks.version.command, source },
    config: options.config,
    baseline: options.baseline,
    gitleaksIgnore: existsSync(join(root, ".gitleaksignore")),
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
  await writeJson(options.reportPath, report);
  await writeJson(options.sarifPath, toSarif(findings, gitleaks.version.text, workspacePath));
  runtime.setOutput("findings", String(findings.length));
  runtime.setOutput("range", spec);
  runtime.setOutput("commits", String(commits));
  runtime.setOutput("report", options.reportPath);
  runtime.setOutput("sarif", options.sarifPath);
  return report;
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

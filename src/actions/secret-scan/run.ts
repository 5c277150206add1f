import { existsSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { GitHistory } from "../../git/git.js";
import { PrivateDir } from "../../runner/private-dir.js";
import { writeStepFiles } from "../../runner/report-file.js";
import type { Runtime } from "../../runner/runtime.js";
import type { ToolCache } from "../../runner/tool-cache.js";
import { toSarif, type Finding } from "../../scan/findings.js";
import { describeRules, FLEET_CONFIG, FLEET_CONFIG_NAME, rulesSource, type RulesSource } from "../../scan/fleet-config.js";
import { stripAnsi, type Gitleaks } from "../../scan/gitleaks.js";
import { locateGitleaks } from "../../scan/install.js";
import { logOpts, planRange, rangeSpec } from "../../scan/range.js";
import { resolveRange, type RangeLog } from "../../scan/resolve-range.js";
import { trustedFiles, type TrustedFiles } from "../../scan/trusted-files.js";
import type { SecretScanOptions } from "./options.js";
import { renderReport, type SecretScanReport } from "./report.js";

export interface SecretScanDeps {
  runtime: Runtime;
  /** The runner's tool cache; without it (the CLI) gitleaks must be installed already. */
  toolCache?: ToolCache;
}

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

  // Downloads, the base's config files and gitleaks' own (redacted) report: all in a private
  // 0700 directory, recorded for the post step before anything is written into it.
  const scratch = await PrivateDir.create(runtime, options.tempDir);
  let findings: Finding[] = [];
  let commitsScanned: number | undefined;
  let trust: TrustedFiles;
  let rules: RulesSource;
  let gitleaks: Gitleaks;
  let source: string;
  try {
    ({ gitleaks, source } = await locateGitleaks(options, { toolCache: deps.toolCache, log, scratch: scratch.path }));
    runtime.info(`Using ${gitleaks.name} from ${source}.`);
    trust = await trustedFiles(options, repo, root, join(scratch.path, "trusted"), log);
    rules = rulesSource(trust.config, trust.source, process.env, existsSync);
    runtime.info(`Rules: ${describeRules(rules)}.`);
    const config = rules.kind === "fleet-defaults" ? await scratch.writeSecret(FLEET_CONFIG_NAME, FLEET_CONFIG) : trust.config;
    if (commits) {
      const scan = await runtime.group("gitleaks output", () =>
        gitleaks.scan({
          source: trust.source,
          gitDir: trust.gitDir,
          logOpts: logOpts(range),
          config,
          baseline: trust.baseline,
          reportPath: join(scratch.path, "report.json"),
          timeoutMs: options.gitleaksTimeoutMinutes * 60_000,
          // The repository controls what gitleaks prints (a config's regex, file names).
          onStderrLine: (line) => runtime.untrusted(stripAnsi(line)),
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
    rules: describeRules(rules),
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
  // scans in one job (or the gate and a scan) never overwrite each other's. Both or neither.
  const [reportPath, sarifPath] = await writeStepFiles(options.tempDir, "secret-scan", [
    { name: "secret-scan-report.json", content: json(report), path: options.reportPath },
    { name: "secret-scan.sarif", content: json(toSarif(findings, gitleaks.version.text, workspacePath)), path: options.sarifPath },
  ]);
  runtime.setOutput("findings", String(findings.length));
  runtime.setOutput("range", spec);
  runtime.setOutput("commits", String(commits));
  runtime.setOutput("report", reportPath as string);
  runtime.setOutput("sarif", sarifPath as string);
  return report;
}

function json(data: unknown): string {
  return JSON.stringify(data, null, 2) + "\n";
}

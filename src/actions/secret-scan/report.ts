import { Report } from "../../runner/report.js";
import type { Finding } from "../../scan/findings.js";

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
  /** Where the rules came from: the config input, GITLEAKS_CONFIG, .gitleaks.toml, or the fleet defaults. */
  rules: string;
  baseline?: string;
  gitleaksIgnore: boolean;
  /** A pull request: the base commit whose config and ignore files were used instead of its own. */
  trustedBase?: string;
  /** Files the pull request changes whose changes were not used. */
  untrustedChanges?: string[];
  seconds: number;
}

export function renderReport(report: SecretScanReport): Report {
  const n = report.findings.length;
  const r = new Report(n ? `secret-scan: ${n} ${n === 1 ? "secret" : "secrets"} found` : "secret-scan: no secrets found");
  const what = report.commits ? `${report.commits} commits (${report.why}): \`${report.range}\`` : `no commits (${report.why})`;
  r.paragraph(`Scanned ${what} with ${report.gitleaks.name} in ${report.seconds} s. Rules: ${report.rules}.`);
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

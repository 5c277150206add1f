import { Report } from "../../runner/report.js";
import type { Finding } from "../../scan/findings.js";

/** What one mirror run did: the JSON the CLI prints with --json, and what the report renders. */
export interface MirrorReport {
  result: "published" | "skipped" | "refused";
  /** The mirror's URL, never with credentials (they are never in it). */
  mirror: string;
  branch: string;
  /** The commit to publish. */
  sha: string;
  /** The mirror's tip before; undefined when the branch did not exist. */
  previous?: string;
  /** The mirror's tip after the push, read back from the mirror (equal to sha). */
  published?: string;
  /** Commits the mirror lacked that publishing sha adds (the ones scanned). */
  commits: number;
  /** Tags published with the branch. */
  tags: string[];
  /** Why nothing was pushed, when nothing needed to be. */
  skipped?: string;
  /** What publishing would make public, in git's notation (`A..B`, or `B` for an empty mirror). */
  range: string;
  scan: { scanned: false; why: string } | { scanned: true; gitleaks: string; commits: number; findings: Finding[] };
  seconds: number;
}

const short = (sha: string | undefined) => (sha ? sha.slice(0, 12) : "(none: new branch)");

export function renderMirrorReport(r: MirrorReport): Report {
  const findings = r.scan.scanned ? r.scan.findings : [];
  const title =
    r.result === "published"
      ? `mirror: published ${r.commits} ${r.commits === 1 ? "commit" : "commits"} to ${r.branch}`
      : r.result === "skipped"
        ? `mirror: nothing to publish (${r.skipped})`
        : `mirror: refused, ${findings.length} ${findings.length === 1 ? "secret" : "secrets"} in the commits it would publish`;
  const report = new Report(title);
  report.table(
    ["Mirror", "Branch", "Previous tip", "New tip", "Commits published"],
    [[r.mirror, r.branch, short(r.previous), r.result === "published" ? short(r.published) : `${short(r.previous)} (unchanged)`, String(r.result === "published" ? r.commits : 0)]],
  );
  if (r.tags.length) report.paragraph(`${r.result === "published" ? "Tags published" : "Tags to publish"}: ${r.tags.map((t) => t.replace(/^refs\/tags\//, "")).join(", ")}.`);
  if (r.scan.scanned) {
    report.paragraph(`Scanned the ${r.scan.commits} commits the mirror lacks (\`${r.range}\`) with ${r.scan.gitleaks}: ${findings.length ? `${findings.length} found` : "no secrets"}.`);
  } else if (r.result !== "skipped") {
    report.paragraph(`Not scanned: ${r.scan.why}.`);
  }
  if (findings.length) {
    report.table(
      ["Rule", "Location", "Commit", "Author date"],
      findings.map((f) => [f.rule, `${f.file}:${f.line}`, f.commit.slice(0, 12), f.date]),
    );
    report.paragraph(
      "Nothing was pushed: publishing this commit would make every one of these public, including those a later commit removed again. " +
        "Secrets are redacted. Rotate each one, then rewrite the history that holds it before publishing; a false positive is accepted by adding its fingerprint to .gitleaksignore:",
    );
    report.code("Fingerprints", findings.map((f) => f.fingerprint).join("\n"));
  }
  return report;
}

/** The message a refused run fails with: rule and place of each finding, never the secret. */
export function refusalMessage(r: MirrorReport): string {
  const findings = r.scan.scanned ? r.scan.findings : [];
  const places = [...new Set(findings.map((f) => `${f.rule} at ${f.file}:${f.line} in ${f.commit.slice(0, 12)}`))];
  return `refused to publish ${r.sha.slice(0, 12)} to ${r.mirror} ${r.branch}: ${findings.length} ${findings.length === 1 ? "secret" : "secrets"} in the ${r.commits} commits the mirror lacks (${places.slice(0, 10).join("; ")}${places.length > 10 ? "; ..." : ""}). Nothing was pushed.`;
}

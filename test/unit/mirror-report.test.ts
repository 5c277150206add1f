import { expect, it } from "vitest";
import { refusalMessage, renderMirrorReport, type MirrorReport } from "../../src/actions/mirror/report.js";
import { renderMarkdown, renderText } from "../../src/runner/report.js";
import type { Finding } from "../../src/scan/findings.js";

const A = "a".repeat(40);
const B = "b".repeat(40);
const base: MirrorReport = { result: "published", mirror: "git@github.com:fleet/infra.git", branch: "main", sha: B, previous: A, published: B, commits: 3, tags: [], range: `${A}..${B}`, scan: { scanned: true, gitleaks: "gitleaks 8.16.0", commits: 3, findings: [] }, seconds: 1.2 };
const finding: Finding = { rule: "github-pat", description: "GitHub token", file: "deploy.env", line: 1, endLine: 1, column: 14, endColumn: 53, commit: "c".repeat(40), date: "2026-01-01T00:00:01Z", fingerprint: `${"c".repeat(40)}:deploy.env:github-pat:1`, tags: [] };

it.each<[string, MirrorReport, string[]]>([
  ["published", base, ["mirror: published 3 commits to main", "git@github.com:fleet/infra.git  main    aaaaaaaaaaaa  bbbbbbbbbbbb  3", "Scanned the 3 commits the mirror lacks"]],
  ["a new branch", { ...base, previous: undefined, commits: 1 }, ["mirror: published 1 commit to main", "(none: new branch)"]],
  ["skipped", { ...base, result: "skipped", published: undefined, commits: 0, skipped: "the mirror's main is already at aaaaaaaaaaaa", scan: { scanned: false, why: "nothing to publish" } }, ["mirror: nothing to publish (the mirror's main is already at aaaaaaaaaaaa)", "aaaaaaaaaaaa (unchanged)  0"]],
  ["not scanned", { ...base, scan: { scanned: false, why: "require-scan is false" } }, ["Not scanned: require-scan is false."]],
  ["refused", { ...base, result: "refused", published: undefined, scan: { scanned: true, gitleaks: "gitleaks 8.16.0", commits: 3, findings: [finding] } }, ["mirror: refused, 1 secret in the commits it would publish", "github-pat  deploy.env:1", "Nothing was pushed", finding.fingerprint]],
])("renders %s: mirror, branch, previous and new tip, commits", (_name, report, texts) => {
  const text = renderText(renderMirrorReport(report));
  for (const t of texts) expect(text).toContain(t);
  expect(renderMarkdown(renderMirrorReport(report))).toContain("| Mirror | Branch | Previous tip | New tip | Commits published |");
});

it("a refusal names rule, place and commit of each finding, and says nothing was pushed", () => {
  const message = refusalMessage({ ...base, result: "refused", scan: { scanned: true, gitleaks: "gitleaks", commits: 3, findings: [finding, finding] } });
  expect(message).toBe(`refused to publish bbbbbbbbbbbb to git@github.com:fleet/infra.git main: 2 secrets in the 3 commits the mirror lacks (github-pat at deploy.env:1 in cccccccccccc). Nothing was pushed.`);
});

/**
 * A leak gitleaks found, with everything needed to find and fix it and nothing of the secret:
 * gitleaks' Secret, Match and Line fields (and the SARIF snippet) are never read into it, and the
 * commit message is left out too, since gitleaks does not scan it. The commit's author name and
 * email are left out as well: the commit names whoever needs to know, and a report that is
 * uploaded or pasted should not carry people's addresses.
 */
export interface Finding {
  rule: string;
  description: string;
  /** Relative to the repository root, as gitleaks reports it. */
  file: string;
  line: number;
  endLine: number;
  column: number;
  endColumn: number;
  commit: string;
  /** As gitleaks gives it: RFC3339 from real scans. */
  date: string;
  /** What .gitleaksignore takes to accept this finding: `<commit>:<file>:<rule>:<line>`. */
  fingerprint: string;
  entropy?: number;
  tags: string[];
}

/** The report could not be read: gitleaks did not do what it should have. */
export class ReportFormatError extends Error {}

function str(value: unknown): string {
  return typeof value === "string" ? value : "";
}

/**
 * A rule's id, description or tag: the repository's config chooses them, and they reach the
 * summary, which Forgejo prints into the log: control characters (terminal escapes) are dropped.
 */
function label(value: unknown): string {
  // eslint-disable-next-line no-control-regex -- removing control characters is the point
  return str(value).replace(/[\x00-\x1f\x7f]/g, "");
}

function num(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}

function fingerprintOf(f: Pick<Finding, "commit" | "file" | "rule" | "line">): string {
  return [f.commit, f.file, f.rule, String(f.line)].filter((p, i) => i > 0 || p).join(":");
}

/** Reads gitleaks' JSON report (every version from 8.0 through current, `jsonextra` templates too). */
export function parseJsonReport(text: string): Finding[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ReportFormatError(`the gitleaks report is not JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(data)) throw new ReportFormatError("the gitleaks report is not a JSON array of findings");
  return data.map((raw: unknown, index) => {
    if (!raw || typeof raw !== "object") throw new ReportFormatError(`finding ${index} of the gitleaks report is not an object`);
    const r = raw as Record<string, unknown>;
    const partial = {
      rule: label(r.RuleID),
      description: label(r.Description),
      file: str(r.File),
      line: num(r.StartLine),
      endLine: num(r.EndLine),
      column: num(r.StartColumn),
      endColumn: num(r.EndColumn),
      commit: str(r.Commit),
      date: str(r.Date),
      tags: Array.isArray(r.Tags) ? r.Tags.filter((t): t is string => typeof t === "string").map(label) : [],
    };
    if (!partial.rule || !partial.file) throw new ReportFormatError(`finding ${index} of the gitleaks report has no RuleID or File`);
    const finding: Finding = { ...partial, fingerprint: str(r.Fingerprint) || fingerprintOf(partial) };
    if (typeof r.Entropy === "number" && r.Entropy > 0) finding.entropy = r.Entropy;
    return finding;
  });
}

interface SarifResult {
  ruleId?: string;
  message?: { text?: string };
  locations?: { physicalLocation?: { artifactLocation?: { uri?: string }; region?: Record<string, unknown> } }[];
  partialFingerprints?: Record<string, unknown>;
  properties?: { tags?: unknown };
}

/** Reads gitleaks' SARIF report into the same findings (its snippet, the secret, is dropped). */
export function parseSarifReport(text: string): Finding[] {
  let data: { runs?: { tool?: { driver?: { rules?: { id?: string; shortDescription?: { text?: string } }[] } }; results?: SarifResult[] }[] };
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ReportFormatError(`the gitleaks SARIF report is not JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(data.runs)) throw new ReportFormatError("the gitleaks SARIF report has no runs");
  return data.runs.flatMap((run) => {
    const descriptions = new Map((run.tool?.driver?.rules ?? []).map((r) => [r.id ?? "", r.shortDescription?.text ?? ""]));
    return (run.results ?? []).map((r) => {
      const location = r.locations?.[0]?.physicalLocation;
      const region = location?.region ?? {};
      const fp = r.partialFingerprints ?? {};
      const partial = {
        rule: r.ruleId ?? "",
        description: descriptions.get(r.ruleId ?? "") ?? "",
        file: location?.artifactLocation?.uri ?? "",
        line: num(region.startLine),
        endLine: num(region.endLine),
        column: num(region.startColumn),
        endColumn: num(region.endColumn),
        commit: str(fp.commitSha),
        date: str(fp.date),
        tags: Array.isArray(r.properties?.tags) ? (r.properties.tags as unknown[]).filter((t): t is string => typeof t === "string") : [],
      };
      return { ...partial, fingerprint: fingerprintOf(partial) };
    });
  });
}

export const REDACTED = "REDACTED";

/**
 * A SARIF 2.1.0 log for code scanning upload. `file` maps a finding's repository path to the
 * path the forge knows (they differ when the repository is not the workspace root).
 */
export function toSarif(findings: Finding[], toolVersion: string, file: (f: Finding) => string = (f) => f.file): object {
  const rules = new Map<string, string>();
  for (const f of findings) if (!rules.has(f.rule)) rules.set(f.rule, f.description || f.rule);
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "gitleaks",
            ...(/^\d+\.\d+\.\d+$/.test(toolVersion) ? { semanticVersion: toolVersion } : {}),
            informationUri: "https://github.com/gitleaks/gitleaks",
            rules: [...rules].map(([id, text]) => ({ id, shortDescription: { text } })),
          },
        },
        results: findings.map((f) => ({
          ruleId: f.rule,
          level: "error",
          message: { text: `${f.rule}: leaked in ${f.file} at commit ${f.commit} (the secret is redacted).` },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: file(f) },
                region: {
                  startLine: Math.max(1, f.line),
                  ...(f.column > 0 ? { startColumn: f.column } : {}),
                  ...(f.endLine >= f.line && f.endLine > 0 ? { endLine: f.endLine } : {}),
                  ...(f.endColumn > 0 ? { endColumn: f.endColumn } : {}),
                  snippet: { text: REDACTED },
                },
              },
            },
          ],
          partialFingerprints: { commitSha: f.commit, gitleaksFingerprint: f.fingerprint },
          properties: { tags: f.tags, date: f.date },
        })),
      },
    ],
  };
}

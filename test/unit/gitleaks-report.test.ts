import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseJsonReport, parseSarifReport, ReportFormatError, toSarif } from "../../src/scan/findings.js";
import { chooseCommand, parseVersion, scanArgs } from "../../src/scan/gitleaks.js";
import { DEFAULT_GITLEAKS_VERSION, parseChecksums, PINNED_SHA256, releaseAssets } from "../../src/scan/install.js";
import { repoRoot } from "../support/runner-harness.js";

/** Current gitleaks output, from gitleaks' own test data (see ORIGIN.md there). */
const samples = join(repoRoot, "test", "fixtures", "gitleaks-reports");
const sample = (name: string) => readFileSync(join(samples, name), "utf8");

describe("reading gitleaks reports", () => {
  it("reads the current JSON report, dropping the secret", () => {
    const [f, ...rest] = parseJsonReport(sample("json_simple.json"));
    expect(rest).toEqual([]);
    expect(f).toEqual({
      rule: "test-rule",
      description: "",
      file: "auth.py",
      line: 1,
      endLine: 2,
      column: 1,
      endColumn: 2,
      commit: "0000000000000000",
      date: "10-19-2003",
      fingerprint: "0000000000000000:auth.py:test-rule:1",
      tags: [],
    });
    expect(JSON.stringify(f)).not.toContain("a secret");
    // Author and email are in gitleaks' report, never in ours.
    expect(sample("json_simple.json")).toContain("johndoe@gmail.com");
    expect(JSON.stringify(f)).not.toMatch(/John Doe|johndoe/);
  });

  it("reads a jsonextra template report (with Line) and keeps tags", () => {
    const [f] = parseJsonReport(sample("template_jsonextra.json"));
    expect(f).toMatchObject({ rule: "test-rule", description: "A test rule", file: "auth.py", tags: ["tag1", "tag2", "tag3"] });
    expect(JSON.stringify(f)).not.toMatch(/secret/);
  });

  it("reads an empty report", () => {
    expect(parseJsonReport(sample("empty.json"))).toEqual([]);
  });

  it("reads the current SARIF report into the same findings, without the snippet", () => {
    const [fromSarif] = parseSarifReport(sample("sarif_simple.sarif"));
    expect(fromSarif).toMatchObject({ rule: "test-rule", file: "auth.py", line: 1, endLine: 2, commit: "0000000000000000", tags: ["tag1", "tag2", "tag3"] });
    expect(JSON.stringify(fromSarif)).not.toContain("a secret");
    expect(JSON.stringify(fromSarif)).not.toMatch(/John Doe|johndoe/);
  });

  it("drops control characters from what a repository's config names (rule, description, tags)", () => {
    const report = JSON.stringify([{ RuleID: "x\u001b[31m-rule", Description: "red\u001b[0m\nline", File: "a.env", StartLine: 1, Commit: "c", Tags: ["t\u0007"] }]);
    expect(parseJsonReport(report)[0]).toMatchObject({ rule: "x[31m-rule", description: "red[0mline", tags: ["t"] });
  });

  it("keeps gitleaks' own fingerprint (8.16 output)", () => {
    const report = JSON.stringify([
      { RuleID: "github-pat", File: "a/b.env", StartLine: 3, Commit: "c".repeat(40), Secret: "REDACTED", Match: "REDACTED", Fingerprint: `${"c".repeat(40)}:a/b.env:github-pat:3`, Entropy: 4.2 },
    ]);
    expect(parseJsonReport(report)[0]).toMatchObject({ fingerprint: `${"c".repeat(40)}:a/b.env:github-pat:3`, entropy: 4.2 });
  });

  it.each([
    ["not json", /not JSON/],
    ['{"a":1}', /not a JSON array/],
    ["[1]", /finding 0 .* not an object/],
    ['[{"File":"x"}]', /no RuleID or File/],
  ])("refuses %j", (text, message) => {
    expect(() => parseJsonReport(text)).toThrow(ReportFormatError);
    expect(() => parseJsonReport(text)).toThrow(message);
  });
});

describe("writing SARIF", () => {
  it("is SARIF 2.1.0 with redacted snippets, mapped paths and commit fingerprints", () => {
    const findings = parseJsonReport(sample("json_simple.json"));
    const sarif = toSarif(findings, "8.24.3", (f) => `infra/${f.file}`) as {
      version: string;
      runs: { tool: { driver: { semanticVersion: string; rules: { id: string }[] } }; results: Record<string, unknown>[] }[];
    };
    const text = JSON.stringify(sarif);
    expect(text).not.toContain("a secret");
    expect(sarif.version).toBe("2.1.0");
    expect(sarif.runs[0]?.tool.driver.rules.map((r) => r.id)).toEqual(["test-rule"]);
    expect(sarif.runs[0]?.tool.driver.semanticVersion).toBe("8.24.3");
    expect(sarif.runs[0]?.results[0]).toMatchObject({
      ruleId: "test-rule",
      locations: [{ physicalLocation: { artifactLocation: { uri: "infra/auth.py" }, region: { startLine: 1, endLine: 2, snippet: { text: "REDACTED" } } } }],
      partialFingerprints: { commitSha: "0000000000000000" },
    });
    // What we write, gitleaks' own parser side reads back: the round trip loses nothing but the secret.
    expect(parseSarifReport(text)[0]).toMatchObject({ rule: "test-rule", file: "infra/auth.py", line: 1, commit: "0000000000000000" });
  });
});

describe("gitleaks versions", () => {
  it.each([
    ["8.24.3\n", [8, 24, 3]],
    ["v8.18.2\n", [8, 18, 2]],
    ["version is set by build process\n", undefined],
  ])("parses %j", (text, parts) => expect(parseVersion(text)).toEqual(parts));

  const oldHelp = "Usage:\n  gitleaks [command]\n\nAvailable Commands:\n  completion  x\n  detect      detect secrets in code\n  help        Help\n  protect     protect\n  version     v\n\nFlags:\n";
  const newHelp = "Usage:\n  gitleaks [command]\n\nAvailable Commands:\n  completion  x\n  dir         scan directories\n  git         scan git repositories\n  help        Help\n  stdin       s\n  version     v\n\nFlags:\n";
  it.each([
    [[8, 16, 0], "", "detect"],
    [[8, 18, 4], "", "detect"],
    [[8, 19, 0], "", "git"],
    [[9, 0, 0], "", "git"],
    [undefined, oldHelp, "detect"],
    [undefined, newHelp, "git"],
  ] as const)("version %j → %s (help decides without one)", (parts, help, command) => {
    expect(chooseCommand(parts ? [...parts] as [number, number, number] : undefined, help)).toBe(command);
  });
});

describe("scan arguments", () => {
  const o = { source: "/w", logOpts: "--no-merges b --not a", reportPath: "/t/r.json", config: "/w/g.toml", baseline: "/w/b.json" };
  const common = ["--redact", "--no-banner", "--exit-code=42", "--report-format=json", "--report-path=/t/r.json", "--log-opts=--no-merges b --not a", "--config=/w/g.toml", "--baseline-path=/w/b.json"];
  it.each([
    ["detect", ["detect", "--source=/w", ...common]],
    ["git", ["git", ...common, "/w"]],
  ] as const)("gitleaks %s", (command, argv) => expect(scanArgs(command, o)).toEqual(argv));

  it("leaves out what is not given", () => {
    expect(scanArgs("detect", { source: "/w", logOpts: "--all", reportPath: "/r" }).join(" ")).not.toMatch(/--config|--baseline/);
  });
});

describe("release assets", () => {
  it("follow gitleaks' goreleaser names", () => {
    expect(releaseAssets("https://mirror.example/gitleaks/", "8.24.3", "x64", "linux")).toEqual({
      archive: "gitleaks_8.24.3_linux_x64.tar.gz",
      archiveUrl: "https://mirror.example/gitleaks/v8.24.3/gitleaks_8.24.3_linux_x64.tar.gz",
      checksumsUrl: "https://mirror.example/gitleaks/v8.24.3/gitleaks_8.24.3_checksums.txt",
    });
    expect(releaseAssets("http://h", "8.16.0", "arm64", "linux").archive).toBe("gitleaks_8.16.0_linux_arm64.tar.gz");
    expect(() => releaseAssets("http://h", "8.16.0", "x64", "win32")).toThrow(/gitleaks-path/);
  });

  it("pins the default release's archives for every platform it publishes for", () => {
    for (const [arch, platform] of [["x64", "linux"], ["arm64", "linux"], ["x64", "darwin"], ["arm64", "darwin"]]) {
      expect(PINNED_SHA256[releaseAssets("https://h", DEFAULT_GITLEAKS_VERSION, arch, platform).archive]).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it("reads sha256sum checksum files", () => {
    const a = "a".repeat(64);
    const b = "B".repeat(64);
    const sums = parseChecksums(`${a}  gitleaks_8.24.3_linux_x64.tar.gz\n${b} *gitleaks_8.24.3_darwin_arm64.tar.gz\nnonsense\n`);
    expect([...sums]).toEqual([
      ["gitleaks_8.24.3_linux_x64.tar.gz", a],
      ["gitleaks_8.24.3_darwin_arm64.tar.gz", "b".repeat(64)],
    ]);
  });
});

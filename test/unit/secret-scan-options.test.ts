import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { readSecretScanOptions } from "../../src/actions/secret-scan/options.js";
import { Inputs } from "../../src/runner/inputs.js";
import { DEFAULT_GITLEAKS_VERSION, OFFICIAL_DOWNLOAD_URL } from "../../src/scan/install.js";
import { repoRoot } from "../support/runner-harness.js";

const actionYml = parse(readFileSync(join(repoRoot, "actions", "secret-scan", "action.yml"), "utf8")) as {
  inputs: Record<string, { default?: string; description: string }>;
  outputs: Record<string, unknown>;
};
const workspace = mkdtempSync(join(tmpdir(), "scan-options-"));
afterAll(() => rmSync(workspace, { recursive: true, force: true }));

describe("secret-scan action.yml and options", () => {
  it("declares exactly the inputs the code reads, with the defaults it expects", () => {
    const read = new Set<string>();
    const defaults = Object.fromEntries(Object.entries(actionYml.inputs).map(([k, v]) => [k, String(v.default ?? "")]));
    const options = readSecretScanOptions(
      new Inputs((name) => {
        read.add(name);
        return defaults[name];
      }),
      { GITHUB_WORKSPACE: workspace, RUNNER_TEMP: workspace },
    );
    expect([...read].sort()).toEqual(Object.keys(actionYml.inputs).sort());
    expect(options).toMatchObject({ range: { kind: "auto" }, failOnFindings: true, downloadUrl: OFFICIAL_DOWNLOAD_URL, gitleaksVersion: undefined });
    expect(actionYml.inputs["gitleaks-version"]?.description).toContain(DEFAULT_GITLEAKS_VERSION);
    // No fixed report file names: each scan writes into a fresh directory of its own.
    expect(options.sarifPath).toBeUndefined();
    expect(options.reportPath).toBeUndefined();
    expect(options.tempDir).toBe(join(workspace, "nix-fleet"));
  });

  it("has the contract's outputs", () => {
    expect(Object.keys(actionYml.outputs).sort()).toEqual(["commits", "findings", "range", "report", "sarif"]);
  });

  it.each([
    [{ "gitleaks-download-url": "ftp://mirror/gitleaks" }, /Invalid input 'gitleaks-download-url': 'ftp:\/\/mirror\/gitleaks' is not an http\(s\) URL/],
    [{ "gitleaks-download-url": "http://mirror.example/gitleaks" }, /Invalid input 'gitleaks-download-url': 'http:\/\/mirror.example\/gitleaks' is plain http/],
    [{ "gitleaks-download-url": "https://u:hunter22@mirror.example/gitleaks" }, /Invalid input 'gitleaks-download-url': 'https:\/\/\*\*\*@mirror.example\/gitleaks' holds credentials/],
    [{ "gitleaks-sha256": "abc" }, /Invalid input 'gitleaks-sha256': 'abc' is not a sha256/],
    [{ "published-ref": "https://u:TOKEN123@mirror.example/x.git" }, /Invalid input 'published-ref': 'https:\/\/\*\*\*@mirror.example\/x.git' is a git URL without a branch: it needs #<branch>/],
    [{ "published-ref": "refs/remotes/mirror/main" }, /Invalid input 'published-ref': it only applies to range 'unpublished', not 'auto'/],
    [{ "published-ref": "https://x/y.git#-b" }, /Invalid input 'published-ref': '-b' is not a branch name/],
    [{ baseline: "nope.json" }, /Invalid input 'baseline': 'nope.json' is not a file/],
    [{ "fail-on-findings": "yes" }, /Invalid input 'fail-on-findings': 'yes' is not a boolean/],
  ])("refuses %j", (values, message) => {
    const inputs = new Inputs((name) => (values as Record<string, string>)[name]);
    expect(() => readSecretScanOptions(inputs, { GITHUB_WORKSPACE: workspace })).toThrow(message);
  });

  it("takes plain http on loopback only (a test mirror)", () => {
    for (const url of ["http://127.0.0.1:8080/gitleaks", "http://localhost/g", "http://[::1]:9/g"]) {
      const inputs = new Inputs((name) => (name === "gitleaks-download-url" ? url : undefined));
      expect(readSecretScanOptions(inputs, { GITHUB_WORKSPACE: workspace }).downloadUrl).toBe(url);
    }
    const inputs = new Inputs((name) => (name === "gitleaks-download-url" ? "http://127.0.0.1.evil.test/g" : undefined));
    expect(() => readSecretScanOptions(inputs, { GITHUB_WORKSPACE: workspace })).toThrow(/plain http/);
  });

  it("masks the credentials of a published-ref URL before it can fail on the value", () => {
    const masked: string[] = [];
    const inputs = new Inputs((name) => ({ range: "unpublished", "published-ref": "https://ci:TOKEN123@mirror.example/x.git" })[name], (s) => masked.push(s));
    expect(() => readSecretScanOptions(inputs, { GITHUB_WORKSPACE: workspace })).toThrow(/needs #<branch>/);
    expect(masked).toContain("TOKEN123");
    expect(masked).toContain("ci:TOKEN123");
  });

  it("refuses a published-ref URL with a credential in its query (git's argv), masked first", () => {
    const masked: string[] = [];
    const inputs = new Inputs((name) => ({ range: "unpublished", "published-ref": "https://mirror.example/x.git?access_token=TOKEN456#main" })[name], (s) => masked.push(s));
    expect(() => readSecretScanOptions(inputs, { GITHUB_WORKSPACE: workspace })).toThrow(
      "Invalid input 'published-ref': 'https://mirror.example/x.git?access_token=***' has a credential in its query",
    );
    expect(masked).toContain("TOKEN456");
  });

  it("takes v-prefixed versions", () => {
    const inputs = new Inputs((name) => (name === "gitleaks-version" ? "v8.24.3" : undefined));
    expect(readSecretScanOptions(inputs, { GITHUB_WORKSPACE: workspace }).gitleaksVersion).toBe("8.24.3");
  });
});

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
    expect(options.sarifPath).toBe(join(workspace, "nix-fleet", "secret-scan.sarif"));
  });

  it("has the contract's outputs", () => {
    expect(Object.keys(actionYml.outputs).sort()).toEqual(["commits", "findings", "range", "report", "sarif"]);
  });

  it.each([
    [{ "gitleaks-download-url": "ftp://mirror/gitleaks" }, /Invalid input 'gitleaks-download-url': 'ftp:\/\/mirror\/gitleaks' is not an http\(s\) URL/],
    [{ "published-ref": "https://x/y.git#-b" }, /Invalid input 'published-ref': '-b' is not a branch name/],
    [{ baseline: "nope.json" }, /Invalid input 'baseline': 'nope.json' is not a file/],
    [{ "fail-on-findings": "yes" }, /Invalid input 'fail-on-findings': 'yes' is not a boolean/],
  ])("refuses %j", (values, message) => {
    const inputs = new Inputs((name) => (values as Record<string, string>)[name]);
    expect(() => readSecretScanOptions(inputs, { GITHUB_WORKSPACE: workspace })).toThrow(message);
  });

  it("takes v-prefixed versions", () => {
    const inputs = new Inputs((name) => (name === "gitleaks-version" ? "v8.24.3" : undefined));
    expect(readSecretScanOptions(inputs, { GITHUB_WORKSPACE: workspace }).gitleaksVersion).toBe("8.24.3");
  });
});

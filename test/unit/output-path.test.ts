import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cliOptionLabel, Inputs, InputError } from "../../src/runner/inputs.js";
import { outputPath } from "../../src/runner/output-path.js";

const top = mkdtempSync(join(tmpdir(), "output-path-"));
afterAll(() => rmSync(top, { recursive: true, force: true }));
const workspace = join(top, "ws");
const temp = join(top, "temp");
const elsewhere = join(top, "elsewhere");
for (const d of [workspace, join(workspace, ".git"), temp, elsewhere]) mkdirSync(d, { recursive: true });
writeFileSync(join(workspace, "flake.nix"), "{}\n");
symlinkSync(elsewhere, join(workspace, "out-link"));
symlinkSync(join(workspace, ".git"), join(temp, "git-link"));
const roots = { workspace, temp };
const inputs = new Inputs(() => undefined);

describe("outputPath", () => {
  it.each([
    ["report.sarif", join(workspace, "report.sarif")],
    ["new/dir/report.sarif", join(workspace, "new", "dir", "report.sarif")],
    [join(temp, "x.sarif"), join(temp, "x.sarif")],
    ["sub/../report.sarif", join(workspace, "report.sarif")],
  ])("accepts a new file inside the roots: %s", (value, expected) => {
    expect(outputPath(inputs, "sarif", value, roots)).toBe(expected);
  });

  it.each([
    ["flake.nix", /already exists/],
    [".git/HEAD", /inside a \.git directory/],
    [".git/new", /inside a \.git directory/],
    [join(temp, "git-link", "new"), /inside a \.git directory/],
    ["../elsewhere/x", /outside the workspace and RUNNER_TEMP/],
    ["out-link/x", /outside the workspace and RUNNER_TEMP/],
    ["out-link", /already exists/],
    ["/", /already exists/],
    [workspace, /already exists/],
  ])("refuses %s", (value, message) => {
    let error: unknown;
    try {
      outputPath(inputs, "sarif", value, roots);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(/^Invalid input 'sarif': /);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toContain("Expected the path of a new file inside the workspace");
  });

  it("in a terminal, allows any directory but still no existing file and nothing in .git", () => {
    const cli = new Inputs(() => undefined, () => undefined, cliOptionLabel);
    expect(outputPath(cli, "report", join(elsewhere, "r.json"), roots, false)).toBe(join(elsewhere, "r.json"));
    expect(() => outputPath(cli, "report", "flake.nix", roots, false)).toThrow(/Invalid option --report: 'flake.nix' already exists/);
    expect(() => outputPath(cli, "report", ".git/x", roots, false)).toThrow(/inside a \.git directory/);
  });
});

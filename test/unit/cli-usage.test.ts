import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { COMMANDS } from "../../src/cli/commands.js";
import { repoRoot } from "../support/runner-harness.js";

/**
 * The CLI's usage text and the README's "The nix-fleet CLI" section name every option each
 * command parses: an option added to the parser and forgotten in either fails here.
 */
const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
const cliSection = readme.slice(readme.indexOf("## The nix-fleet CLI"), readme.indexOf("\nExit status:", readme.indexOf("## The nix-fleet CLI")));

/** The README's usage lines of one command: its `node dist/nix-fleet.js <name>` line and those indented under it. */
function readmeUsage(name: string): string {
  const lines = cliSection.split("\n");
  const start = lines.findIndex((l) => new RegExp(`^ {4}node dist/nix-fleet\\.js ${name}\\b`).test(l));
  if (start < 0) return "";
  const out = [lines[start]];
  for (const l of lines.slice(start + 1)) {
    if (!/^ {10,}\S/.test(l)) break;
    out.push(l);
  }
  return out.join("\n");
}

describe("the nix-fleet usage, in --help and the README", () => {
  it("finds the README's CLI section", () => {
    expect(cliSection).toContain("node dist/nix-fleet.js check");
  });

  it.each(COMMANDS.map((c) => [c.name, c] as const))("%s: every option it parses is in its usage text and the README", (name, command) => {
    const readmeLines = readmeUsage(name);
    expect(readmeLines, `README has no usage line for ${name}`).not.toBe("");
    for (const option of Object.keys(command.options)) {
      // A boolean flag may be documented as its negation (--no-scan for scan) or with a value (--keep-going false).
      const forms = [new RegExp(`--${option}\\b`), new RegExp(`--no-${option}\\b`)];
      expect(forms.some((f) => f.test(command.usage)), `--${option} in ${name}'s usage text`).toBe(true);
      expect(forms.some((f) => f.test(readmeLines)), `--${option} in the README's ${name} usage`).toBe(true);
    }
  });
});

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readFlakeCheckOptions } from "../../src/actions/flake-check/options.js";
import { extraArgsProblem, extraArgsRejectedByNix } from "../../src/nix/eval-args.js";
import { cliOptionLabel, Inputs } from "../../src/runner/inputs.js";
import { repoRoot } from "../support/runner-harness.js";

const temp = mkdtempSync(join(tmpdir(), "input-validation-"));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

function inputs(values: Record<string, string>, masked: string[] = [], label = cliOptionLabel) {
  return new Inputs((name) => values[name], (s) => masked.push(s), label);
}

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  return "";
}

describe("extra-args that would make the check not check", () => {
  it.each([
    [["--help"], "'--help' prints Nix's help and exits without checking anything"],
    [["--impure", "--version"], "'--version' prints Nix's version"],
    [["-h"], "'-h' asks for Nix's help"],
    [["-vh"], "'-h' asks for Nix's help"],
    [["--help=1"], "'--help' prints Nix's help"],
    [["--dry-run"], "'--dry-run' would only say what would be built"],
    [["--no-build"], "'--no-build' is what the input build-checks: false does"],
    [["--all-systems"], "'--all-systems' is what the input all-systems: true does"],
    [["--no-keep-going"], "'--no-keep-going' is what the input keep-going: false does"],
    [["--log-format", "internal-json"], "'--log-format' changes the error text"],
    [["--override-input", "nixpkgs"], "'--override-input' needs 2 values after it"],
    [["--impure", "--arg", "x"], "'--arg' needs 2 values after it"],
    [["--inputs-from"], "'--inputs-from' needs a value after it"],
  ])("refuses %j", (args, problem) => {
    expect(extraArgsProblem(args)).toContain(problem);
  });

  it.each([
    [[]],
    [["--impure", "--override-input", "nixpkgs", "path:/x"]],
    // Values are never taken for flags.
    [["--arg", "help", "--help"]],
    [["--option", "--version", "x"]],
    [["--argstr", "name", "-h"]],
    [["-L", "--show-trace", "--max-jobs", "2"]],
  ])("takes %j", (args) => {
    expect(extraArgsProblem(args)).toBeUndefined();
  });

  it("is refused as an InputError naming the input, as the CLI names it", () => {
    const message = errorOf(() => readFlakeCheckOptions(inputs({ flake: "examples/fleet", "extra-args": "--impure --help" }), { RUNNER_TEMP: temp }, repoRoot));
    expect(message).toBe(
      "Invalid option --extra-args: '--help' prints Nix's help and exits without checking anything. Expected flags of nix flake check, nix eval and nix build, such as --override-input NAME REF, --impure or --option NAME VALUE, none that stops the check.",
    );
  });

  it("masks tokens in extra-args before refusing anything", () => {
    const masked: string[] = [];
    errorOf(() => readFlakeCheckOptions(inputs({ flake: "examples/fleet", "extra-args": "--access-tokens github.com=ghp_abcdef123456 --help" }, masked), {}, repoRoot));
    expect(masked).toContain("ghp_abcdef123456");
  });
});

describe("Nix refusing an extra argument", () => {
  const help = "\nTry 'nix --help' for more information.\n";
  it.each([
    [`error: unrecognised flag '--no-such-flag'${help}`, ["--no-such-flag"], "Nix does not know the flag '--no-such-flag' (Nix said: unrecognised flag '--no-such-flag')"],
    [`error: unrecognised flag '--keep-going=false'${help}`, ["--keep-going=false"], "Nix does not know the flag '--keep-going=false'"],
    [`error: flag '--max-jobs' requires 1 argument(s)${help}`, ["--max-jobs"], "the flag '--max-jobs' is missing its value"],
    [`error: unexpected argument 'path:/elsewhere'${help}`, ["--impure", "path:/elsewhere"], "'path:/elsewhere' is neither a flag nor a flag's value"],
  ])("names the input for %j", (stderr, args, problem) => {
    expect(extraArgsRejectedByNix(stderr, args)).toContain(problem);
  });

  it.each([
    // A flag the toolkit itself passed is not the user's mistake.
    [`error: unrecognised flag '--all-systems'${help}`, ["--impure"]],
    ["error: undefined variable 'acmeClient'", ["--impure"]],
    ["", []],
  ])("leaves %j to the check's own report", (stderr, args) => {
    expect(extraArgsRejectedByNix(stderr, args)).toBeUndefined();
  });
});

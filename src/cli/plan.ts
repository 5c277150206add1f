import { tmpdir } from "node:os";
import { readBuildMatrixOptions, type BuildMatrixMode } from "../actions/build-matrix/options.js";
import { failureMessage, runBuildMatrix, type BuildMatrixReport } from "../actions/build-matrix/run.js";
import { cliOptionLabel, Inputs } from "../runner/inputs.js";
import { outputPath } from "../runner/output-path.js";
import type { TerminalRuntime } from "../runner/terminal-runtime.js";
import { readOptionFile, type Command } from "./command.js";

/** The options plan and build share; secrets come from files or the environment, never from argv. */
export const matrixOptions = {
  flake: { type: "string" },
  hosts: { type: "string" },
  caches: { type: "string" },
  "cache-public-keys": { type: "string" },
  "cache-netrc-file": { type: "string" },
  "no-skip-cached": { type: "boolean" },
  json: { type: "boolean" },
  report: { type: "string" },
  "nix-config": { type: "string" },
  "extra-args": { type: "string" },
} as const;

const SECRET_SOURCES: Record<string, string> = {
  "cache-netrc": "option --cache-netrc-file",
  "signing-key": "option --signing-key-file",
  "cachix-auth-token": "environment variable CACHIX_AUTH_TOKEN",
};

/** A secret's file, read; one that cannot be read is a usage error naming the option, not a raw ENOENT. */

/** Runs build-matrix in a mode from command-line values; returns the report. */
export async function runMatrixCommand(
  mode: BuildMatrixMode,
  values: Record<string, string | boolean | undefined>,
  runtime: TerminalRuntime,
  scratch: string,
): Promise<BuildMatrixReport> {
  const given: Record<string, string | boolean | undefined> = {
    ...values,
    mode,
    "skip-cached": values["no-skip-cached"] ? "false" : undefined,
    "cache-netrc": readOptionFile("cache-netrc-file", values["cache-netrc-file"] as string | undefined),
    "signing-key": readOptionFile("signing-key-file", values["signing-key-file"] as string | undefined),
    "cachix-auth-token": process.env.CACHIX_AUTH_TOKEN,
  };
  // Secrets arrive through files and the environment: errors name what the user actually gave.
  const label = (name: string) => SECRET_SOURCES[name] ?? cliOptionLabel(name);
  const inputs = new Inputs((name) => (typeof given[name] === "boolean" ? String(given[name]) : (given[name] as string | undefined)), (s) => runtime.setSecret(s), label);
  // In a terminal, paths are shown relative to where the user stands.
  const options = readBuildMatrixOptions(inputs, { ...process.env, GITHUB_WORKSPACE: "" }, process.cwd());
  options.tempRoot = scratch;
  options.reportDir = scratch;
  // Never replaces a file (flake.nix, .git/HEAD): refused before anything runs, as scan's --report.
  if (values.report) options.reportPath = outputPath(inputs, "report", String(values.report), { workspace: process.cwd(), temp: tmpdir() }, false);
  return runBuildMatrix(options, { runtime });
}

export const planCommand: Command = {
  name: "plan",
  usage: `  nix-fleet plan [--flake PATH] [--hosts a,b] [--caches URLS] [--cache-public-keys KEYS]
                 [--cache-netrc-file FILE] [--no-skip-cached] [--nix-config LINES] [--extra-args ARGS]
                 [--json] [--report FILE]
      Evaluates every host once, asks the caches which toplevels they hold, and prints the
      build matrix ({"include": [{host, system, drv, out}]}) on stdout; --json prints the report.
      --extra-args takes evaluation flags (input overrides, options) for every evaluation, as check does.`,
  options: matrixOptions,
  async run(values, runtime, scratch) {
    const report = await runMatrixCommand("plan", values, runtime, scratch);
    runtime.result(JSON.stringify(values.json ? report : report.matrix, null, values.json ? 2 : undefined));
    if (report.result === "failure") {
      runtime.info(`nix-fleet plan failed: ${failureMessage(report)}`);
      return 1;
    }
    return 0;
  },
};

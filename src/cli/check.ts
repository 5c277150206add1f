import { tmpdir } from "node:os";
import { readFlakeCheckOptions } from "../actions/flake-check/options.js";
import { failureMessage, runFlakeCheck } from "../actions/flake-check/run.js";
import { outputPath } from "../runner/output-path.js";
import { cliInputs, type Command } from "./command.js";

export const checkCommand: Command = {
  name: "check",
  usage: `  nix-fleet check [--flake PATH] [--json] [--no-build] [--all-systems] [--keep-going false]
                  [--extra-args ARGS] [--nix-config LINES] [--report FILE]
      nix flake check over every host: names every broken host, each error at file:line.
      --json prints the report on stdout.`,
  options: {
    flake: { type: "string" },
    json: { type: "boolean" },
    "no-build": { type: "boolean" },
    "all-systems": { type: "boolean" },
    "keep-going": { type: "string" },
    "extra-args": { type: "string" },
    "nix-config": { type: "string" },
    report: { type: "string" },
  },
  async run(values, runtime, scratch) {
    const inputs = cliInputs({ ...values, "build-checks": values["no-build"] ? "false" : undefined }, runtime);
    // In a terminal, paths are shown relative to where the user stands.
    const options = readFlakeCheckOptions(inputs, { ...process.env, GITHUB_WORKSPACE: "" }, process.cwd());
    options.reportDir = scratch;
    // Never replaces a file (flake.nix, .git/HEAD): refused before anything runs, as scan's --report.
    if (typeof values.report === "string") options.reportPath = outputPath(inputs, "report", values.report, { workspace: process.cwd(), temp: tmpdir() }, false);
    const report = await runFlakeCheck(options, { runtime });
    if (values.json) runtime.result(JSON.stringify(report, null, 2));
    if (report.result === "failure") {
      runtime.info(`nix-fleet check failed: ${failureMessage(report)}`);
      return 1;
    }
    return 0;
  },
};

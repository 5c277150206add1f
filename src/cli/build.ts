import { failureMessage } from "../actions/build-matrix/run.js";
import { InputError } from "../runner/inputs.js";
import type { Command } from "./command.js";
import { matrixOptions, runMatrixCommand } from "./plan.js";

export const buildCommand: Command = {
  name: "build",
  usage: `  nix-fleet build (--host HOST | --all) [--flake PATH] [--hosts a,b] [--caches URLS]
                  [--cache-public-keys KEYS] [--cache-netrc-file FILE] [--no-skip-cached] [--nix-config LINES]
                  [--extra-args ARGS]
                  [--push-to URI] [--signing-key-file FILE] [--max-parallel N] [--json] [--report FILE]
      Builds one host, or every uncached host (--all), never stopping at a failure; pushes each
      closure to --push-to (a store URI, or cachix:NAME with CACHIX_AUTH_TOKEN set).`,
  options: {
    ...matrixOptions,
    host: { type: "string" },
    all: { type: "boolean" },
    "push-to": { type: "string" },
    "signing-key-file": { type: "string" },
    "max-parallel": { type: "string" },
  },
  async run(values, runtime, scratch) {
    if (values.all === (values.host !== undefined)) {
      throw new InputError("host", "give either --host HOST or --all. Expected one of them.", "options --host/--all");
    }
    const report = await runMatrixCommand(values.all ? "all" : "build", values, runtime, scratch);
    if (values.json) runtime.result(JSON.stringify(report, null, 2));
    if (report.result === "failure") {
      runtime.info(`nix-fleet build failed: ${failureMessage(report)}`);
      return 1;
    }
    return 0;
  },
};

import { parseArgs, type ParseArgsConfig } from "node:util";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { cliOptionLabel, InputError, Inputs, type InputSource } from "../runner/inputs.js";
import { TerminalRuntime } from "../runner/terminal-runtime.js";
import { readFlakeCheckOptions } from "../actions/flake-check/options.js";
import { failureMessage, runFlakeCheck } from "../actions/flake-check/run.js";

const USAGE = `nix-fleet: the nix-fleet-actions stages from a terminal

Usage:
  nix-fleet check [--flake PATH] [--json] [--no-build] [--all-systems] [--report FILE]
      nix flake check over every host; names every broken host, errors at file:line.

Options for every command:
  --help        this text
  --verbose     debug lines too

Exit status: 0 success, 1 the stage failed, 2 bad usage.
`;

type Options = NonNullable<ParseArgsConfig["options"]>;

/** Command-line values handed to the same input readers the actions use. */
function cliInputs(values: Record<string, string | boolean | undefined>, runtime: TerminalRuntime): Inputs {
  const source: InputSource = (name) => {
    const v = values[name];
    return typeof v === "boolean" ? String(v) : v;
  };
  return new Inputs(source, (s) => runtime.setSecret(s), cliOptionLabel);
}

async function check(argv: string[], runtime: TerminalRuntime): Promise<number> {
  const spec: Options = {
    flake: { type: "string" },
    json: { type: "boolean" },
    "no-build": { type: "boolean" },
    "all-systems": { type: "boolean" },
    "keep-going": { type: "string" },
    "extra-args": { type: "string" },
    "nix-config": { type: "string" },
    report: { type: "string" },
    verbose: { type: "boolean" },
  };
  const { values } = parseArgs({ args: argv, options: spec, strict: true, allowPositionals: false });
  const inputs = cliInputs({ ...values, "build-checks": values["no-build"] ? "false" : undefined }, runtime);
  const cwd = process.cwd();
  const reportPath = values.report ? resolve(String(values.report)) : join(tmpdir(), `nix-fleet-check-${process.pid}.json`);
  const options = readFlakeCheckOptions(inputs, { ...process.env, GITHUB_WORKSPACE: "" }, cwd, reportPath);
  const report = await runFlakeCheck(options, { runtime });
  if (values.json) process.stdout.write(JSON.stringify(report, null, 2) + "\n");
  if (report.result === "failure") {
    runtime.info(`nix-fleet check failed: ${failureMessage(report)}`);
    return 1;
  }
  return 0;
}

const COMMANDS: Record<string, (argv: string[], runtime: TerminalRuntime) => Promise<number>> = { check };

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === "--help" || command === "-h" || command === "help") {
    process.stdout.write(USAGE);
    return command ? 0 : 2;
  }
  const handler = COMMANDS[command];
  if (!handler) {
    process.stderr.write(`nix-fleet: unknown command '${command}'.\n\n${USAGE}`);
    return 2;
  }
  if (rest.includes("--help")) {
    process.stdout.write(USAGE);
    return 0;
  }
  const runtime = new TerminalRuntime(undefined, rest.includes("--verbose"));
  try {
    return await handler(rest, runtime);
  } catch (error) {
    const usage = error instanceof InputError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS");
    process.stderr.write(`nix-fleet ${command}: ${error instanceof Error ? error.message : String(error)}\n`);
    return usage ? 2 : 1;
  }
}

process.exitCode = await main(process.argv.slice(2));

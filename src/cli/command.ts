import type { ParseArgsConfig } from "node:util";
import { cliOptionLabel, Inputs, type InputSource } from "../runner/inputs.js";
import type { TerminalRuntime } from "../runner/terminal-runtime.js";

/**
 * One `nix-fleet <name>` command: its usage lines and what it runs. Returns the exit status.
 * `scratch` is a private directory for this run, removed afterwards: reports not asked for by
 * --report go there.
 */
export interface Command {
  name: string;
  usage: string;
  /** Its options for node:util parseArgs (main adds --verbose, and answers --help before parsing). */
  options: NonNullable<ParseArgsConfig["options"]>;
  run(values: OptionValues, runtime: TerminalRuntime, scratch: string): Promise<number>;
}

export type OptionValues = Record<string, string | boolean | undefined>;

/** Command-line values handed to the same input readers the actions use, so validation is shared. */
export function cliInputs(values: Record<string, string | boolean | undefined>, runtime: TerminalRuntime): Inputs {
  const source: InputSource = (name) => {
    const v = values[name];
    return typeof v === "boolean" ? String(v) : v;
  };
  return new Inputs(source, (s) => runtime.setSecret(s), cliOptionLabel);
}

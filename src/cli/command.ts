import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { ParseArgsConfig } from "node:util";
import { cliOptionLabel, InputError, Inputs, type InputSource } from "../runner/inputs.js";
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

/**
 * The content of a file an option names (a key, a netrc, known_hosts: secrets stay off argv this
 * way); undefined when the option was not given.
 */
export function readOptionFile(option: string, path: string | undefined): string | undefined {
  if (path === undefined) return undefined;
  try {
    return readFileSync(resolve(path), "utf8");
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message;
    throw new InputError(option, `cannot read '${path}': ${why}. Expected the path of a readable file.`, `option --${option}`);
  }
}

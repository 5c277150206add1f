import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { InputError } from "../runner/inputs.js";
import { neutralized } from "../runner/neutralize.js";
import { insideRunner, TerminalRuntime } from "../runner/terminal-runtime.js";
import type { Command, OptionValues } from "./command.js";
import { COMMANDS } from "./commands.js";

const USAGE = `nix-fleet: the nix-fleet-actions stages from a terminal

Usage:
${COMMANDS.map((c) => c.usage).join("\n")}

Every command takes --help and --verbose (show the folded detail: raw tool output).
Exit status: 0 success, 1 the stage failed, 2 bad usage.
`;

/**
 * Whether the arguments ask for the command's help (answered before parsing, so it works beside any
 * mistake). Not when `--help` is a value: `--extra-args --help` is a mistake in that option, and
 * answering it with the usage and exit 0 would pass a CI step that checked nothing.
 */
function asksForHelp(args: string[], options: Command["options"]): boolean {
  return args.some((arg, i) => {
    if (arg !== "--help" && arg !== "-h") return false;
    const before = args[i - 1] ?? "";
    return !(before.startsWith("--") && !before.includes("=") && options[before.slice(2)]?.type === "string");
  });
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(USAGE);
    return name ? 0 : 2;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`nix-fleet: unknown command '${name}'.\n\n${USAGE}`);
    return 2;
  }
  if (asksForHelp(rest, command.options)) {
    process.stdout.write(`${command.usage}\n`);
    return 0;
  }
  const runtime = new TerminalRuntime(undefined, rest.includes("--verbose"));
  const scratch = mkdtempSync(join(tmpdir(), `nix-fleet-${name}-`));
  try {
    const { values } = parseArgs({ args: rest, strict: true, options: { ...command.options, verbose: { type: "boolean" } } });
    // No option is declared `multiple`: every value is a string or a boolean.
    return await command.run(values as OptionValues, runtime, scratch);
  } catch (error) {
    const usage = error instanceof InputError || String((error as { code?: unknown }).code ?? "").startsWith("ERR_PARSE_ARGS");
    const message = `nix-fleet ${name}: ${error instanceof Error ? error.message : String(error)}`;
    process.stderr.write(`${insideRunner() ? neutralized(message) : message}\n`);
    return usage ? 2 : 1;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

process.exitCode = await main(process.argv.slice(2));

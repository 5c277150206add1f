import { tmpdir } from "node:os";
import { parseArgs } from "node:util";
import { neutralized } from "../runner/neutralize.js";
import { PrivateDir } from "../runner/private-dir.js";
import { handleStepEnd } from "../runner/signals.js";
import { insideRunner, TerminalRuntime } from "../runner/terminal-runtime.js";
import { errorKind, type ErrorKind } from "../runner/user-error.js";
import type { Command, OptionValues } from "./command.js";
import { COMMANDS } from "./commands.js";

const USAGE = `nix-fleet: the nix-fleet-actions stages from a terminal

Usage:
${COMMANDS.map((c) => c.usage).join("\n")}

Every command takes --help and --verbose (show the folded detail: raw tool output).
Exit status: 0 success, 1 the stage failed, 2 bad usage (an option's value), 3 a setup problem
(the message says the fix), 130/143 stopped by SIGINT (Ctrl-C)/SIGTERM: every program it started
is stopped and its private files (keys, netrc) are removed first.
With --json, a command that fails before its report prints {"result":"failure","errorKind","error"}.
`;

/** The exit status for each kind of failure (the signals' are set by runner/signals.ts). */
const EXIT_STATUS: Record<Exclude<ErrorKind, "signal">, number> = { failure: 1, input: 2, setup: 3 };

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
  const json = rest.includes("--json");
  const fail = (kind: ErrorKind, error: unknown, printJson = true) => {
    // A tool's message may quote a credential (a remote echoing the Authorization header).
    const text = runtime.redacted(error instanceof Error ? error.message : String(error));
    const message = `nix-fleet ${name}: ${text}`;
    process.stderr.write(`${insideRunner() ? neutralized(message) : message}\n`);
    // A script reading --json still gets JSON, with the kind to tell its caller what happened.
    if (json && printJson) process.stdout.write(`${JSON.stringify({ result: "failure", errorKind: kind, error: text }, null, 2)}\n`);
  };
  const end = handleStepEnd(
    ({ error }) => fail(errorKind(error), error, !runtime.closeResults()),
    // At once, before the stopped programs make the command print results of work cut short.
    () => runtime.closeResults(),
  );
  // Key material, netrc files and reports nobody asked to keep: removed on exit and on Ctrl-C.
  const scratch = await PrivateDir.create(runtime, tmpdir());
  try {
    const { values } = parseArgs({ args: rest, strict: true, options: { ...command.options, verbose: { type: "boolean" } } });
    // No option is declared `multiple`: every value is a string or a boolean.
    const status = await command.run(values as OptionValues, runtime, scratch.path);
    if (end.ending) await end.finished;
    return status;
  } catch (error) {
    if (end.ending) await end.finished;
    const usage = String((error as { code?: unknown }).code ?? "").startsWith("ERR_PARSE_ARGS");
    const kind = usage ? "input" : errorKind(error);
    fail(kind, error, !runtime.closeResults());
    return EXIT_STATUS[kind === "signal" ? "failure" : kind];
  } finally {
    await scratch.close();
  }
}

process.exitCode = await main(process.argv.slice(2));

import type { Inputs } from "../runner/inputs.js";
import { nixArgsSecrets } from "./flake-ref.js";

/**
 * Flags that make Nix print something and exit 0 without looking at the flake: `nix flake check
 * --help` on a fleet with broken hosts "passes". `-h` and `--dry-run` are unknown to Nix 2.8's
 * `flake check` (it fails on them), but a check must never depend on that staying so.
 */
const NO_CHECK_FLAGS: Record<string, string> = {
  "--help": "prints Nix's help and exits without checking anything",
  "-h": "asks for Nix's help instead of a check",
  "--version": "prints Nix's version and exits without checking anything",
  "--dry-run": "would only say what would be built, without checking it",
};

/**
 * Flags whose effect is an input's job: given both ways they would contradict each other, and the
 * report could not say what was checked. `--log-format` changes the error text the report is made of.
 */
export type FlagsOwnedByInputs = Record<string, string>;

/** flake-check's own inputs, for the flags of `nix flake check` they stand for. */
export const FLAKE_CHECK_FLAG_INPUTS: FlagsOwnedByInputs = {
  "--no-build": "build-checks: false",
  "--all-systems": "all-systems: true",
  "--keep-going": "keep-going: true",
  "--no-keep-going": "keep-going: false",
  "-k": "keep-going: true",
};

const EXPECTED = "flags of nix flake check, nix eval and nix build, such as --override-input NAME REF, --impure or --option NAME VALUE";

/** Nix splits `-vh` into `-v -h`, as getopt does: a short-flag cluster asks for help if it holds an h. */
function shortFlags(arg: string): string[] {
  return /^-[A-Za-z]{2,}$/.test(arg) ? [...arg.slice(1)].map((c) => `-${c}`) : [arg];
}

/**
 * The problem with extra arguments for Nix, or undefined when there is none: a flag that would make
 * the check not check, or one an input stands for. Only flags are looked at: a value after
 * `--option NAME` is never taken for a flag (`--arg help --help` is not a request for help).
 */
export function extraArgsProblem(args: string[], owned: FlagsOwnedByInputs = FLAKE_CHECK_FLAG_INPUTS): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === "--") return undefined;
    const arity = VALUE_FLAGS[arg];
    const tokens = /^--(extra-)?access-tokens(=|$)/.test(arg) || (arg === "--option" && /^(extra-)?access-tokens$/.test(args[i + 1] ?? ""));
    if (tokens) return `'${arg === "--option" ? `--option ${args[i + 1]}` : arg.replace(/=.*/, "")}' would put the tokens on Nix's command line, where any process on the runner can read them (ps). Expected them in the nix-config input instead: 'access-tokens = <host>=<token>'`;
    if (arity !== undefined) {
      // Short of values, the flag would take the flake reference as one, and Nix check another flake.
      if (i + arity >= args.length) return `'${arg}' needs ${arity === 1 ? "a value" : `${arity} values`} after it. Expected ${EXPECTED}`;
      i += arity;
      continue;
    }
    const flag = arg.includes("=") && arg.startsWith("--") ? arg.slice(0, arg.indexOf("=")) : arg;
    for (const f of shortFlags(flag)) {
      const why = NO_CHECK_FLAGS[f];
      if (why) return `'${f}' ${why}. Expected ${EXPECTED}, none that stops the check`;
      const input = owned[f];
      if (input) return `'${f}' is what the input ${input} does. Expected the input set instead of the flag`;
      if (f === "--log-format") return `'${f}' changes the error text that the report is made of. Expected ${EXPECTED}`;
    }
  }
  return undefined;
}

/** Flags of Nix whose values follow them: skipped, so that a value is never read as a flag. */
const VALUE_FLAGS: Record<string, number> = {
  "--option": 2,
  "--arg": 2,
  "--argstr": 2,
  "--override-input": 2,
  "--override-flake": 2,
  "--update-input": 1,
  "--inputs-from": 1,
  "--reference-lock-file": 1,
  "--output-lock-file": 1,
  "--eval-store": 1,
  "--store": 1,
  "--include": 1,
  "-I": 1,
  "--expr": 1,
  "--file": 1,
  "--access-tokens": 1,
  "--extra-access-tokens": 1,
};

/**
 * The one reader of `extra-args` (flake-check, build-matrix, the gate, the CLI's --extra-args):
 * split like shell words (never run by one), every token masked before anything can print it, and
 * flags that would make the check not check refused. `owned`: the flags this stage's own inputs
 * stand for (flake-check's by default; `{}` for a stage with none).
 */
export function readExtraArgs(inputs: Inputs, input: string, owned: FlagsOwnedByInputs = FLAKE_CHECK_FLAG_INPUTS): string[] {
  const args = inputs.args(input);
  for (const token of nixArgsSecrets(args)) inputs.mask(token);
  const problem = extraArgsProblem(args, owned);
  if (problem) throw inputs.error(input, `${problem}.`);
  return args;
}

/**
 * Nix's answer to a flag or argument it does not take, when it is one of the extra arguments: as the
 * problem with that input, since Nix's own words ("unrecognised flag") blame nothing the user gave.
 * Nix 2.8 and current Nix word it the same; the rest is how newer versions add to it.
 */
export function extraArgsRejectedByNix(stderr: string, args: string[]): string | undefined {
  const patterns: [RegExp, (arg: string) => string][] = [
    [/unrecogni[sz]ed flag '([^']*)'/, (a) => `Nix does not know the flag '${a}'`],
    [/flag '([^']*)' requires (\d+) argument/, (a) => `the flag '${a}' is missing its value`],
    [/unexpected argument '([^']*)'/, (a) => `'${a}' is neither a flag nor a flag's value, and Nix took it for a second flake reference`],
  ];
  for (const [pattern, problem] of patterns) {
    const m = pattern.exec(stderr);
    if (m?.[1] !== undefined && args.some((a) => a === m[1] || a.startsWith(`${m[1]}=`))) {
      return `${problem(m[1])} (Nix said: ${m[0]}). Expected ${EXPECTED}.`;
    }
  }
  return undefined;
}

/** Flags among extra-args that change what is evaluated: every evaluation must see them too. */
const EVALUATION_FLAGS = new Set(["--override-input", "--override-flake", "--inputs-from", "--reference-lock-file", "--impure", "--option", "--arg", "--argstr", "--no-update-lock-file"]);

/** Those that `nix flake metadata` (which only locks and fetches) takes too. */
const LOCK_FLAGS = new Set(["--override-input", "--override-flake", "--inputs-from", "--reference-lock-file", "--option", "--no-update-lock-file"]);

/** Flags that a build of an already-evaluated derivation takes too: options, not what to evaluate. */
const BUILD_FLAGS = new Set(["--option"]);

/** The flags of `flags` among extra-args, each with its values (VALUE_FLAGS says how many; a value is never read as a flag). */
function pick(extraArgs: readonly string[], flags: ReadonlySet<string>): string[] {
  const picked: string[] = [];
  for (let i = 0; i < extraArgs.length; i++) {
    const arg = extraArgs[i] ?? "";
    const arity = VALUE_FLAGS[arg] ?? 0;
    if (flags.has(arg)) picked.push(...extraArgs.slice(i, i + 1 + arity));
    i += arity;
  }
  return picked;
}

/** The evaluation flags among extra-args, for `nix eval`. */
export function evaluationArgs(extraArgs: readonly string[]): string[] {
  return pick(extraArgs, EVALUATION_FLAGS);
}

/** The flags among extra-args that `nix flake metadata` takes. */
export function lockArgs(extraArgs: readonly string[]): string[] {
  return pick(extraArgs, LOCK_FLAGS);
}

/** The flags among extra-args that `nix build <drv>` and `nix copy` take. */
export function buildArgs(extraArgs: readonly string[]): string[] {
  return pick(extraArgs, BUILD_FLAGS);
}

import type { Inputs } from "../runner/inputs.js";
import { nixArgsSecrets } from "./flake-ref.js";

/**
 * The one parser of `extra-args` (flake-check, build-matrix, the gate, the CLI's --extra-args):
 * split like a shell would without running one, and every token in it masked before anything can
 * print it. Rules about which arguments are refused belong here, so every action gets them.
 */
export function readExtraArgs(inputs: Inputs, name: string): string[] {
  const args = inputs.args(name);
  for (const token of nixArgsSecrets(args)) inputs.mask(token);
  return args;
}

/** Flags among extra-args that change what is evaluated: every evaluation must see them too. */
const EVALUATION_FLAGS: Record<string, number> = {
  "--override-input": 2,
  "--override-flake": 2,
  "--inputs-from": 1,
  "--reference-lock-file": 1,
  "--impure": 0,
  "--option": 2,
  "--arg": 2,
  "--argstr": 2,
  "--no-update-lock-file": 0,
};

/** Those that `nix flake metadata` (which only locks and fetches) takes too. */
const LOCK_FLAGS: Record<string, number> = {
  "--override-input": 2,
  "--override-flake": 2,
  "--inputs-from": 1,
  "--reference-lock-file": 1,
  "--option": 2,
  "--no-update-lock-file": 0,
};

/** Flags that a build of an already-evaluated derivation takes too: options, not what to evaluate. */
const BUILD_FLAGS: Record<string, number> = { "--option": 2 };

function pick(extraArgs: readonly string[], flags: Record<string, number>): string[] {
  const picked: string[] = [];
  for (let i = 0; i < extraArgs.length; i++) {
    const arity = flags[extraArgs[i] ?? ""];
    if (arity === undefined) continue;
    picked.push(...extraArgs.slice(i, i + 1 + arity));
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

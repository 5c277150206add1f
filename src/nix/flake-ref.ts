import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { refuseUrlCredentials } from "../git/remote-url.js";
import type { Inputs } from "../runner/inputs.js";

const SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/**
 * Where a local flake lives on disk — a plain path, `path:`, or `git+file:`, with its `?dir=` —
 * or undefined for a remote reference (github:, git+https:, ...).
 */
export function localFlakeDir(flake: string, cwd: string): string | undefined {
  const url = /^(?:path:|git\+file:(?:\/\/)?)([^?]*)(?:\?(.*))?$/.exec(flake);
  if (url) {
    const dir = new URLSearchParams(url[2] ?? "").get("dir");
    return resolve(cwd, url[1] || ".", dir ?? "");
  }
  return SCHEME.test(flake) ? undefined : resolve(cwd, flake || ".");
}

export interface FlakeRef {
  /** As the user gave it, for reports. */
  flake: string;
  /** What Nix is given: a plain path made absolute, so Nix never takes `infra/fleet` for a registry name. */
  ref: string;
  /** The flake's directory on disk when it is local. */
  localDir?: string;
}

const FLAKE_CREDENTIALS_FIX =
  "the token in nix-config instead: 'access-tokens = <host>=<token>' (github:, gitlab: and https downloads), " +
  "or a netrc for git+https (machine <host> login <user> password <token>, in ~/.netrc for git, or netrc-file in nix-config)";

/** Reads and checks a flake reference input before any Nix command runs. */
export function readFlakeRef(inputs: Inputs, input: string, cwd: string): FlakeRef {
  const flake = inputs.string(input, ".");
  // First: a token in the reference would reach Nix's and git's argv, their error messages, the
  // log and the report. Masked, then refused, before any other check could print the value.
  refuseUrlCredentials(inputs, input, flake, FLAKE_CREDENTIALS_FIX);
  if (flake.includes("#")) {
    throw inputs.error(input, `'${flake}' has a '#' fragment. Expected a flake reference without an output, such as '.' or './infra'.`);
  }
  const dir = localFlakeDir(flake, cwd);
  if (dir === undefined) return { flake, ref: flake };
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw inputs.error(input, `'${flake}' is not a directory (${dir}). Expected the path of a directory holding flake.nix.`);
  }
  if (!existsSync(resolve(dir, "flake.nix"))) {
    throw inputs.error(input, `'${flake}' is not a flake: ${dir} has no flake.nix. Expected the path of a directory holding flake.nix.`);
  }
  return { flake, ref: SCHEME.test(flake) ? flake : dir, localDir: dir };
}

/**
 * Reads nix.conf lines given as an input: each must be `name = value` (or include/!include, or a
 * comment), checked here so that a typo is reported as this input, not as "nix --version failed".
 * Tokens in access-tokens lines are masked before anything can print them.
 */
export function readNixConfig(inputs: Inputs, input: string): string | undefined {
  const config = inputs.optionalString(input);
  if (config === undefined) return undefined;
  for (const token of nixConfigSecrets(config)) inputs.mask(token);
  config.split("\n").forEach((line, i) => {
    const text = line.trim();
    if (!text || text.startsWith("#") || /^!?include\s+\S/.test(text)) return;
    if (!/^[A-Za-z][\w-]*\s*=/.test(text)) {
      // Only the line number: a mistyped line may hold a token that no mask knows yet.
      throw inputs.error(input, `line ${i + 1} is not a nix.conf setting. Expected lines of the form 'name = value'.`);
    }
  });
  return config;
}

/** Values in nix.conf text that are credentials: the tokens of `access-tokens` (host=token pairs). */
export function nixConfigSecrets(config: string | undefined): string[] {
  const secrets: string[] = [];
  for (const line of (config ?? "").split("\n")) {
    // `=` or a mistyped `:` or space: a token is a token however the line is written.
    const m = /^\s*(?:extra-)?access-tokens\s*[=:\s]\s*(.*)$/.exec(line);
    for (const pair of m?.[1]?.split(/\s+/) ?? []) {
      const token = pair.slice(pair.indexOf("=") + 1);
      if (token) secrets.push(token);
    }
  }
  return secrets;
}

/** The tokens in Nix command-line arguments: `--access-tokens V` and `--option access-tokens V`. */
export function nixArgsSecrets(args: string[]): string[] {
  const values: string[] = [];
  args.forEach((arg, i) => {
    if (arg === "--access-tokens" || arg === "--extra-access-tokens") values.push(args[i + 1] ?? "");
    const joined = /^--(?:extra-)?access-tokens=(.*)$/s.exec(arg);
    if (joined) values.push(joined[1] as string);
    if (arg === "--option" && /^(extra-)?access-tokens$/.test(args[i + 1] ?? "")) values.push(args[i + 2] ?? "");
  });
  return values.flatMap((v) => nixConfigSecrets(`access-tokens = ${v}`));
}

import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { nixConfigSecrets } from "../../nix/nix.js";
import type { Inputs } from "../../runner/inputs.js";

export interface FlakeCheckOptions {
  /** The flake reference as given (a path, `path:`/`git+file:` URL, or a remote reference). */
  flake: string;
  /** What Nix is given: a plain path made absolute, so Nix never takes `infra/fleet` for a registry name. */
  ref: string;
  /** The flake's directory on disk when it is local, to map error positions back to files. */
  localDir?: string;
  allSystems: boolean;
  buildChecks: boolean;
  keepGoing: boolean;
  extraArgs: string[];
  nixConfig?: string;
  workspace: string;
  reportPath: string;
}

/** Where a local flake lives on disk, or undefined for a remote reference (github:, git+https:, ...). */
export function localFlakeDir(flake: string, cwd: string): string | undefined {
  const path = /^(?:path:|git\+file:(?:\/\/)?)(.*?)(?:\?.*)?$/.exec(flake)?.[1] ?? (/^[a-z][a-z0-9+.-]*:/i.test(flake) ? undefined : flake);
  return path === undefined ? undefined : resolve(cwd, path || ".");
}

/** Checks a flake reference before any Nix command runs. */
export function validateFlake(inputs: Inputs, input: string, flake: string, cwd: string): string | undefined {
  if (flake.includes("#")) {
    throw inputs.error(input, `'${flake}' has a '#' fragment. Expected a flake reference without an output, such as '.' or './infra'.`);
  }
  const dir = localFlakeDir(flake, cwd);
  if (dir === undefined) return undefined;
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw inputs.error(input, `'${flake}' is not a directory (${dir}). Expected the path of a directory holding flake.nix.`);
  }
  if (!existsSync(resolve(dir, "flake.nix"))) {
    throw inputs.error(input, `'${flake}' is not a flake: ${dir} has no flake.nix. Expected the path of a directory holding flake.nix.`);
  }
  return dir;
}

export function readFlakeCheckOptions(
  inputs: Inputs,
  env: NodeJS.ProcessEnv,
  cwd = process.cwd(),
  reportPath = resolve(env.RUNNER_TEMP || cwd, "nix-fleet", "flake-check-report.json"),
): FlakeCheckOptions {
  const flake = inputs.string("flake", ".");
  const workspace = env.GITHUB_WORKSPACE || cwd;
  const options: FlakeCheckOptions = {
    flake,
    ref: flake,
    allSystems: inputs.bool("all-systems", false),
    buildChecks: inputs.bool("build-checks", true),
    keepGoing: inputs.bool("keep-going", true),
    extraArgs: inputs.args("extra-args"),
    nixConfig: inputs.optionalString("nix-config"),
    workspace,
    reportPath,
  };
  for (const token of nixConfigSecrets(options.nixConfig)) inputs.mask(token);
  const dir = validateFlake(inputs, "flake", flake, cwd);
  if (dir) {
    options.localDir = dir;
    if (!/^[a-z][a-z0-9+.-]*:/i.test(flake)) options.ref = dir;
  }
  return options;
}

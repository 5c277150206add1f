import { tmpdir } from "node:os";
import { resolve } from "node:path";
import { readExtraArgs } from "../../nix/extra-args.js";
import { readFlakeRef, readNixConfig } from "../../nix/flake-ref.js";
import type { InputLabel, Inputs } from "../../runner/inputs.js";

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
  /** Where paths are shown from when the flake is not in a git repository (and in a terminal). */
  workspace: string;
  /** Annotations name files from the repository root, as the forges place them (not in a terminal). */
  pathsFromRepositoryRoot: boolean;
  /** Where the JSON report goes when the user chose (the CLI's --report); else a new dir under reportDir. */
  reportPath?: string;
  reportDir: string;
  /** How inputs are named in errors found while running (an extra argument Nix refuses): as they were read. */
  inputLabel?: InputLabel;
}

export function readFlakeCheckOptions(
  inputs: Inputs,
  env: NodeJS.ProcessEnv,
  cwd = process.cwd(),
): FlakeCheckOptions {
  const nixConfig = readNixConfig(inputs, "nix-config");
  const options: FlakeCheckOptions = {
    ...readFlakeRef(inputs, "flake", cwd),
    allSystems: inputs.bool("all-systems", false),
    buildChecks: inputs.bool("build-checks", true),
    keepGoing: inputs.bool("keep-going", true),
    extraArgs: readExtraArgs(inputs, "extra-args"),
    workspace: env.GITHUB_WORKSPACE || cwd,
    pathsFromRepositoryRoot: !!env.GITHUB_WORKSPACE,
    reportDir: resolve(env.RUNNER_TEMP || tmpdir(), "nix-fleet"),
    inputLabel: inputs.label,
  };
  if (nixConfig !== undefined) options.nixConfig = nixConfig;
  return options;
}

import { tmpdir } from "node:os";
import { resolve } from "node:path";
import type { Inputs, InputSource } from "../../runner/inputs.js";
import { readBuildMatrixOptions, type BuildMatrixOptions } from "../build-matrix/options.js";
import { readFlakeCheckOptions, type FlakeCheckOptions } from "../flake-check/options.js";
import { readSecretScanOptions, type SecretScanOptions } from "../secret-scan/options.js";

export interface GateOptions {
  flakeCheck: FlakeCheckOptions;
  secretScan: SecretScanOptions;
  buildMatrix: BuildMatrixOptions;
  reportDir: string;
}

/**
 * Inputs the stages read that the gate does not take: build-matrix always runs as `all` (no
 * `host`), and `extra-args` would be ambiguous between stages. The gate's action.yml declares the
 * union of the three actions' inputs less these (test/unit/action-metadata.test.ts checks it).
 */
export const GATE_FIXED_INPUTS: Record<string, string | undefined> = { mode: "all", host: undefined, "extra-args": undefined };

export function gateInputSource(source: InputSource): InputSource {
  return (name) => (name in GATE_FIXED_INPUTS ? GATE_FIXED_INPUTS[name] : source(name));
}

/** Every stage's options, read and checked before any stage runs. */
export function readGateOptions(inputs: Inputs, env: NodeJS.ProcessEnv, cwd = process.cwd()): GateOptions {
  return {
    flakeCheck: readFlakeCheckOptions(inputs, env, cwd),
    secretScan: readSecretScanOptions(inputs, env, cwd),
    // nix-config reaches both stages that run Nix (flake-check and build-matrix).
    buildMatrix: readBuildMatrixOptions(inputs, env, cwd),
    reportDir: resolve(env.RUNNER_TEMP || tmpdir(), "nix-fleet"),
  };
}

import { tmpdir } from "node:os";
import { resolve } from "node:path";
import { runNixConfig } from "../../nix/nix-config.js";
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
 * `host`). `extra-args` reaches both stages that run Nix: a fleet the check evaluates with
 * `--override-input` is planned and built with it too. The gate's action.yml declares the union
 * of the three actions' inputs less these (test/unit/action-metadata.test.ts checks it).
 */
export const GATE_FIXED_INPUTS: Record<string, string | undefined> = { mode: "all", host: undefined };

export function gateInputSource(source: InputSource): InputSource {
  return (name) => (name in GATE_FIXED_INPUTS ? GATE_FIXED_INPUTS[name] : source(name));
}

/** Every stage's options, read and checked before any stage runs. */
export function readGateOptions(inputs: Inputs, env: NodeJS.ProcessEnv, cwd = process.cwd()): GateOptions {
  // nix-config reaches both stages that run Nix (flake-check and build-matrix).
  const flakeCheck = readFlakeCheckOptions(inputs, env, cwd);
  const buildMatrix = readBuildMatrixOptions(inputs, env, cwd);
  return {
    flakeCheck: { ...flakeCheck, nixConfig: checkNixConfig(flakeCheck.nixConfig, buildMatrix) },
    secretScan: readSecretScanOptions(inputs, env, cwd),
    buildMatrix,
    reportDir: resolve(env.RUNNER_TEMP || tmpdir(), "nix-fleet"),
  };
}

/**
 * The fleet's caches serve the check's builds too (its `checks`), not only the hosts' builds.
 * Private caches' netrc stays with build-matrix, which keeps it in its private directory: from
 * those the check builds what it needs itself.
 */
export function checkNixConfig(nixConfig: string | undefined, build: BuildMatrixOptions): string | undefined {
  const substituters = build.caches.filter((c) => /^(https?|file):/.test(c));
  return runNixConfig({ nixConfig, substituters, trustedPublicKeys: build.cachePublicKeys }) || undefined;
}

import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { gateInputSource, readGateOptions } from "../../src/actions/gate/options.js";
import { Inputs } from "../../src/runner/inputs.js";
import { repoRoot } from "../support/runner-harness.js";

const key = `cache.example.org-1:${"B".repeat(43)}=`;
const read = (values: Record<string, string>) =>
  readGateOptions(new Inputs(gateInputSource((n) => values[n])), { RUNNER_TEMP: "/tmp/runner" }, repoRoot);

describe("the gate's options", () => {
  it("runs build-matrix as all, whatever the environment says about mode and host", () => {
    const o = readGateOptions(new Inputs(gateInputSource((n) => ({ flake: "examples/fleet", mode: "plan", host: "web" })[n])), {}, repoRoot);
    expect(o.buildMatrix.mode).toBe("all");
    expect(o.buildMatrix.host).toBeUndefined();
    expect(o.flakeCheck.ref).toBe(resolve(repoRoot, "examples/fleet"));
  });

  it("gives flake-check's builds the fleet's caches and keys after the user's nix-config", () => {
    const o = read({ flake: "examples/fleet", caches: "https://cache.example.org, s3://bucket", "cache-public-keys": key, "nix-config": "max-jobs = 2" });
    expect(o.flakeCheck.nixConfig?.split("\n")).toEqual(["max-jobs = 2", "extra-substituters = https://cache.example.org", `extra-trusted-public-keys = ${key}`]);
    expect(o.buildMatrix.nixConfig).toBe("max-jobs = 2");
    expect(read({ flake: "examples/fleet" }).flakeCheck.nixConfig).toBeUndefined();
  });

  it("gives extra-args to both stages that run Nix", () => {
    const values: Record<string, string> = { flake: "examples/fleet", "extra-args": "--override-input site path:/srv/site --option max-jobs 2" };
    const o = readGateOptions(new Inputs(gateInputSource((n) => values[n]), () => undefined), { RUNNER_TEMP: "/tmp/runner" }, repoRoot);
    const expected = ["--override-input", "site", "path:/srv/site", "--option", "max-jobs", "2"];
    expect(o.flakeCheck.extraArgs).toEqual(expected);
    expect(o.buildMatrix.extraArgs).toEqual(expected);
  });

  it("refuses tokens in extra-args (Nix's argv, which ps shows), masked first", () => {
    for (const args of ["--option access-tokens github.com=ghp_secret1", "--extra-access-tokens github.com=ghp_secret1", "--access-tokens=github.com=ghp_secret1"]) {
      const masked: string[] = [];
      const values: Record<string, string> = { flake: "examples/fleet", "extra-args": args };
      expect(() => readGateOptions(new Inputs(gateInputSource((n) => values[n]), (s) => masked.push(s)), { RUNNER_TEMP: "/tmp/runner" }, repoRoot)).toThrow(
        /Invalid input 'extra-args': '--(option access-tokens|extra-access-tokens|access-tokens)' would put the tokens on Nix's command line.*Expected them in the nix-config input instead/,
      );
      expect(masked, args).toContain("ghp_secret1");
    }
  });

  it("reads every stage's inputs first: a bad one in the last stage fails before anything runs", () => {
    expect(() => read({ flake: "examples/fleet", "max-parallel": "x" })).toThrow("Invalid input 'max-parallel'");
    expect(() => read({ flake: "examples/fleet", range: "a b" })).toThrow("Invalid input 'range'");
  });
});

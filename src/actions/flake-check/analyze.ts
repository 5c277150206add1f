import type { NixError } from "../../nix/errors.js";
import type { CheckedError } from "../../nix/source-map.js";

export type { CheckedError } from "../../nix/source-map.js";

export type HostStatus = "ok" | "broken";

export interface HostResult {
  host: string;
  status: HostStatus;
  errors: CheckedError[];
}

export interface OutputResult {
  /** A flake output such as checks.x86_64-linux.fmt, or "flake" for the flake as a whole. */
  output: string;
  errors: CheckedError[];
}

export interface FlakeCheckReport {
  flake: string;
  result: "success" | "failure";
  nixVersion: string;
  /** False when not even the names of the hosts could be had: then no host was checked at all. */
  hostsListed: boolean;
  hosts: HostResult[];
  brokenHosts: string[];
  outputs: OutputResult[];
  /** Systems whose outputs Nix 2.16+ did not check (no all-systems): not broken, not checked either. */
  omittedSystems: string[];
  seconds: number;
}

export interface Attribution {
  byHost: Map<string, NixError[]>;
  byOutput: Map<string, NixError[]>;
  /** Errors that name neither a host nor another output, or only nixosConfigurations as a whole. */
  unattributed: NixError[];
}

/** /nix/store/<hash>-fleet-base.drv → fleet-base */
export function derivationName(drvPath: string): string {
  return drvPath.replace(/^.*\/[0-9a-z]{32}-/, "").replace(/\.drv$/, "");
}

export function groupErrors(errors: NixError[], checkNames: Map<string, string> = new Map()): Attribution {
  const result: Attribution = { byHost: new Map(), byOutput: new Map(), unattributed: [] };
  const add = (map: Map<string, NixError[]>, key: string, e: NixError) => map.set(key, [...(map.get(key) ?? []), e]);
  for (const e of errors) {
    if (e.host) add(result.byHost, e.host, e);
    else if (e.output && e.output !== "nixosConfigurations") add(result.byOutput, e.output, e);
    else if (e.derivation) add(result.byOutput, checkNames.get(e.derivation) ?? `build of ${derivationName(e.derivation)}`, e);
    else result.unattributed.push(e);
  }
  return result;
}

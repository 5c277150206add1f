import { existsSync } from "node:fs";
import { join, relative, sep } from "node:path";
import type { NixError, SourcePosition } from "../../nix/errors.js";

/** An error as the user sees it: the message and, where it lies in the repository, file:line. */
export interface CheckedError {
  message: string;
  /** Relative to the workspace (the repository root on a runner), with forward slashes. */
  file?: string;
  line?: number;
  column?: number;
}

export type HostStatus = "ok" | "broken" | "unknown";

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
  hosts: HostResult[];
  brokenHosts: string[];
  outputs: OutputResult[];
  seconds: number;
}

/** Maps store paths of the flake's source tree back to files in the workspace. */
export interface SourceMap {
  /** /nix/store/<hash>-source: the copy Nix evaluated. */
  storePath?: string;
  /** What that copy was taken from: the git work tree holding the flake, or the flake directory. */
  root?: string;
  workspace: string;
}

const ANY_SOURCE = /^\/nix\/store\/[0-9a-df-np-sv-z]{32}-source\/(.+)$/;

export function toWorkspacePath(file: string, map: SourceMap): string | undefined {
  if (!map.root) return undefined;
  let inSource: string | undefined;
  if (map.storePath) {
    if (file.startsWith(`${map.storePath}/`)) inSource = file.slice(map.storePath.length + 1);
  } else {
    // Nix could not even say where it copied the flake (flake.nix does not parse): take a source
    // path as ours when the same file exists in the repository.
    const m = ANY_SOURCE.exec(file);
    if (m?.[1] && existsSync(join(map.root, m[1]))) inSource = m[1];
  }
  if (inSource === undefined) return undefined;
  const onDisk = join(map.root, inSource);
  const rel = relative(map.workspace, onDisk);
  // Outside the workspace a relative path helps nobody: say where the file is.
  return rel.startsWith("..") ? onDisk : rel.split(sep).join("/");
}

/**
 * Where to point at an error: its own position when that lies in the repository, else the
 * innermost frame that does (a plain `throw` has no position of its own). Positions in other
 * sources (nixpkgs, inputs) are never annotated.
 */
export function locate(error: NixError, map: SourceMap): CheckedError {
  const candidates: (SourcePosition | undefined)[] = [error.position, ...error.trace.map((f) => f.position)];
  for (const pos of candidates) {
    const file = pos && toWorkspacePath(pos.file, map);
    if (pos && file) return explainUntracked({ message: error.message, file, line: pos.line, column: pos.column }, map);
  }
  return explainUntracked({ message: error.message }, map);
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

/**
 * The commonest puzzle with a git flake: a file that exists but that git does not track is not in
 * the copy Nix evaluates. Says so, instead of leaving "No such file or directory".
 */
export function explainUntracked(error: CheckedError, map: SourceMap): CheckedError {
  // Nix 2.8: "getting status of '<path>': No such file or directory"; 2.26: "path '<path>' does not exist".
  const m = /(?:getting status of|path) '\/nix\/store\/[0-9a-z]{32}-source\/([^']+)'(?:: No such file or directory| does not exist)/.exec(error.message);
  if (!m?.[1] || !map.root || !existsSync(join(map.root, m[1]))) return error;
  const hint = `${m[1]} exists in the work tree but git does not track it, and Nix only sees tracked files of a git flake: git add it.`;
  return { ...error, message: `${error.message}\n${hint}` };
}

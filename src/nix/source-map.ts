import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { Git } from "../git/git.js";
import { UserError } from "../runner/user-error.js";
import type { NixError, SourcePosition } from "./errors.js";
import type { Nix } from "./nix.js";

/**
 * Where Nix's errors lie in the repository. Every evaluation (flake-check, plan, build) reports
 * its errors through here, so that annotations, summaries and JSON reports all carry
 * repository-relative file:line, never a /nix/store/<hash>-source path.
 */

/** An error as the user sees it: the message and, where it lies in the repository, file:line. */
export interface CheckedError {
  message: string;
  /** Relative to the workspace (the repository root on a runner), with forward slashes. */
  file?: string;
  line?: number;
  column?: number;
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

/** The path inside the flake's source tree of a store path Nix printed, if it is one of ours. */
function inSourceTree(file: string, map: SourceMap): string | undefined {
  if (!map.root) return undefined;
  if (map.storePath) return file.startsWith(`${map.storePath}/`) ? file.slice(map.storePath.length + 1) : undefined;
  // Nix could not even say where it copied the flake (flake.nix does not parse): take a source
  // path as ours when the same file exists in the repository.
  const m = ANY_SOURCE.exec(file);
  return m?.[1] && existsSync(join(map.root, m[1])) ? m[1] : undefined;
}

function shown(onDisk: string, map: SourceMap): string {
  const rel = relative(map.workspace, onDisk);
  // Outside the workspace a relative path helps nobody: say where the file is.
  return rel.startsWith("..") ? onDisk : rel.split(sep).join("/");
}

export function toWorkspacePath(file: string, map: SourceMap): string | undefined {
  const inSource = inSourceTree(file, map);
  return inSource === undefined || !map.root ? undefined : shown(join(map.root, inSource), map);
}

/**
 * Where to point at an error: its own position when that lies in the repository, else the
 * innermost frame that does (a plain `throw` has no position of its own). Positions in other
 * sources (nixpkgs, inputs) are never annotated. A file git does not track is pointed at where
 * the repository refers to it.
 */
export function locate(error: NixError, map: SourceMap): CheckedError {
  const untracked = untrackedFile(error.message, map);
  if (untracked) {
    const hint = `${untracked.path} exists in the work tree but git does not track it, and Nix only sees tracked files of a git flake: git add it.`;
    return { message: `${error.message}\n${hint}`, ...(untracked.referencedAt ?? positionOf(error, map)) };
  }
  return { message: error.message, ...positionOf(error, map) };
}

function positionOf(error: NixError, map: SourceMap): Omit<CheckedError, "message"> {
  const candidates: (SourcePosition | undefined)[] = [error.position, ...error.trace.map((f) => f.position)];
  for (const pos of candidates) {
    const file = pos && toWorkspacePath(pos.file, map);
    if (pos && file) return { file, line: pos.line, column: pos.column };
  }
  return {};
}

/** The most files searched for the line that refers to an untracked file. */
const MAX_FILES_SEARCHED = 2000;

/**
 * The commonest puzzle with a git flake: a file that exists but that git does not track is not in
 * the copy Nix evaluates. Nix's trace names where the module system imported it (nixpkgs' code,
 * or a generic `import module` line), not the line that names the file: that line is found by
 * looking for a path literal in the repository's .nix files that resolves to the missing file.
 */
function untrackedFile(message: string, map: SourceMap): { path: string; referencedAt?: Omit<CheckedError, "message"> } | undefined {
  // Nix 2.8: "getting status of '<path>': No such file or directory"; 2.26: "path '<path>' does not exist".
  const m = /(?:getting status of|path) '(\/nix\/store\/[0-9a-z]{32}-source\/[^']+)'(?:: No such file or directory| does not exist)/.exec(message);
  const inSource = m?.[1] && ANY_SOURCE.exec(m[1])?.[1];
  if (!inSource || !map.root || !existsSync(join(map.root, inSource))) return undefined;
  const missing = resolve(map.root, inSource);
  const files = nixFiles(map.root);
  for (const file of files) {
    const lines = readFileSync(file, "utf8").split("\n");
    for (const [i, text] of lines.entries()) {
      for (const literal of text.matchAll(/(?<![\w/])(\.{1,2}\/[\w./+-]*)/g)) {
        const target = resolve(dirname(file), literal[1] ?? "");
        if (target === missing || (target === dirname(missing) && missing.endsWith(`${sep}default.nix`))) {
          return { path: inSource, referencedAt: { file: shown(file, map), line: i + 1, column: (literal.index ?? 0) + 1 } };
        }
      }
    }
  }
  return { path: inSource };
}

function nixFiles(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (found.length >= MAX_FILES_SEARCHED) return;
      if (e.name === ".git" || e.name === "node_modules" || e.name === "result") continue;
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else if (e.name.endsWith(".nix")) found.push(path);
    }
  };
  walk(root);
  return found.sort();
}

export interface FlakeLocation {
  /** As the user gave it: a `path:` flake is copied whole, not from git. */
  flake: string;
  /** What Nix is given. */
  ref: string;
  localDir?: string;
  /** Where paths are shown from when the flake is not in a git repository (and in a terminal). */
  workspace: string;
  /** Annotations name files from the repository root, as the forges place them (not in a terminal). */
  pathsFromRepositoryRoot: boolean;
}

/**
 * The source map of a run. Asks Nix where it copied the flake (`nix flake metadata`), which also
 * writes flake.lock when that is missing or stale: it must run before any concurrent Nix process
 * reads the lock file half-written. A flake.nix that does not parse leaves storePath unknown (the
 * evaluation says why); a Nix that cannot read the flake at all is a UserError, thrown.
 */
export async function sourceMapFor(nix: Nix, where: FlakeLocation, lockFlags: string[]): Promise<SourceMap> {
  const gitRoot = where.localDir && !where.flake.startsWith("path:") ? await new Git(where.localDir).tryToplevel() : undefined;
  const map: SourceMap = { root: gitRoot || where.localDir, workspace: where.pathsFromRepositoryRoot && gitRoot ? gitRoot : where.workspace };
  try {
    map.storePath = await nix.flakeSourcePath(where.ref, lockFlags);
  } catch (error) {
    if (error instanceof UserError) throw error;
  }
  return map;
}

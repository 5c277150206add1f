import { lstatSync, realpathSync } from "node:fs";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import type { Inputs } from "./inputs.js";

/** Where a path-valued input may point for the action to write: the checkout and the runner's temp dir. */
export interface OutputRoots {
  /** GITHUB_WORKSPACE (the CLI: the current directory). */
  workspace: string;
  /** RUNNER_TEMP (the CLI: the system temp dir). */
  temp: string;
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** The path with its existing part's symlinks and `..` resolved; the rest does not exist yet, so holds no symlink. */
function realTarget(path: string): string {
  let existing = path;
  const rest: string[] = [];
  while (!exists(existing)) {
    rest.unshift(basename(existing));
    const parent = dirname(existing);
    if (parent === existing) break;
    existing = parent;
  }
  return join(realpathSync(existing), ...rest);
}

function inside(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel !== "" && !rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel);
}

/**
 * A path an input names for the action to WRITE (a SARIF file, a report), checked before anything
 * runs: it must lie inside the workspace or the runner's temp dir once `..` and the symlinks of
 * its existing parents are resolved, never inside a `.git` directory, and must not exist yet (the
 * action never replaces a file it did not create; write it with an exclusive create, flag "wx").
 * Returns the resolved path; a relative value is taken from the workspace.
 *
 * `confined: false` is for a terminal, where the user who types the path is the one whose files
 * they are: any directory then, but still never an existing file nor one inside `.git`.
 */
export function outputPath(inputs: Inputs, name: string, value: string, roots: OutputRoots, confined = true): string {
  const where = confined ? ` inside the workspace (${roots.workspace}) or RUNNER_TEMP (${roots.temp})` : "";
  const expected = `Expected the path of a new file${where}, outside .git`;
  const given = isAbsolute(value) ? resolve(value) : resolve(roots.workspace, value);
  if (exists(given)) throw inputs.error(name, `'${value}' already exists (${given}): only files the step creates are written. ${expected}.`);
  const target = realTarget(given);
  const realRoots = [roots.workspace, roots.temp].map((r) => (exists(r) ? realpathSync(r) : resolve(r)));
  const root = realRoots.find((r) => inside(target, r));
  if (confined && !root) throw inputs.error(name, `'${value}' is outside the workspace and RUNNER_TEMP (it resolves to ${target}). ${expected}.`);
  // The resolved path, so that a symlink into .git is caught as well.
  if ((root ? relative(root, target) : target).split(sep).includes(".git")) {
    throw inputs.error(name, `'${value}' is inside a .git directory (${target}). ${expected}.`);
  }
  return target;
}

import { randomBytes } from "node:crypto";
import { link, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { diskFullError } from "./disk-full.js";
import { UserError } from "./user-error.js";

/**
 * A step's report could not be written: the step itself ran. The gate tells the two apart, so it
 * never says a stage "did not run" when only its report is missing.
 */
export class ReportWriteError extends Error {
  constructor(
    readonly action: string,
    readonly path: string,
    cause: unknown,
  ) {
    // A full disk already says what could not be written where, and the fix.
    super(cause instanceof UserError ? cause.message : `The ${action} report could not be written to ${path}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = "ReportWriteError";
  }
}

/** One file of a step's: `path` when the user chose one, else `name` in the step's own directory. */
export interface StepFile {
  name: string;
  content: string;
  path?: string;
}

/**
 * Writes a step's JSON report and returns its path: `path` when the user chose one, else a fresh
 * directory of the step's own under `dir` (RUNNER_TEMP/nix-fleet on a runner), so that two steps of
 * one job, or the gate and a single action, never overwrite each other's reports.
 * Throws ReportWriteError; a full disk is named as such (diskFullError).
 */
export async function writeStepReport(dir: string, action: string, data: unknown, path?: string): Promise<string> {
  const [target] = await writeStepFiles(dir, action, [{ name: `${action}-report.json`, content: JSON.stringify(data, null, 2) + "\n", path }]);
  return target as string;
}

/**
 * Writes a step's files (a report and a SARIF file) all or none, in one step directory under `dir`
 * for those without a `path`, and returns their paths in order. If one cannot be written, the
 * ones already written are removed again: no report is left that claims a step succeeded whose
 * other file is missing. Throws ReportWriteError naming the file that failed.
 */
export async function writeStepFiles(dir: string, action: string, files: StepFile[]): Promise<string[]> {
  let stepDir: string | undefined;
  let target = files[0]?.path ?? join(dir, files[0]?.name ?? "");
  const written: string[] = [];
  try {
    if (files.some((f) => !f.path)) stepDir = await newStepDir(dir, action);
    for (const file of files) {
      target = file.path ?? join(stepDir as string, file.name);
      await mkdir(dirname(target), { recursive: true });
      await writeFileWhole(target, file.content);
      written.push(target);
    }
    return written;
  } catch (error) {
    // Only files this call created; the step's own directory holds nothing else yet either.
    for (const path of written) await rm(path, { force: true });
    if (stepDir) await rm(stepDir, { recursive: true, force: true });
    throw new ReportWriteError(action, target, diskFullError(error, target, `The ${action} report`));
  }
}

/**
 * Writes a new file whole or not at all: into a temporary name beside it, hard-linked to its name
 * once complete (which, unlike a rename, fails with EEXIST rather than replace a file that appeared
 * there meanwhile: a path from an input was checked not to exist, and must still not), the
 * temporary name removed in every case. A reader never sees a truncated or zero-byte file.
 */
export async function writeFileWhole(path: string, content: string): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    await writeFile(temporary, content, { flag: "wx" });
    await link(temporary, path);
  } finally {
    await rm(temporary, { force: true });
  }
}

/** A new directory for one step's files under `dir`. */
async function newStepDir(dir: string, action: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  return mkdtemp(join(dir, `${action}-`));
}

import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rename, rm, writeFile } from "node:fs/promises";
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

/**
 * Writes a step's JSON report and returns its path: `path` when the user chose one, else a fresh
 * directory of the step's own under `dir` (RUNNER_TEMP/nix-fleet on a runner), so that two steps of
 * one job, or the gate and a single action, never overwrite each other's reports.
 * Throws ReportWriteError; a full disk is named as such (diskFullError).
 */
export async function writeStepReport(dir: string, action: string, data: unknown, path?: string): Promise<string> {
  let target = path ?? join(dir, `${action}-report.json`);
  let stepDir: string | undefined;
  try {
    if (!path) {
      stepDir = await newStepDir(dir, action);
      target = join(stepDir, `${action}-report.json`);
    }
    await mkdir(dirname(target), { recursive: true });
    await writeFileWhole(target, JSON.stringify(data, null, 2) + "\n");
    return target;
  } catch (error) {
    // The step's own directory holds nothing else yet: no empty directory is left either.
    if (stepDir) await rm(stepDir, { recursive: true, force: true });
    throw new ReportWriteError(action, target, diskFullError(error, target, `The ${action} report`));
  }
}

/**
 * Writes a file whole or not at all: into a temporary name beside it, renamed over it once
 * complete, removed if the write fails. A reader never sees a truncated or zero-byte file.
 */
export async function writeFileWhole(path: string, content: string): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    await writeFile(temporary, content, { flag: "wx" });
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** A new directory for one step's files under `dir`. */
export async function newStepDir(dir: string, action: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  return mkdtemp(join(dir, `${action}-`));
}

import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";

/**
 * Writes a step's JSON report and returns its path: `path` when the user chose one, else a fresh
 * directory of the step's own under `dir` (RUNNER_TEMP/nix-fleet on a runner), so that two steps of
 * one job, or the gate and a single action, never overwrite each other's reports.
 */
export async function writeStepReport(dir: string, action: string, data: unknown, path?: string): Promise<string> {
  const target = path ?? join(await newStepDir(dir, action), `${action}-report.json`);
  await mkdir(dirname(target), { recursive: true });
  await writeFile(target, JSON.stringify(data, null, 2) + "\n");
  return target;
}

/** A new directory for one step's files under `dir`. */
export async function newStepDir(dir: string, action: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  return mkdtemp(join(dir, `${action}-`));
}

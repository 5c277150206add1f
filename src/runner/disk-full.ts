import { dirname, relative, isAbsolute } from "node:path";
import { UserError } from "./user-error.js";

/** Codes of a write that failed for want of space (a full disk, a quota). */
const FULL = new Set(["ENOSPC", "EDQUOT"]);

function inside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return !rel.startsWith("..") && !isAbsolute(rel);
}

/**
 * A failed write as the user should read it: a full disk says which directory is full and what to
 * do (a bare "ENOSPC: no space left on device, write" names neither); anything else is returned
 * as it was.
 */
export function diskFullError(error: unknown, path: string, what: string, env: NodeJS.ProcessEnv = process.env): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (!code || !FULL.has(code)) return error;
  const temp = env.RUNNER_TEMP;
  // Only RUNNER_TEMP is known to be one disk: below the system temp dir another may be mounted.
  const where = temp && inside(path, temp) ? `the temp directory ${temp} (RUNNER_TEMP) is full` : `the disk holding ${dirname(path)} is full`;
  return new UserError(
    `${what} could not be written to ${path}: ${where} (${code}).`,
    `free space on that disk${temp ? ", or give the runner a RUNNER_TEMP on a larger one" : ""}, then run again.`,
  );
}

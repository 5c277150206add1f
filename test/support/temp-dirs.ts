import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";

/**
 * The temporary directories of one test file, removed after its last test. Call it at the top of
 * the file: `temp(prefix)` makes a directory under the system temp dir, and `made` takes any other
 * path to remove with them (a fleet from makeFleet, a step's RUNNER_TEMP).
 */
export function tempDirs(): { temp: (prefix: string) => string; made: string[] } {
  const made: string[] = [];
  afterAll(() => {
    for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const temp = (prefix: string): string => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    made.push(dir);
    return dir;
  };
  return { temp, made };
}

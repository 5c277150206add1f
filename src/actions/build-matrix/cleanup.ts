import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, resolve } from "node:path";
import type { Runtime } from "../../runner/runtime.js";
import { PRIVATE_DIR_PREFIX, PRIVATE_DIR_STATE } from "./state.js";

/**
 * The post step's work: main removes its private directory (netrc, signing key) itself; this
 * catches a main that was killed. Only a directory main could have made is removed: one named
 * with main's prefix, right inside RUNNER_TEMP.
 */
export async function removePrivateDir(runtime: Runtime, tempRoot = process.env.RUNNER_TEMP || tmpdir()): Promise<void> {
  const dir = runtime.getState(PRIVATE_DIR_STATE);
  if (!dir) return;
  if (dirname(resolve(dir)) !== resolve(tempRoot) || !basename(dir).startsWith(PRIVATE_DIR_PREFIX)) {
    runtime.warning(`not removing '${dir}': it is not a private directory this action made in ${tempRoot}.`);
    return;
  }
  await rm(dir, { recursive: true, force: true });
}

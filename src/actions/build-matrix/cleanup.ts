import { rm } from "node:fs/promises";
import type { Runtime } from "../../runner/runtime.js";
import { PRIVATE_DIR_STATE } from "./state.js";

/** The post step's work: main removes its private directory (netrc, signing key) itself; this catches a main that was killed. */
export async function removePrivateDir(runtime: Runtime): Promise<void> {
  const dir = runtime.getState(PRIVATE_DIR_STATE);
  if (dir) await rm(dir, { recursive: true, force: true });
}

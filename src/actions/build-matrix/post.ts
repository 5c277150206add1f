import { rm } from "node:fs/promises";
import { runPost } from "../../runner/actions-runtime.js";
import { PRIVATE_DIR_STATE } from "./state.js";

// Main removes its private directory (netrc, signing key) itself; this catches a main that was killed.
await runPost("build-matrix", async (runtime) => {
  const dir = runtime.getState(PRIVATE_DIR_STATE);
  if (dir) await rm(dir, { recursive: true, force: true });
});

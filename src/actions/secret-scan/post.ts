import { runPost } from "../../runner/actions-runtime.js";
import { cleanupFromState } from "../../runner/private-dir.js";
import { runnerTempDir } from "./options.js";

// main closes its scratch dir itself; this is for a main that was killed before it could.
await runPost("secret-scan", (runtime) => cleanupFromState(runtime, runnerTempDir(process.env)));

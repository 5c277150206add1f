import { tmpdir } from "node:os";
import { runPost } from "../../runner/actions-runtime.js";
import { cleanupFromState } from "../../runner/private-dir.js";

// Main removes its private directory (key, known_hosts) itself; this catches a main that was killed.
await runPost("mirror", (runtime) => cleanupFromState(runtime, process.env.RUNNER_TEMP || tmpdir()));

import { runCleanupPost } from "../../runner/actions-runtime.js";

// Main removes its private directory (key, known_hosts) itself; this catches a main that was killed.
await runCleanupPost("mirror");

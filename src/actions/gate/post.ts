import { runCleanupPost } from "../../runner/actions-runtime.js";

await runCleanupPost("gate");
